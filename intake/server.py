"""The HTTPS server of the reference intake service (standard library `http.server` + `ssl`), and a way to run it
in-process for tests, with faults on demand.

What it does before any endpoint runs (see docs/transmission.md, "The intake service under abuse"):

- At most `max_connections` connections at once; one more is closed as soon as it is accepted, before any TLS
  work, so a flood of slow connections costs a bounded number of threads.
- Deadlines, not only socket timeouts: the TLS handshake, the request line and the headers must all arrive within
  `header_timeout` (for a later request on a kept-alive connection, counted from its first byte); the body, the
  processing and the answer within `body_timeout`; a kept-alive connection waits at most `keepalive_timeout` for
  its next request, and is the first to be closed when a new connection finds every slot taken. A watchdog cuts
  the connection when a deadline passes, however the bytes trickle in.
- The request head is at most `MAX_HEAD` bytes; header names must be tokens, with no white space before the colon
  and no folded lines.
- Authentication comes first: nothing is read from the body and nothing is counted before the token is accepted.
- One body per request: a request whose body is not read completely (refused, a method without a body, a
  `Transfer-Encoding`) ends the connection, so its bytes can never be read as a second request.
- Every answer is JSON, errors are RFC 9457 problem details (`intake.problems`), including the ones the standard
  library would answer with HTML.

`Faults` makes the server misbehave the way real networks and overloaded services do: answer 500/503/429 (with
`Retry-After`) before processing, process a request and then drop the connection without answering, or read a
request and never answer. The counters in `Stats` let a test prove what reached the server.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import socket
import ssl
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.forms import Catalog
from app.transmit.deadline import Watch, Watchdog, cut
from intake.problems import Answer, problem
from intake.routes import Router
from intake.service import IntakeService
from intake.tls import ensure_certificates, server_context

MAX_BODY = 1024 * 1024
MAX_HEAD = 32 * 1024  # request line and headers together
MAX_HEADER_LINES = 100
MAX_CONNECTIONS = 64
HEADER_TIMEOUT = (
    10.0  # TLS handshake + request line + headers (again for each request of a kept-alive connection)
)
BODY_TIMEOUT = 60.0  # body + processing + answer
KEEPALIVE_TIMEOUT = (
    60.0  # a kept-alive connection waiting for its next request (evicted first when at the cap)
)
IDLE_TIMEOUT = 30.0  # any one socket operation (a backstop under the deadlines)
_FIELD_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:")


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
    turned_away: int = 0  # connections closed at once because `max_connections` were open
    evicted: int = 0  # idle kept-alive connections closed to make room for a new one
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
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        service: IntakeService,
        context: ssl.SSLContext,
        faults: Faults | None = None,
        *,
        verbose: bool = False,
        max_in_flight: int = 64,
        max_connections: int = MAX_CONNECTIONS,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        router: Router | None = None,
    ) -> None:
        from intake.endpoints import ROUTER

        super().__init__(address, Handler)
        self.service = service
        self.context = context
        self.faults = faults or Faults()
        self.stats = Stats()
        self.verbose = verbose
        self.router = router or ROUTER
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.keepalive_timeout = keepalive_timeout
        self.idle: set[Handler] = set()  # kept-alive connections waiting for their next request
        self.max_connections = max_connections
        self.watchdog = Watchdog()
        self.stopping = threading.Event()
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._active = 0
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    @property
    def active(self) -> int:
        """Connections being served now."""
        with self._open_lock:
            return self._active

    def process_request(self, request: Any, client_address: Any) -> None:
        """In the accepting thread: a connection over the cap is closed at once, before any TLS work."""
        if not self._slots.acquire(blocking=False) and not self._evict_idle():
            self.stats.add("turned_away")
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._active += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def _evict_idle(self) -> bool:
        """At the cap: close a kept-alive connection that is only waiting for its next request (its client
        reconnects), and take its slot. Connections that are doing something (a handshake, a head, a body, even
        a slow one) are never evicted: those wait for their deadlines."""
        with self._open_lock:
            victim = next(iter(self.idle), None)
            if victim is not None:
                self.idle.discard(victim)
        if victim is None:
            return False
        self.stats.add("evicted")
        cut(victim.connection)
        return self._slots.acquire(timeout=5.0)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._open_lock:
            self._active -= 1
        self._slots.release()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs in the connection's own thread: the TLS handshake (under the header deadline), then HTTP."""
        self.stats.add("connections")
        with self._open_lock:
            self._open.add(request)
        try:
            request.settimeout(IDLE_TIMEOUT)
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            watch = self.watchdog.arm(lambda: request, self.header_timeout)
            try:
                tls = self.context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                self.stats.add("tls_failures")
                return
            finally:
                self.watchdog.disarm(watch)
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
                socket.socket.shutdown(s, socket.SHUT_RDWR)
        self.server_close()
        self.watchdog.close()
        self.service.close()


