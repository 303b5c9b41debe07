"""Installing, disabling and removing the add-on the way Blender's preferences do (issue 7)."""

import pytest

pytestmark = pytest.mark.blender


def test_disable_and_remove_leave_nothing_behind(blender, addon_zips, addon_kind, closed_port_url):
    results = blender(
        [
            {"do": "footprint"},
            {"do": "install", "zip": addon_zips[addon_kind], "kind": addon_kind},
            {"do": "configure", "server_url": closed_port_url, "api_key": "st_abcdefgh_secret"},
            {"do": "send_pending"},
            {"do": "footprint"},
            {"do": "disable"},
            {"do": "remove", "kind": addon_kind},
            {"do": "footprint"},
        ]
    )

    before, installed, removed, after = results[0], results[4], results[6], results[7]
    assert installed["threads"] == sorted(before["threads"] + ["savetrail-delivery"])
    assert installed["handlers"] == {"save_post": ["_report_after_save"]}
    assert installed["timers"] == ["_send_pending_at_start", "poll_results"]
    assert installed["file_menu"] == ["draw_file_menu"]
    assert installed["file_menu_entries"] == before["file_menu_entries"] + 1
    assert installed["classes"] == [
        "SAVETRAIL_OT_notify",
        "SAVETRAIL_OT_save_and_report",
        "SAVETRAIL_OT_send_pending",
        "SAVETRAIL_PT_main",
    ]
    assert installed["exit_hooks"] == ["stop_worker"]
    assert installed["files"] != []
    assert removed == {"result": ["FINISHED"], "enabled": False}
    assert after == {**before, "files": []}
