"""The HTTPS server of the reference intake service (standard library `http.server` + `ssl`), and a way to run it
in-process for tests, with faults on demand.

TLS is set up in each connection's own thread, so a client that connects and never finishes the handshake holds
up no one else. `Faults` makes the server misbehave the way real networks and overloaded services do: answer
500/503/429 (with `Retry-After`) before processing, process a request and then drop the connection without
answering, or read a request and never answer. The counters in `Stats` let a test prove what reached the server.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from app.forms import Catalog
from intake.service import Answer, IntakeService, problem
from intake.tls import ensure_certificates, server_context

MAX_BODY = 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0


@dataclass
class Faults:
    """Misbehaviour on demand (tests and demos). Probabilities are per POST, drawn from a seeded generator."""

    seed: int | None = None
    error_rate: float = 0.0  # answer one of `error_statuses` instead of processing
    error_statuses: tuple[int, ...] = (500, 503, 429)
    retry_after: tuple[str | None, ...] = ("0", "1", None)  # Retry-After values offered with 429 and 503
    drop_after_processing: float = 0.0  # process (store, issue a receipt), then close without answering
    hang: bool = False  # read the request, then never answer
    delay: float = 0.0  # seconds to wait before and again after processing a POST

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def roll(self) -> float:
        with self._lock:
            return self._rng.random()

    def choice(self, options: tuple[Any, ...]) -> Any:
        with self._lock:
            return self._rng.choice(options)


@dataclass
class Stats:
    """What reached the server. `bodies` counts request bodies read (0 means no payload ever arrived)."""

    bodies: int = 0
    created: int = 0
    replayed: int = 0
    refused: int = 0  # 4xx answers to POSTs
    unauthorized: int = 0
    faults: int = 0  # error answers injected by `Faults`
    dropped: int = 0  # connections dropped after processing
    hung: int = 0
    tls_failures: int = 0
    connections: int = 0
    keys: Counter[str] = field(default_factory=Counter, repr=False)  # POST bodies per Idempotency-Key
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def saw_key(self, key: str) -> None:
        with self._lock:
            self.keys[key] += 1


class IntakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        service: IntakeService,
        context: ssl.SSLContext,
        faults: Faults | None = None,
        *,
        verbose: bool = False,
        max_in_flight: int = 64,
    ) -> None:
        super().__init__(address, Handler)
        self.service = service
        self.context = context
        self.faults = faults or Faults()
        self.stats = Stats()
        self.verbose = verbose
        self.stopping = threading.Event()
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs in the connection's own thread: the TLS handshake, then HTTP."""
        self.stats.add("connections")
        with self._open_lock:
            self._open.add(request)
        try:
            request.settimeout(HANDSHAKE_TIMEOUT)
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                tls = self.context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                self.stats.add("tls_failures")
                return
            with self._open_lock:
                self._open.add(tls)
            try:
                Handler(tls, client_address, self)
            finally:
                with self._open_lock:
                    self._open.discard(tls)
                _close(tls)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose:
            super().handle_error(request, client_address)

    def try_enter(self) -> bool:
        return self._in_flight.acquire(blocking=False)

    def leave(self) -> None:
        self._in_flight.release()

    def stop(self) -> None:
        """Stop serving (from another thread than `serve_forever`'s), then `close()`."""
        self.stopping.set()
        self.shutdown()
        self.close()

    def close(self) -> None:
        """End hanging answers, cut open (keep-alive) connections, wait for their threads, close everything."""
        self.stopping.set()
        with self._open_lock:
            sockets = list(self._open)
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.server_close()
        self.service.close()


