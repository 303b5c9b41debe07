"""The published OpenAPI schema and the docs page that shows it."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_each_endpoint_once_with_its_slash(schema):
    assert sorted(schema["paths"]) == [
        "/api/v1/health/",
        "/api/v1/saves/",
        "/api/v1/saves/batch/",
        "/api/v1/saves/{id}/",
    ]


def test_every_success_answer_has_an_example(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            success = [code for code in operation["responses"] if code < "300"]
            for code in success:
                content = operation["responses"][code]["content"]["application/json"]
                assert content.get("examples"), f"{method} {path} {code}"


def test_every_request_body_has_an_example(schema):
    posts = {
        path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops
    }

    assert sorted(posts) == ["/api/v1/saves/", "/api/v1/saves/batch/"]
    for path, operation in posts.items():
        assert operation["requestBody"]["content"]["application/json"]["examples"], path


def test_every_error_answer_uses_the_error_shape(schema):
    for operations in schema["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if code >= "400":
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}


def test_schema_describes_bearer_keys(schema):
    assert schema["components"]["securitySchemes"] == {
        "ApiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "st_<prefix>_<secret>",
            "description": "An API key from the admin or `manage.py create_api_key`.",
        },
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    assert "security" not in schema
    assert "security" not in schema["paths"]["/api/v1/health/"]["get"]
    assert schema["paths"]["/api/v1/saves/"]["get"]["security"] == [
        {"ApiKey": []},
        {"cookieAuth": []},
    ]
    assert schema["paths"]["/api/v1/saves/batch/"]["post"]["security"] == [
        {"ApiKey": []}
    ]


def test_report_schema_states_the_text_rules(schema):
    report = schema["components"]["schemas"]["SaveReportRequest"]

    assert sorted(report["required"]) == ["file_path", "saved_at", "username"]
    assert report["properties"]["file_path"] == {
        "type": "string",
        "minLength": 1,
        "description": "Absolute path of the saved .blend, stored exactly as sent.",
        "maxLength": 32767,
        "pattern": "^[^\\u0000]*$",
    }
    assert report["properties"]["saved_at"]["format"] == "date-time"


def test_docs_page_loads_its_scripts_from_this_server(api_client):
    response = api_client.get("/api/v1/docs/")

    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert response.status_code == 200
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
        in sources
    )


@pytest.mark.parametrize(
    ("saved_at", "accepted"),
    [
        ("1969-12-31T23:59:59Z", False),
        ("1970-01-01T00:00:00Z", True),
        ("2999-12-31T23:59:59Z", True),
        ("3000-01-01T00:00:00Z", False),
    ],
)
def test_schema_publishes_the_save_time_years_the_server_accepts(
    schema, saved_at, accepted
):
    properties = schema["components"]["schemas"]["SaveReportRequest"]["properties"]

    pattern = properties["saved_at"]["pattern"]

    assert (re.match(pattern, saved_at) is not None) is accepted
