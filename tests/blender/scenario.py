"""Run a SaveTrail scenario inside real Blender and print what happened as JSON.

Started by the tests (see runtimes.py) as
    python scenario.py -- STEPS_JSON                   (bpy from PyPI)
    blender -b --factory-startup --python scenario.py -- STEPS_JSON
STEPS_JSON is a list of steps such as {"do": "install", "zip": "...", "kind": "extension"}.
The last line printed is "SAVETRAIL_RESULT <json>", a list with one result per step.
"""

import atexit
import inspect
import json
import sys
import threading
import time
import traceback
from pathlib import Path

import bpy

import addon_utils  # isort: skip  (the bpy module puts it on the path when imported)

state = {"package": None}
# atexit cannot list its callbacks, so the scenario watches them being added and removed.
exit_hooks = []


def _watch_exit_hooks():
    register, unregister = atexit.register, atexit.unregister

    def watched_register(function, *args, **kwargs):
        exit_hooks.append(function)
        return register(function, *args, **kwargs)

    def watched_unregister(function):
        exit_hooks[:] = [hook for hook in exit_hooks if hook != function]
        return unregister(function)

    atexit.register, atexit.unregister = watched_register, watched_unregister


def addon_module(name):
    return sys.modules[f"{state['package']}.{name}"]


def step_install(zip, kind):
    if kind == "extension":
        bpy.ops.extensions.package_install_files(filepath=zip, repo="user_default", enable_on_install=True)
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
        if _worker_done(session) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return step_status()


def _worker_done(session):
    """Whether the worker has emptied the outbox and the panel shows that it succeeded."""
    worker = session._worker
    news = worker.status if worker is not None else None
    return (
        news is not None
        and news.pending == 0
        and worker.events.empty()
        and session.status.pending == 0
        and bool(session.status.message)
        and not session.status.is_error
    )


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
        "save_post_handlers": [handler.__name__ for handler in bpy.app.handlers.save_post],
        "outbox": str(session.outbox_folder()),
    }


def step_start_session():
    """What Blender's start-up timer does: send what earlier sessions left behind."""
    addon_module("session")._send_pending_at_start()
    return step_status()


def step_send_pending():
    return {"result": sorted(bpy.ops.savetrail.send_pending())}


def step_footprint():
    """What the add-on adds to Blender: threads, handlers, timers, menu entries, classes, exit hooks."""
    package = state["package"]
    if package is not None and package in sys.modules:
        # Remember the add-on's functions while it is loaded, to ask about its timers once it is gone.
        state.setdefault("functions", {}).update(_addon_functions(package))
    draw_functions = getattr(bpy.types.TOPBAR_MT_file.draw, "_draw_funcs", [])
    handlers = {
        name: [handler.__name__ for handler in getattr(bpy.app.handlers, name) if _is_ours(handler)]
        for name in dir(bpy.app.handlers)
        if isinstance(getattr(bpy.app.handlers, name), list)
    }
    return {
        "threads": sorted(thread.name for thread in threading.enumerate()),
        "handlers": {name: found for name, found in handlers.items() if found},
        "timers": sorted(
            name for name, function in state.get("functions", {}).items() if bpy.app.timers.is_registered(function)
        ),
        "file_menu": [function.__name__ for function in draw_functions if _is_ours(function)],
        "file_menu_entries": len(draw_functions[1:]),  # the first is the menu's own draw()
        "classes": sorted(name for name in dir(bpy.types) if name.startswith("SAVETRAIL_")),
        "exit_hooks": [hook.__name__ for hook in exit_hooks if _is_ours(hook)],
        "files": _installed_files(),
    }


