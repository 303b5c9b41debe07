"""Operators: Save & Report, Send Pending, and the messenger for delivery news."""

import os

import bpy
from bpy.props import StringProperty

from . import preferences, session
from .translations import text


def _has_preferences(cls, context) -> bool:
    # Known limitation: `blender --addons savetrail` loads the add-on for the session
    # without an entry in the preferences, so it has no server, key or user name; the
    # buttons then say how to enable it, and nothing is saved or sent.
    if preferences.get(context) is not None:
        return True
    cls.poll_message_set(text("SaveTrail has no settings in this session: enable it in Preferences > Add-ons"))
    return False


class SAVETRAIL_OT_save_and_report(bpy.types.Operator):
    """Save the current file and report the save to the studio's SaveTrail server"""

    bl_idname = "savetrail.save_and_report"
    bl_label = "Save & Report"
    bl_options = {"REGISTER"}

    filepath: StringProperty(subtype="FILE_PATH", options={"SKIP_SAVE"})
    filter_blender: bpy.props.BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})
    filter_folder: bpy.props.BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})
    check_existing: bpy.props.BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})

    @classmethod
    def poll(cls, context):
        return _has_preferences(cls, context)

    def invoke(self, context, event):
        if self.filepath or bpy.data.filepath:
            return self.execute(context)
        self.filepath = "untitled.blend"
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        target = bpy.path.abspath(self.filepath) if self.filepath else bpy.data.filepath
        if not target:
            self.report(
                {"ERROR"},
                text("This file has never been saved: choose where to save it (File > Save As) and try again"),
            )
            return {"CANCELLED"}
        if target.endswith(("/", "\\")) or os.path.isdir(target):
            self.report({"ERROR"}, text("Choose a file name to save to, not a folder: {}").format(target))
            return {"CANCELLED"}
        target = os.path.abspath(target)
        if not target.lower().endswith(".blend"):
            target += ".blend"

        session._operator_save_in_progress = True
        try:
            if target == bpy.data.filepath:
                bpy.ops.wm.save_mainfile()
            else:
                bpy.ops.wm.save_as_mainfile(filepath=target)
        except RuntimeError as error:
            self.report({"ERROR"}, text("Could not save the file: {}").format(_first_line(error)))
            return {"CANCELLED"}
        finally:
            session._operator_save_in_progress = False

        session.queue_report(bpy.data.filepath)
        self.report({"INFO"}, text("Saved; the report is on its way to the server"))
        return {"FINISHED"}


class SAVETRAIL_OT_send_pending(bpy.types.Operator):
    """Send the reports that are waiting in the outbox now"""

    bl_idname = "savetrail.send_pending"
    bl_label = "Send Pending"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return _has_preferences(cls, context)

    def execute(self, context):
        session.send_pending()
        self.report({"INFO"}, text("Sending the pending reports"))
        return {"FINISHED"}


class SAVETRAIL_OT_notify(bpy.types.Operator):
    """Show a delivery problem in the status bar and the Info log"""

    bl_idname = "savetrail.notify"
    bl_label = "SaveTrail Message"
    bl_options = {"INTERNAL"}

    message: StringProperty(options={"SKIP_SAVE"})
    level: StringProperty(default="WARNING", options={"SKIP_SAVE"})

    def execute(self, context):
        self.report({self.level}, self.message)
        return {"FINISHED"}


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    message = lines[0] if lines else type(error).__name__
    return message.removeprefix("Error: ")


def draw_file_menu(self, context):
    self.layout.operator(SAVETRAIL_OT_save_and_report.bl_idname, icon="EXPORT")


classes = (SAVETRAIL_OT_save_and_report, SAVETRAIL_OT_send_pending, SAVETRAIL_OT_notify)


def register():
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_file.append(draw_file_menu)


def unregister():
    bpy.types.TOPBAR_MT_file.remove(draw_file_menu)
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
