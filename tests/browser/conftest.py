"""Debian's Chromium, driven by Playwright, against pytest-django's live server."""

import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, NOW
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from saves.admin import SaveReportAdmin
from saves.models import SaveReport
from saves.services import issue_api_key

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module.

    Playwright's synchronous API keeps an event loop running in this thread,
    which trips Django's guard against database calls from async code. The
    tests call the ORM from plain synchronous code, so the guard is lifted for
    as long as the browser lives, and only then.
    """
    if not CHROMIUM.exists():
        message = "Chromium is missing: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def supervisor(transactional_db):
    """A superuser who signs in through the login form."""
    return get_user_model().objects.create_superuser(
        "supervisor", "supervisor@example.invalid", PASSWORD
    )


@pytest.fixture
def page(browser, live_server, supervisor, monkeypatch, request):
    """A signed-in page in Berlin's time zone; a screenshot is kept at the end."""
    monkeypatch.setattr(SaveReportAdmin, "clock", staticmethod(lambda: NOW))
    context = browser.new_context(
        base_url=live_server.url,
        timezone_id="Europe/Berlin",
        locale="en-GB",
        viewport={"width": 1600, "height": 1000},
        accept_downloads=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs

    tab.goto("/admin/")
    tab.get_by_label("Username").fill("supervisor")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/admin/")

    yield tab
    tab.screenshot(path=ARTIFACTS / f"{request.node.name}-end.png", full_page=True)
    context.close()


ARTISTS = ["anna", "bruno", "chen", "dmitri", "eva", "farid", "greta", "hiro"]
HOSTS = ["ws-01", "ws-02", "ws-03", "ws-04", "ws-05", "laptop-eva", "render-01"]
FILES = [
    "/mnt/projects/nightfall/shots/sh010/anim/sh010_anim_v012.blend",
    "/mnt/projects/nightfall/shots/sh020/light/sh020_light_v004.blend",
    "/mnt/projects/nightfall/assets/chars/fox/fox_rig_v007.blend",
    "P:\\nightfall\\assets\\props\\lantern\\lantern_model_v003.blend",
    "/home/dmitri/Проекты/шот 010/layout_v002.blend",
    "\\\\fileserver\\projects\\nightfall\\edit\\previz_v015.blend",
]


@pytest.fixture
def studio(transactional_db):
    """A month of saves by eight artists on seven machines, the same every run."""
    chooser = random.Random(2026)
    keys = [issue_api_key(f"{host} key")[0] for host in HOSTS]
    reports = []
    for day in range(35):
        weekend = (NOW - timedelta(days=day)).weekday() >= 5
        for _ in range(chooser.randint(2, 6) if weekend else chooser.randint(12, 30)):
            host = chooser.randrange(len(HOSTS))
            reports.append(
                SaveReport(
                    username=chooser.choice(ARTISTS),
                    saved_at=NOW
                    - timedelta(days=day, minutes=chooser.randint(0, 9 * 60)),
                    file_path=chooser.choice(FILES),
                    hostname=HOSTS[host],
                    blender_version=chooser.choice(["4.2.3", "4.5.1", "5.0.1"]),
                    file_size=chooser.randint(2_000_000, 90_000_000),
                    api_key=keys[host],
                )
            )
    SaveReport.objects.bulk_create(reports)
    return reports
