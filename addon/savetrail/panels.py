"""The SaveTrail tab in the 3D Viewport's sidebar."""

import bpy

from . import preferences, session
from .translations import text


class SAVETRAIL_PT_main(bpy.types.Panel):
    bl_idname = "SAVETRAIL_PT_main"
    bl_label = "SaveTrail"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "SaveTrail"

    def draw(self, context):
        layout = self.layout
        status = session.status

        layout.operator("savetrail.save_and_report", icon="FILE_TICK")

        prefs = preferences.get(context)
        if prefs is not None and not (session.server_url() and prefs.api_key):
            layout.label(text=text("Set the server URL and API key in the add-on's preferences"), icon="ERROR")
        if not session.online_access_allowed():
            box = layout.box()
            box.label(text=text("Online access is off: reports wait in the outbox"), icon="INTERNET_OFFLINE")
            box.label(text=text("Allow it in Preferences > System > Network"))

        row = layout.row()
        row.enabled = status.pending > 0
        send_label = text("Send Pending ({})").format(status.pending)
        row.operator("savetrail.send_pending", text=send_label, icon="FILE_REFRESH")

        if status.message:
            layout.label(text=status.message, icon="ERROR" if status.is_error else "CHECKMARK")
        if status.rejected:
            box = layout.box()
            box.label(text=text("Rejected by the server: {}").format(status.rejected), icon="CANCEL")
            for reason in status.rejected_reasons:
                box.label(text=reason)


classes = (SAVETRAIL_PT_main,)

register, unregister = bpy.utils.register_classes_factory(classes)
