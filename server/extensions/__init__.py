"""The add-on, handed out as a Blender extensions repository."""