def _close(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class Handler(BaseHTTPRequestHandler):
    server: IntakeHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "coc-intake/1"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    wbufsize = 64 * 1024  # headers and body leave in one write (no Nagle / delayed-ACK stall)

    # --- plumbing ------------------------------------------------------------------------------------------------

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.verbose:  # method, path and status only: never a header or a body
            self.log_message('"%s %s" %s', self.command, self.path.split("?", 1)[0], str(code))

    def answer(self, result: Answer) -> None:
        body = json.dumps(result.body, ensure_ascii=False).encode("utf-8")
        self.send_response(result.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in result.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _client(self) -> str | None:
        client = self.server.service.authenticate(self.headers.get("Authorization"))
        if client is None:
            self.server.stats.add("unauthorized")
            self.answer(
                problem(
                    401,
                    "unauthorized",
                    "The access token is missing or not accepted.",
                    WWW_Authenticate='Bearer realm="coc-intake"',
                )
            )
        return client

    def _read_body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length_text is None:
            self.close_connection = True
            self.answer(problem(411, "length_required", "Send the body with a Content-Length."))
            return None
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self.answer(problem(413, "too_large", f"The body must be at most {MAX_BODY} bytes."))
            return None
        body = self.rfile.read(length)
        self.server.stats.add("bodies")
        return body

    # --- methods -------------------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_body()
        if body is None:
            return
        if path != "/v1/requests":
            self.answer(problem(404, "not_found", "No such resource."))
            return
        key = self.headers.get("Idempotency-Key")
        if key:
            self.server.stats.saw_key(key.strip().strip('"'))
        faults = self.server.faults
        if faults.hang:
            self.server.stats.add("hung")
            self.server.stopping.wait()
            self.close_connection = True
            return
        if faults.error_rate and faults.roll() < faults.error_rate:
            self.server.stats.add("faults")
            status = int(faults.choice(faults.error_statuses))
            headers: dict[str, str] = {}
            if status in (429, 503):
                retry_after = faults.choice(faults.retry_after)
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
            self.answer(
                Answer(status, {"code": "injected_fault", "message": "Injected fault (test)."}, headers)
            )
            return
        if not self.server.try_enter():
            self.server.stats.add("faults")
            self.answer(
                problem(503, "overloaded", "Too many requests at once; try again shortly.", Retry_After="1")
            )
            return
        try:
            client = self._client()
            if client is None:
                return
            if faults.delay:
                time.sleep(faults.delay)
            result = self.server.service.submit(client, key, body)
            if faults.delay:
                time.sleep(faults.delay)
        finally:
            self.server.leave()
        if result.status == 201:
            self.server.stats.add("created")
        elif result.status == 200:
            self.server.stats.add("replayed")
        else:
            self.server.stats.add("refused")
        if faults.drop_after_processing and faults.roll() < faults.drop_after_processing:
            self.server.stats.add("dropped")
            self.close_connection = True
            return
        self.answer(result)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        client = self._client()
        if client is None:
            return
        if path == "/v1/forms":
            self.answer(self.server.service.forms())
        elif path.startswith("/v1/requests/") and path.count("/") == 3:
            self.answer(self.server.service.status(client, path.rsplit("/", 1)[1]))
        else:
            self.answer(problem(404, "not_found", "No such resource."))

    def _not_allowed(self) -> None:
        self.close_connection = True
        self.answer(problem(405, "method_not_allowed", "Method not allowed.", Allow="GET, POST"))

    do_PUT = do_DELETE = do_PATCH = _not_allowed


@dataclass
class RunningIntake:
    """An intake service running in a thread of this process (see `serve_in_thread`)."""

    url: str
    ca_path: Path | None
    server: IntakeHTTPServer
    thread: threading.Thread

    @property
    def stats(self) -> Stats:
        return self.server.stats

    @property
    def service(self) -> IntakeService:
        return self.server.service

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self.server.faults = value

    def stop(self) -> None:
        if not self.server.stopping.is_set():
            self.server.stop()
            self.thread.join()

    def __enter__(self) -> RunningIntake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_server(
    data_dir: Path,
    tokens: Iterable[str],
    *,
    port: int = 0,
    certificate: tuple[Path, Path] | None = None,
    faults: Faults | None = None,
    catalog: Catalog | None = None,
    verbose: bool = False,
) -> tuple[IntakeHTTPServer, Path | None]:
    """A server bound to 127.0.0.1:`port` (0: any free port), not yet serving, and the CA file clients should
    trust. Its certificates come from `data_dir` (made on first start) unless `certificate` (cert, key) is given."""
    ca_path: Path | None
    if certificate is None:
        paths = ensure_certificates(data_dir)
        cert, key, ca_path = paths.cert, paths.key, paths.ca
    else:
        (cert, key), ca_path = certificate, None
    service = IntakeService(data_dir, tokens, catalog)
    try:
        server = IntakeHTTPServer(
            ("127.0.0.1", port), service, server_context(cert, key), faults, verbose=verbose
        )
    except BaseException:
        service.close()
        raise
    return server, ca_path


def serve_in_thread(
    data_dir: Path,
    tokens: Iterable[str] = ("test-token",),
    *,
    port: int = 0,
    certificate: tuple[Path, Path] | None = None,
    faults: Faults | None = None,
    catalog: Catalog | None = None,
) -> RunningIntake:
    """Start the service on 127.0.0.1 (port 0: a free one) in a background thread. Use the result as a context
    manager, or call `stop()`."""
    server, ca_path = make_server(
        data_dir, tokens, port=port, certificate=certificate, faults=faults, catalog=catalog
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return RunningIntake(f"https://127.0.0.1:{server.server_address[1]}", ca_path, server, thread)
