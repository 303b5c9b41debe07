"""SaveTrail: save the scene and report the save to the studio's server."""

bl_info = {
    "name": "SaveTrail",
    "author": "SaveTrail team",
    "version": (0, 1, 0),
    "blender": (3, 0, 0),
    "location": "3D Viewport > Sidebar > SaveTrail, and File > Save & Report",
    "description": "Save the scene and report who saved which file, and when",
    "category": "System",
}

from . import operators, panels, preferences, session, translations  # noqa: E402

_modules = (translations, preferences, operators, panels, session)


def register():
    for module in _modules:
        module.register()


def unregister():
    for module in reversed(_modules):
        module.unregister()
