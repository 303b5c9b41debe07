"""Build the add-on zips into dist/ from one source, with Blender's own extension tool.

  savetrail-<version>.zip         extension for Blender 4.2 and later
  savetrail-<version>-legacy.zip  add-on (a savetrail/ folder with bl_info) for Blender 3.0 to 4.1
  extensions/                     the extensions repository the server hands out: index.json
                                  written by Blender's tool, the extension zip beside it, and
                                  the legacy zip in legacy/

The version lives only in addon/savetrail/blender_manifest.toml. The build copies the
source, writes that version into the copy's bl_info, builds and validates the extension
zip from the copy with blender_ext.py (it ships inside the bpy wheel), and writes the
legacy zip from the extension zip's own files, so both zips hold the same code.

    python addon/build.py [--output-dir DIR] [--source-dir DIR] [--blender-ext PATH]
"""

import argparse
import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parent / "savetrail"
DIST_DIR = Path(__file__).resolve().parent.parent / "dist"
MANIFEST = "blender_manifest.toml"
TOOL_IN_WHEEL = "scripts/addons_core/bl_pkg/cli/blender_ext.py"
TAGS_IN_WHEEL = "scripts/modules/_bpy_internal/extensions/tags.py"


class BuildError(Exception):
    """A problem the person running the build has to fix."""


def read_manifest(folder: Path = ADDON_DIR) -> dict:
    with open(folder / MANIFEST, "rb") as manifest:
        return tomllib.load(manifest)


def version_tuple(version: str) -> tuple:
    """Return "1.2.3" as (1, 2, 3), the form bl_info wants."""
    parts = version.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise BuildError(f"{MANIFEST}: version {version!r} must be three numbers such as 1.2.3")
    return tuple(int(part) for part in parts)


def with_bl_info_version(init_source: str, version: tuple) -> str:
    """Return __init__.py's text with "version" added to its bl_info literal."""
    module = ast.parse(init_source)
    bl_info = next(
        (
            node.value
            for node in module.body
            if isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["bl_info"]
            and isinstance(node.value, ast.Dict)
        ),
        None,
    )
    if bl_info is None:
        raise BuildError("addon/savetrail/__init__.py has no bl_info = {...}")
    if "version" in ast.literal_eval(bl_info):
        raise BuildError(f'remove "version" from bl_info: the version lives in {MANIFEST} only')

    lines = init_source.splitlines(keepends=True)
    lines.insert(bl_info.lineno, f'    "version": {version!r},\n')
    return "".join(lines)


def bl_info_of(init_source: str) -> dict:
    for node in ast.parse(init_source).body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == ["bl_info"]:
            return ast.literal_eval(node.value)
    raise BuildError("__init__.py has no bl_info")


