import json
import os
import subprocess
import sys
import time

import pytest
from delivery_doubles import make_report

from savetrail.outbox import STALE_TEMP_SECONDS, Outbox, OutboxCounts


def pending_files(outbox):
    return sorted(os.listdir(outbox.folder / "pending"))


def test_append_writes_the_report_before_returning(outbox):
    report = make_report()

    outbox.append(report)

    (name,) = pending_files(outbox)
    assert name.endswith(f"-{report['event_id']}.json")
    stored = (outbox.folder / "pending" / name).read_text()
    assert json.loads(stored) == report


def test_pending_lists_reports_oldest_first(outbox):
    reports = [make_report() for _ in range(5)]
    for report in reports:
        outbox.append(report)

    assert outbox.pending() == reports


def test_pending_keeps_order_with_a_coarse_clock(tmp_path):
    outbox = Outbox(tmp_path, clock_ns=lambda: 1_000_000_000)
    reports = [make_report() for _ in range(3)]
    for report in reports:
        outbox.append(report)

    assert outbox.pending() == reports


def test_pending_limit_returns_the_oldest(outbox):
    reports = [make_report() for _ in range(4)]
    for report in reports:
        outbox.append(report)

    assert outbox.pending(limit=2) == reports[:2]


def test_a_new_outbox_on_the_same_folder_finds_the_reports(tmp_path):
    report = make_report(file_path="/tmp/Проект сцена/шот 010.blend")
    Outbox(tmp_path).append(report)

    assert Outbox(tmp_path).pending() == [report]


def test_remove_forgets_the_report(outbox):
    kept, sent = make_report(), make_report()
    outbox.append(kept)
    outbox.append(sent)

    outbox.remove(sent["event_id"])

    assert outbox.pending() == [kept]
    assert outbox.counts() == OutboxCounts(pending=1, rejected=0, corrupt=0)


def test_remove_of_a_report_another_session_removed_is_quiet(tmp_path):
    report = make_report()
    ours, theirs = Outbox(tmp_path), Outbox(tmp_path)
    ours.append(report)
    theirs.remove(report["event_id"])

    ours.remove(report["event_id"])

    assert ours.pending() == []


def test_reject_sets_the_report_aside_with_the_reason(tmp_path):
    outbox = Outbox(tmp_path, clock_ns=lambda: 1_773_164_575_000_000_000)
    report = make_report()
    outbox.append(report)

    assert outbox.reject(report["event_id"], "saved_at: An offset or Z is required.")

    assert outbox.pending() == []
    (rejected,) = outbox.rejected()
    assert rejected.event_id == report["event_id"]
    assert rejected.report == report
    assert rejected.reason == "saved_at: An offset or Z is required."
    assert rejected.rejected_at == "2026-03-10T17:42:55Z"
    assert outbox.counts() == OutboxCounts(pending=0, rejected=1, corrupt=0)


def test_reject_of_an_unknown_report_returns_false(outbox):
    assert not outbox.reject(make_report()["event_id"], "no")


def test_requeue_rejected_puts_the_report_back(outbox):
    report = make_report()
    outbox.append(report)
    outbox.reject(report["event_id"], "rejected")

    assert outbox.requeue_rejected(report["event_id"])

    assert outbox.pending() == [report]
    assert outbox.rejected() == []


def test_discard_rejected_deletes_them(outbox):
    for _ in range(2):
        report = make_report()
        outbox.append(report)
        outbox.reject(report["event_id"], "rejected")

    assert outbox.discard_rejected() == 2

    assert outbox.counts() == OutboxCounts(pending=0, rejected=0, corrupt=0)


