"""Send reports over HTTP(S) and sort every answer into one of four outcomes.

``HttpTransport`` does the network part on http.client: a connect timeout and a
separate read timeout, TLS verified against the system's trust store (plus an
optional CA file), proxies from the environment with loopback and ``no_proxy``
hosts always reached directly, HTTPS through a proxy by a CONNECT tunnel.
``post_report`` and ``post_batch`` speak the SaveTrail API over any ``Transport``,
so tests can pass a fake one.
"""

from __future__ import annotations

import base64
import email.utils
import enum
import errno
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import threading
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timezone
from http import HTTPStatus
from typing import Protocol

from . import messages

SAVES_PATH = "/api/v1/saves/"
BATCH_PATH = "/api/v1/saves/batch/"
BATCH_LIMIT = 500
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_RETRY_AFTER = 3600.0
USER_AGENT = "SaveTrail"

# Certificate bundles of common systems, for Pythons (such as Blender's) whose OpenSSL
# looks for the trust store in a folder that does not exist on this machine.
SYSTEM_CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)

_UNTRUSTED_CODES = {2, 18, 19, 20, 21}  # X509_V_ERR_*: no issuer, self-signed, unknown CA
_DATE_CODES = {9, 10}  # not yet valid, expired
_WRONG_HOST_CODES = {62, 64}  # host name or IP address mismatch
_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}
_API_KEY = re.compile(r"^[\x21-\x7e]+$")


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REJECTED = "rejected"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True)
class Problem:
    """An artist-facing message: a template from messages.py and its values."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, translate=messages.identity) -> str:
        return messages.render(self.template, translate, **self.values)


@dataclass(frozen=True)
class Answer:
    """An HTTP response; header names are lower case."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Delivery:
    """What became of one request."""

    outcome: Outcome
    status: int | None = None
    problem: Problem | None = None  # why it was not delivered, for the artist
    reason: str = ""  # the server's own words, for a rejection
    retry_after: float | None = None  # seconds the server asked us to wait


@dataclass(frozen=True)
class ItemResult:
    event_id: str
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True)
class BatchDelivery:
    """What became of a batch: the request as a whole, then each report in it."""

    delivery: Delivery
    items: tuple[ItemResult, ...] = ()
    fall_back: bool = False  # the server will not take this batch: send one by one


class TransportError(Exception):
    """The request got no HTTP answer; ``problem`` says why in the artist's words."""

    def __init__(self, problem: Problem):
        super().__init__(problem.text())
        self.problem = problem


