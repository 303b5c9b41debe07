"""The add-on zips: built and validated by Blender's own extension tool, one version (issue 7)."""

import ast
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "addon" / "savetrail"
MODULES = sorted(path.name for path in SOURCE.glob("*.py"))


def manifest(folder: Path = SOURCE) -> dict:
    with open(folder / "blender_manifest.toml", "rb") as file:
        return tomllib.load(file)


def bl_info(init_source: str) -> dict:
    for node in ast.parse(init_source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "bl_info":
            return ast.literal_eval(node.value)
    raise AssertionError("no bl_info")


@pytest.fixture(scope="module")
def tool_available():
    """Blender's extension tool ships in the bpy wheel, which `make test` installs."""
    if importlib.util.find_spec("bpy") is None:
        message = "bpy is not installed (it needs Python 3.11): the add-on cannot be built"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " - in CI that is a failure")
        pytest.skip(message)


def run_build(output_dir: Path, source_dir: Path = SOURCE):
    return subprocess.run(
        [
            sys.executable,
            str(REPO / "addon" / "build.py"),
            "--output-dir",
            str(output_dir),
            "--source-dir",
            str(source_dir),
        ],
        capture_output=True,
        text=True,
        cwd=output_dir.parent,
    )


@pytest.fixture(scope="module")
def built(tool_available, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("packaging") / "dist"
    completed = run_build(output_dir)
    assert completed.returncode == 0, completed.stderr
    return output_dir, completed.stdout


@pytest.fixture
def source_copy(tmp_path):
    copy = tmp_path / "source" / "savetrail"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_manifest_declares_what_blender_and_the_artist_need_to_know():
    data = manifest()

    assert data["id"] == "savetrail"
    assert data["type"] == "add-on"
    assert data["blender_version_min"] == "4.2.0"
    assert data["license"] == ["SPDX:GPL-3.0-or-later"]
    assert data["permissions"] == {
        "network": "Send save reports to the studio's SaveTrail server",
        "files": "Keep unsent save reports on disk until the server confirms them",
    }


def test_version_lives_only_in_the_manifest():
    assert "version" not in bl_info((SOURCE / "__init__.py").read_text(encoding="utf-8"))


def test_build_reports_both_zips_and_the_repository(built):
    _, stdout = built
    version = manifest()["version"]

    assert stdout.splitlines() == [
        f"Built dist/savetrail-{version}.zip (validated by Blender's extension tool)",
        f"Built dist/savetrail-{version}-legacy.zip (legacy add-on for Blender 3.0 to 4.1)",
        "Wrote dist/extensions/index.json (served at /extensions/)",
    ]


def test_extension_zip_holds_the_manifest_and_the_modules(built):
    output_dir, _ = built
    version = manifest()["version"]

    with zipfile.ZipFile(output_dir / f"savetrail-{version}.zip") as archive:
        names = sorted(archive.namelist())
        init_source = archive.read("__init__.py").decode("utf-8")

    assert names == sorted(["blender_manifest.toml", *MODULES])
    assert bl_info(init_source)["version"] == tuple(int(part) for part in version.split("."))


def test_legacy_zip_holds_the_same_modules_in_a_folder_with_bl_info_version(built):
    output_dir, _ = built
    version = manifest()["version"]

    with zipfile.ZipFile(output_dir / f"savetrail-{version}.zip") as extension:
        extension_files = {name: extension.read(name) for name in extension.namelist()}
    with zipfile.ZipFile(output_dir / f"savetrail-{version}-legacy.zip") as legacy:
        legacy_files = {name: legacy.read(name) for name in legacy.namelist()}

    assert sorted(legacy_files) == [f"savetrail/{module}" for module in MODULES]
    assert all(legacy_files[f"savetrail/{name}"] == extension_files[name] for name in MODULES)
    info = bl_info(legacy_files["savetrail/__init__.py"].decode("utf-8"))
    assert info["version"] == tuple(int(part) for part in version.split("."))
    assert info["blender"] == (3, 0, 0)


def test_repository_index_lists_the_zip_it_serves(built):
    output_dir, _ = built
    version = manifest()["version"]
    served_zip = output_dir / "extensions" / f"savetrail-{version}.zip"

    index = json.loads((output_dir / "extensions" / "index.json").read_text())

    [package] = index["data"]
    assert (package["id"], package["version"]) == ("savetrail", version)
    assert package["archive_url"] == f"./savetrail-{version}.zip"
    assert package["archive_hash"] == "sha256:" + hashlib.sha256(served_zip.read_bytes()).hexdigest()
    assert served_zip.read_bytes() == (output_dir / f"savetrail-{version}.zip").read_bytes()
    assert [path.name for path in (output_dir / "extensions" / "legacy").iterdir()] == [
        f"savetrail-{version}-legacy.zip"
    ]


def test_invalid_manifest_stops_the_build(tool_available, source_copy, tmp_path):
    manifest_file = source_copy / "blender_manifest.toml"
    manifest_file.write_text(manifest_file.read_text().replace("server confirms them", "server confirms them."))

    completed = run_build(tmp_path / "dist", source_copy)

    assert completed.returncode == 1
    assert completed.stderr.startswith("Add-on build failed: blender_ext.py build failed:\n")
    assert "alphanumeric suffix expected, the string must not end with punctuation" in completed.stderr
    assert not (tmp_path / "dist" / "extensions").exists()


def test_version_written_in_bl_info_stops_the_build(tool_available, source_copy, tmp_path):
    init_file = source_copy / "__init__.py"
    init_file.write_text(
        init_file.read_text().replace('"blender": (3, 0, 0),', '"blender": (3, 0, 0),\n    "version": (9, 9, 9),')
    )

    completed = run_build(tmp_path / "dist", source_copy)

    assert completed.returncode == 1
    assert completed.stderr == (
        'Add-on build failed: remove "version" from bl_info: the version lives in blender_manifest.toml only\n'
    )


@pytest.mark.blender
@pytest.mark.min_blender(4, 2)
def test_extension_zip_passes_validation_by_each_blender(runtime, built):
    output_dir, _ = built
    extension_zip = output_dir / f"savetrail-{manifest()['version']}.zip"
    tags = runtime.extension_tool.parents[4] / "scripts" / "modules" / "_bpy_internal" / "extensions" / "tags.py"

    completed = subprocess.run(
        [runtime.path, str(runtime.extension_tool), "validate", str(extension_zip), "--valid-tags", str(tags)],
        capture_output=True,
        text=True,
    )

    assert (completed.returncode, completed.stdout.strip()) == (0, f'Success parsing TOML in "{extension_zip}"')
