"""API keys in the admin: issued and shown once, scopes, revocation, usage."""

import re

import pytest
from admin_support import KEYS_URL, in_zone, make_report, staff_user, utc
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

from saves.models import ApiKey
from saves.services import hash_key, issue_api_key

pytestmark = pytest.mark.django_db

RAW_KEY = re.compile(
    r'id="issued-key" class="vTextField" value="(st_[a-z0-9]{8}_[^"]+)"'
)


def create_key(client, **fields):
    form = {"name": "ws-12", "can_report": "on", **fields}
    return client.post(f"{KEYS_URL}add/", {k: v for k, v in form.items() if v})


class TestCreate:
    def test_new_key_is_shown_once_and_only_its_hash_is_stored(
        self, admin_client, admin_user
    ):
        response = create_key(admin_client, can_read="on")

        html = response.content.decode()
        raw_key = RAW_KEY.search(html).group(1)
        api_key = ApiKey.objects.get()
        assert response.status_code == 200
        assert "The API key “ws-12” was created. Copy it now: it is shown only" in html
        assert raw_key.startswith(f"st_{api_key.prefix}_")
        assert api_key.key_hash == hash_key(raw_key)
        assert (api_key.can_report, api_key.can_read) == (True, True)
        assert api_key.created_by == admin_user
        assert "no-store" in response["Cache-Control"]

    def test_afterwards_only_the_prefix_shows(self, admin_client):
        raw_key = RAW_KEY.search(create_key(admin_client).content.decode()).group(1)
        api_key = ApiKey.objects.get()

        listing = admin_client.get(KEYS_URL).content.decode()
        detail = admin_client.get(f"{KEYS_URL}{api_key.pk}/change/").content.decode()

        secret = raw_key.split("_", 2)[2]
        for html in (listing, detail):
            assert f"<code>st_{api_key.prefix}_…</code>" in html
            assert secret not in html

    def test_creation_is_in_the_history(self, admin_client, admin_user):
        create_key(admin_client)

        entry = LogEntry.objects.get()
        assert (entry.user, entry.action_flag, entry.object_repr) == (
            admin_user,
            ADDITION,
            str(ApiKey.objects.get()),
        )

    def test_duplicate_name_is_a_form_error(self, admin_client):
        issue_api_key("ws-12")

        html = create_key(admin_client).content.decode()

        assert "API key with this Name already exists." in html
        assert ApiKey.objects.count() == 1

    def test_add_form_offers_no_save_and_add_another(self, admin_client):
        html = admin_client.get(f"{KEYS_URL}add/").content.decode()

        assert 'name="_save"' in html
        assert 'name="_addanother"' not in html
        assert 'name="_continue"' not in html


class TestScopes:
    def test_scopes_can_be_changed(self, admin_client):
        api_key, _ = issue_api_key("dashboard")

        admin_client.post(
            f"{KEYS_URL}{api_key.pk}/change/", {"name": "dashboard", "can_read": "on"}
        )

        api_key.refresh_from_db()
        assert (api_key.can_report, api_key.can_read) == (False, True)

    @pytest.mark.parametrize(
        ("report", "read", "shown"),
        [(True, False, "report"), (True, True, "report, read"), (False, False, "none")],
    )
    def test_list_shows_scopes(self, admin_client, report, read, shown):
        issue_api_key("k", can_report=report, can_read=read)

        html = admin_client.get(KEYS_URL).content.decode()

        assert f'<td class="field-scopes">{shown}</td>' in html