class Transport(Protocol):
    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST ``body`` to ``path`` under the server URL; raise TransportError without an answer."""

    def abort(self) -> None:
        """Break off the request in flight from another thread; later posts fail at once."""


def post_report(transport: Transport, api_key: str, report: Mapping, *, now: float) -> Delivery:
    """Send one report; ``now`` (Unix time) reads Retry-After dates."""
    try:
        headers = request_headers(api_key)
    except ValueError:
        return Delivery(Outcome.UNAUTHORIZED, problem=Problem(messages.KEY_MALFORMED))

    try:
        answer = transport.post(SAVES_PATH, json.dumps(report).encode("ascii"), headers)
    except TransportError as error:
        return Delivery(Outcome.RETRY, problem=error.problem)

    delivery = classify(answer, now=now)
    if delivery.outcome is Outcome.DELIVERED and not _confirms(answer, report["event_id"]):
        # Only the stored record proves the report arrived; any other 2xx is not SaveTrail.
        problem = Problem(messages.UNEXPECTED_ANSWER, {"status": answer.status})
        return Delivery(Outcome.RETRY, status=answer.status, problem=problem)
    return delivery


def post_batch(transport: Transport, api_key: str, reports: Sequence[Mapping], *, now: float) -> BatchDelivery:
    """Send up to BATCH_LIMIT reports in one request and sort the answer per report."""
    try:
        headers = request_headers(api_key)
    except ValueError:
        return BatchDelivery(Delivery(Outcome.UNAUTHORIZED, problem=Problem(messages.KEY_MALFORMED)))

    body = json.dumps({"reports": list(reports)}).encode("ascii")
    try:
        answer = transport.post(BATCH_PATH, body, headers)
    except TransportError as error:
        return BatchDelivery(Delivery(Outcome.RETRY, problem=error.problem))

    delivery = classify(answer, now=now)
    if delivery.outcome is Outcome.REJECTED or answer.status in (404, 405):
        # The batch as a whole is refused, or the server has no batch endpoint: the
        # reports themselves may be fine, and single requests will tell.
        return BatchDelivery(delivery, fall_back=True)
    if delivery.outcome is not Outcome.DELIVERED:
        return BatchDelivery(delivery)

    items = _batch_items(answer, {report["event_id"] for report in reports})
    if items is None:
        problem = Problem(messages.UNEXPECTED_ANSWER, {"status": answer.status})
        return BatchDelivery(Delivery(Outcome.RETRY, status=answer.status, problem=problem))
    return BatchDelivery(delivery, items=items)


def request_headers(api_key: str) -> dict[str, str]:
    """Return the headers of an API request; raise ValueError for a key no header can carry."""
    api_key = api_key.strip()
    if not _API_KEY.match(api_key):
        raise ValueError("the API key must be printable ASCII without spaces")
    return {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }


def classify(answer: Answer, *, now: float) -> Delivery:
    """Sort an HTTP answer to a POST of reports into an outcome."""
    status = answer.status
    retry_after = parse_retry_after(answer.headers.get("retry-after"), now=now)
    values = {"status": status}

    if 200 <= status < 300:
        return Delivery(Outcome.DELIVERED, status=status)

    if status == 401:
        return Delivery(Outcome.UNAUTHORIZED, status=status, problem=Problem(messages.UNAUTHORIZED))

    if status == 403 and _api_error(answer) is not None:
        # The key lacks the right to report: a fault of the key, not of the report.
        return Delivery(Outcome.UNAUTHORIZED, status=status, problem=Problem(messages.FORBIDDEN))

    if status in (408, 429) or 500 <= status < 600:
        template = messages.SERVER_BUSY if status in (429, 503) else messages.SERVER_ERROR
        return Delivery(Outcome.RETRY, status=status, problem=Problem(template, values), retry_after=retry_after)

    if 300 <= status < 400:
        location = answer.headers.get("location", "?")
        problem = Problem(messages.SERVER_REDIRECTS, {"location": location})
        return Delivery(Outcome.RETRY, status=status, problem=problem, retry_after=retry_after)

    if status in (404, 405, 415) or _api_error(answer) is None:
        # The URL does not lead to SaveTrail's API (which answers every error in JSON),
        # or something in between answered: not a verdict on the report, so keep it.
        problem = Problem(messages.NOT_SAVETRAIL, values)
        return Delivery(Outcome.RETRY, status=status, problem=problem, retry_after=retry_after)

    if 400 <= status < 500:
        reason = server_reason(answer)
        problem = Problem(messages.REJECTED, {"reason": reason})
        return Delivery(Outcome.REJECTED, status=status, problem=problem, reason=reason)

    problem = Problem(messages.UNEXPECTED_ANSWER, values)
    return Delivery(Outcome.RETRY, status=status, problem=problem, retry_after=retry_after)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Return the seconds a Retry-After header asks for (delay or HTTP date), at most an hour."""
    if not value:
        return None

    value = value.strip()
    if re.fullmatch(r"\d+", value):
        seconds = float(value)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):  # Python 3.10 raises TypeError for garbage
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        seconds = moment.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def server_reason(answer: Answer) -> str:
    """Return the server's explanation of an error answer as one sentence or so."""
    error = _api_error(answer) or {}
    parts = [error["detail"]] if isinstance(error.get("detail"), str) else []
    parts.extend(_field_errors(error.get("fields")))
    if parts:
        return " ".join(parts)

    try:
        phrase = HTTPStatus(answer.status).phrase
    except ValueError:
        phrase = ""
    return messages.HTTP_STATUS.format(status=answer.status, phrase=phrase).strip()


def _json(answer: Answer) -> object:
    try:
        return json.loads(answer.body.decode("utf-8"))
    except ValueError:
        return None


def _api_error(answer: Answer) -> dict | None:
    """Return the SaveTrail error object {"code", "detail", "fields"} of an answer, if it is one."""
    error = _json(answer)
    if isinstance(error, dict) and ("code" in error or "detail" in error):
        return error
    return None


def _confirms(answer: Answer, event_id: str) -> bool:
    record = _json(answer)
    return isinstance(record, dict) and str(record.get("event_id", "")).lower() == event_id.lower()


def _field_errors(errors: object, prefix: str = "") -> list[str]:
    """Flatten {"field": [{"code", "detail"}]} (or DRF's {"field": ["..."]}) to "field: detail"."""
    if isinstance(errors, str):
        return [f"{prefix}: {errors}" if prefix else errors]
    if isinstance(errors, dict) and isinstance(errors.get("detail"), str):
        return _field_errors(errors["detail"], prefix)
    if isinstance(errors, dict):
        found = []
        for name, value in errors.items():
            found.extend(_field_errors(value, f"{prefix}.{name}" if prefix else str(name)))
        return found
    if isinstance(errors, list):
        return [text for item in errors for text in _field_errors(item, prefix)]
    return []


