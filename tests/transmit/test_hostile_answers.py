"""A hostile network and a hostile receiver, each attack reproduced: a rogue authority planted in the environment,
answers dripped byte by byte, answers without end, an answer that wedged the outbox, terminal escapes in
messages. Each ends with a clear message, within the try's deadline and the answer size cap, and the outbox
goes on with the other requests."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.transmit import Answer, AnswerKind, Client, Outbox, Outcome, TransmitSettings, queue
from app.transmit.client import MAX_ANSWER
from app.transmit.text import clean
from intake import RunningIntake
from tests.transmit.helpers import FAST, TOKEN, Pki, ready_request, start, wait_for
from tests.transmit.strict_receiver import RunningReceiver, drip, endless, problem, raw_json, serve_strict
from tests.transmit.test_cli import Cli, coc  # noqa: F401 (the fixture)

ENV_TRUST = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@pytest.fixture
def strict(pki: Pki) -> Iterator[RunningReceiver]:
    running = serve_strict(TOKEN, pki.good.cert, pki.good.key)
    try:
        yield running
    finally:
        running.stop()


def strict_client(strict: RunningReceiver, pki: Pki, **overrides: float) -> Client:
    values = {"connect_timeout": 5.0, "read_timeout": 5.0, **overrides}
    return Client(TransmitSettings(endpoint=strict.url, token=TOKEN, ca_bundle=str(pki.ca), **values))


def one_queued(store: Store) -> tuple[str, str, str]:
    request_id = ready_request(store)
    queue(store, request_id)
    item = store.outbox_item(request_id)
    assert item is not None
    return request_id, item.payload, item.idempotency_key


# --- trust ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("configured", [False, True])
def test_a_rogue_authority_in_the_environment_is_not_trusted(
    pki: Pki, store: Store, intake_dir: Path, monkeypatch: pytest.MonkeyPatch, configured: bool
) -> None:
    for name in ENV_TRUST:
        monkeypatch.setenv(name, str(pki.rogue_ca))
    request_id, payload, key = one_queued(store)
    with start(intake_dir, certificate=(pki.untrusted.cert, pki.untrusted.key)) as srv:
        settings = TransmitSettings(
            endpoint=srv.url, token=TOKEN, ca_bundle=str(pki.ca) if configured else None
        )
        with Client(settings) as client:
            answer = client.submit(payload, key)
        # the client may hear of the failed handshake before the server's thread has counted it
        wait_for(lambda: srv.stats.tls_failures >= 1, "the server counts the failed handshake")
        assert srv.stats.bodies == 0
    assert answer.kind is AnswerKind.RETRY and "unknown certificate authority" in answer.message
    assert store.get(request_id).state is State.QUEUED


def test_the_configured_authority_still_works_with_a_rogue_one_in_the_environment(
    server: RunningIntake, store: Store, monkeypatch: pytest.MonkeyPatch, pki: Pki
) -> None:
    for name in ENV_TRUST:
        monkeypatch.setenv(name, str(pki.rogue_ca))
    _, payload, key = one_queued(store)
    settings = TransmitSettings(endpoint=server.url, token=TOKEN, ca_bundle=str(server.ca_path))
    with Client(settings) as client:
        assert client.submit(payload, key).kind is AnswerKind.ACCEPTED


class ConnectProxy:
    """A forward proxy that only tunnels (CONNECT), counting the tunnels it opened."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.tunnels: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()

    def _tunnel(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split()[1].decode()
            self.tunnels.append(target)
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port))) as upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pair = [conn, upstream]
                with contextlib.suppress(OSError):
                    while True:
                        readable, _, _ = select.select(pair, [], [], 30)
                        if not readable:
                            return
                        for r in readable:
                            data = r.recv(65536)
                            if not data:
                                return
                            (upstream if r is conn else conn).sendall(data)

    def close(self) -> None:
        self.sock.close()


