"""A loopback HTTP proxy that injects the faults a studio network produces.

Modes (set `proxy.mode` at any time):
    forward           pass each request to the server and its answer back
    hang              accept the request and never answer
    error_500         answer 500 without asking the server
    drop_after_store  pass the request to the server, read its answer, then
                      close the connection without sending it back
When the server itself is stopped, `forward` closes the connection as a dead
upstream would.
"""

import socket
import threading

FORWARD = "forward"
HANG = "hang"
ERROR_500 = "error_500"
DROP_AFTER_STORE = "drop_after_store"

_ERROR_BODY = b'{"code": "server_error", "detail": "Injected fault."}'
_ERROR_ANSWER = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
    % (len(_ERROR_BODY), _ERROR_BODY)
)


class FaultProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.mode = FORWARD
        self.requests_seen = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._closing = threading.Event()
        self._held = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def close(self) -> None:
        self._closing.set()
        self._thread.join()
        self._listener.close()
        for connection in self._held:
            connection.close()

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                continue
            worker = threading.Thread(target=self._serve, args=(connection,))
            worker.daemon = True
            worker.start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(30)
        try:
            request = _read_message(connection)
            if request is None:
                connection.close()
                return
            self.requests_seen += 1
            mode = self.mode
            if mode == HANG:
                self._held.append(connection)
                return
            if mode == ERROR_500:
                connection.sendall(_ERROR_ANSWER)
            else:
                answer = self._ask_server(request)
                if answer is not None and mode == FORWARD:
                    connection.sendall(answer)
            connection.close()
        except OSError:
            connection.close()

    def _ask_server(self, request: bytes) -> bytes | None:
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), 5) as up:
                up.sendall(request)
                return _read_message(up)
        except OSError:
            return None


def _read_message(sock: socket.socket) -> bytes | None:
    """Read one HTTP message (headers and a Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body
