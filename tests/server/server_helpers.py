"""Helpers shared by the server tests (a plain module: conftest is ambiguous)."""

import json


def post_json(client, path, body, **extra):
    """POST body as JSON text, the way the add-on sends it (ASCII escapes)."""
    return client.post(path, json.dumps(body), content_type="application/json", **extra)
