"""An independent receiver, written from docs/protocol.yaml and the standards it cites, not from intake/.

It is strict where the standards are, and different wherever the spec leaves room, so that the client cannot
lean on our own service's habits:

- the Idempotency-Key must be a structured-field String (RFC 9651 section 3.3.3 grammar, checked with its own
  regular expression): a bare token is refused with 400;
- it echoes request ids in upper case (still the same UUID), numbers its confirmations its own way, and adds
  members the spec does not name (receipts, statuses, form lists);
- its errors are pure RFC 9457 problem details (`type`, `title`, `status`, `detail`, nothing else);
- `Location` is an absolute URL; replays carry no `Idempotent-Replayed`.

Hostile answers on demand: `first[id]` answers the first tries of a request with scripts (e.g. 503), `always[id]`
answers every try with one (a wedging 200 of `[`, an answer dripped byte by byte, an endless answer).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SF_STRING = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"')  # RFC 9651 sf-string
Script = Callable[["StrictHandler"], None]


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Script:
    """A pure problem details answer (RFC 9457), nothing else in the body."""

    def script(h: StrictHandler) -> None:
        body = {
            "type": f"https://receiver.example/problems/{status}",
            "title": h.responses.get(status, ("Error",))[0],
            "status": status,
            "detail": detail,
        }
        h.send_json(status, body, "application/problem+json", headers)

    return script


def raw_json(status: int, body: bytes) -> Script:
    def script(h: StrictHandler) -> None:
        h.send_bytes(status, body, "application/json")

    return script


def drip(status: int, total: int, gap: float) -> Script:
    """Announce `total` bytes, then send them one at a time, `gap` seconds apart."""

    def script(h: StrictHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        h.wfile.flush()
        for _ in range(total):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                h.server.receiver.cut_off += 1
                return
            h.server.receiver.dripped += 1
            time.sleep(gap)

    return script


def endless(status: int, declared: int | None = None) -> Script:
    """An answer of `[` that never ends (or declares `declared` bytes): stops when the client hangs up."""

    def script(h: StrictHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        if declared is not None:
            h.send_header("Content-Length", str(declared))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        chunk = b"[" * 65536
        while h.server.receiver.streamed < 1 << 30:
            try:
                h.wfile.write(chunk)
            except OSError:
                h.server.receiver.cut_off += 1
                return
            h.server.receiver.streamed += len(chunk)

    return script


@dataclass
class Received:
    key: str
    fingerprint: str
    receipt: dict[str, Any]
    state: str = "received"
    decision: dict[str, Any] = field(default_factory=dict)


@dataclass
class StrictReceiver:
    token: str
    url: str = ""
    keys_seen: list[str] = field(default_factory=list)  # the raw Idempotency-Key field values
    bodies: int = 0
    requests: dict[str, Received] = field(default_factory=dict)  # by lower-case UUID
    first: dict[str, list[Script]] = field(default_factory=dict)
    always: dict[str, Script] = field(default_factory=dict)
    refuse: dict[str, Script] = field(default_factory=dict)  # instead of storing (a validation refusal)
    dripped: int = 0
    streamed: int = 0
    cut_off: int = 0  # hostile answers the client hung up on
    lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, request_id: str, state: str, **decision: Any) -> None:
        row = self.requests[request_id.lower()]
        row.state, row.decision = state, decision


class StrictServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: StrictReceiver, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), StrictHandler)
        self.receiver = receiver
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            StrictHandler(tls, client_address, self)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_RDWR)
            tls.close()


class StrictHandler(BaseHTTPRequestHandler):
    server: StrictServer
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_json(
        self,
        status: int,
        body: Any,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_bytes(status, json.dumps(body).encode(), content_type, headers)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server.receiver.token}":
            return True
        problem(401, "Unknown token.", {"WWW-Authenticate": "Bearer"})(self)
        return False

    def do_GET(self) -> None:
        r = self.server.receiver
        if not self._authorized():
            return
        if self.path == "/v1/forms":
            self.send_json(
                200, {"forms": [{"form": "de-employee", "edition": "2099-01-01", "x": 1}], "more": {}}
            )
            return
        m = re.fullmatch(r"/v1/requests/([^/]+)", self.path)
        try:
            request_id = str(uuid.UUID(m.group(1))) if m else ""
        except ValueError:
            request_id = ""
        row = r.requests.get(request_id)
        if row is None:
            problem(404, "No such request.")(self)
            return
        self.send_json(200, {**row.receipt, "state": row.state, **row.decision, "links": {"self": self.path}})

    def do_POST(self) -> None:
        r = self.server.receiver
        if self.path != "/v1/requests":
            problem(404, "No such resource.")(self)
            return
        if not self._authorized():
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with r.lock:
            r.bodies += 1
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            problem(415, "Send application/json.")(self)
            return
        raw_key = self.headers.get("Idempotency-Key", "").strip()
        r.keys_seen.append(raw_key)
        if not SF_STRING.fullmatch(raw_key):
            problem(400, "The Idempotency-Key must be a structured-field String (quoted).")(self)
            return
        try:
            key = str(uuid.UUID(raw_key[1:-1]))
            doc = json.loads(body)
            same = str(uuid.UUID(doc["id"])) == key
            assert {"id", "form", "edition", "answers"} <= set(doc)
        except (ValueError, KeyError, TypeError, AssertionError):
            problem(400, "Not a request document with a UUID key.")(self)
            return
        if not same:
            problem(422, "The key is not the document's id.")(self)
            return
        with r.lock:
            queued = r.first.get(key)
            script = queued.pop(0) if queued else r.always.get(key)
        if script is not None:
            script(self)
            return
        if key in r.refuse:
            r.refuse[key](self)
            return
        doc.pop("state", None)
        fingerprint = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        with r.lock:
            known = r.requests.get(key)
            if known is not None:
                if known.fingerprint != fingerprint:
                    problem(422, "This key was used for another document.")(self)
                else:
                    self.send_json(200, known.receipt)
                return
            n = len(r.requests) + 1
            receipt = {
                "request_id": key.upper(),
                "confirmation": f"SR{n:08d}",
                "received_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                "receiver": {"name": "strict", "version": 2},
            }
            r.requests[key] = Received(key, fingerprint, receipt)
        self.send_json(201, receipt, headers={"Location": f"{r.url}/v1/requests/{key.upper()}"})

    def _not_allowed(self) -> None:
        problem(405, "Not allowed.", {"Allow": "GET, POST"})(self)

    do_PUT = do_DELETE = do_PATCH = _not_allowed


@dataclass
class RunningReceiver:
    receiver: StrictReceiver
    server: StrictServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.receiver.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def serve_strict(token: str, cert: Path, key: Path) -> RunningReceiver:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver = StrictReceiver(token)
    server = StrictServer(receiver, context)
    receiver.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return RunningReceiver(receiver, server, thread)
