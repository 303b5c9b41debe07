from django.core.management.base import BaseCommand, CommandError

from saves.services import issue_api_key


class Command(BaseCommand):
    help = (
        "Issue an API key and print it as the only line on stdout. The key is "
        "not stored, only its digest: keep it now."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what uses the key (unique).")
        parser.add_argument(
            "--read", action="store_true", help="May also list reports (scope read)."
        )
        parser.add_argument(
            "--no-report",
            action="store_true",
            help="May not send reports (without the scope report).",
        )

    def handle(self, *args, name, read, no_report, **options):
        if not name.strip():
            raise CommandError("Give the key a name, for example the artist's.")
        try:
            _, raw_key = issue_api_key(name, can_report=not no_report, can_read=read)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(raw_key)
