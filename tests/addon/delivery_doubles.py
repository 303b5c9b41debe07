"""Test doubles for the delivery core: a SaveTrail stand-in, servers, certificates.

Everything listens on 127.0.0.1 with a port the system picks; nothing leaves the
machine. The stand-in answers like the real API (201, 200 for a repeat, 409 for a
conflicting repeat, per-item batch answers) unless a test scripts other replies.
"""

import json
import selectors
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from savetrail import client, messages
from savetrail.client import Answer, TransportError
from savetrail.report import build_report

DROP = "store, then drop the connection without answering"
HANG = "read the request, then never answer"


def receive_request(connection):
    """Read an HTTP request head from a socket: the client now waits for its answer."""
    connection.settimeout(5)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(65536)
        assert chunk, "the client closed the connection before sending a request"
        head += chunk
    return head


def make_report(**changes):
    report = build_report(
        "/proj/shot 010.blend",
        blender_version="5.0.1",
        username="anna",
        saved_at=datetime(2026, 3, 10, 17, 42, 55, tzinfo=UTC),
        hostname="ws-12",
        file_size=123456,
    )
    return {**report, **changes}


def api_error(status, code, detail, fields=None):
    body = {"code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return status, {}, body


class SaveTrailStub:
    """Answers like the SaveTrail API; scripted replies go first, in order."""

    def __init__(self, *script):
        self.script = list(script)
        self.records = {}
        self.calls = []

    def reply(self, path, payload):
        self.calls.append((path, payload))
        if self.script:
            step = self.script.pop(0)
            if step == DROP:
                self.store(payload)
            return step

        if path.endswith(client.BATCH_PATH):
            return (
                200,
                {},
                {"results": [self.batch_item(r) for r in payload["reports"]]},
            )

        status = self.store(payload)
        if status == "conflict":
            return api_error(
                409, "conflict", "This event_id was stored with other content."
            )
        return (
            (201 if status == "created" else 200),
            {},
            self.records[payload["event_id"]],
        )

    def store(self, report):
        known = self.records.get(report["event_id"])
        if known is None:
            self.records[report["event_id"]] = {**report, "id": len(self.records) + 1}
            return "created"
        same = all(known.get(name) == value for name, value in report.items())
        return "duplicate" if same else "conflict"

    def batch_item(self, report):
        status = self.store(report)
        result = {"event_id": report["event_id"], "status": status}
        if status != "conflict":
            result["record"] = self.records[report["event_id"]]
        return result


class FakeTransport:
    """An in-process Transport that hands every request to a SaveTrailStub."""

    def __init__(self, stub):
        self.stub = stub
        self.aborted = False

    def post(self, path, body, headers):
        assert headers["Authorization"].startswith("Bearer ")
        step = self.stub.reply(path, json.loads(body))
        if step == DROP:
            raise TransportError(client.Problem(messages.CONNECTION_DROPPED))
        if isinstance(step, TransportError):
            raise step
        status, answer_headers, payload = step
        lower_case = {name.lower(): value for name, value in answer_headers.items()}
        return Answer(status, lower_case, json.dumps(payload).encode())

    def abort(self):
        self.aborted = True


class _StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), body))
        step = self.server.stub.reply(self.path, json.loads(body))
        if step == HANG:
            self.server.hanging.set()
            self.server.released.wait()
            step = DROP
        if step == DROP:
            self.close_connection = True
            return

        status, headers, payload = step
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class LoopbackApi:
    """A real HTTP(S) server on 127.0.0.1 that answers through a SaveTrailStub."""

    def __init__(self, stub, tls=None):
        self.stub = stub
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _StubHandler)
        self.server.daemon_threads = True
        self.server.stub = stub
        self.server.requests = []
        self.server.hanging = threading.Event()
        self.server.released = threading.Event()
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}
        )
        self.thread.start()

    @property
    def requests(self):
        return self.server.requests

    @property
    def hanging(self):
        return self.server.hanging

    def close(self):
        self.server.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class TunnelProxy:
    """An HTTP proxy on loopback that sends every request to one loopback port.

    Whatever host the client names (savetrail.test in the tests) the proxy connects
    to 127.0.0.1:target_port, so proxied requests never leave the machine.
    """

    def __init__(self, target_port, refuse=None):
        self.target_port = target_port
        self.refuse = refuse
        self.heads = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._accept)]
        self.threads[0].start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                downstream, _ = self.listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(downstream,))
            self.threads.append(thread)
            thread.start()

    def _serve(self, downstream):
        with downstream:
            downstream.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                head += downstream.recv(65536)
            head, _, rest = head.partition(b"\r\n\r\n")
            self.heads.append(head.decode())
            if self.refuse:
                downstream.sendall(f"HTTP/1.1 {self.refuse}\r\n\r\n".encode())
                return
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                if head.startswith(b"CONNECT "):
                    downstream.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:
                    upstream.sendall(head + b"\r\n\r\n" + rest)
                self._pipe(downstream, upstream)

    def _pipe(self, one, other):
        with selectors.DefaultSelector() as selector:
            selector.register(one, selectors.EVENT_READ, other)
            selector.register(other, selectors.EVENT_READ, one)
            while not self.stopping.is_set():
                for key, _ in selector.select(timeout=0.05):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)

    def close(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        self.listener.close()


class Certificates:
    """A private CA and server certificates made with the openssl command."""

    def __init__(self, folder):
        if shutil.which("openssl") is None:
            pytest.fail(
                "the TLS tests need the openssl command (Debian package openssl)"
            )
        self.folder = folder
        self.ca_file = str(folder / "ca.pem")
        self._openssl(
            "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=SaveTrail Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            *self._new_key("ca.key"), "-out", self.ca_file,
        )  # fmt: skip
        self.trusted = self._leaf(
            "server", "DNS:savetrail.test,DNS:localhost,IP:127.0.0.1"
        )
        self.wrong_host = self._leaf("elsewhere", "DNS:elsewhere.test")
        self.self_signed = self._self_signed("self")

    def _openssl(self, *arguments):
        subprocess.run(
            ["openssl", *arguments], cwd=self.folder, check=True, capture_output=True
        )

    @staticmethod
    def _new_key(key_file):
        return (
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", key_file,
        )  # fmt: skip

    def _leaf(self, name, alt_names):
        (self.folder / f"{name}.ext").write_text(
            f"subjectAltName={alt_names}\nbasicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        )
        self._openssl(
            "req", "-nodes", "-subj", f"/CN={name}", *self._new_key(f"{name}.key"),
            "-out", f"{name}.csr",
        )  # fmt: skip
        self._openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
            "-out", f"{name}.pem",
        )  # fmt: skip
        return self._context(name)

    def _self_signed(self, name):
        self._openssl(
            "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", *self._new_key(f"{name}.key"),
            "-out", f"{name}.pem",
        )  # fmt: skip
        return self._context(name)

    def _context(self, name):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(
            self.folder / f"{name}.pem", self.folder / f"{name}.key"
        )
        return context
