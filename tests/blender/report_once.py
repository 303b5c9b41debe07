"""Save one scene with the real add-on in Blender and report it to a server.

    python tests/blender/report_once.py --server URL --key KEY --blend PATH [--zip ZIP]

Exits 0 once the server has confirmed the report, 1 otherwise. Used by the
Docker test to check the add-on against the container.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.blender.runtimes import available_runtimes, run_scenario  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="server URL")
    parser.add_argument("--key", required=True, help="API key with the report scope")
    parser.add_argument("--blend", required=True, help="where to save the .blend")
    parser.add_argument("--zip", help="add-on zip (default: the extension in dist/)")
    parser.add_argument("--username", default="docker-test")
    args = parser.parse_args()

    runtimes = available_runtimes()
    if not runtimes:
        print(
            "No Blender available: install bpy==5.0.1 (make test does)", file=sys.stderr
        )
        return 1
    addon_zip = args.zip or str(
        sorted((REPO / "dist").glob("savetrail-*[0-9].zip"))[-1]
    )

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config"}
        results = run_scenario(
            runtimes[0],
            [
                {"do": "install", "zip": addon_zip, "kind": "extension"},
                {
                    "do": "configure",
                    "server_url": args.server,
                    "api_key": args.key,
                    "username": args.username,
                },
                {"do": "save_and_report", "filepath": args.blend},
                {"do": "wait_delivered", "timeout": 60},
            ],
            env=env,
        )
    delivered = results[-1]
    print(f"pending={delivered['pending']} message={delivered['message']!r}")
    return 0 if delivered["pending"] == 0 and not delivered["is_error"] else 1


if __name__ == "__main__":
    sys.exit(main())
