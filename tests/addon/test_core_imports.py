"""The delivery core must run without Blender: importing it may not touch bpy."""

import subprocess
import sys
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / "addon"
CORE = ("messages", "report", "outbox", "client", "worker")


def test_core_modules_import_with_bpy_blocked():
    script = (
        "import sys; sys.modules['bpy'] = None; "  # any `import bpy` now fails
        + "; ".join(f"import savetrail.{name}" for name in CORE)
        + "; print(sorted(m for m in sys.modules if m.startswith('bpy')))"
    )

    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ADDON,
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.stderr == ""
    assert finished.stdout == "['bpy']\n"  # only the blocker itself
