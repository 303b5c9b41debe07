"""The extensions repository the server hands the add-on out from (issue 7)."""

import json

import pytest

INDEX = {
    "version": "v1",
    "blocklist": [],
    "data": [
        {
            "schema_version": "1.0.0",
            "id": "savetrail",
            "name": "SaveTrail",
            "tagline": "Save the scene and report who saved which file, and when",
            "version": "1.2.3",
            "type": "add-on",
            "archive_url": "./savetrail-1.2.3.zip",
        }
    ],
}


@pytest.fixture
def repository(tmp_path, settings):
    """A repository folder as `make addon` writes it."""
    (tmp_path / "legacy").mkdir()
    (tmp_path / "index.json").write_text(json.dumps(INDEX))
    (tmp_path / "savetrail-1.2.3.zip").write_bytes(b"PK extension")
    (tmp_path / "legacy" / "savetrail-1.2.3-legacy.zip").write_bytes(b"PK legacy")
    settings.EXTENSIONS_DIR = tmp_path
    return tmp_path


def test_index_json_is_served_as_written(client, repository):
    response = client.get("/extensions/index.json?platform=linux-x64")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (
        b"".join(response.streaming_content) == (repository / "index.json").read_bytes()
    )


def test_repository_url_answers_blender_with_index_json(client, repository):
    response = client.get("/extensions/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content)) == INDEX
    assert response["Vary"] == "Accept"


def test_extension_zip_is_served_beside_the_index(client, repository):
    response = client.get("/extensions/savetrail-1.2.3.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content) == b"PK extension"


def test_legacy_zip_is_served_from_legacy(client, repository):
    response = client.get("/extensions/legacy/savetrail-1.2.3-legacy.zip")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK legacy"


@pytest.mark.parametrize(
    "url",
    [
        "/extensions/savetrail-9.9.9.zip",
        "/extensions/legacy/savetrail-1.2.3.zip",
        "/extensions/..%2Findex.json",
        "/extensions/legacy/..%2Fsavetrail-1.2.3.zip",
        "/extensions/other.zip",
    ],
)
def test_unknown_or_outside_files_are_not_found(client, repository, url):
    assert client.get(url).status_code == 404


def test_page_tells_artists_both_ways_to_install(client, repository, settings):
    settings.ALLOWED_HOSTS = ["saves.studio.test"]

    response = client.get("/extensions/", HTTP_HOST="saves.studio.test")

    page = response.content.decode()
    assert response.status_code == 200
    assert "http://saves.studio.test/extensions/index.json" in page
    assert "SaveTrail 1.2.3" in page
    assert 'href="/extensions/savetrail-1.2.3.zip"' in page
    assert 'href="/extensions/legacy/savetrail-1.2.3-legacy.zip"' in page


def test_missing_build_says_how_to_make_it(client, settings, tmp_path):
    settings.EXTENSIONS_DIR = tmp_path / "nothing"

    response = client.get("/extensions/index.json")

    assert response.status_code == 404
    assert response.content.decode() == (
        "The SaveTrail add-on has not been built on this server: run `make addon`, "
        f"which writes the extensions repository into {tmp_path / 'nothing'}"
    )