def test_truncated_report_goes_to_corrupt_and_the_rest_still_come(outbox):
    first, broken, last = make_report(), make_report(), make_report()
    for report in (first, broken, last):
        outbox.append(report)
    (broken_file,) = (outbox.folder / "pending").glob(f"*{broken['event_id']}.json")
    broken_file.write_bytes(broken_file.read_bytes()[:40])

    assert outbox.pending() == [first, last]

    assert os.listdir(outbox.folder / "corrupt") == [broken_file.name]
    assert outbox.counts() == OutboxCounts(pending=2, rejected=0, corrupt=1)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("00000000000000000001-not-a-uuid.json", b"{}"),
        ("notes.txt", b"hello"),
        ("00000000000000000001-{event_id}.json", b"[1, 2]"),
        ("00000000000000000001-{event_id}.json", b'{"event_id": "other"}'),
        ("00000000000000000001-{event_id}.json", b"\xff\xfe not utf-8"),
    ],
)
def test_entry_that_is_not_a_report_goes_to_corrupt(outbox, name, content):
    good = make_report()
    outbox.append(good)
    bad_name = name.format(event_id=make_report()["event_id"])
    (outbox.folder / "pending" / bad_name).write_bytes(content)

    assert outbox.pending() == [good]

    assert os.listdir(outbox.folder / "corrupt") == [bad_name]


def test_corrupt_rejected_entry_goes_to_corrupt(outbox):
    report = make_report()
    outbox.append(report)
    outbox.reject(report["event_id"], "no")
    (rejected_file,) = (outbox.folder / "rejected").iterdir()
    rejected_file.write_text(json.dumps({"report": report}))

    assert outbox.rejected() == []

    assert outbox.counts() == OutboxCounts(pending=0, rejected=0, corrupt=1)


def test_temp_file_left_by_a_crash_is_ignored_then_cleaned(outbox):
    report = make_report()
    outbox.append(report)
    pending = outbox.folder / "pending"
    fresh = pending / f".00000000000000000002-{report['event_id']}.json.ab12cd34.tmp"
    stale = pending / f".00000000000000000001-{report['event_id']}.json.ef56ab78.tmp"
    fresh.write_text('{"event_id": "half wr')
    stale.write_text('{"event_id": "half wr')
    old = time.time() - STALE_TEMP_SECONDS - 1
    os.utime(stale, (old, old))

    assert outbox.pending() == [report]

    assert fresh.exists()
    assert not stale.exists()
    assert outbox.counts() == OutboxCounts(pending=1, rejected=0, corrupt=0)


def test_append_refuses_an_event_id_unfit_for_a_file_name(outbox):
    with pytest.raises(ValueError, match="lower-case UUID"):
        outbox.append(make_report(event_id="../../escape"))

    assert outbox.counts() == OutboxCounts(pending=0, rejected=0, corrupt=0)


def test_counts_of_a_new_folder_are_zero_and_create_nothing(tmp_path):
    outbox = Outbox(tmp_path / "not yet")

    assert outbox.counts() == OutboxCounts(pending=0, rejected=0, corrupt=0)
    assert not (tmp_path / "not yet").exists()


def test_two_sessions_appending_keep_every_report(tmp_path):
    first, second = Outbox(tmp_path), Outbox(tmp_path)
    reports = [make_report() for _ in range(6)]
    for index, report in enumerate(reports):
        (first if index % 2 else second).append(report)

    assert first.pending() == reports
    assert second.pending() == reports


def test_delivery_lock_admits_one_session_at_a_time(tmp_path):
    first, second = Outbox(tmp_path), Outbox(tmp_path)

    with first.delivery_lock() as first_holds:
        with second.delivery_lock() as second_holds:
            assert (first_holds, second_holds) == (True, False)

    with second.delivery_lock() as second_holds_later:
        assert second_holds_later


def test_delivery_lock_is_released_when_the_holder_fails(tmp_path):
    outbox = Outbox(tmp_path)

    with pytest.raises(RuntimeError), outbox.delivery_lock():
        raise RuntimeError("the pass failed")

    with Outbox(tmp_path).delivery_lock() as held:
        assert held


def test_delivery_lock_is_released_when_the_holding_process_dies(tmp_path):
    lock_holder = (
        "import fcntl, os, sys; "
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); "
        "sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", lock_holder, str(tmp_path / "delivery.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "locked\n"
    with Outbox(tmp_path).delivery_lock() as held_while_alive:
        assert not held_while_alive

    holder.kill()
    holder.wait()
    holder.stdin.close()
    holder.stdout.close()

    with Outbox(tmp_path).delivery_lock() as held_after_death:
        assert held_after_death
