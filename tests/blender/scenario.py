"""Run a SaveTrail scenario inside real Blender and print what happened as JSON.

Started by the tests (see runtimes.py) as
    python scenario.py -- STEPS_JSON                   (bpy from PyPI)
    blender -b --factory-startup --python scenario.py -- STEPS_JSON
STEPS_JSON is a list of steps such as {"do": "install", "zip": "...", "kind": "extension"}.
The last line printed is "SAVETRAIL_RESULT <json>", a list with one result per step.
"""

import json
import sys
import time
import traceback

import addon_utils
import bpy

state = {"package": None}


def addon_module(name):
    return sys.modules[f"{state['package']}.{name}"]


def step_install(zip, kind):
    if kind == "extension":
        bpy.ops.extensions.package_install_files(
            filepath=zip, repo="user_default", enable_on_install=True
        )
        state["package"] = "bl_ext.user_default.savetrail"
    else:
        bpy.ops.preferences.addon_install(filepath=zip, overwrite=True)
        addon_utils.enable("savetrail", default_set=True, handle_error=_raise)
        state["package"] = "savetrail"
    return {"enabled": state["package"] in bpy.context.preferences.addons}


def step_enable(package=None):
    state["package"] = package or state["package"]
    addon_utils.enable(state["package"], default_set=True, handle_error=_raise)
    return {"enabled": state["package"] in bpy.context.preferences.addons}


def step_disable():
    addon_utils.disable(state["package"], default_set=True, handle_error=_raise)
    return {"enabled": state["package"] in bpy.context.preferences.addons}


def step_configure(**values):
    prefs = bpy.context.preferences.addons[state["package"]].preferences
    for name, value in values.items():
        setattr(prefs, name, value)
    return {name: getattr(prefs, name) for name in values}


def step_online_access(allowed):
    bpy.context.preferences.system.use_online_access = allowed
    return {"online_access": getattr(bpy.app, "online_access", True)}


def step_save_and_report(filepath=None):
    started = time.perf_counter()
    try:
        if filepath is None:
            result = bpy.ops.savetrail.save_and_report()
        else:
            result = bpy.ops.savetrail.save_and_report(filepath=filepath)
        error = None
    except RuntimeError as exc:
        result, error = ["CANCELLED"], str(exc).strip()
    return {
        "result": sorted(result),
        "error": error,
        "seconds": time.perf_counter() - started,
        "blend_path": bpy.data.filepath,
    }


def step_save(filepath):
    bpy.ops.wm.save_as_mainfile(filepath=filepath)
    return {"blend_path": bpy.data.filepath}


def step_wait_delivered(timeout=30.0):
    """Drive the results timer (the bpy module has no event loop) until the outbox is empty."""
    session = addon_module("session")
    deadline = time.monotonic() + timeout
    while True:
        session.poll_results()
        if session.status.pending == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return step_status()


def step_poll(seconds=1.0):
    session = addon_module("session")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.poll_results()
        time.sleep(0.05)
    return step_status()


def step_status():
    session = addon_module("session")
    session.poll_results()
    status = session.status
    return {
        "pending": status.pending,
        "rejected": status.rejected,
        "message": status.message,
        "is_error": status.is_error,
        "rejected_reasons": list(status.rejected_reasons),
        "save_post_handlers": [
            handler.__name__ for handler in bpy.app.handlers.save_post
        ],
        "outbox": str(session.outbox_folder()),
    }


def step_start_session():
    """What Blender's start-up timer does: send what earlier sessions left behind."""
    addon_module("session")._send_pending_at_start()
    return step_status()


def step_send_pending():
    return {"result": sorted(bpy.ops.savetrail.send_pending())}


def _raise(exc):
    raise exc


STEPS = {
    name.removeprefix("step_"): func
    for name, func in globals().items()
    if name.startswith("step_")
}


def main():
    steps = json.loads(sys.argv[sys.argv.index("--") + 1])
    results = []
    for step in steps:
        step = dict(step)
        action = step.pop("do")
        try:
            results.append(STEPS[action](**step))
        except Exception:
            results.append({"exception": traceback.format_exc()})
            break
    print("SAVETRAIL_RESULT " + json.dumps(results), flush=True)


main()
