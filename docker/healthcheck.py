"""Docker HEALTHCHECK: exit 0 when the server's health endpoint answers 200.

Asks with `Host: localhost` (the production ALLOWED_HOSTS need not list it; the
server answers health checks for localhost) and follows no redirect, so a
misconfigured HTTPS redirect shows up as what it is.
"""

import os
import sys
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/health/", headers={"Host": "localhost"}
    )
    # No proxy: an http_proxy variable in the container must not catch this.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        with opener.open(request, timeout=4) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"health check failed: {error}")
        return 1
    if status != 200:
        print(f"health check answered {status}, expected 200")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
