"""The add-on in real Blender against the real server (issues 2 and 3, cases B1-B8, B11)."""

import json
import os
import urllib.request
from datetime import datetime

import pytest

pytestmark = pytest.mark.blender


def stored_reports(server, read_key):
    request = urllib.request.Request(
        f"{server.base_url}/api/v1/saves/", headers={"Authorization": f"Bearer {read_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["results"]


def configure(url, key, **more):
    return {"do": "configure", "server_url": url, "api_key": key, **more}


def test_save_and_report_stores_exact_path_user_and_time(
    blender, addon_zips, addon_kind, live_server_process, tmp_path
):
    server = live_server_process
    blend = tmp_path / "Проект сцена" / "шот 010.blend"
    blend.parent.mkdir()

    results = blender(
        [
            {"do": "install", "zip": addon_zips[addon_kind], "kind": addon_kind},
            configure(server.base_url, server.create_key("anna-ws"), username="anna"),
            {"do": "save_and_report", "filepath": str(blend)},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    saved, delivered = results[2], results[3]
    assert saved["result"] == ["FINISHED"]
    assert saved["blend_path"] == str(blend)
    assert blend.is_file()
    assert delivered["pending"] == 0
    assert delivered["message"] == "Sent"
    [stored] = stored_reports(server, server.create_key("reader", read=True))
    assert stored["username"] == "anna"
    assert stored["file_path"] == str(blend)
    saved_at = datetime.fromisoformat(stored["saved_at"].replace("Z", "+00:00"))
    assert abs(saved_at.timestamp() - blend.stat().st_mtime) < 2.0
    assert stored["api_key"] == "anna-ws"


def test_username_defaults_to_the_operating_system_login(blender, install_step, live_server_process, tmp_path):
    server = live_server_process

    blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws")),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "wait_delivered", "timeout": 30},
        ],
        USER="artist-login",
        LOGNAME="artist-login",
    )

    [stored] = stored_reports(server, server.create_key("reader", read=True))
    assert stored["username"] == "artist-login"


def test_never_saved_file_from_a_script_is_an_error_and_writes_nothing(
    blender, install_step, live_server_process, tmp_path
):
    server = live_server_process
    os.chdir(tmp_path)

    results = blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws")),
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


def test_folder_as_target_is_an_error_and_writes_nothing(blender, install_step, live_server_process, tmp_path):
    server = live_server_process
    folder = tmp_path / "shots"
    folder.mkdir()

    results = blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws")),
            {"do": "save_and_report", "filepath": f"{folder}/"},
            {"do": "status"},
        ]
    )

    assert results[2]["result"] == ["CANCELLED"]
    assert results[2]["error"] == f"Error: Choose a file name to save to, not a folder: {folder}/"
    assert results[3]["pending"] == 0
    assert list(folder.iterdir()) == []


def test_save_into_read_only_folder_fails_and_reports_nothing(blender, install_step, live_server_process, tmp_path):
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
            install_step,
            configure(server.base_url, server.create_key("ws")),
            {"do": "save_and_report", "filepath": str(target)},
            {"do": "status"},
        ]
    )

    assert results[2]["result"] == ["CANCELLED"]
    assert results[2]["error"].startswith("Error: Could not save the file: Cannot open file ")
    assert results[3]["pending"] == 0
    assert stored_reports(server, server.create_key("reader", read=True)) == []


def test_silent_server_does_not_hold_the_button_and_the_report_waits(
    blender, install_step, live_server_process, silent_server, tmp_path
):
    server = live_server_process
    key = server.create_key("ws")

    results = blender(
        [
            install_step,
            configure(silent_server, key, read_timeout=60.0),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
            configure(server.base_url, key),
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert results[2]["result"] == ["FINISHED"]
    assert results[3]["pending"] == 1
    assert results[5]["pending"] == 0
    assert len(stored_reports(server, server.create_key("reader", read=True))) == 1


def test_unreachable_server_says_it_will_retry(blender, install_step, closed_port_url, tmp_path):
    results = blender(
        [
            install_step,
            configure(closed_port_url, "st_unused_key"),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "poll", "seconds": 2.0},
        ]
    )

    assert results[3]["pending"] == 1
    assert results[3]["is_error"] is True
    assert results[3]["message"].startswith("Server unreachable, will retry in ")


def test_quit_with_report_in_flight_then_next_session_delivers_it(
    blender, install_step, addon_package, live_server_process, silent_server, tmp_path
):
    server = live_server_process
    key = server.create_key("ws")

    first = blender(
        [
            install_step,
            configure(silent_server, key, read_timeout=60.0),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
        ]
    )
    assert first[3]["pending"] == 1

    second = blender(
        [
            {"do": "enable", "package": addon_package},
            configure(server.base_url, key),
            {"do": "start_session"},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert second[3]["pending"] == 0
    [stored] = stored_reports(server, server.create_key("reader", read=True))
    assert stored["file_path"] == str(tmp_path / "a.blend")


def test_disable_enable_then_one_save_reports_once(blender, install_step, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install_step,
            {"do": "disable"},
            {"do": "enable"},
            {"do": "disable"},
            {"do": "enable"},
            configure(server.base_url, server.create_key("ws"), report_every_save=True),
            {"do": "save_and_report", "filepath": str(tmp_path / "a.blend")},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    assert results[7]["save_post_handlers"].count("_report_after_save") == 1
    assert len(stored_reports(server, server.create_key("reader", read=True))) == 1


def test_report_every_save_reports_a_plain_save(blender, install_step, live_server_process, tmp_path):
    server = live_server_process
    blend = tmp_path / "ctrl s.blend"

    blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws"), report_every_save=True),
            {"do": "save", "filepath": str(blend)},
            {"do": "wait_delivered", "timeout": 30},
        ]
    )

    [stored] = stored_reports(server, server.create_key("reader", read=True))
    assert stored["file_path"] == str(blend)


def test_plain_save_is_not_reported_by_default(blender, install_step, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws")),
            {"do": "save", "filepath": str(tmp_path / "a.blend")},
            {"do": "status"},
        ]
    )

    assert results[3]["pending"] == 0
    assert stored_reports(server, server.create_key("reader", read=True)) == []


@pytest.mark.min_blender(4, 2)  # Blender 4.2 brought the online-access switch
def test_online_access_off_keeps_reports_waiting_until_allowed(blender, install_step, live_server_process, tmp_path):
    server = live_server_process

    results = blender(
        [
            install_step,
            configure(server.base_url, server.create_key("ws")),
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
    assert len(stored_reports(server, server.create_key("reader", read=True))) == 1
