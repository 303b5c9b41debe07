"""Save a scene in real Blender (the bpy module) and POST its report with urllib.

Stand-in for tests/blender/report_once.py, which reports through the add-on's own
delivery core, until that script exists. Same arguments; exits 0 once the server
has stored the report.

    python blender_report_fallback.py --server URL --key KEY --blend PATH
"""

import argparse
import getpass
import json
import os
import socket
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

import bpy


def save_scene(blend_path: str) -> None:
    result = bpy.ops.wm.save_as_mainfile(filepath=blend_path)
    if result != {"FINISHED"}:
        sys.exit(f"Blender could not save {blend_path}: {result}")


def build_report() -> dict:
    saved_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {
        "event_id": str(uuid.uuid4()),
        "username": getpass.getuser(),
        "saved_at": saved_at,
        "file_path": bpy.data.filepath,
        "blender_version": bpy.app.version_string,
        "hostname": socket.gethostname(),
        "file_size": os.path.getsize(bpy.data.filepath),
    }


def post_report(server_url: str, api_key: str, report: dict) -> int:
    request = urllib.request.Request(
        server_url.rstrip("/") + "/api/v1/saves/",
        data=json.dumps(report).encode(),
        headers={
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        print(error.read().decode(errors="replace"), file=sys.stderr)
        return error.code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--blend", required=True)
    args = parser.parse_args()

    save_scene(args.blend)
    status = post_report(args.server, args.key, build_report())
    print(f"server answered {status}")
    return 0 if status == 201 else 1


if __name__ == "__main__":
    sys.exit(main())
