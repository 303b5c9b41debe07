import os
import subprocess
import sys
from pathlib import Path

import pytest

from .runtimes import available_runtimes, run_scenario

REPO = Path(__file__).resolve().parents[2]
RUNTIMES = available_runtimes()


def pytest_generate_tests(metafunc):
    if "runtime" in metafunc.fixturenames:
        metafunc.parametrize(
            "runtime",
            RUNTIMES or [None],
            ids=[r.name for r in RUNTIMES] or ["no-blender"],
        )


@pytest.fixture
def runtime(request):
    if request.param is None:
        message = (
            "bpy is not installed (it needs Python 3.11): the Blender tests cannot run"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " - in CI that is a failure")
        pytest.skip(message)
    return request.param


@pytest.fixture(scope="session")
def addon_zips():
    """Build the add-on zips exactly as `make addon` does."""
    subprocess.run(
        [sys.executable, str(REPO / "addon" / "build.py")], check=True, cwd=REPO
    )
    version = (
        (REPO / "addon" / "savetrail" / "blender_manifest.toml")
        .read_text()
        .split('version = "')[1]
        .split('"')[0]
    )
    return {
        "extension": str(REPO / "dist" / f"savetrail-{version}.zip"),
        "legacy": str(REPO / "dist" / f"savetrail-{version}-legacy.zip"),
    }


@pytest.fixture
def blender_home(tmp_path):
    """A fresh user folder for Blender: its preferences, extensions and outbox live here."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def blender(runtime, blender_home):
    """Run a list of steps in a new Blender process that uses blender_home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BLENDER_USER")
    }
    env.update(HOME=str(blender_home), XDG_CONFIG_HOME=str(blender_home / ".config"))

    def run(steps, **extra_env):
        return run_scenario(runtime, steps, env={**env, **extra_env})

    return run
