"""Add-on preferences: where to report, with which key, as whom."""

import bpy
from bpy.props import BoolProperty, FloatProperty, StringProperty

from . import session


def _settings_changed(self, context):
    session.apply_preferences()


class SAVETRAIL_AddonPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    server_url: StringProperty(
        name="Server URL",
        description=(
            "Address of the studio's SaveTrail server, for example https://savetrail.studio.example; "
            "empty uses the server this add-on was installed from"
        ),
        update=_settings_changed,
    )
    api_key: StringProperty(
        name="API Key",
        description="The key your pipeline team gave you for this workstation or artist",
        subtype="PASSWORD",
        update=_settings_changed,
    )
    username: StringProperty(
        name="User Name",
        description="Name reported with each save; empty uses your operating system login",
        update=_settings_changed,
    )
    report_every_save: BoolProperty(
        name="Report Every Save",
        description="Report every save, Ctrl+S included, not only the Save & Report button",
        default=False,
    )
    connect_timeout: FloatProperty(
        name="Connect Timeout",
        description="Seconds to wait for the server to accept a connection",
        default=5.0,
        min=0.5,
        max=120.0,
        subtype="TIME_ABSOLUTE",
        unit="TIME_ABSOLUTE",
        update=_settings_changed,
    )
    read_timeout: FloatProperty(
        name="Read Timeout",
        description="Seconds to wait for the server's answer once connected",
        default=15.0,
        min=0.5,
        max=600.0,
        subtype="TIME_ABSOLUTE",
        unit="TIME_ABSOLUTE",
        update=_settings_changed,
    )
    ca_file: StringProperty(
        name="CA Certificate File",
        description="PEM file of your studio's certificate authority, for a server with a private certificate",
        subtype="FILE_PATH",
        update=_settings_changed,
    )

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        if bpy.app.version >= (4, 1, 0):
            layout.prop(self, "server_url", placeholder=session.repository_server_url())
            layout.prop(self, "api_key")
            layout.prop(self, "username", placeholder=session.default_username())
        else:
            layout.prop(self, "server_url")
            layout.prop(self, "api_key")
            layout.prop(self, "username")
        layout.prop(self, "report_every_save")
        column = layout.column(heading="Network")
        column.prop(self, "connect_timeout")
        column.prop(self, "read_timeout")
        column.prop(self, "ca_file")


def get(context=None):
    """Return this add-on's preferences, or None while it is not enabled."""
    context = context or bpy.context
    addon = context.preferences.addons.get(__package__)
    return addon.preferences if addon else None


classes = (SAVETRAIL_AddonPreferences,)

register, unregister = bpy.utils.register_classes_factory(classes)