def _close(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class HeadTooLarge(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 over one TLS connection: reads each request's head under the deadlines, authenticates, routes
    through the server's table (`intake.endpoints.ROUTER`) and writes JSON answers."""

    server: IntakeHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "coc-intake/1"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    wbufsize = 64 * 1024  # headers and body leave in one write (no Nagle / delayed-ACK stall)

    client: str | None = None
    served: int = 0  # requests answered on this connection
    body_left: int = 0  # declared body bytes not read yet (-1: a body of unknown length)
    _watch: Watch | None = None
    _expect_continue: bool = False

    # --- plumbing ------------------------------------------------------------------------------------------------

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.verbose:  # method, path and status only: never a header or a body
            self.log_message('"%s %s" %s', self.command, (self.path or "").split("?", 1)[0], str(code))

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._watch = self.server.watchdog.arm(lambda: self.connection, seconds)

    def _disarm(self) -> None:
        if self._watch is not None:
            self.server.watchdog.disarm(self._watch)
            self._watch = None

    def finish(self) -> None:
        if self.body_left:
            self._linger()
        self._disarm()
        # StreamRequestHandler.finish closes the reader only when closing the writer (which flushes) succeeded: on a
        # connection cut by a deadline the reader stayed open, and with it the socket's descriptor, until garbage
        # collection warned of an unclosed socket. Each is closed whatever the other does.
        for stream in (self.wfile, self.rfile):
            with contextlib.suppress(OSError, ValueError):
                stream.close()

    def answer(self, result: Answer) -> None:
        body = json.dumps(result.body, ensure_ascii=False).encode("utf-8")
        if self.body_left:  # the rest of this request's body is still on the wire: never read it as a request
            self.close_connection = True
        self.send_response(result.status)
        self.send_header("Content-Type", result.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in result.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (bad request line, head too large, HTTP/2...), as problem details."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # never answered without a status line and headers
            self.request_version = "HTTP/1.1"
        name = {414: "headers_too_large", 431: "headers_too_large", 505: "version_not_supported"}.get(
            code, "bad_request"
        )
        detail = (
            (message or self.responses.get(code, ("Bad request",))[0]).replace("\r", " ").replace("\n", " ")
        )
        self.answer(problem(code, name, detail[:200]))

    def handle_expect_100(self) -> bool:
        self._expect_continue = True  # `100 Continue` is sent only when the body is about to be read
        return True

    # --- one request ---------------------------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self.client, self.body_left, self._expect_continue = None, 0, False
        self.command, self.path, self.request_version = None, "", "HTTP/1.1"  # type: ignore[assignment]
        try:
            if self.served and not self._wait_for_next_request():
                self.close_connection = True
                return
            self._arm(self.server.header_timeout)
            self.raw_requestline = self.rfile.readline(MAX_HEAD + 1)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > MAX_HEAD:
                self.send_error(414, "The request line is too long.")
                return
            try:
                head = self._read_head(MAX_HEAD - len(self.raw_requestline))
            except HeadTooLarge as exc:
                self.send_error(431, str(exc))
                return
            except ValueError as exc:
                self.send_error(400, str(exc))
                return
            wire, self.rfile = self.rfile, io.BytesIO(head)
            try:
                parsed = self.parse_request()
            finally:
                self.rfile = wire
            if not parsed:
                return
            if self.request_version == "HTTP/0.9":
                self.send_error(400, "HTTP/0.9 is not supported.")
                return
            self._arm(self.server.body_timeout)
            self.dispatch()
            self.wfile.flush()
            self.served += 1
        except (OSError, ssl.SSLError, ValueError):  # cut by a deadline, or the peer went away
            self.close_connection = True

    def _linger(self) -> None:
        """Before closing a connection whose body was left unread (a refusal): read and discard what the client is
        still sending, up to MAX_BODY and for a few seconds, so that closing does not reset the connection before
        the client has read the answer (RFC 9112 section 9.6). Nothing read here is kept or parsed."""
        known = self.body_left > 0  # the declared length still to come, or -1: unknown
        self._arm(min(self.server.header_timeout, 5.0 if known else 1.0))
        left = min(self.body_left, MAX_BODY) if known else MAX_BODY
        left -= len(getattr(self.rfile, "peek", lambda n: b"")(0)) if known else 0  # already buffered
        try:
            while left > 0:
                chunk = self.connection.recv(min(left, 65536))
                if not chunk:
                    return
                left -= len(chunk)
        except (OSError, ssl.SSLError, ValueError):
            return

    def _wait_for_next_request(self) -> bool:
        """A kept-alive connection: wait (evictable) for the first byte of the next request; False at its end."""
        server = self.server
        self._arm(server.keepalive_timeout)
        with server._open_lock:
            server.idle.add(self)
        try:
            return bool(self.rfile.peek(1))  # type: ignore[attr-defined]
        finally:
            with server._open_lock:
                server.idle.discard(self)

    def _read_head(self, budget: int) -> bytes:
        """The header lines up to and including the empty line, checked: at most `budget` bytes and
        `MAX_HEADER_LINES` lines, field names that are tokens followed by a colon, no folded lines."""
        lines: list[bytes] = []
        while True:
            line = self.rfile.readline(budget + 1)
            if not line:
                raise ValueError("The connection ended inside the request head.")
            budget -= len(line)
            if budget < 0:
                raise HeadTooLarge(f"The request head is larger than {MAX_HEAD} bytes.")
            lines.append(line)
            if line in (b"\r\n", b"\n"):
                return b"".join(lines)
            if len(lines) > MAX_HEADER_LINES:
                raise HeadTooLarge(f"More than {MAX_HEADER_LINES} header fields.")
            if not _FIELD_NAME.match(line):
                raise ValueError(
                    "A header line is malformed (no field name, white space before the colon, or folded)."
                )

    def dispatch(self) -> None:
        if not self._framing():
            return
        path = urlsplit(self.path).path
        found = self.server.router.match(path)
        if found is None or found[0].auth:
            self.client = self.server.service.authenticate(self.headers.get("Authorization"))
            if self.client is None:
                self.server.stats.add("unauthorized")
                self.answer(
                    problem(
                        401,
                        "unauthorized",
                        "The access token is missing or not accepted.",
                        WWW_Authenticate='Bearer realm="coc-intake"',
                    )
                )
                return
        if found is None:
            self.answer(problem(404, "not_found", "No such resource."))
            return
        resource, params = found
        endpoint = resource.endpoint(self.command)
        if endpoint is None:
            self.answer(
                problem(
                    405,
                    "method_not_allowed",
                    f"{self.command} is not allowed here; allowed: {resource.allow}.",
                    Allow=resource.allow,
                )
            )
            return
        if self.body_left and self.command != "POST":
            self.answer(problem(400, "body_not_allowed", f"A {self.command} request has no body."))
            return
        try:
            result = endpoint(self, params)
        except Exception:  # a bug: answer it as one (never a connection dropped without a word)
            import traceback

            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            result = problem(500, "internal_error", "The service failed on this request; it was not stored.")
        if result is not None:
            self.answer(result)

    def _framing(self) -> bool:
        """Where this request's body ends. A body of unknown length (`Transfer-Encoding`) or a malformed or
        repeated `Content-Length` is refused, and the connection closed after the answer."""
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None:
            self.body_left = -1
            if self.command == "POST":
                self.answer(problem(411, "length_required", "Send the body with a Content-Length."))
            else:
                self.answer(problem(400, "body_not_allowed", f"A {self.command} request has no body."))
            return False
        if (
            len(lengths) > 1
            or (lengths and not lengths[0].strip().isdigit())
            or (lengths and not lengths[0].strip().isascii())
        ):
            self.body_left = -1
            self.answer(problem(400, "bad_request", "The Content-Length is malformed or repeated."))
            return False
        self.body_left = int(lengths[0]) if lengths else 0
        return True

    def read_body(self) -> bytes:
        """The request's body (its `Content-Length`, already checked against `MAX_BODY`)."""
        if self._expect_continue:
            self.send_response_only(100)
            self.end_headers()
            self.wfile.flush()
        length, self.body_left = self.body_left, -1
        body = self.rfile.read(length)
        if len(body) != length:
            raise ValueError("the connection ended inside the body")
        self.body_left = 0
        self.server.stats.add("bodies")
        return body


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
    **limits: Any,
) -> tuple[IntakeHTTPServer, Path | None]:
    """A server bound to 127.0.0.1:`port` (0: any free port), not yet serving, and the CA file clients should
    trust. Its certificates come from `data_dir` (made on first start) unless `certificate` (cert, key) is given.
    `limits`: `max_connections`, `header_timeout`, `body_timeout`, `keepalive_timeout`, `max_in_flight`."""
    ca_path: Path | None
    if certificate is None:
        paths = ensure_certificates(data_dir)
        cert, key, ca_path = paths.cert, paths.key, paths.ca
    else:
        (cert, key), ca_path = certificate, None
    service = IntakeService(data_dir, tokens, catalog)
    try:
        server = IntakeHTTPServer(
            ("127.0.0.1", port), service, server_context(cert, key), faults, verbose=verbose, **limits
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
    **limits: Any,
) -> RunningIntake:
    """Start the service on 127.0.0.1 (port 0: a free one) in a background thread. Use the result as a context
    manager, or call `stop()`."""
    server, ca_path = make_server(
        data_dir, tokens, port=port, certificate=certificate, faults=faults, catalog=catalog, **limits
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return RunningIntake(f"https://127.0.0.1:{server.server_address[1]}", ca_path, server, thread)
