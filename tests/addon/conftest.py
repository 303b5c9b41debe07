"""Fixtures for the delivery core tests; the doubles live in delivery_doubles.py."""

import socket
from datetime import UTC, datetime

import pytest
from delivery_doubles import Certificates, LoopbackApi, SaveTrailStub, TunnelProxy

from savetrail.outbox import Outbox


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path / "outbox")


@pytest.fixture
def start_api():
    """Start LoopbackApi servers for the test and stop them afterwards."""
    servers = []

    def start(*script, tls=None):
        server = LoopbackApi(SaveTrailStub(*script), tls=tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def silent_listener():
    """A loopback socket that accepts connections and never answers (field case B1)."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener
    listener.close()


@pytest.fixture
def refused_port():
    """A loopback port with nothing listening: connecting is refused (field case B2)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def start_proxy():
    proxies = []

    def start(target_port, refuse=None):
        proxy = TunnelProxy(target_port, refuse=refuse)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    return Certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def no_proxy_environment(monkeypatch):
    """Clear the proxy variables the machine may have, so each test sets its own."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def fixed_now():
    return datetime(2026, 3, 10, 18, 0, 0, tzinfo=UTC).timestamp()
