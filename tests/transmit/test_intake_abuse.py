"""The intake service under abuse: slow connections are capped and cut by deadlines, and unauthenticated floods
leave no trace in its memory (measured as the RSS of a real server process)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake import RunningIntake
from tests.conftest import REPO
from tests.transmit.helpers import TOKEN, start, valid_doc, wait_for
from tests.transmit.wire import connect, exchange, request


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, ssl.SSLError):
        return True


def test_connections_over_the_cap_are_closed_at_once(intake_dir: Path) -> None:
    cap = 8
    with start(intake_dir, max_connections=cap, header_timeout=600) as srv:
        host, port = srv.server.server_address[:2]
        slow = [socket.create_connection((str(host), int(port)), timeout=60) for _ in range(cap)]
        try:
            wait_for(lambda: srv.server.active == cap, "every slot taken")
            extra = [socket.create_connection((str(host), int(port)), timeout=60) for _ in range(5)]
            for s in extra:
                assert closed_by_peer(s)  # closed before any TLS work
                s.close()
            assert srv.stats.turned_away == 5 and srv.server.active == cap
        finally:
            for s in slow:
                s.close()
        wait_for(lambda: srv.server.active == 0, "the slow connections gone")
        (reply,) = exchange(srv, request("GET", "/v1/forms", headers={"Connection": "close"}))
        assert reply.status == 200


@pytest.fixture
def impatient(intake_dir: Path) -> Iterator[RunningIntake]:
    with start(intake_dir, header_timeout=1.0, body_timeout=1.0) as srv:
        yield srv


def drip(sock: socket.socket, pieces: Iterator[bytes], gap: float) -> int:
    """Send the pieces one at a time until the server closes the connection; how many were sent."""
    sent = 0
    for piece in pieces:
        try:
            sock.sendall(piece)
        except OSError:
            return sent
        sent += 1
        sock.settimeout(gap)
        try:
            if sock.recv(65536) == b"":
                return sent
        except TimeoutError:
            pass
        except (OSError, ssl.SSLError):
            return sent
    return sent


@pytest.mark.slow  # waits for the handshake deadline
def test_a_client_that_never_finishes_the_tls_handshake_is_cut(impatient: RunningIntake) -> None:
    host, port = impatient.server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=60) as s:
        # a TLS record header announcing a 16 KiB handshake message, then its bytes one by one
        n = drip(s, iter([b"\x16\x03\x01\x40\x00"] + [b"\x01"] * 600), 0.1)
    assert n < 601
    wait_for(lambda: impatient.stats.tls_failures == 1, "the handshake counted as failed")
    assert impatient.server.watchdog.cuts >= 1


def test_headers_dripped_one_line_at_a_time_are_cut_at_the_header_deadline(impatient: RunningIntake) -> None:
    lines = iter([b"GET /v1/forms HTTP/1.1\r\n"] + [f"X-Drip-{i}: y\r\n".encode() for i in range(99)])
    with connect(impatient, timeout=60) as s:
        n = drip(s, lines, 0.1)
    assert n < 100  # the head never completed: the deadline ended it, not the header count
    assert impatient.server.watchdog.cuts == 1


def test_a_body_dripped_byte_by_byte_is_cut_at_the_body_deadline(impatient: RunningIntake) -> None:
    doc = valid_doc()
    body = doc.to_json().encode()
    head = request(
        "POST",
        "/v1/requests",
        body=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": f'"{doc.id}"'},
    )[: -len(body)]
    with connect(impatient, timeout=60) as s:
        s.sendall(head)
        n = drip(s, (bytes([b]) for b in body), 0.1)
    assert n < len(body)
    assert impatient.server.watchdog.cuts == 1
    assert impatient.stats.bodies == 0 and impatient.service.db.count() == 0


# --- memory under an unauthenticated flood ----------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    assert match
    return int(match.group(1))


def threads(pid: int) -> int:
    match = re.search(r"^Threads:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert match
    return int(match.group(1))


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    env = {**os.environ, "INTAKE_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake", "serve", "--data", str(tmp_path / "intake"), "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = ca = ""
        for line in proc.stdout:
            if line.startswith("intake service listening on "):
                url = line.split()[-1]
            if line.startswith("certificate authority: "):
                ca = line.split(": ", 1)[1].strip()
                break
        assert url and ca
        yield proc, url, ca
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()


def unauthenticated_posts(url: str, ca: str, n: int, key_size: int) -> list[int]:
    """`n` POSTs, each on its own connection, with a unique key of `key_size` characters and a wrong token."""
    context = ssl.create_default_context(cafile=ca)
    host, port = url.removeprefix("https://").split(":")
    statuses: list[int] = []
    body = b"{}" * 1000
    for _ in range(n):
        key = uuid.uuid4().hex * (key_size // 32)
        data = request(
            "POST",
            "/v1/requests",
            body=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": f'"{key}"'},
            token="not-the-token-" + uuid.uuid4().hex,
        )
        with (
            socket.create_connection((host, int(port)), timeout=60) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as s,
        ):
            # the server may close before reading it all: that is the point
            with contextlib.suppress(OSError):
                s.sendall(data)
            reply = s.recv(64)
            statuses.append(int(reply.split()[1]))
    return statuses


@pytest.mark.slow
def test_a_thousand_unauthenticated_large_key_posts_leave_the_memory_flat(
    server_process: tuple[subprocess.Popen[str], str, str],
) -> None:
    proc, url, ca = server_process
    key_size = 30 * 1024  # under the head limit (32 KiB), so each reaches authentication
    assert set(unauthenticated_posts(url, ca, 200, key_size)) == {401}  # warm-up: threads, TLS, allocator
    quiet = threads(proc.pid)
    before = rss_kib(proc.pid)
    assert set(unauthenticated_posts(url, ca, 1000, key_size)) == {401}
    wait_for(lambda: threads(proc.pid) <= quiet, "every connection's thread ended")  # measured at rest
    after = rss_kib(proc.pid)
    print(
        f"\nserver RSS after 200 posts: {before} KiB; after 1,000 more: {after} KiB ({after - before:+d} KiB)"
    )
    # 1,000 keys of 30 KiB kept anywhere would be 30,000 KiB
    assert after - before < 4096


def test_at_the_cap_an_idle_kept_alive_connection_makes_room(intake_dir: Path) -> None:
    cap = 2
    with start(intake_dir, max_connections=cap, header_timeout=600) as srv:
        kept = [connect(srv) for _ in range(cap)]
        try:
            for sock in kept:  # one request each, then kept alive, waiting for the next
                sock.sendall(request("GET", "/v1/forms"))
                assert sock.recv(12).startswith(b"HTTP/1.1 200")
            wait_for(lambda: len(srv.server.idle) == cap, "both connections idle")
            (reply,) = exchange(srv, request("GET", "/v1/forms", headers={"Connection": "close"}))
            assert reply.status == 200
            assert srv.stats.evicted == 1 and srv.stats.turned_away == 0
        finally:
            for sock in kept:
                sock.close()
