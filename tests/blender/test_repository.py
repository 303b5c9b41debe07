"""Blender 4.2+ installs and updates SaveTrail from the server's extensions repository (issue 7)."""

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from live_server import LiveServer

pytestmark = [pytest.mark.blender, pytest.mark.min_blender(4, 2)]

REPO = Path(__file__).resolve().parents[2]


def build_addon(output_dir: Path, version: str | None = None):
    """Build the zips and the repository as `make addon` does, optionally as another version."""
    source = REPO / "addon" / "savetrail"
    if version is not None:
        copy = output_dir.parent / f"source-{version}" / "savetrail"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = copy / "blender_manifest.toml"
        manifest.write_text(manifest.read_text().replace('version = "0.1.0"', f'version = "{version}"'))
        source = copy
    command = [
        sys.executable,
        str(REPO / "addon" / "build.py"),
        "--output-dir",
        str(output_dir),
        "--source-dir",
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def studio(tmp_path):
    """A live server whose extensions repository is a build of its own."""
    build = tmp_path / "build"
    build_addon(build)
    server = LiveServer(tmp_path / "server", env={"SAVETRAIL_EXTENSIONS_DIR": str(build / "extensions")})
    server.start()
    server.build_dir = build
    yield server
    server.close()


def stored_reports(server):
    key = server.create_key("reader", read=True)
    request = urllib.request.Request(f"{server.base_url}/api/v1/saves/", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["results"]


@pytest.mark.parametrize("path", ["/extensions/index.json", "/extensions/"])
def test_installed_from_the_studio_repository_it_reports_to_that_server(blender, studio, tmp_path, path):
    blend = tmp_path / "shot 010.blend"

    results = blender(
        [
            {"do": "install_from_repository", "url": studio.base_url + path},
            {"do": "server_url"},
            {"do": "configure", "api_key": studio.create_key("anna-ws"), "username": "anna"},
            {"do": "save_and_report", "filepath": str(blend)},
            {"do": "wait_delivered", "timeout": 30},
            {"do": "configure", "server_url": "https://savetrail.other.test"},
            {"do": "server_url"},
        ]
    )

    installed, proposed, delivered, overridden = results[0], results[1], results[4], results[6]
    assert installed == {"synced": ["FINISHED"], "installed": ["FINISHED"], "enabled": True, "version": "0.1.0"}
    assert proposed == {"server_url": studio.base_url, "preference": ""}
    assert (delivered["pending"], delivered["message"]) == (0, "Sent")
    [stored] = stored_reports(studio)
    assert (stored["file_path"], stored["username"], stored["api_key"]) == (str(blend), "anna", "anna-ws")
    assert overridden == {"server_url": "https://savetrail.other.test", "preference": "https://savetrail.other.test"}


def test_a_new_version_on_the_server_arrives_as_an_update(blender, studio):
    url = f"{studio.base_url}/extensions/index.json"
    first = blender([{"do": "install_from_repository", "url": url}])
    build_addon(studio.build_dir, version="0.1.1")

    second = blender([{"do": "upgrade_from_repository", "url": url}])

    assert first[0]["version"] == "0.1.0"
    assert second[0] == {"synced": ["FINISHED"], "upgraded": ["FINISHED"], "version": "0.1.1"}


def test_installed_from_disk_it_proposes_no_server(blender, install_step):
    results = blender([install_step, {"do": "server_url"}])

    assert results[1] == {"server_url": "", "preference": ""}


def test_server_address_is_read_from_the_repository_url(blender, install_step):
    urls = [
        "https://saves.studio.test/extensions/index.json",
        "https://saves.studio.test/extensions/index.json?platform=linux-x64",
        "https://saves.studio.test/extensions/",
        "http://127.0.0.1:8000/extensions",
        "https://studio.test/savetrail/extensions/index.json",
        "https://saves.studio.test/other/index.json",
    ]

    results = blender([install_step, {"do": "server_url_from_repository", "urls": urls}])

    assert list(results[1].values()) == [
        "https://saves.studio.test",
        "https://saves.studio.test",
        "https://saves.studio.test",
        "http://127.0.0.1:8000",
        "https://studio.test/savetrail",
        "",
    ]
