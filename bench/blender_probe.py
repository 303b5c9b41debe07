"""Inside real Blender (the bpy module): time saves and print the figures as JSON.

    python bench/blender_probe.py -- '{"mode": "with", "zip": ..., ...}'

Started by blender_main_thread.py with a fresh HOME. Mode "with" installs the
add-on's extension zip, points it at a server that never answers, and times
Save & Report against a bare wm.save_mainfile of the same file, in turns.
Mode "without" makes the same number of bare saves and nothing else, for the
memory comparison. The last line printed is "BLENDER_RESULT <json>".
"""

import json
import os
import sys
import time
from pathlib import Path

import bpy

PACKAGE = "bl_ext.user_default.savetrail"
API_KEY = "st_benchkey_" + "b" * 43


def timed(operator, **kwargs) -> float:
    started = time.perf_counter()
    result = operator(**kwargs)
    elapsed = time.perf_counter() - started
    if result != {"FINISHED"}:
        raise RuntimeError(f"{operator} returned {result}")
    return elapsed * 1000


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def install(zip_path: str, server_url: str) -> None:
    bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=True
    )
    if PACKAGE not in bpy.context.preferences.addons:
        raise RuntimeError("the add-on did not enable")
    prefs = bpy.context.preferences.addons[PACKAGE].preferences
    prefs.server_url = server_url
    prefs.api_key = API_KEY
    prefs.username = "bench"


def main() -> None:
    options = json.loads(sys.argv[sys.argv.index("--") + 1])
    bpy.context.preferences.system.use_online_access = True
    blend = Path(options["folder"]) / "scene.blend"
    bare_save = bpy.ops.wm.save_mainfile
    result = {"mode": options["mode"], "blender": bpy.app.version_string}

    if options["mode"] == "with":
        install(options["zip"], options["server_url"])
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    result["file_bytes"] = os.path.getsize(blend)

    if options["mode"] == "with":
        report = bpy.ops.savetrail.save_and_report
        result["first_report_ms"] = timed(report)  # starts the delivery thread
        timed(bare_save)
    else:
        report = bare_save
        timed(bare_save)
        timed(bare_save)

    bare, reported = [], []
    for turn in range(options["saves"]):
        if turn % 2:
            reported.append(timed(report))
            bare.append(timed(bare_save))
        else:
            bare.append(timed(bare_save))
            reported.append(timed(report))
    result.update(bare_ms=bare, reported_ms=reported, rss_mib=rss_mib())

    if options["mode"] == "with":
        session = sys.modules[f"{PACKAGE}.session"]
        result["pending"] = session._outbox.counts().pending
        result["profile"] = profile(report, options["profile"])
    print("BLENDER_RESULT " + json.dumps(result), flush=True)


def profile(report, path: str) -> str:
    """Profile ten more Save & Report calls with pyinstrument; write the text."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(10):
        report()
    profiler.stop()
    Path(path).write_text(profiler.output_text(unicode=False, color=False))
    return path


if __name__ == "__main__":
    main()
