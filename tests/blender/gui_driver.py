"""Runs inside a Blender window (under Xvfb) for the GUI test; the test itself only uses the mouse and keyboard.

    blender [FILE.blend] --python gui_driver.py -- CONFIG_JSON

Blender starts from the user preferences the test saved, with SaveTrail enabled and
configured, so the add-on registers the way it does for an artist. CONFIG_JSON holds
"state_file" and "screen_height". A timer writes the window's layout to state_file as JSON a
few times a second: where the 3D Viewport and its sidebar are on the screen (x, y
from the top left, as xdotool counts), how often the SaveTrail panel has been drawn,
which editors are open (a file browser once Save As opens) and the add-on's status.
"""

import json
import os
import sys

import bpy

CONFIG = json.loads(sys.argv[sys.argv.index("--") + 1])
PACKAGE = "savetrail"
INTERVAL = 0.2
panel_draws = {"count": 0}


def count_panel_draws():
    """Count the SaveTrail panel's draws: it is drawn only while its sidebar tab is open."""
    panel = sys.modules[f"{PACKAGE}.panels"].SAVETRAIL_PT_main
    draw = panel.draw

    def counted_draw(self, context):
        panel_draws["count"] += 1
        draw(self, context)

    panel.draw = counted_draw


def on_screen(window, rectangle):
    """Return x, y (top left, as X11 counts) and size of an area or region of a window."""
    screen_height = int(CONFIG.get("screen_height", 900))
    return {
        "x": window.x + rectangle.x,
        "y": screen_height - (window.y + rectangle.y + rectangle.height),
        "width": rectangle.width,
        "height": rectangle.height,
    }


def layout():
    windows = []
    for window in bpy.context.window_manager.windows:
        areas = []
        for area in window.screen.areas:
            entry = {"type": area.type, **on_screen(window, area), "regions": {}}
            for region in area.regions:
                if region.type in ("UI", "WINDOW", "HEADER", "TOOL_PROPS", "EXECUTE"):
                    entry["regions"][region.type] = on_screen(window, region)
            if area.type == "FILE_BROWSER" and area.spaces.active.params is not None:
                params = area.spaces.active.params
                entry["directory"] = os.fsdecode(params.directory)
                entry["filename"] = params.filename
            if area.type == "VIEW_3D":
                entry["sidebar"] = area.spaces.active.show_region_ui
            areas.append(entry)
        windows.append({"x": window.x, "y": window.y, "width": window.width, "height": window.height, "areas": areas})
    return windows


def write_state():
    session = sys.modules[f"{PACKAGE}.session"]
    state = {
        "windows": layout(),
        "panel_draws": panel_draws["count"],
        "widget_unit": bpy.context.preferences.system.ui_scale * 20,
        "blend_path": bpy.data.filepath,
        "pending": session.status.pending,
        "message": session.status.message,
    }
    temporary = CONFIG["state_file"] + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(state, file)
    os.replace(temporary, CONFIG["state_file"])
    return INTERVAL


count_panel_draws()
bpy.app.timers.register(write_state, first_interval=INTERVAL, persistent=True)