def wheel_file(relative_path: str) -> Path:
    """Return a file that ships inside the installed bpy wheel."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            "Blender's extension tool ships in the bpy wheel, which this Python lacks: "
            "run `make addon` (it installs bpy into .venv; Python 3.11 only)"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob(f"*/{relative_path}"))
        if found:
            return found[-1]
    raise BuildError(f"bpy is installed but has no {relative_path}")


def run_tool(tool: Path, *arguments: str) -> str:
    completed = subprocess.run([sys.executable, str(tool), *arguments], capture_output=True, text=True, check=False)
    output = (completed.stdout + completed.stderr).strip()
    # server-generate reports a bad archive as "ERROR: ..." and still exits 0.
    if completed.returncode != 0 or any(line.startswith(("ERROR", "FATAL_ERROR")) for line in output.splitlines()):
        raise BuildError(f"blender_ext.py {arguments[0]} failed:\n{output}")
    return output


def stage_source(source_dir: Path, staging: Path) -> Path:
    """Copy the add-on source into staging with the manifest's version in bl_info."""
    staged = staging / "savetrail"
    shutil.copytree(source_dir, staged, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    init_file = staged / "__init__.py"
    version = version_tuple(read_manifest(staged)["version"])
    init_file.write_text(with_bl_info_version(init_file.read_text(encoding="utf-8"), version), encoding="utf-8")
    return staged


def build_extension(staged: Path, target: Path, tool: Path, tags: Path):
    run_tool(tool, "build", "--source-dir", str(staged), "--output-filepath", str(target), "--valid-tags", str(tags))
    run_tool(tool, "validate", str(target), "--valid-tags", str(tags))


def build_legacy(extension_zip: Path, target: Path, version: str):
    """Write the extension's files, except the manifest, under savetrail/ in a new zip."""
    with zipfile.ZipFile(extension_zip) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as legacy:
        for entry in source.infolist():
            if entry.is_dir() or entry.filename == MANIFEST:
                continue
            legacy.writestr(f"savetrail/{entry.filename}", source.read(entry))
        init_source = legacy.read("savetrail/__init__.py").decode("utf-8")

    found = bl_info_of(init_source).get("version")
    if found != version_tuple(version):
        raise BuildError(f"legacy zip: bl_info version {found} is not the manifest's {version}")


def publish_repository(extension_zip: Path, legacy_zip: Path, repository: Path, tool: Path):
    """Write the extensions repository: the zips of this build only, and index.json listing them."""
    legacy_folder = repository / "legacy"
    legacy_folder.mkdir(parents=True, exist_ok=True)
    for earlier_zip in [*repository.glob("*.zip"), *legacy_folder.glob("*.zip")]:
        earlier_zip.unlink()
    shutil.copy2(extension_zip, repository / extension_zip.name)
    shutil.copy2(legacy_zip, legacy_folder / legacy_zip.name)
    run_tool(tool, "server-generate", "--repo-dir", str(repository))


def build(output_dir: Path = DIST_DIR, tool: Path | None = None, source_dir: Path = ADDON_DIR) -> tuple:
    """Build both zips and the repository into output_dir; return the zips' paths (extension, legacy)."""
    tool = tool or wheel_file(TOOL_IN_WHEEL)
    tags = tool.parents[4] / TAGS_IN_WHEEL  # <blender>/<X.Y>/scripts/addons_core/bl_pkg/cli/blender_ext.py
    if not tags.is_file():
        raise BuildError(f"{tool} has no {TAGS_IN_WHEEL} beside it")
    version = read_manifest(source_dir)["version"]
    output_dir.mkdir(parents=True, exist_ok=True)
    extension_zip = output_dir / f"savetrail-{version}.zip"
    legacy_zip = output_dir / f"savetrail-{version}-legacy.zip"

    with tempfile.TemporaryDirectory(prefix="savetrail-build-") as staging:
        build_extension(stage_source(source_dir, Path(staging)), extension_zip, tool, tags)
    build_legacy(extension_zip, legacy_zip, version)
    publish_repository(extension_zip, legacy_zip, output_dir / "extensions", tool)
    return extension_zip, legacy_zip


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the SaveTrail add-on zips.")
    parser.add_argument("--output-dir", type=Path, default=DIST_DIR, help="where the zips go (default: dist/)")
    parser.add_argument("--source-dir", type=Path, default=ADDON_DIR, help="add-on source (default: addon/savetrail)")
    parser.add_argument("--blender-ext", type=Path, help="blender_ext.py to use (default: the one in the bpy wheel)")
    arguments = parser.parse_args()

    try:
        extension_zip, legacy_zip = build(arguments.output_dir, arguments.blender_ext, arguments.source_dir)
    except BuildError as error:
        print(f"Add-on build failed: {error}", file=sys.stderr)
        return 1

    print(f"Built {os.path.relpath(extension_zip)} (validated by Blender's extension tool)")
    print(f"Built {os.path.relpath(legacy_zip)} (legacy add-on for Blender 3.0 to 4.1)")
    print(f"Wrote {os.path.relpath(extension_zip.parent / 'extensions' / 'index.json')} (served at /extensions/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