def _batch_items(answer: Answer, sent_ids: set[str]) -> tuple[ItemResult, ...] | None:
    """Return one result per sent report the answer speaks of, or None if it is not a batch answer."""
    batch = _json(answer)
    results = batch.get("results") if isinstance(batch, dict) else None
    if not isinstance(results, list):
        return None

    items = []
    for result in results:
        if not isinstance(result, dict) or result.get("event_id") not in sent_ids:
            continue
        event_id, status = result["event_id"], result.get("status")
        if status in ("created", "duplicate"):
            items.append(ItemResult(event_id, Outcome.DELIVERED))
        elif status == "conflict":
            reason = result.get("detail") if isinstance(result.get("detail"), str) else messages.CONFLICT
            items.append(ItemResult(event_id, Outcome.REJECTED, reason))
        elif status == "invalid":
            items.append(ItemResult(event_id, Outcome.REJECTED, _item_reason(result.get("errors"))))
    return tuple(items)


def _item_reason(errors: object) -> str:
    if isinstance(errors, dict) and "fields" in errors:
        detail = [errors["detail"]] if isinstance(errors.get("detail"), str) else []
        return " ".join(detail + _field_errors(errors["fields"]))
    return " ".join(_field_errors(errors)) or messages.HTTP_STATUS.format(status=400, phrase="Bad Request")


@dataclass(frozen=True)
class ServerAddress:
    scheme: str
    host: str
    port: int
    base_path: str

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_server_url(url: str) -> ServerAddress:
    """Return the server's address; accept a pasted API or admin URL too. Raise TransportError if unusable."""
    parts = urllib.parse.urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(Problem(messages.BAD_SERVER_URL))

    base_path = parts.path.rstrip("/")
    for api_path in (SAVES_PATH.rstrip("/"), "/api/v1", "/admin"):
        if base_path.endswith(api_path):
            base_path = base_path[: -len(api_path)]
            break
    default_port = 443 if parts.scheme == "https" else 80
    return ServerAddress(parts.scheme, parts.hostname, port or default_port, base_path)


