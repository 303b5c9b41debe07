import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from saves.services import issue_api_key

ADMIN_USERNAME = "admin"
FIRST_KEY_NAME = "first key"


class Command(BaseCommand):
    help = (
        "On the first run, create the superuser 'admin' and a first API key and "
        "print both, once. Later runs change nothing."
    )

    def handle(self, *args, **options):
        users = get_user_model().objects
        existing = users.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"Admin user '{existing.get_username()}' exists already. "
                "Make another API key with: "
                ".venv/bin/python server/manage.py create_api_key NAME"
            )
            return

        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            users.create_superuser(ADMIN_USERNAME, email="", password=password)
            _, raw_key = issue_api_key(FIRST_KEY_NAME)

        self.stdout.write(
            "\n".join(
                [
                    "SaveTrail is set up. These secrets are shown only this once:",
                    f"  Admin login (/admin/)  user: {ADMIN_USERNAME}"
                    f"  password: {password}",
                    f"  API key '{FIRST_KEY_NAME}' for the add-on:  {raw_key}",
                    "",
                ]
            )
        )
