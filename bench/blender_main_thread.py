"""Blender's main thread: Save & Report against a bare save, with a silent server.

The add-on is built with addon/build.py and installed from its extension zip
into real Blender (the bpy module) with a fresh HOME. Its server URL leads to a
loopback socket that accepts connections and never answers. In one Blender
process, bare wm.save_mainfile and savetrail.save_and_report of the same file
take turns; the figure is the median time each holds the main thread. A second
process with the same saves and no add-on gives the memory baseline
(benchmark 6, second half).
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from common import (
    BENCH_DIR,
    RAW_DIR,
    REPO_DIR,
    BenchmarkError,
    Result,
    Row,
    median,
    print_parameters,
    print_row,
)
from profiles import write_profile

GOAL_MS = 5.0


class SilentServer:
    """A loopback socket that accepts every connection and never answers."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)

    def __enter__(self) -> "SilentServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()


def build_addon() -> Path:
    subprocess.run(
        [sys.executable, str(REPO_DIR / "addon" / "build.py")],
        check=True,
        capture_output=True,
    )
    zips = [path for path in (REPO_DIR / "dist").glob("savetrail-*.zip")]
    extension_zips = [path for path in zips if not path.stem.endswith("-legacy")]
    if not extension_zips:
        raise BenchmarkError("addon/build.py made no extension zip in dist/")
    return max(extension_zips, key=lambda path: path.stat().st_mtime)


def run_blender(mode: str, options, **probe_options) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/.config",
            "PYTHONUNBUFFERED": "1",
        }
        probe = {"mode": mode, "folder": home, "saves": options.blender_saves}
        finished = subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "blender_probe.py"),
                "--",
                json.dumps({**probe, **probe_options}),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    lines = [
        line.removeprefix("BLENDER_RESULT ")
        for line in finished.stdout.splitlines()
        if line.startswith("BLENDER_RESULT ")
    ]
    if finished.returncode != 0 or not lines:
        raise BenchmarkError(
            f"Blender ({mode} the add-on) failed:\n{finished.stdout[-3000:]}"
            f"{finished.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def run(options) -> Result:
    parameters = {
        "blender": "bpy 5.0.1 (real Blender as a Python module), fresh HOME, "
        "online access allowed",
        "add-on": "extension zip from addon/build.py, installed and enabled",
        "server": "a loopback socket that accepts and never answers",
        "scene": "Blender's factory start-up scene, saved once before timing",
        "saves": f"{options.blender_saves} of each, taking turns, in one process",
        "baseline": "bare bpy.ops.wm.save_mainfile of the same file",
    }
    result = Result("blender", "Blender's main thread", parameters)
    print_parameters(result.title, parameters)

    addon_zip = build_addon()
    profile_path = RAW_DIR / "blender-save-and-report.pyinstrument.txt"
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    without = run_blender("without", options)
    with SilentServer() as server:
        with_addon = run_blender(
            "with",
            options,
            zip=str(addon_zip),
            server_url=f"http://127.0.0.1:{server.port}",
            profile=str(profile_path),
        )
        connections = len(server.connections)

    expected_pending = options.blender_saves + 1
    if with_addon["pending"] != expected_pending or connections < 1:
        raise BenchmarkError(
            f"with the add-on: {with_addon['pending']} reports pending (expected "
            f"{expected_pending}); the silent server saw {connections} connections"
        )

    bare = median(with_addon["bare_ms"])
    reported = median(with_addon["reported_ms"])
    print(
        f"   {addon_zip.name}: first Save & Report {with_addon['first_report_ms']:.1f}"
        f" ms; {with_addon['pending']} reports pending; the silent server saw "
        f"{connections} connection(s)",
        flush=True,
    )
    result.rows = [
        Row(
            "main thread held per save, median",
            "ms",
            bare,
            reported,
            goal=f"<= bare save + {GOAL_MS:.0f} ms",
            met=reported <= bare + GOAL_MS,
            baseline_name="bare save",
        ),
        Row(
            "main thread held per save, slowest",
            "ms",
            max(with_addon["bare_ms"]),
            max(with_addon["reported_ms"]),
            baseline_name="bare save",
        ),
        Row(
            "Blender process RSS after the saves",
            "MiB",
            without["rss_mib"],
            with_addon["rss_mib"],
            baseline_name="without the add-on",
        ),
    ]
    for row in result.rows:
        print_row(row)
    if result.missed:
        heading = (
            f"Blender's main thread: pyinstrument on ten Save & Report calls "
            f"with a silent server (median {reported:.1f} ms against a bare "
            f"save's {bare:.1f} ms)\n\n"
        )
        path = write_profile("blender", heading + profile_path.read_text())
        result.profiles.append(path.name)
    result.details = {
        "with_addon": with_addon,
        "without_addon": without,
        "silent_server_connections": connections,
    }
    return result
