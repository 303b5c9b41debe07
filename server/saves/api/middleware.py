"""Answer the health check asked for by localhost, whatever ALLOWED_HOSTS says."""

from django.http.request import split_domain_port

HEALTH_PATHS = {"/api/v1/health/", "/api/v1/health"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


class LocalHealthCheckMiddleware:
    """Serve /api/v1/health/ for Host: localhost before host and HTTPS checks.

    A container's health check asks http://localhost:8000/api/v1/health/ while
    ALLOWED_HOSTS names only the public host and SECURE_SSL_REDIRECT is on; it
    must still get its answer. Every other request goes the usual way.
    """

    def __init__(self, get_response):
        from .views import HealthView

        self.get_response = get_response
        self.health_view = HealthView.as_view()

    def __call__(self, request):
        if request.path_info in HEALTH_PATHS and _host_of(request) in LOCAL_HOSTS:
            response = self.health_view(request)
            response.render()
            return response
        return self.get_response(request)


def _host_of(request) -> str:
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    return split_domain_port(host)[0]
