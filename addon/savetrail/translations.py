"""Translations of SaveTrail's user-facing strings through bpy.app.translations."""

import bpy

# Filled with every user-facing string and its Russian by the translation work.
# Keys are (context, English message); "*" is Blender's default context.
TRANSLATIONS = {
    "ru_RU": {},
}


def text(message: str) -> str:
    """Return the message in the interface language (for reports and status)."""
    return bpy.app.translations.pgettext_iface(message)


def register():
    bpy.app.translations.register(__package__, TRANSLATIONS)


def unregister():
    bpy.app.translations.unregister(__package__)