def step_remove(kind):
    """Remove the add-on the way Blender's preferences do."""
    if kind == "extension":
        repos = list(bpy.context.preferences.extensions.repos)
        index = [repo.module for repo in repos].index(state["package"].split(".")[1])
        result = bpy.ops.extensions.package_uninstall(repo_index=index, pkg_id="savetrail")
    else:
        try:
            result = bpy.ops.preferences.addon_remove(module="savetrail")
        except RuntimeError as error:
            # Without a window the operator fails on its last line, the redraw of the
            # preferences area, after it has disabled the add-on and deleted its files.
            if "tag_redraw" not in str(error):
                raise
            result = {"FINISHED"}
    return {"result": sorted(result), "enabled": state["package"] in bpy.context.preferences.addons}


def step_install_from_repository(url, module="studio"):
    """Add a remote extensions repository as an artist does, sync it and install SaveTrail from it."""
    index = _repository_index(url, module)
    synced = bpy.ops.extensions.repo_sync(repo_index=index)
    installed = bpy.ops.extensions.package_install(repo_index=index, pkg_id="savetrail", enable_on_install=True)
    state["package"] = f"bl_ext.{module}.savetrail"
    return {
        "synced": sorted(synced),
        "installed": sorted(installed),
        "enabled": state["package"] in bpy.context.preferences.addons,
        "version": _installed_version(),
    }


def step_upgrade_from_repository(url, module="studio"):
    """In a later session, sync the repository again and take the newer version, as "Update All" does."""
    index = _repository_index(url, module)
    state["package"] = f"bl_ext.{module}.savetrail"
    synced = bpy.ops.extensions.repo_sync(repo_index=index)
    upgraded = bpy.ops.extensions.package_upgrade_all()
    return {"synced": sorted(synced), "upgraded": sorted(upgraded), "version": _installed_version()}


def step_server_url():
    """The server the add-on reports to, and the preference the artist sees."""
    session = addon_module("session")
    prefs = bpy.context.preferences.addons[state["package"]].preferences
    return {"server_url": session.server_url(), "preference": prefs.server_url}


def step_server_url_from_repository(urls):
    session = addon_module("session")
    return {url: session.server_url_from_repository(url) for url in urls}


def step_interface_language(language):
    """Switch Blender's interface, tooltips and reports to a language, as the preferences do."""
    view = bpy.context.preferences.view
    view.language = language
    for switch in ("use_translate_interface", "use_translate_tooltips", "use_translate_reports"):
        if hasattr(view, switch):
            setattr(view, switch, True)
    return {"locale": bpy.app.translations.locale}


def step_addon_strings(messages):
    """Each user-facing string of the add-on and what Blender shows for it in the interface language.

    messages are the sentences the tests found in the add-on's source; the names and
    tooltips of its operators and preferences, and the delivery core's messages, are
    read from Blender and from the add-on here.
    """
    translations = bpy.app.translations
    shown = [["*", message, translations.pgettext_iface(message)] for message in messages]
    shown += [["*", message, translations.pgettext_iface(message)] for message in addon_module("messages").ALL]
    for cls in addon_module("operators").classes:
        module, name = cls.bl_idname.split(".")
        rna = getattr(getattr(bpy.ops, module), name).get_rna_type()
        shown.append(
            [rna.translation_context, rna.name, translations.pgettext_iface(rna.name, rna.translation_context)]
        )
        shown.append(["*", rna.description, translations.pgettext_tip(rna.description)])
    prefs = bpy.context.preferences.addons[state["package"]].preferences
    for prop in prefs.bl_rna.properties:
        if prop.identifier in ("rna_type", "bl_idname"):
            continue
        shown.append(
            [prop.translation_context, prop.name, translations.pgettext_iface(prop.name, prop.translation_context)]
        )
        shown.append(["*", prop.description, translations.pgettext_tip(prop.description)])
    return {"strings": shown}


