"""A real Blender window under Xvfb: the artist clicks "Save & Report" with the mouse (issue 7, case B3).

Runs on Blender executables (Debian's Blender 3.4 under `make test-compat`). Blender
starts from user preferences saved beforehand with SaveTrail enabled and configured,
so the add-on registers at start-up as it does for an artist. gui_driver.py, run
inside that Blender, writes where its editors are on the screen; the test moves the
real mouse there with xdotool. Screenshots land in tests/artifacts/ (blender-panel.png,
blender-panel-ru.png, blender-save-as.png); docs/screenshots/ holds copies of them
for the README: copy them again when the panel changes.
"""

import json
import os
import select
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .runtimes import run_scenario

pytestmark = [pytest.mark.blender, pytest.mark.blender_binary]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
DRIVER = Path(__file__).with_name("gui_driver.py")
SCREEN = (1600, 900)
X_TOOLS = ("Xvfb", "xdotool", "import")
_found_tab_offsets = []


@pytest.fixture
def x_display():
    """A private X server on a free display between :90 and :99."""
    missing = [tool for tool in X_TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing: `make debian-blender` installs them"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " - in CI that is a failure")
        pytest.skip(message)

    for number in range(90, 100):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        server = _start_x_server(number)
        if server is not None:
            yield f":{number}"
            server.terminate()
            server.wait(10)
            return
    pytest.fail("no free X display between :90 and :99")


class BlenderWindow:
    """A Blender session on the X display, seen through gui_driver.py's state file, driven by xdotool."""

    def __init__(self, blender_path, display, env, folder):
        self.blender_path = blender_path
        self.env = {**env, "DISPLAY": display}
        self.state_file = folder / "window-state.json"
        self.log = folder / "blender-window.log"
        self.process = None

    def start(self, blend_file=None):
        config = json.dumps({"state_file": str(self.state_file), "screen_height": SCREEN[1]})
        command = [self.blender_path, "--window-geometry", "0", "0", str(SCREEN[0]), str(SCREEN[1])]
        command += [str(blend_file)] if blend_file else []
        command += ["--python", str(DRIVER), "--", config]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_for(lambda state: state["windows"], "the Blender window", timeout=60)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def state(self):
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def wait_for(self, condition, what, timeout=20.0):
        found = {}

        def check():
            state = self.state()
            found["state"] = state
            return state is not None and condition(state)

        if not _wait(check, timeout):
            log = self.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"Blender did not show {what} in {timeout} s; last state {found.get('state')}\n{log}")
        return found["state"]

    def area(self, area_type, window=0):
        state = self.state()
        return next(area for area in state["windows"][window]["areas"] if area["type"] == area_type)

    def xdotool(self, *arguments):
        subprocess.run(["xdotool", *arguments], env=self.env, check=True, timeout=30)

    def click(self, x, y, hover=0.5):
        """Hover first: Blender activates a button on hover, then takes the click."""
        self.xdotool("mousemove", str(int(x)), str(int(y)))
        time.sleep(hover)
        self.xdotool("click", "1")

    def screenshot(self, path, x, y, width, height):
        time.sleep(1.5)  # software OpenGL shows a redraw a moment after Blender made it
        path.parent.mkdir(parents=True, exist_ok=True)
        crop = f"{int(width)}x{int(height)}+{int(x)}+{int(y)}"
        subprocess.run(["import", "-window", "root", "-crop", crop, str(path)], env=self.env, check=True, timeout=30)

    def open_savetrail_tab(self):
        """Open the 3D Viewport's sidebar with N, then click down its tab strip until the SaveTrail panel draws."""
        viewport = self.area("VIEW_3D")["regions"]["WINDOW"]
        self.click(viewport["x"] + viewport["width"] // 2, viewport["y"] + viewport["height"] // 2)
        self.xdotool("key", "n")
        state = self.wait_for(lambda s: self._sidebar(s)["width"] > 100, "the sidebar")
        time.sleep(1.0)  # the sidebar slides in

        sidebar = self._sidebar(state)
        unit = state["widget_unit"]
        tab_x = sidebar["x"] + sidebar["width"] - unit * 0.5
        # The shortest tab ("Item") is about 1.7 units long: a click every 1.5 units meets each. Where the
        # SaveTrail tab was found is tried first, as every window here has the same layout.
        offsets = list(range(int(unit * 0.5), sidebar["height"] // 2, int(unit * 1.5)))
        for offset in _found_tab_offsets + offsets:
            draws = self.state()["panel_draws"]
            self.click(tab_x, sidebar["y"] + offset, hover=0.2)
            if _wait(lambda draws=draws: self.state()["panel_draws"] > draws, 1.0):
                _found_tab_offsets[:] = [offset]
                return sidebar, unit
        raise AssertionError("clicking down the sidebar's tab strip never opened the SaveTrail tab")

    def click_save_and_report(self, sidebar, unit):
        """The button is the first row of the SaveTrail panel, under its header."""
        tab_strip = unit
        self.click(sidebar["x"] + (sidebar["width"] - tab_strip) / 2, sidebar["y"] + unit * 2.2)

    @staticmethod
    def _sidebar(state):
        view = next(area for area in state["windows"][0]["areas"] if area["type"] == "VIEW_3D")
        return view["regions"]["UI"]


@pytest.fixture
def window(runtime, x_display, blender_env, tmp_path):
    opened = BlenderWindow(runtime.path, x_display, blender_env, tmp_path)
    yield opened
    opened.stop()


def prepare_session(runtime, blender_env, addon_zips, server, language="en_US", blend_file=None):
    """Install and configure SaveTrail in a background Blender and save the preferences, as an artist would."""
    kind = runtime.addon_kind
    steps = [
        {"do": "install", "zip": addon_zips[kind], "kind": kind},
        {"do": "configure", "server_url": server.base_url, "api_key": server.create_key("anna-ws"), "username": "anna"},
        {"do": "interface_language", "language": language},
        {"do": "save_preferences", "show_splash": False},
    ]
    if blend_file is not None:
        steps.append({"do": "save", "filepath": str(blend_file)})
    run_scenario(runtime, steps, env=blender_env)


def wait_for_reports(server, count, timeout=60.0):
    key = server.create_key("reader", read=True)
    found = {"reports": []}

    def check():
        request = urllib.request.Request(f"{server.base_url}/api/v1/saves/", headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            found["reports"] = json.load(response)["results"]
        return len(found["reports"]) >= count

    assert _wait(check, timeout), f"the server holds {found['reports']}"
    return found["reports"]


@pytest.mark.parametrize(
    ("language", "sent", "screenshot"),
    [("en_US", "Sent", "blender-panel.png"), ("ru_RU", "Отправлено", "blender-panel-ru.png")],
)
def test_clicking_save_and_report_in_the_sidebar_reports_the_save(
    runtime, window, blender_env, addon_zips, live_server_process, tmp_path, language, sent, screenshot
):
    server = live_server_process
    blend_file = tmp_path / "Проект" / "шот 010.blend"
    blend_file.parent.mkdir()
    prepare_session(runtime, blender_env, addon_zips, server, language, blend_file)
    saved_before = blend_file.stat().st_mtime_ns

    window.start(blend_file)
    sidebar, unit = window.open_savetrail_tab()
    window.click_save_and_report(sidebar, unit)

    [stored] = wait_for_reports(server, 1)
    assert (stored["file_path"], stored["username"]) == (str(blend_file), "anna")
    assert blend_file.stat().st_mtime_ns > saved_before
    state = window.wait_for(lambda s: s["message"] == sent, f"the status {sent!r}")
    assert state["pending"] == 0
    view = window.area("VIEW_3D")
    window.screenshot(ARTIFACTS / screenshot, view["x"] + view["width"] - 760, view["y"], 760, 420)


def test_never_saved_file_opens_save_as_and_then_reports(
    runtime, window, blender_env, addon_zips, live_server_process, tmp_path
):
    server = live_server_process
    prepare_session(runtime, blender_env, addon_zips, server)

    window.start()
    sidebar, unit = window.open_savetrail_tab()
    window.click_save_and_report(sidebar, unit)

    state = window.wait_for(
        lambda s: len(s["windows"]) == 2 and "EXECUTE" in s["windows"][1]["areas"][0]["regions"],
        "the Save As file browser",
    )
    browser = next(area for area in state["windows"][1]["areas"] if area["type"] == "FILE_BROWSER")
    window.screenshot(
        ARTIFACTS / "blender-save-as.png", browser["x"], browser["y"], browser["width"], browser["height"]
    )
    assert browser["filename"] == "untitled.blend"
    buttons = browser["regions"]["EXECUTE"]
    window.click(buttons["x"] + unit * 5, buttons["y"] + buttons["height"] / 2)  # the file name field
    window.xdotool("key", "ctrl+a")
    window.xdotool("type", "--delay", "30", "shot 020.blend")
    window.xdotool("key", "Return")
    window.wait_for(lambda s: s["windows"][1]["areas"][0].get("filename") == "shot 020.blend", "the typed file name")
    window.click(buttons["x"] + buttons["width"] - unit * 3.5, buttons["y"] + buttons["height"] / 2)  # Save & Report

    expected = os.path.join(browser["directory"], "shot 020.blend")
    [stored] = wait_for_reports(server, 1)
    assert stored["file_path"] == expected
    assert Path(expected).is_file()
    assert window.wait_for(lambda s: s["message"] == "Sent", "the status 'Sent'")["blend_path"] == expected


def _start_x_server(number):
    """Start Xvfb on display :number; return it once it serves, or None when another process took the display.

    Xvfb writes the display number to -displayfd when it is ready, and exits when the
    display is taken (for example by a test in another pytest-xdist worker).
    """
    ready_read, ready_write = os.pipe()
    command = ["Xvfb", f":{number}", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"]
    server = subprocess.Popen(
        [*command, "-displayfd", str(ready_write)],
        pass_fds=[ready_write],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(ready_write)
    with os.fdopen(ready_read) as ready:
        readable, _, _ = select.select([ready], [], [], 30)
        answer = ready.readline().strip() if readable else ""  # empty when Xvfb exits without serving
    if answer == str(number):
        return server
    server.kill()
    server.wait()
    return None


def _wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