def is_loopback(host: str) -> bool:
    """Tell whether the host is this machine: localhost, 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def proxy_for(scheme: str, host: str, proxies: Mapping[str, str] | None = None) -> str | None:
    """Return the proxy URL for a request, or None to connect directly.

    ``proxies`` defaults to the environment (and the system settings on Windows and
    macOS). Loopback hosts and hosts matched by ``no_proxy`` are always direct.
    """
    if is_loopback(host):
        return None
    if proxies is None:
        proxies = urllib.request.getproxies()
        bypass = urllib.request.proxy_bypass
    else:
        bypass = _bypass_for(proxies)
    proxy = proxies.get(scheme)
    if not proxy or bypass(host):
        return None
    return proxy


def _bypass_for(proxies: Mapping[str, str]):
    return lambda host: urllib.request.proxy_bypass_environment(host, dict(proxies))


@dataclass(frozen=True)
class _Proxy:
    host: str
    port: int
    authorization: str | None

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def _parse_proxy(proxy_url: str) -> _Proxy:
    if "://" not in proxy_url:
        proxy_url = f"http://{proxy_url}"
    parts = urllib.parse.urlsplit(proxy_url)
    label = parts.hostname or proxy_url.split("@")[-1]
    try:
        port = parts.port or 80
    except ValueError:
        port = 0
    # Known limitation: no TLS to the proxy itself (https:// proxy URLs) and no SOCKS.
    if parts.scheme != "http" or not parts.hostname or not port:
        raise TransportError(Problem(messages.PROXY_UNSUPPORTED, {"proxy": f"{parts.scheme}://{label}"}))

    authorization = None
    if parts.username:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        authorization = f"Basic {token}"
    return _Proxy(parts.hostname, port, authorization)


class HttpTransport:
    """Posts to one SaveTrail server with http.client, one connection per request."""

    def __init__(
        self,
        server_url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        ca_file: str = "",
        proxies: Mapping[str, str] | None = None,
    ):
        self.server = parse_server_url(server_url)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.ca_file = os.path.expanduser(ca_file) if ca_file else ""
        self.proxies = proxies
        self._tls_context: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self._aborted = False

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        proxy_url = proxy_for(self.server.scheme, self.server.host, self.proxies)
        proxy = _parse_proxy(proxy_url) if proxy_url else None
        connection, target, headers = self._connection_for(proxy, self.server.base_path + path, dict(headers))
        with self._lock:
            if self._aborted:
                raise TransportError(Problem(messages.STOPPED))
            self._connection = connection

        try:
            return self._exchange(connection, target, body, headers, proxy)
        finally:
            with self._lock:
                self._connection = None
            connection.close()

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            connection = self._connection
        sock = connection.sock if connection is not None else None
        if sock is not None:
            # Shutting down (not closing) wakes a thread blocked in recv on every platform;
            # the plain socket method leaves the TLS object to its owner thread.
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def _connection_for(self, proxy: _Proxy | None, path: str, headers: dict[str, str]):
        """Return the unopened connection, the request target and the headers to send."""
        server = self.server
        if server.scheme == "https":
            context = self.tls_context()
            if proxy is None:
                connection = http.client.HTTPSConnection(
                    server.host, server.port, timeout=self.connect_timeout, context=context
                )
            else:
                connection = http.client.HTTPSConnection(
                    proxy.host, proxy.port, timeout=self.connect_timeout, context=context
                )
                tunnel_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
                connection.set_tunnel(server.host, server.port, headers=tunnel_headers)
            return connection, path, headers

        if proxy is None:
            return http.client.HTTPConnection(server.host, server.port, timeout=self.connect_timeout), path, headers

        if proxy.authorization:
            headers["Proxy-Authorization"] = proxy.authorization
        connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=self.connect_timeout)
        return connection, server.origin + path, headers

    def tls_context(self) -> ssl.SSLContext:
        """Return the verifying TLS context: system trust store plus the CA file, if any."""
        if self._tls_context is not None:
            return self._tls_context

        context = ssl.create_default_context()
        if context.cert_store_stats()["x509_ca"] == 0:
            bundle = next((path for path in SYSTEM_CA_BUNDLES if os.path.isfile(path)), None)
            if bundle is not None:
                context.load_verify_locations(cafile=bundle)
        if self.ca_file:
            try:
                context.load_verify_locations(cafile=self.ca_file)
            except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
                raise TransportError(Problem(messages.CA_FILE_UNUSABLE, {"path": self.ca_file})) from error
        self._tls_context = context
        return context

    def _exchange(self, connection, target: str, body: bytes, headers, proxy: _Proxy | None) -> Answer:
        phase = "connect"
        try:
            connection.connect()
            phase = "read"
            with self._lock:
                aborted = self._aborted  # abort() came while connecting: the socket was not yet there
            if aborted:
                raise TransportError(Problem(messages.STOPPED))
            # Known limitation: the read timeout bounds each wait for data, not the whole answer;
            # a server trickling bytes slowly holds the request longer (stop() still aborts it).
            connection.sock.settimeout(self.read_timeout)
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(MAX_ANSWER_BYTES)
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            return Answer(response.status, answer_headers, data)
        except (OSError, http.client.HTTPException, ValueError) as error:
            with self._lock:
                aborted = self._aborted
            if aborted:
                raise TransportError(Problem(messages.STOPPED)) from error
            raise TransportError(self._explain(error, phase, proxy)) from error

    def _explain(self, error: Exception, phase: str, proxy: _Proxy | None) -> Problem:
        """Put a network failure in the artist's words."""
        host = self.server.host
        if isinstance(error, ssl.SSLCertVerificationError):
            return certificate_problem(error, host)
        if isinstance(error, ssl.SSLError):
            if error.reason == "WRONG_VERSION_NUMBER":
                return Problem(messages.NOT_HTTPS)
            return Problem(messages.TLS_FAILED, {"reason": error.reason or str(error)})
        if isinstance(error, TimeoutError):
            if phase == "connect":
                return Problem(messages.CONNECT_TIMEOUT, {"seconds": f"{self.connect_timeout:g}"})
            return Problem(messages.READ_TIMEOUT, {"seconds": f"{self.read_timeout:g}"})

        if phase == "connect" and proxy is not None:
            message = str(error)
            if message.startswith("Tunnel connection failed"):
                reason = message.partition(":")[2].strip() or message
                return Problem(messages.PROXY_REFUSED, {"proxy": proxy.label, "reason": reason})
            return Problem(messages.PROXY_UNREACHABLE, {"proxy": proxy.label})

        if isinstance(error, socket.gaierror):
            return Problem(messages.HOST_NOT_FOUND, {"host": host})
        if phase == "connect" and (
            isinstance(error, ConnectionError) or getattr(error, "errno", None) in _UNREACHABLE_ERRNOS
        ):
            return Problem(messages.SERVER_UNREACHABLE)
        if isinstance(error, (ConnectionError, http.client.HTTPException)):
            return Problem(messages.CONNECTION_DROPPED)
        return Problem(messages.NETWORK_ERROR, {"reason": str(error) or type(error).__name__})


def certificate_problem(error: ssl.SSLCertVerificationError, host: str) -> Problem:
    """Name what is wrong with the server's certificate."""
    code = getattr(error, "verify_code", None)
    if code in _UNTRUSTED_CODES:
        return Problem(messages.CERT_UNTRUSTED)
    if code in _DATE_CODES:
        return Problem(messages.CERT_EXPIRED)
    if code in _WRONG_HOST_CODES:
        return Problem(messages.CERT_WRONG_HOST, {"host": host})
    reason = getattr(error, "verify_message", None) or error.reason or str(error)
    return Problem(messages.CERT_REFUSED, {"reason": reason})
