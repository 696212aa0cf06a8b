"""Raw HTTP/1.1 over TLS for the tests that speak to the intake service as an attacker would (no client library
tidying up what is sent)."""

from __future__ import annotations

import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from intake import RunningIntake
from tests.transmit.helpers import TOKEN


def tls_context(server: RunningIntake) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_path))


def connect(server: RunningIntake, timeout: float = 30.0) -> ssl.SSLSocket:
    host, port = server.server.server_address[:2]
    raw = socket.create_connection((str(host), int(port)), timeout=timeout)
    return tls_context(server).wrap_socket(raw, server_hostname="127.0.0.1")


def read_until_closed(sock: ssl.SSLSocket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ssl.SSLError, ConnectionResetError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated fields joined with ", "
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_replies(data: bytes, head_only: tuple[bool, ...] = ()) -> list[Reply]:
    """Split a byte stream into the HTTP/1.1 answers it holds (each with a Content-Length)."""
    replies: list[Reply] = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"an incomplete answer: {data[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        no_body = len(head_only) > len(replies) and head_only[len(replies)]
        length = 0 if no_body or status == 100 else int(headers.get("content-length", "0"))
        replies.append(Reply(status, headers, rest[:length]))
        data = rest[length:]
    return [r for r in replies if r.status != 100]


def request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    token: str | None = TOKEN,
    length: bool = True,
) -> bytes:
    fields = {"Host": "127.0.0.1"}
    if token is not None:
        fields["Authorization"] = f"Bearer {token}"
    if body and length:
        fields["Content-Length"] = str(len(body))
    fields.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode("latin-1") + body


def exchange(server: RunningIntake, data: bytes, *, head_only: tuple[bool, ...] = ()) -> list[Reply]:
    """Send `data` (one or more requests, the last with `Connection: close` or not) and read every answer until
    the server closes the connection."""
    with connect(server) as sock:
        sock.sendall(data)
        return parse_replies(read_until_closed(sock), head_only)
