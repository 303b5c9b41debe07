"""The Blender builds the add-on tests run in, and how to start a scenario in each.

By default the tests use the bpy module installed in this virtual environment
(`make test` installs bpy==5.0.1). SAVETRAIL_BLENDERS adds or replaces builds,
as a comma-separated list of NAME=KIND:PATH, for example
    bpy-4.2=bpy:.venv-bpy-4.2/bin/python,blender-3.4=binary:/usr/bin/blender
"""

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCENARIO = Path(__file__).with_name("scenario.py")
RESULT_PREFIX = "SAVETRAIL_RESULT "


@dataclass(frozen=True)
class Runtime:
    name: str
    kind: str  # "bpy" (a Python with the bpy module) or "binary" (a blender executable)
    path: str

    def command(self, steps: list) -> list:
        payload = json.dumps(steps)
        if self.kind == "bpy":
            return [self.path, str(SCENARIO), "--", payload]
        return [
            self.path, "-b", "--factory-startup", "--python-exit-code", "1",
            "--python", str(SCENARIO), "--", payload,
        ]  # fmt: skip


def available_runtimes() -> list:
    configured = os.environ.get("SAVETRAIL_BLENDERS", "").strip()
    if configured:
        runtimes = []
        for item in configured.split(","):
            name, _, target = item.strip().partition("=")
            kind, _, path = target.partition(":")
            runtimes.append(Runtime(name, kind, path))
        return runtimes
    if importlib.util.find_spec("bpy") is not None:
        return [Runtime("bpy", "bpy", sys.executable)]
    return []


def run_scenario(
    runtime: Runtime, steps: list, env: dict, timeout: float = 180
) -> list:
    """Run the steps in a fresh Blender process and return one result per step."""
    completed = subprocess.run(
        runtime.command(steps),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            results = json.loads(line[len(RESULT_PREFIX) :])
            failed = [result for result in results if "exception" in result]
            if failed:
                raise AssertionError(
                    f"Blender scenario failed:\n{failed[0]['exception']}"
                )
            return results
    raise AssertionError(
        f"Blender printed no result (exit {completed.returncode}).\n"
        f"stdout:\n{completed.stdout[-4000:]}\nstderr:\n{completed.stderr[-4000:]}"
    )