class TestRevoke:
    def test_revoke_asks_first_then_revokes(self, admin_client, admin_user):
        api_key, _ = issue_api_key("old laptop")
        url = f"{KEYS_URL}{api_key.pk}/revoke/"

        question = admin_client.get(url).content.decode()
        assert f"Revoke the key “old laptop” (<code>st_{api_key.prefix}_…</code>)?" in (
            question
        )
        api_key.refresh_from_db()
        assert api_key.revoked_at is None

        response = admin_client.post(url, follow=True)

        api_key.refresh_from_db()
        assert api_key.revoked_at is not None
        html = response.content.decode()
        assert (
            "Revoked: old laptop. Reports sent with a revoked key are refused with 401."
        ) in html
        assert "savetrail-revoke" not in html
        entry = LogEntry.objects.get(action_flag=CHANGE)
        assert (entry.user, entry.change_message) == (admin_user, "Revoked the key.")

    def test_change_page_links_to_revoke(self, admin_client):
        api_key, _ = issue_api_key("k")

        html = admin_client.get(f"{KEYS_URL}{api_key.pk}/change/").content.decode()

        assert (
            f'<a href="/admin/saves/apikey/{api_key.pk}/revoke/" '
            'class="savetrail-revoke">Revoke</a>'
        ) in html

    def test_revoked_key_cannot_be_edited(self, admin_client):
        api_key, _ = issue_api_key("k")
        admin_client.post(f"{KEYS_URL}{api_key.pk}/revoke/")

        admin_client.post(
            f"{KEYS_URL}{api_key.pk}/change/", {"name": "renamed", "can_read": "on"}
        )

        api_key.refresh_from_db()
        assert (api_key.name, api_key.can_read) == ("k", False)

    def test_revoke_action_on_the_list(self, admin_client):
        first, _ = issue_api_key("first")
        second, _ = issue_api_key("second")
        kept, _ = issue_api_key("kept")

        response = admin_client.post(
            KEYS_URL,
            {"action": "revoke_selected", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

        assert "Revoked: first, second." in response.content.decode()
        assert set(
            ApiKey.objects.filter(revoked_at__isnull=False).values_list(
                "name", flat=True
            )
        ) == {"first", "second"}

    def test_revoked_key_is_refused_by_the_api(self, admin_client, client):
        api_key, raw_key = issue_api_key("k")
        admin_client.post(f"{KEYS_URL}{api_key.pk}/revoke/")

        response = client.post(
            "/api/v1/saves/",
            {
                "username": "anna",
                "saved_at": "2026-03-10T17:42:55Z",
                "file_path": "/proj/a.blend",
            },
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw_key}"},
        )

        assert response.status_code == 401
        assert response.json()["code"] == "revoked_key"

    def test_staff_without_change_permission_cannot_revoke(
        self, client, django_user_model
    ):
        client.force_login(staff_user(django_user_model, "viewer", "view_apikey"))
        api_key, _ = issue_api_key("k")

        assert client.post(f"{KEYS_URL}{api_key.pk}/revoke/").status_code == 403
        api_key.refresh_from_db()
        assert api_key.revoked_at is None


class TestUsage:
    def test_list_shows_reports_sent_and_last_use(self, admin_client):
        busy, _ = issue_api_key("busy")
        idle, _ = issue_api_key("idle")
        for _ in range(3):
            make_report(api_key=busy)
        busy.last_used_at = utc("2026-03-10 17:42:55")
        busy.save()

        html = admin_client.get(KEYS_URL).content.decode()

        rows = {
            name: html[html.index(f">{name}</a>") :].split("</tr>", 1)[0]
            for name in ("busy", "idle")
        }
        assert '<td class="field-reports_sent">3</td>' in rows["busy"]
        assert '<td class="field-reports_sent">0</td>' in rows["idle"]
        assert "data-viewer-time>2026-03-10 17:42:55</time>" in rows["busy"]
        assert '<td class="field-last_used">never</td>' in rows["idle"]

    def test_last_use_in_the_viewers_zone(self, admin_client):
        api_key, _ = issue_api_key("k")
        api_key.last_used_at = utc("2026-03-10 17:42:55")
        api_key.save()

        html = in_zone(admin_client, "Asia/Tokyo").get(KEYS_URL).content.decode()

        assert "data-viewer-time>2026-03-11 02:42:55</time>" in html

    def test_detail_shows_reports_sent(self, admin_client):
        api_key, _ = issue_api_key("k")
        make_report(api_key=api_key)

        html = admin_client.get(f"{KEYS_URL}{api_key.pk}/change/").content.decode()

        assert '<div class="readonly">1</div>' in html

    def test_keys_are_never_deleted(self, admin_client):
        api_key, _ = issue_api_key("k")

        assert admin_client.get(f"{KEYS_URL}{api_key.pk}/delete/").status_code == 403

    @pytest.mark.parametrize("keys", [1, 40])
    def test_queries_do_not_grow_with_keys(
        self, admin_client, django_assert_max_num_queries, keys
    ):
        for number in range(keys):
            make_report(api_key=issue_api_key(f"key {number}")[0])

        with django_assert_max_num_queries(5):
            admin_client.get(KEYS_URL)
