"""Bearer API-key authentication and the two scopes, report and read."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions

from saves import services
from saves.models import ApiKey

UNKNOWN_KEY = "This API key is not known. Check the key in the add-on's preferences."


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>`; request.auth is then the ApiKey.

    A key is not a Django user, so request.user stays anonymous.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, raw_key = header.strip().partition(" ")
        if scheme.lower() != self.keyword:
            return None

        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed(
                "The Authorization header holds no key after 'Bearer'.",
                code="invalid_key",
            )

        try:
            api_key = services.authenticate_key(raw_key) if raw_key.isascii() else None
        except services.ApiKeyRevoked:
            raise exceptions.AuthenticationFailed(
                "This API key was revoked. Ask an administrator for a new one.",
                code="revoked_key",
            ) from None
        if api_key is None:
            raise exceptions.AuthenticationFailed(UNKNOWN_KEY, code="invalid_key")
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HasReportScope(permissions.BasePermission):
    """Allow API keys with the report scope."""

    message = "This API key may not send reports: it lacks the 'report' scope."

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey) and request.auth.can_report


class HasReadScope(permissions.BasePermission):
    """Allow API keys with the read scope, and signed-in staff."""

    message = "Reading reports needs an API key with the 'read' scope, or staff."

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            return request.auth.can_read
        return bool(request.user and request.user.is_staff)