def step_draw_panel(pending=0, rejected_reasons=()):
    """Draw the SaveTrail panel and the add-on's preferences into a recorder: the texts Blender would show."""
    session = addon_module("session")
    session.status.pending = pending
    session.status.rejected = len(rejected_reasons)
    session.status.rejected_reasons = tuple(rejected_reasons)
    panel = addon_module("panels").SAVETRAIL_PT_main
    panel_texts, preferences_texts = [], []
    panel.draw(_Drawn(None, _RecordingLayout(panel_texts)), bpy.context)
    prefs = bpy.context.preferences.addons[state["package"]].preferences
    type(prefs).draw(_Drawn(prefs, _RecordingLayout(preferences_texts)), bpy.context)
    return {"panel": panel_texts, "preferences": preferences_texts}


class _Drawn:
    """What a panel's or preferences' draw() gets as self: their data, and a layout to draw into."""

    def __init__(self, target, layout):
        self._target = target
        self.layout = layout

    def __getattr__(self, name):
        return getattr(self._target, name)


class _RecordingLayout:
    """A stand-in for bpy.types.UILayout that records each text as Blender would translate it."""

    def __init__(self, shown):
        self.shown = shown
        self.enabled = self.active = self.alert = self.use_property_split = True

    def _show(self, text, context="*", translate=True):
        if text:
            self.shown.append(bpy.app.translations.pgettext_iface(text, context or "*") if translate else text)

    def label(self, *, text="", text_ctxt="", translate=True, **_options):
        self._show(text, text_ctxt, translate)

    def operator(self, idname, *, text=None, text_ctxt="", translate=True, **_options):
        module, name = idname.split(".")
        rna = getattr(getattr(bpy.ops, module), name).get_rna_type()
        if text is None:
            self._show(rna.name, rna.translation_context)
        else:
            self._show(text, text_ctxt or rna.translation_context, translate)
        return _Drawn(None, None)

    def prop(self, data, property, *, text=None, text_ctxt="", translate=True, **_options):
        rna = data.bl_rna.properties[property]
        self._show(rna.name if text is None else text, text_ctxt or rna.translation_context, translate)

    def row(self, **_options):
        return _RecordingLayout(self.shown)

    def box(self):
        return _RecordingLayout(self.shown)

    def column(self, *, heading="", heading_ctxt="", translate=True, **_options):
        self._show(heading, heading_ctxt, translate)
        return _RecordingLayout(self.shown)

    def separator(self, **_options):
        pass


def _repository_index(url, module):
    """Return the index of the remote repository with that module name, adding it first if needed.

    The bpy module does not keep preferences between sessions; the repository's
    folder, and the extension installed in it, stay.
    """
    repos = bpy.context.preferences.extensions.repos
    if module not in [repo.module for repo in repos]:
        repos.new(name="Studio", module=module, remote_url=url)
    return [repo.module for repo in repos].index(module)


def _addon_functions(package):
    functions = {}
    for name, module in list(sys.modules.items()):
        if name == package or name.startswith(package + "."):
            functions.update(
                {f"{function.__name__}": function for function in vars(module).values() if inspect.isfunction(function)}
            )
    return functions


def _is_ours(function):
    return "savetrail" in (getattr(function, "__module__", None) or "")


def _installed_files():
    package = state["package"]
    if package is None:
        return []
    if package.startswith("bl_ext."):
        folder = Path(bpy.utils.user_resource("EXTENSIONS", path=package.split(".")[1])) / "savetrail"
    else:
        folder = Path(bpy.utils.user_resource("SCRIPTS", path="addons")) / "savetrail"
    return sorted(path.name for path in folder.glob("*.py"))


def _installed_version():
    for module in addon_utils.modules(refresh=True):
        if module.__name__ == state["package"]:
            return ".".join(str(part) for part in addon_utils.module_bl_info(module)["version"])
    return None


def _raise(exc):
    raise exc


STEPS = {name.removeprefix("step_"): func for name, func in globals().items() if name.startswith("step_")}


def main():
    _watch_exit_hooks()
    # An artist who uses SaveTrail has allowed online access (Blender 4.2 and later
    # start with it off); the step "online_access" turns it off again.
    if hasattr(bpy.app, "online_access"):
        bpy.context.preferences.system.use_online_access = True
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
