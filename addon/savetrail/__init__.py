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


def _blender_modules():
    # Imported here, not at the top: the delivery core (savetrail.outbox, ...) is
    # also imported without Blender, by its tests and tools.
    from . import operators, panels, preferences, session, translations

    return (translations, preferences, operators, panels, session)


def register():
    for module in _blender_modules():
        module.register()


def unregister():
    for module in reversed(_blender_modules()):
        module.unregister()
