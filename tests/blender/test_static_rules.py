"""Rules the add-on's source must keep to run on every Blender from 3.0 to 5.0 (cases B15, B16).

Read from the source with ast, so they run without Blender:
- no private Blender modules (bpy_types became _bpy_types in 4.4, _bpy is internal);
- no dictionary access (prefs["x"], self.get("x")) to properties defined with
  bpy.props: Blender 5.0 keeps those apart from ID properties;
- nothing in register() touches the scene or bpy.data: Blender runs it in a
  restricted context where they raise;
- what the artist reads can be translated: reports and labels are not literal
  English or f-strings, and text() gets a literal sentence that translations.py lists.
"""

import ast
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parents[2] / "addon" / "savetrail"
PRIVATE_MODULES = ("bpy_types", "_bpy", "_bpy_types", "_bpy_internal", "bpy_restrict_state")
PROPERTY_FUNCTIONS = {
    "BoolProperty", "BoolVectorProperty", "CollectionProperty", "EnumProperty", "FloatProperty",
    "FloatVectorProperty", "IntProperty", "IntVectorProperty", "PointerProperty", "StringProperty",
}  # fmt: skip
# What bpy.context still offers while register() runs.
ALLOWED_IN_REGISTER = {"window_manager", "preferences"}


def private_imports(tree: ast.Module) -> list:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found += [f"line {node.lineno}: import {name}" for name in names if name.split(".")[0] in PRIVATE_MODULES]
    return found


def property_names(tree: ast.Module) -> set:
    """Names of the properties the source defines with bpy.props."""
    names = set()
    for node in ast.walk(tree):
        # Blender reads properties from annotations: `server_url: StringProperty(...)`.
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(node.annotation, ast.Call)
        ):
            function = node.annotation.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if called in PROPERTY_FUNCTIONS:
                names.add(node.target.id)
    return names


def dictionary_property_access(tree: ast.Module, properties: set) -> list:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            key = node.args[0].value
        else:
            continue
        if key in properties:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def scene_access_in_register(tree: ast.Module) -> list:
    """Uses of bpy.data or of the context beyond its restricted part, in register() and what it calls."""
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    to_visit, seen, found = ["register"], set(), []
    while to_visit:
        name = to_visit.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                to_visit.append(node.func.id)
            if not isinstance(node, ast.Attribute):
                continue
            dotted = _dotted(node)
            if dotted.startswith("bpy.data.") and dotted.count(".") == 2:
                found.append(f"{name}(), line {node.lineno}: {dotted}")
            elif dotted.startswith("bpy.context.") and dotted.count(".") == 2:
                if dotted.split(".")[2] not in ALLOWED_IN_REGISTER:
                    found.append(f"{name}(), line {node.lineno}: {dotted}")
    return sorted(found)


def untranslatable_messages(tree: ast.Module) -> list:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if called == "report" and len(node.args) == 2 and isinstance(node.args[1], (ast.Constant, ast.JoinedStr)):
            found.append(f"line {node.lineno}: report with a sentence that text() does not translate")
        is_translation = isinstance(node.func, ast.Name) and node.func.id == "text"
        if is_translation and not (node.args and isinstance(node.args[0], ast.Constant)):
            found.append(f"line {node.lineno}: text() needs the literal sentence, then .format()")
        for keyword in node.keywords:
            if keyword.arg in ("text", "heading") and isinstance(keyword.value, ast.JoinedStr):
                found.append(f"line {node.lineno}: {keyword.arg}= f-string cannot be translated")
    return found


def addon_sources() -> dict:
    return {path.name: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(ADDON.glob("*.py"))}


SOURCES = addon_sources()
PROPERTIES = set().union(*(property_names(tree) for tree in SOURCES.values()))


def test_the_addon_defines_properties_the_rules_can_see():
    assert {"server_url", "api_key", "username", "filepath"} <= PROPERTIES


@pytest.mark.parametrize("module", SOURCES)
def test_no_private_blender_modules(module):
    assert private_imports(SOURCES[module]) == []


@pytest.mark.parametrize("module", SOURCES)
def test_no_dictionary_access_to_bpy_props_properties(module):
    assert dictionary_property_access(SOURCES[module], PROPERTIES) == []


@pytest.mark.parametrize("module", SOURCES)
def test_register_touches_no_scene_or_data(module):
    assert scene_access_in_register(SOURCES[module]) == []


@pytest.mark.parametrize("module", SOURCES)
def test_what_the_artist_reads_can_be_translated(module):
    assert untranslatable_messages(SOURCES[module]) == []


BAD_SOURCE = """
import bpy
from bpy_types import Operator
import _bpy
from bpy.props import StringProperty

class Prefs(bpy.types.AddonPreferences):
    server_url: StringProperty()
    api_key: bpy.props.StringProperty()

def read(prefs):
    return prefs["server_url"], prefs.get("api_key"), {"other": 1}["other"]

def _first_scene():
    return bpy.context.scene.name, bpy.data.objects

def register():
    bpy.context.preferences.view
    _first_scene()

def execute(self, context):
    self.report({"ERROR"}, "Could not save")
    self.report({"INFO"}, f"Saved {context}")
    self.layout.label(text=f"{context} pending")
    self.report({"INFO"}, text(message))
"""


def test_rules_catch_what_they_forbid():
    tree = ast.parse(BAD_SOURCE)

    assert private_imports(tree) == ["line 3: import bpy_types", "line 4: import _bpy"]
    assert dictionary_property_access(tree, property_names(tree)) == [
        "line 12: prefs['server_url']",
        "line 12: prefs.get('api_key')",
    ]
    assert scene_access_in_register(tree) == [
        "_first_scene(), line 15: bpy.context.scene",
        "_first_scene(), line 15: bpy.data.objects",
    ]
    assert untranslatable_messages(tree) == [
        "line 22: report with a sentence that text() does not translate",
        "line 23: report with a sentence that text() does not translate",
        "line 24: text= f-string cannot be translated",
        "line 25: text() needs the literal sentence, then .format()",
    ]
