"""Every error under /api/ as JSON: {"code", "detail"} plus "fields" for 400.

handle_api_exception is DRF's exception handler; the *_view functions answer
Django's own 404, 400 and 500 for /api/ paths (see config/urls.py).
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "A report with this event_id is stored already, with different content."
    )
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 1 MiB."
    default_code = "payload_too_large"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database cannot be reached; try again later."
    default_code = "database_unavailable"


# Codes for DRF's exceptions whose own code is not the one clients rely on.
CODES = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "invalid"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    return body


def field_errors(detail, prefix: str = "") -> dict[str, list[dict]]:
    """Flatten DRF's error detail into {"field": [{"code", "detail"}, ...]}."""
    if isinstance(detail, dict):
        fields = {}
        for name, value in detail.items():
            fields.update(field_errors(value, f"{prefix}{name}."))
        return fields
    if isinstance(detail, list) and any(isinstance(item, dict) for item in detail):
        fields = {}
        for index, item in enumerate(detail):
            fields.update(field_errors(item, f"{prefix}{index}."))
        return fields
    items = detail if isinstance(detail, list) else [detail]
    name = prefix.removesuffix(".") or "non_field_errors"
    return {name: [{"code": item.code, "detail": str(item)} for item in items]}


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.AuthenticationFailed):
        code = exc.get_codes()
        return code if code in {"invalid_key", "revoked_key"} else "invalid_key"
    for exception_class, code in CODES:
        if isinstance(exc, exception_class):
            return code
    return exc.default_code


def _detail_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.Throttled):
        return (
            "Too many requests with this API key. "
            f"Try again in {math.ceil(exc.wait or 1)} seconds."
        )
    if isinstance(exc, exceptions.ParseError):
        return f"The body is not valid JSON ({exc.detail})."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "Send the body as JSON, with Content-Type: application/json."
    if isinstance(exc, exceptions.NotAuthenticated):
        return "Send an API key in the header Authorization: Bearer <key>."
    return str(exc.detail)


def handle_api_exception(exc, context):
    """Answer an exception raised in an API view with the JSON error body."""
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("Database unavailable", exc_info=exc)
        exc = DatabaseUnavailable()

    response = exception_handler(exc, context)
    if response is None:
        return None

    exc = _as_api_exception(exc)
    if isinstance(exc, exceptions.ValidationError):
        fields = field_errors(exc.detail)
        detail = "Some fields are invalid: " + ", ".join(fields) + "."
        response.data = error_body("invalid", detail, fields)
    else:
        response.data = error_body(_code_of(exc), _detail_of(exc))

    if isinstance(exc, exceptions.Throttled):
        response["Retry-After"] = str(math.ceil(exc.wait or 1))
    set_rollback()
    return response


def _as_api_exception(exc) -> exceptions.APIException:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exceptions.NotFound()


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def api_not_found_view(request, exception=None):
    body = error_body("not_found", "There is nothing at this address of the API.")
    return JsonResponse(body, status=404)


def page_not_found_view(request, exception):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return api_not_found_view(request, exception)


def bad_request_view(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    body = error_body("invalid", "The request cannot be served as sent.")
    return JsonResponse(body, status=400)


def server_error_view(request):
    if not _is_api(request):
        return defaults.server_error(request)
    body = error_body(
        "server_error", "The server failed to answer; the fault is logged."
    )
    return JsonResponse(body, status=500)
