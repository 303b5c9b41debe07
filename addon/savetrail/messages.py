"""Every artist-facing sentence of the delivery core, in one place for translation.

The templates use ``str.format`` fields. Callers translate the template first and
fill the fields afterwards, so a translation only ever sees these exact strings.
"""

# What happened to the last delivery attempt.
SENT = "Sent"
SENT_MANY = "Reports sent: {count}"
RETRY_IN = "{problem}, will retry in {seconds} s"
REJECTED = "Rejected by the server: {reason}"
UNAUTHORIZED = "The API key is wrong or revoked: set a new key in the preferences"
FORBIDDEN = "The API key may not send reports: ask for a key that may"
KEY_MALFORMED = "The API key contains characters a key cannot have: paste it again in the preferences"
OFFLINE = "Online access is off: allow it in Preferences > System > Network"
NOT_CONFIGURED = "Set the server URL and the API key in the preferences"
BAD_SERVER_URL = "The server URL must start with http:// or https://: check it in the preferences"
OTHER_SESSION_SENDING = "Another Blender session is sending the reports"

# Why a request did not reach the server or got no usable answer.
SERVER_UNREACHABLE = "Server unreachable"
HOST_NOT_FOUND = "Server name {host} not found"
CONNECT_TIMEOUT = "Server did not accept the connection in {seconds} s"
READ_TIMEOUT = "Server did not answer in {seconds} s"
CONNECTION_DROPPED = "Connection dropped before the server answered"
NETWORK_ERROR = "Network error: {reason}"
PROXY_UNREACHABLE = "Proxy {proxy} unreachable"
PROXY_REFUSED = "The proxy {proxy} refused the connection: {reason}"
PROXY_UNSUPPORTED = "Proxy {proxy} not supported: only http:// proxies work"
CERT_UNTRUSTED = (
    "The server's certificate is not trusted (self-signed or private CA): set the CA file in the preferences"
)
CERT_EXPIRED = "The server's certificate has expired or is not valid yet"
CERT_WRONG_HOST = "The server's certificate is not valid for {host}"
CERT_REFUSED = "The server's certificate was refused: {reason}"
TLS_FAILED = "Secure connection failed: {reason}"
NOT_HTTPS = "The server does not speak HTTPS at this address: check the server URL in the preferences"
CA_FILE_UNUSABLE = "The CA file cannot be used: {path}"
SERVER_ERROR = "Server error (HTTP {status})"
SERVER_BUSY = "The server is busy (HTTP {status})"
SERVER_REDIRECTS = "The server redirects to {location}: use that address in the preferences"
NOT_SAVETRAIL = "This address does not answer like a SaveTrail server (HTTP {status}): check the server URL"
UNEXPECTED_ANSWER = "The server's answer is not understood (HTTP {status})"
STOPPED = "Delivery stopped"

# Reasons the add-on writes itself when the server sends none.
CONFLICT = "a different report with the same event_id is already stored"
HTTP_STATUS = "HTTP {status} {phrase}"

ALL = (
    SENT,
    SENT_MANY,
    RETRY_IN,
    REJECTED,
    UNAUTHORIZED,
    FORBIDDEN,
    KEY_MALFORMED,
    OFFLINE,
    NOT_CONFIGURED,
    BAD_SERVER_URL,
    OTHER_SESSION_SENDING,
    SERVER_UNREACHABLE,
    HOST_NOT_FOUND,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    CONNECTION_DROPPED,
    NETWORK_ERROR,
    PROXY_UNREACHABLE,
    PROXY_REFUSED,
    PROXY_UNSUPPORTED,
    CERT_UNTRUSTED,
    CERT_EXPIRED,
    CERT_WRONG_HOST,
    CERT_REFUSED,
    TLS_FAILED,
    NOT_HTTPS,
    CA_FILE_UNUSABLE,
    SERVER_ERROR,
    SERVER_BUSY,
    SERVER_REDIRECTS,
    NOT_SAVETRAIL,
    UNEXPECTED_ANSWER,
    STOPPED,
    CONFLICT,
    HTTP_STATUS,
)


def identity(text: str) -> str:
    """Return the text unchanged: the translate hook used outside Blender."""
    return text


def render(template: str, translate=identity, **values: object) -> str:
    """Translate a template and fill it in; a translation that does not fit falls back to English."""
    try:
        return translate(template).format(**values)
    except (KeyError, IndexError, ValueError):
        return template.format(**values)
