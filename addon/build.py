"""Build the add-on zips into dist/.

  savetrail-<version>.zip         extension for Blender 4.2 and later
  savetrail-<version>-legacy.zip  add-on (a savetrail/ folder) for Blender 3.0 to 4.1

The version comes from addon/savetrail/blender_manifest.toml; bl_info must agree.
"""

import ast
import sys
import zipfile
from pathlib import Path

import tomllib

ADDON_DIR = Path(__file__).resolve().parent / "savetrail"
DIST_DIR = Path(__file__).resolve().parent.parent / "dist"


def manifest_version() -> str:
    with open(ADDON_DIR / "blender_manifest.toml", "rb") as manifest:
        return tomllib.load(manifest)["version"]


def bl_info_version() -> str:
    module = ast.parse((ADDON_DIR / "__init__.py").read_text(encoding="utf-8"))
    for node in module.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "bl_info":
            version = ast.literal_eval(node.value)["version"]
            return ".".join(str(part) for part in version)
    raise SystemExit("addon/savetrail/__init__.py has no bl_info")


def source_files():
    for path in sorted(ADDON_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def write_zip(target: Path, prefix: str):
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in source_files():
            archive.write(path, prefix + path.relative_to(ADDON_DIR).as_posix())


def main() -> int:
    version = manifest_version()
    if bl_info_version() != version:
        print(
            f"bl_info version {bl_info_version()} differs from blender_manifest.toml {version}: make them equal",
            file=sys.stderr,
        )
        return 1

    DIST_DIR.mkdir(exist_ok=True)
    extension_zip = DIST_DIR / f"savetrail-{version}.zip"
    legacy_zip = DIST_DIR / f"savetrail-{version}-legacy.zip"
    write_zip(extension_zip, prefix="")
    write_zip(legacy_zip, prefix="savetrail/")
    print(f"Built {extension_zip.relative_to(Path.cwd())} and {legacy_zip.relative_to(Path.cwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
