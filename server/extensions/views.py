"""Serve the add-on as a Blender extensions repository.

`make addon` writes the repository into settings.EXTENSIONS_DIR with Blender's own
tool: index.json, the extension zip beside it, and the legacy zip in legacy/. An
artist adds .../extensions/index.json as a remote repository in Blender 4.2 or
later (Preferences > Get Extensions) and installs and updates SaveTrail from there.
"""

import json
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

INDEX = "index.json"
NOT_BUILT = (
    "The SaveTrail add-on has not been built on this server: "
    "run `make addon`, which writes the extensions repository into {folder}"
)


def repository(request):
    """Show how to install the add-on; answer with index.json to Blender.

    Blender asks for JSON, so the repository also works when an artist adds
    .../extensions/ without index.json.
    """
    if _wants_json(request):
        response = index_json(request)
        patch_vary_headers(response, ["Accept"])
        return response

    folder = _folder()
    index_file = folder / INDEX
    packages = (
        json.loads(index_file.read_text())["data"] if index_file.is_file() else []
    )
    for package in packages:
        package["filename"] = package["archive_url"].removeprefix("./")
    legacy_zips = sorted(path.name for path in (folder / "legacy").glob("*.zip"))
    context = {
        "packages": packages,
        "legacy_zips": legacy_zips,
        "repository_url": request.build_absolute_uri(reverse("extensions:index-json")),
        "not_built": NOT_BUILT.format(folder=folder) if not packages else "",
    }
    response = render(request, "extensions/repository.html", context)
    patch_vary_headers(response, ["Accept"])
    return response


def index_json(request):
    index_file = _folder() / INDEX
    if not index_file.is_file():
        return _not_built()
    return FileResponse(index_file.open("rb"), content_type="application/json")


def archive(request, filename):
    return _zip(_folder() / filename)


def legacy_archive(request, filename):
    return _zip(_folder() / "legacy" / filename)


def _zip(path: Path):
    if not path.is_file():
        return HttpResponse(
            f"No {path.name} here.", status=404, content_type="text/plain"
        )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="application/zip",
    )


def _folder() -> Path:
    return Path(settings.EXTENSIONS_DIR)


def _not_built():
    return HttpResponse(
        NOT_BUILT.format(folder=_folder()), status=404, content_type="text/plain"
    )


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept
