import getpass
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from savetrail import report
from savetrail.report import build_report, default_username, utc_timestamp


def test_build_report_has_every_contract_field():
    saved_at = datetime(2026, 3, 10, 22, 42, 55, tzinfo=timezone(timedelta(hours=5)))

    built = build_report(
        "/proj/shot 010.blend",
        blender_version="5.0.1",
        username="anna",
        saved_at=saved_at,
        hostname="ws-12",
        file_size=123456,
    )

    event_id = built.pop("event_id")
    assert uuid.UUID(event_id).version == 4
    assert built == {
        "username": "anna",
        "saved_at": "2026-03-10T17:42:55Z",
        "file_path": "/proj/shot 010.blend",
        "blender_version": "5.0.1",
        "hostname": "ws-12",
        "file_size": 123456,
    }


def test_build_report_gives_each_save_its_own_event_id():
    first = build_report("/a.blend", blender_version="5.0.1", username="anna")
    second = build_report("/a.blend", blender_version="5.0.1", username="anna")

    assert first["event_id"] != second["event_id"]


def test_build_report_keeps_the_path_byte_for_byte():
    path = " C:\\Users\\Artist\\Проекты\\shot 010.blend "

    built = build_report(path, blender_version="5.0.1", username="anna")

    assert built["file_path"] == path


def test_build_report_measures_the_file_and_names_the_host(tmp_path, monkeypatch):
    blend = tmp_path / "шот 010.blend"
    blend.write_bytes(b"BLENDER" * 10)
    monkeypatch.setattr(report.socket, "gethostname", lambda: "ws-12")

    built = build_report(blend, blender_version="5.0.1", username="anna")

    assert built["file_path"] == str(blend)
    assert built["file_size"] == 70
    assert built["hostname"] == "ws-12"


def test_build_report_leaves_out_a_size_it_cannot_measure(tmp_path):
    built = build_report(tmp_path / "gone.blend", blender_version="5.0.1", username="a")

    assert "file_size" not in built


def test_build_report_with_blank_username_uses_the_login(monkeypatch):
    monkeypatch.setattr(report, "default_username", lambda: "login-name")

    built = build_report("/a.blend", blender_version="5.0.1", username="  ")

    assert built["username"] == "login-name"


def test_build_report_without_path_is_refused():
    with pytest.raises(ValueError, match="never been saved"):
        build_report("", blender_version="5.0.1", username="anna")


def test_utc_timestamp_refuses_a_naive_time():
    with pytest.raises(ValueError, match="time zone aware"):
        utc_timestamp(datetime(2026, 3, 10, 17, 42, 55))


def test_utc_timestamp_defaults_to_now_in_utc():
    before = datetime.now(UTC).replace(microsecond=0)

    stamp = utc_timestamp()

    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= parsed <= before + timedelta(seconds=2)


def test_default_username_is_the_os_login(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "anna")

    assert default_username() == "anna"


def test_default_username_falls_back_when_the_account_has_no_name(monkeypatch):
    def no_name():
        raise KeyError("getpwuid(): uid not found: 1234")

    def no_terminal():
        raise OSError("no controlling terminal")

    monkeypatch.setattr(getpass, "getuser", no_name)
    monkeypatch.setattr(report.os, "getlogin", no_terminal)

    assert default_username() == "unknown"
