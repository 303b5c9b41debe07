import os
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from .runtimes import available_runtimes, default_binaries, package_name, run_scenario

REPO = Path(__file__).resolve().parents[2]
RUNTIMES = available_runtimes()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "min_blender(major, minor): run only on Blender builds of that version or later",
    )
    config.addinivalue_line(
        "markers",
        "blender_binary: run only on Blender executables (bpy from PyPI has no translations and no window)",
    )


def _runtimes_for(definition) -> list:
    runtimes = RUNTIMES
    if definition.get_closest_marker("blender_binary"):
        runtimes = [runtime for runtime in runtimes if runtime.kind == "binary"] or default_binaries()
    minimum = definition.get_closest_marker("min_blender")
    if minimum:
        runtimes = [r for r in runtimes if r.version[:2] >= tuple(minimum.args)]
    return runtimes


def pytest_generate_tests(metafunc):
    """Run each Blender test once per build; with addon_kind, once per zip it takes."""
    if "runtime" not in metafunc.fixturenames:
        return
    runtimes = _runtimes_for(metafunc.definition)
    if "addon_kind" in metafunc.fixturenames:
        pairs = [(runtime, kind) for runtime in runtimes for kind in runtime.addon_kinds]
        metafunc.parametrize(
            ("runtime", "addon_kind"),
            pairs or [(None, None)],
            ids=[f"{runtime.name}-{kind}" for runtime, kind in pairs] or ["no-blender"],
            indirect=["runtime"],
        )
        return
    metafunc.parametrize(
        "runtime",
        runtimes or [None],
        ids=[r.name for r in runtimes] or ["no-blender"],
        indirect=True,
    )


@pytest.fixture
def runtime(request):
    if request.param is None:
        if request.node.get_closest_marker("blender_binary"):
            message = (
                "no Blender executable in SAVETRAIL_BLENDERS (Debian's blender): `make test-compat` runs this test"
            )
        else:
            message = "bpy is not installed (it needs Python 3.11): the Blender tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " - in CI that is a failure")
        pytest.skip(message)
    return request.param


@pytest.fixture(scope="session")
def addon_zips(tmp_path_factory):
    """Build the add-on zips as `make addon` does, into a folder of this test process.

    Not into dist/: pytest-xdist workers each build, and one would overwrite the
    zip another is installing.
    """
    output_dir = tmp_path_factory.mktemp("dist")
    build = [sys.executable, str(REPO / "addon" / "build.py"), "--output-dir", str(output_dir)]
    completed = subprocess.run(build, cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    with open(REPO / "addon" / "savetrail" / "blender_manifest.toml", "rb") as file:
        version = tomllib.load(file)["version"]
    return {
        "extension": str(output_dir / f"savetrail-{version}.zip"),
        "legacy": str(output_dir / f"savetrail-{version}-legacy.zip"),
    }


@pytest.fixture
def install_step(runtime, addon_zips):
    """The scenario step that installs the zip this build would use."""
    kind = runtime.addon_kind
    return {"do": "install", "zip": addon_zips[kind], "kind": kind}


@pytest.fixture
def addon_package(runtime):
    """The package name of the add-on installed by install_step."""
    return package_name(runtime.addon_kind)


@pytest.fixture
def blender_home(tmp_path):
    """A fresh user folder for Blender: preferences, extensions, outbox live here."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def blender_env(blender_home):
    """The environment of a Blender process that keeps its user files in blender_home."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BLENDER_USER")}
    env.update(HOME=str(blender_home), XDG_CONFIG_HOME=str(blender_home / ".config"))
    return env


@pytest.fixture
def blender(runtime, blender_env):
    """Run a list of steps in a new Blender process that uses blender_home."""

    def run(steps, **extra_env):
        return run_scenario(runtime, steps, env={**blender_env, **extra_env})

    return run


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