def test_a_proxy_from_the_environment_is_still_used(
    server: RunningIntake, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ConnectProxy()
    try:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        _, payload, key = one_queued(store)
        settings = TransmitSettings(endpoint=server.url, token=TOKEN, ca_bundle=str(server.ca_path))
        with Client(settings) as client:
            assert client.submit(payload, key).kind is AnswerKind.ACCEPTED
        assert proxy.tunnels == [server.url.removeprefix("https://")]
    finally:
        proxy.close()


# --- time and size ----------------------------------------------------------------------------------------------


def test_an_answer_dripped_byte_by_byte_ends_at_the_try_s_deadline(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    request_id, payload, key = one_queued(store)
    # 10,000 bytes, one every 0.05 s: each byte comes well within the read timeout; the whole would take 500 s
    strict.receiver.always[request_id] = drip(201, 10_000, 0.05)
    with strict_client(strict, pki, read_timeout=5.0, deadline=1.0) as client:
        answer = client.submit(payload, key)
        assert client.transport.watchdog.cuts == 1  # the deadline ended it, not a timeout
    assert answer.kind is AnswerKind.RETRY
    assert "did not complete its answer within the 1 s allowed for one try" in answer.message
    assert strict.receiver.dripped < 10_000


def test_a_dripped_answer_head_ends_at_the_deadline_too(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    request_id, payload, key = one_queued(store)

    def drip_head(h: object) -> None:
        from tests.transmit.strict_receiver import StrictHandler

        assert isinstance(h, StrictHandler)
        h.wfile.write(b"HTTP/1.1 201 Created\r\n")
        for i in range(10_000):
            try:
                h.wfile.write(f"X-Drip-{i}: 1\r\n".encode())
                h.wfile.flush()
            except OSError:
                h.server.receiver.cut_off += 1
                return
            threading.Event().wait(0.05)

    strict.receiver.always[request_id] = drip_head
    with strict_client(strict, pki, read_timeout=5.0, deadline=1.0) as client:
        answer = client.submit(payload, key)
        assert client.transport.watchdog.cuts == 1
    assert answer.kind is AnswerKind.RETRY and "allowed for one try" in answer.message


@pytest.mark.parametrize("declared", [None, 1 << 30])
def test_an_endless_answer_is_given_up_at_the_size_cap(
    store: Store, strict: RunningReceiver, pki: Pki, declared: int | None
) -> None:
    request_id, payload, key = one_queued(store)
    strict.receiver.always[request_id] = endless(200, declared)
    with strict_client(strict, pki) as client:
        tracemalloc.start()
        try:
            answer = client.submit(payload, key)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.kind is AnswerKind.RETRY and "more than 1024 KiB" in answer.message
    assert peak < 4 * MAX_ANSWER  # not the 1 GiB on offer
    assert (
        strict.receiver.streamed < 64 * MAX_ANSWER
    )  # the client hung up: at most socket buffers beyond the cap
    if declared is not None:
        assert peak < MAX_ANSWER // 2  # refused on its declared length, before reading any of it


# --- an answer that wedged the outbox ---------------------------------------------------------------------------


def test_a_wedging_answer_is_recorded_and_the_others_are_sent(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    ids = [ready_request(store) for _ in range(5)]
    for request_id in ids:
        queue(store, request_id)
    wedged = ids[2]
    strict.receiver.always[wedged] = raw_json(200, b"[" * 100_000)
    with Outbox(store, strict_client(strict, pki), policy=FAST, concurrency=1) as box:
        report = box.send_due(force=True)
    outcomes = {r.request_id: r.outcome for r in report.results}
    assert outcomes == {i: Outcome.WAITING if i == wedged else Outcome.SENT for i in ids}
    item = store.outbox_item(wedged)
    assert item is not None and item.attempts == 1
    assert item.last_error is not None and "without a valid receipt" in item.last_error
    assert store.get(wedged).state is State.QUEUED


def test_the_command_line_goes_on_past_a_wedging_answer(
    coc: Cli,  # noqa: F811
    strict: RunningReceiver,
    pki: Pki,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    coc("store", "init")
    coc("settings", "set", "endpoint", strict.url)
    coc("settings", "set", "ca-bundle", str(pki.ca))
    monkeypatch.setenv("COC_TOKEN", TOKEN)
    coc("settings", "set", "token")
    ids = []
    for i in range(3):
        out, _ = coc("new", "de-employee", "--example")
        (tmp_path / f"r{i}.json").write_text(out)
        out, _ = coc("drafts", "add", str(tmp_path / f"r{i}.json"))
        ids.append(out.strip())
        coc("outbox", "queue", ids[-1])
    strict.receiver.always[ids[1]] = raw_json(200, b"[" * 100_000)
    strict.receiver.refuse[ids[2]] = problem(
        422, "\x1b[2J\x1b[31mRefused\x07 by\x9b31m the \u202eagency\x1b]0;owned\x07"
    )
    out, err = coc("outbox", "send", expect=1, report=True)
    assert "\x1b" not in out + err and "\x07" not in out + err and "\x9b" not in out + err
    assert "\u202e" not in out + err
    assert "1 sent, 1 refused (back to Draft), 1 still queued" in out
    assert f"{ids[0]}: sent" in err
    assert f"{ids[1]}: waiting" in err and "without a valid receipt" in err
    assert (
        f"{ids[2]}: refused: Refused by the receiving service (HTTP 422): [2J [31mRefused by 31m the agency ]0;owned"
        in err
    )
    out, _ = coc("outbox", "list", "--json")
    (row,) = json.loads(out)
    assert row["request_id"] == ids[1] and row["attempts"] == 1


# --- what the receiver says is data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "[31mred [0m"),
        ("bell\x07 and\rcarriage", "bell and carriage"),
        ("csi\x9b2J", "csi 2J"),
        ("\u202egnp.exe", "gnp.exe"),
        ("two\nlines\u2028three", "two lines three"),
        (42, ""),
    ],
)
def test_clean_strips_control_characters(raw: object, shown: str) -> None:
    assert clean(raw) == shown


def test_receipts_and_statuses_are_cleaned(store: Store, strict: RunningReceiver, pki: Pki) -> None:
    request_id, payload, key = one_queued(store)
    receipt = {
        "request_id": request_id.upper(),
        "confirmation": "C\x1b[8m-1",
        "received_at": "2027\x1b]0;x\x07",
    }
    strict.receiver.always[request_id] = raw_json(201, json.dumps(receipt).encode())
    with strict_client(strict, pki) as client:
        answer = client.submit(payload, key)
    assert isinstance(answer, Answer) and answer.receipt is not None
    assert answer.receipt["confirmation"] == "C [8m-1" and "\x1b" not in answer.receipt["received_at"]
