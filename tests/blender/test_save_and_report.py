"""The add-on in real Blender against the real server (issues 2 and 3, cases B1-B8, B11)."""

import json
import os
import socket
import threading
import urllib.request
from datetime import datetime

import pytest

pytestmark = pytest.mark.blender


@pytest.fixture
def silent_server():
    """A loopback server that accepts connections and never answers (case B1)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.fixture
def closed_port_url():
    """The address of a loopback port where nothing listens (case B2)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def stored_reports(server, read_key):
    request = urllib.request.Request(f"{server.url}/api/v1/saves/", headers={"Authorization": f"Bearer {read_key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["results"]


def install(addon_zips, kind="extension"):
    return {"do": "install", "zip": addon_zips[kind], "kind": kind}


def configure(url, key, **more):
    return {"do": "configure", "server_url": url, "api_key": key, **more}


@pytest.mark.parametrize("kind", ["extension", "legacy"])
def test_save_and_report_stores_exact_path_user_and_time(blender, addon_zips, live_server_process, tmp_path, kind):
    server = live_server_process
    blend = tmp_path / "Проект сцена" / "шот 010.blend"
    blend.parent.mkdir()

    results = blender(
        [
            install(addon_zips, kind),
            configure(server.url, server.issue_key("anna-ws"), username="anna"),
            {"do": "save_and_report", "filepath": str(blend)},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    saved, delivered = results[2], results[3]
    assert saved["result"] == ["FINISHED"]
    assert saved["blend_path"] == str(blend)
    assert blend.is_file()
    assert delivered["pending"] == 0
    assert delivered["message"] == "Report sent"
    [stored] = stored_reports(server, server.issue_key("reader", read=True))
    assert stored["username"] == "anna"
    assert stored["file_path"] == str(blend)
    saved_at = datetime.fromisoformat(stored["saved_at"].replace("Z", "+00:00"))
    assert abs(saved_at.timestamp() - blend.stat().st_mtime) < 2.0
    assert stored["api_key"] == "anna-ws"


def test_username_defaults_to_the_operating_system_login(blender, addon_zips, live_server_process, tmp_path):
    server = live_server_process

    blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws")),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "wait_delivered", "timeout": 30},
        ],
        USER="artist-login",
        LOGNAME="artist-login",
    )

    [stored] = stored_reports(server, server.issue_key("reader", read=True))
    assert stored["username"] == "artist-login"


def test_never_saved_file_from_a_script_is_an_error_and_writes_nothing(
    blender, addon_zips, live_server_process, tmp_path
):
    server = live_server_process
    os.chdir(tmp_path)

    results = blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws")),
            {"do": "save_and_report"},
            {"do": "status"},
        ]
    )

    assert results[2]["result"] == ["CANCELLED"]
    assert results[2]["error"] == (
        "Error: This file has never been saved: choose where to save it (File > Save As) and try again"
    )
    assert results[3]["pending"] == 0
    assert list(tmp_path.rglob("untitled*.blend")) == []


def test_save_into_read_only_folder_fails_and_reports_nothing(blender, addon_zips, live_server_process, tmp_path):
    if os.geteuid() == 0:
        # root ignores folder permissions; a file where the folder should be
        # makes the save fail the same way for every user.
        target = tmp_path / "not-a-folder" / "shot.blend"
        target.parent.write_text("")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        target = locked / "shot.blend"
    server = live_server_process

    results = blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws")),
            {"do": "save_and_report", "filepath": str(target)},
            {"do": "status"},
        ]
    )

    assert results[2]["result"] == ["CANCELLED"]
    assert results[2]["error"].startswith("Error: Could not save the file: Cannot open file ")
    assert results[3]["pending"] == 0
    assert stored_reports(server, server.issue_key("reader", read=True)) == []


def test_silent_server_does_not_hold_the_button_and_the_report_waits(
    blender, addon_zips, live_server_process, silent_server, tmp_path
):
    server = live_server_process
    key = server.issue_key("ws")

    results = blender(
        [
            install(addon_zips),
            configure(silent_server, key, read_timeout=60.0),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
            configure(server.url, key),
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert results[2]["result"] == ["FINISHED"]
    assert results[3]["pending"] == 1
    assert results[5]["pending"] == 0
    assert len(stored_reports(server, server.issue_key("reader", read=True))) == 1


def test_unreachable_server_says_it_will_retry(blender, addon_zips, closed_port_url, tmp_path):
    results = blender(
        [
            install(addon_zips),
            configure(closed_port_url, "st_unused_key"),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "poll", "seconds": 2.0},
        ]
    )

    assert results[3]["pending"] == 1
    assert results[3]["is_error"] is True
    assert results[3]["message"].startswith("Server unreachable, will retry in ")


def test_quit_with_report_in_flight_then_next_session_delivers_it(
    blender, addon_zips, live_server_process, silent_server, tmp_path
):
    server = live_server_process
    key = server.issue_key("ws")

    first = blender(
        [
            install(addon_zips),
            configure(silent_server, key, read_timeout=60.0),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
        ]
    )
    assert first[3]["pending"] == 1

    second = blender(
        [
            {"do": "enable", "package": "bl_ext.user_default.savetrail"},
            configure(server.url, key),
            {"do": "start_session"},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert second[3]["pending"] == 0
    [stored] = stored_reports(server, server.issue_key("reader", read=True))
    assert stored["file_path"] == str(tmp_path / "a.blend")


def test_disable_enable_then_one_save_reports_once(blender, addon_zips, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install(addon_zips),
            {"do": "disable"},
            {"do": "enable"},
            {"do": "disable"},
            {"do": "enable"},
            configure(server.url, server.issue_key("ws"), report_every_save=True),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert results[7]["save_post_handlers"].count("_report_after_save") == 1
    assert len(stored_reports(server, server.issue_key("reader", read=True))) == 1


def test_report_every_save_reports_a_plain_save(blender, addon_zips, live_server_process, tmp_path):
    server = live_server_process
    blend = tmp_path / "ctrl s.blend"

    blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws"), report_every_save=True),
            {"do": "save", "filepath": str(blend)},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    [stored] = stored_reports(server, server.issue_key("reader", read=True))
    assert stored["file_path"] == str(blend)


def test_plain_save_is_not_reported_by_default(blender, addon_zips, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws")),
            {"do": "save", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
        ]
    )

    assert results[3]["pending"] == 0
    assert stored_reports(server, server.issue_key("reader", read=True)) == []


def test_online_access_off_keeps_reports_waiting_until_allowed(blender, addon_zips, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install(addon_zips),
            configure(server.url, server.issue_key("ws")),
            {"do": "online_access", "allowed": False},
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "poll", "seconds": 1.0},
            {"do": "online_access", "allowed": True},
            {"do": "send_pending"},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert results[4]["pending"] == 1
    assert results[4]["message"] == ("Online access is off: allow it in Preferences > System > Network")
    assert results[7]["pending"] == 0
    assert len(stored_reports(server, server.issue_key("reader", read=True))) == 1
