"""No test reaches the network: pytest-socket (see ``addopts`` in pyproject.toml) refuses every host but loopback.

The request goes to the real S3 endpoint, but its host name resolves, in the test, to a documentation-only
address (RFC 5737): what stops it is the blocked connect, not a machine without DNS, and even with the
guard off it could not reach AWS.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import HTTPClientError
from pytest_socket import SocketConnectBlockedError

# TEST-NET-1: an address no network routes.
UNROUTABLE = "192.0.2.1"


def test_a_request_to_a_real_aws_endpoint_is_refused_before_it_leaves(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[tuple[str, int]] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        resolved.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (UNROUTABLE, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    # A session of its own: boto3's default one would keep the fake credentials for later tests.
    client = boto3.session.Session().client(
        "s3", region_name="us-east-1", config=Config(connect_timeout=2, retries={"total_max_attempts": 1})
    )

    with (
        pytest.warns(UserWarning, match="A test tried to use socket.socket.connect"),
        pytest.raises(HTTPClientError) as error,
    ):
        client.list_buckets()

    blocked = error.value.kwargs["error"]
    assert isinstance(blocked, SocketConnectBlockedError)
    assert f'with host "{UNROUTABLE}"' in str(blocked)
    # The request was on its way to the real endpoint, over HTTPS.
    assert resolved == [("s3.amazonaws.com", 443)]


def test_loopback_connections_still_work() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        received: list[bytes] = []

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                received.append(connection.recv(16))
                connection.sendall(b"pong")

        thread = threading.Thread(target=answer)
        thread.start()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            client.sendall(b"ping")
            reply = client.recv(16)
        thread.join(timeout=5)

    assert (received, reply) == ([b"ping"], b"pong")
