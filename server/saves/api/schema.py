"""OpenAPI descriptions of the API views, with an example for each answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from .serializers import (
    BatchResponseSerializer,
    BatchSerializer,
    ErrorSerializer,
    HealthSerializer,
    SaveReportSerializer,
)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "saves.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "st_<prefix>_<secret>",
            "description": "An API key from the admin or `manage.py create_api_key`.",
        }


def text_without_nul(result, generator, request, public):
    """Show in the schema that report text may hold anything but NUL.

    (Lone surrogates are refused too; JSON Schema cannot say so portably.)
    """
    for name in ("SaveReportRequest",):
        for field in result["components"]["schemas"][name]["properties"].values():
            if field.get("type") == "string" and "format" not in field:
                field["pattern"] = "^[^\\u0000]*$"
        saved_at = result["components"]["schemas"][name]["properties"]["saved_at"]
        saved_at["pattern"] = SAVED_AT_PATTERN
    return result


# The years SaveReportSerializer accepts for saved_at (SAVED_AT_YEARS), as a pattern.
SAVED_AT_PATTERN = "^(19[7-9][0-9]|2[0-9]{3})-"


def slash_endpoints_only(endpoints, **kwargs):
    """Publish each endpoint once in the schema, at its address with the slash."""
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]


REPORT = {
    "event_id": "9b2f3c1e-8d4a-4f6b-a1c2-3e4d5f6a7b8c",
    "username": "anna",
    "saved_at": "2026-03-10T17:42:55Z",
    "file_path": "/proj/shot 010.blend",
    "blender_version": "5.0.1",
    "hostname": "ws-12",
    "file_size": 123456,
}
RECORD = {
    "id": 1,
    **REPORT,
    "received_at": "2026-03-10T17:42:56.120000Z",
    "api_key": "anna-workstation",
}


def _error(status: int, code: str, detail: str, fields=None) -> OpenApiResponse:
    value = {"code": code, "detail": detail}
    if fields:
        value["fields"] = fields
    return OpenApiResponse(
        ErrorSerializer,
        description=detail,
        examples=[OpenApiExample(code, value=value, status_codes=[str(status)])],
    )


INVALID = _error(
    400,
    "invalid",
    "Some fields are invalid: saved_at.",
    {
        "saved_at": [
            {
                "code": "offset_required",
                "detail": "Add a UTC offset or Z to the time, for example "
                "2026-03-10T17:42:55Z.",
            }
        ]
    },
)
NOT_AUTHENTICATED = _error(
    401,
    "invalid_key",
    "This API key is not known. Check the key in the add-on's preferences.",
)
FORBIDDEN = _error(
    403,
    "permission_denied",
    "This API key may not send reports: it lacks the 'report' scope.",
)
NOT_FOUND = _error(404, "not_found", "There is no report with this id.")
TOO_LARGE = _error(413, "payload_too_large", "The request body is larger than 1 MiB.")
NOT_JSON = _error(
    415,
    "unsupported_media_type",
    "Send the body as JSON, with Content-Type: application/json.",
)
THROTTLED = _error(
    429,
    "throttled",
    "Too many requests with this API key. Try again in 42 seconds.",
)
UNAVAILABLE = _error(
    503,
    "database_unavailable",
    "The database cannot be reached; try again later.",
)
CONFLICT = _error(
    409,
    "conflict",
    "A report with this event_id is stored already, with different content.",
)
RECEIVING_ERRORS = {
    400: INVALID,
    401: NOT_AUTHENTICATED,
    403: FORBIDDEN,
    413: TOO_LARGE,
    415: NOT_JSON,
    429: THROTTLED,
    503: UNAVAILABLE,
}
READING_ERRORS = {
    400: INVALID,
    401: NOT_AUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    429: THROTTLED,
    503: UNAVAILABLE,
}

saves_view = extend_schema_view(
    get=extend_schema(
        summary="List reports, newest first",
        description="Needs the read scope, or a staff session. Pages by cursor: "
        "follow `next`.",
        responses={200: SaveReportSerializer(many=True), **READING_ERRORS},
        examples=[
            OpenApiExample(
                "A page",
                value={"next": None, "previous": None, "results": [RECORD]},
                response_only=True,
                status_codes=["200"],
            )
        ],
    ),
    post=extend_schema(
        summary="Store one report",
        description="Needs the report scope. 201 stores it; 200 means this "
        "event_id was stored before with the same content (nothing new stored); "
        "409 means it was stored with other content.",
        request=SaveReportSerializer,
        responses={
            201: SaveReportSerializer,
            200: SaveReportSerializer,
            409: CONFLICT,
            **RECEIVING_ERRORS,
        },
        examples=[
            OpenApiExample("A report", value=REPORT, request_only=True),
            OpenApiExample(
                "Stored", value=RECORD, response_only=True, status_codes=["201"]
            ),
            OpenApiExample(
                "Stored before",
                value=RECORD,
                response_only=True,
                status_codes=["200"],
            ),
        ],
    ),
)

batch_view = extend_schema_view(
    post=extend_schema(
        summary="Store up to 500 reports",
        description="Needs the report scope. Answers per report, in the order "
        "sent: created, duplicate, conflict or invalid (with its errors).",
        request=BatchSerializer,
        responses={200: BatchResponseSerializer, **RECEIVING_ERRORS},
        examples=[
            OpenApiExample(
                "Two reports",
                value={"reports": [REPORT, {**REPORT, "event_id": None}]},
                request_only=True,
            ),
            OpenApiExample(
                "Answers",
                value={
                    "results": [
                        {
                            "event_id": REPORT["event_id"],
                            "status": "created",
                            "record": RECORD,
                        },
                        {
                            "event_id": None,
                            "status": "invalid",
                            "errors": {
                                "username": [
                                    {
                                        "code": "blank",
                                        "detail": "This field may not be blank.",
                                    }
                                ]
                            },
                        },
                    ]
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
)

detail_view = extend_schema_view(
    get=extend_schema(
        summary="One report",
        description="Needs the read scope, or a staff session.",
        responses={200: SaveReportSerializer, **READING_ERRORS},
        examples=[
            OpenApiExample(
                "A report", value=RECORD, response_only=True, status_codes=["200"]
            )
        ],
    )
)

health_view = extend_schema_view(
    get=extend_schema(
        summary="Is the server up and its database reachable?",
        description="Needs no key.",
        auth=[],
        responses={200: HealthSerializer, 503: UNAVAILABLE},
        examples=[
            OpenApiExample(
                "Healthy",
                value={"status": "ok", "database": "ok"},
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
)
