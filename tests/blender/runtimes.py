"""The Blender builds the add-on tests run in, and how to start a scenario in each.

By default the tests use the bpy module installed in this virtual environment
(`make test` installs bpy==5.0.1). SAVETRAIL_BLENDERS replaces that list with
comma-separated NAME=KIND:PATH items, for example
    bpy-4.2=bpy:.venv-bpy-4.2/bin/python,blender-3.4=binary:/usr/bin/blender
(`make test-compat` sets all four). KIND is "bpy" (a Python with the bpy module)
or "binary" (a blender executable, run in background mode).

Blender 4.2 and later install the add-on as an extension; older Blender has no
extensions system and installs the legacy zip. Runtime.addon_kinds says which
zips a build can take, its preferred kind first.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

SCENARIO = Path(__file__).with_name("scenario.py")
RESULT_PREFIX = "SAVETRAIL_RESULT "
EXTENSIONS_SINCE = (4, 2)
PACKAGES = {"extension": "bl_ext.user_default.savetrail", "legacy": "savetrail"}


@dataclass(frozen=True)
class Runtime:
    name: str
    kind: str  # "bpy" (a Python with the bpy module) or "binary" (a blender executable)
    path: str

    def command(self, steps: list, script: Path = SCENARIO) -> list:
        payload = json.dumps(steps)
        if self.kind == "bpy":
            return [self.path, str(script), "--", payload]
        return [
            self.path, "-b", "--factory-startup", "--python-exit-code", "1",
            "--python", str(script), "--", payload,
        ]  # fmt: skip

    @cached_property
    def version(self) -> tuple:
        """Blender's version as (major, minor, patch), asked of the build itself."""
        if self.kind == "bpy":
            probe = [self.path, "-c", "import importlib.metadata as m; print(m.version('bpy'))"]
        else:
            probe = [self.path, "--version"]
        output = subprocess.run(probe, capture_output=True, text=True, check=True, timeout=60).stdout
        found = re.search(r"(\d+)\.(\d+)\.(\d+)", output)
        if found is None:
            raise RuntimeError(f"{self.name}: no version in the output of {probe}:\n{output}")
        return tuple(int(part) for part in found.groups())

    @cached_property
    def extension_tool(self) -> Path:
        """Blender's extension tool (blender_ext.py) as this build ships it, for a bpy build."""
        if self.kind != "bpy":
            raise NotImplementedError(f"{self.name}: finding blender_ext.py is implemented for bpy builds only")
        probe = [
            self.path,
            "-c",
            "import importlib.util; print(importlib.util.find_spec('bpy').submodule_search_locations[0])",
        ]
        wheel = Path(subprocess.run(probe, capture_output=True, text=True, check=True, timeout=60).stdout.strip())
        major, minor, _ = self.version
        return wheel / f"{major}.{minor}" / "scripts" / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py"

    @property
    def has_extensions(self) -> bool:
        return self.version[:2] >= EXTENSIONS_SINCE

    @property
    def addon_kinds(self) -> tuple:
        """The zips this build installs, the one an artist would use first."""
        return ("extension", "legacy") if self.has_extensions else ("legacy",)

    @property
    def addon_kind(self) -> str:
        return self.addon_kinds[0]


def package_name(kind: str) -> str:
    """The Python package Blender gives the add-on installed from that kind of zip."""
    return PACKAGES[kind]


def available_runtimes() -> list:
    configured = os.environ.get("SAVETRAIL_BLENDERS", "").strip()
    if configured:
        runtimes = []
        for item in configured.split(","):
            name, _, target = item.strip().partition("=")
            kind, _, path = target.partition(":")
            if kind not in ("bpy", "binary") or not path:
                raise ValueError(f"SAVETRAIL_BLENDERS item {item!r} is not NAME=bpy:PATH or NAME=binary:PATH")
            runtimes.append(Runtime(name, kind, path))
        return runtimes
    if importlib.util.find_spec("bpy") is not None:
        return [Runtime("bpy", "bpy", sys.executable)]
    return []


def default_binaries() -> list:
    """Blender executables for the window and translation tests when SAVETRAIL_BLENDERS is unset.

    `make test` installs Debian's Blender for them; the rest of the add-on tests run on bpy.
    """
    if os.environ.get("SAVETRAIL_BLENDERS", "").strip():
        return []
    found = shutil.which("blender")
    return [Runtime("blender", "binary", found)] if found else []


def run_scenario(runtime: Runtime, steps: list, env: dict, timeout: float = 180, script: Path = SCENARIO) -> list:
    """Run the steps in a fresh Blender process and return one result per step."""
    completed = subprocess.run(
        runtime.command(steps, script),
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
                raise AssertionError(f"Blender scenario failed:\n{failed[0]['exception']}")
            return results
    raise AssertionError(
        f"Blender printed no result (exit {completed.returncode}).\n"
        f"stdout:\n{completed.stdout[-4000:]}\nstderr:\n{completed.stderr[-4000:]}"
    )
