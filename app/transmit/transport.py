"""One HTTPS exchange with the receiving service, bounded in trust, time and size.

- **Trust** comes only from the settings: the CA bundle set there, or else the operating system's certificate
  store (`truststore` on macOS and Windows; OpenSSL's compiled-in system paths elsewhere). `REQUESTS_CA_BUNDLE`,
  `CURL_CA_BUNDLE` and `SSL_CERT_FILE`/`SSL_CERT_DIR` are ignored; proxies from the environment still work (read
  once per host).
- **Time**: every exchange has one overall deadline (connect, TLS, send, receive together), enforced by a watchdog
  that cuts the connection when it passes, on top of the per-operation connect and read timeouts.
- **Size**: answers are read streamed, undecoded (`Accept-Encoding: identity`), and given up past `max_answer`
  bytes, so a huge or endless answer costs at most that much memory.

`Transport.exchange` returns a `Reply` or raises `DeadlinePassed`, `AnswerTooLarge`, `MalformedAnswer`, or what
`requests` raises for network and TLS problems (`requests.exceptions.RequestException`).
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.utils
import urllib3
import urllib3.exceptions

from app.transmit.deadline import Watchdog

CHUNK = 64 * 1024


class DeadlinePassed(Exception):
    """The exchange did not end within its deadline; the watchdog cut the connection."""


class AnswerTooLarge(Exception):
    """The answer is larger than the client accepts; it was not read further."""


class MalformedAnswer(Exception):
    """The answer cannot be read as HTTP (cut inside, or in an encoding that was not asked for)."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # case-insensitive (requests' structure)
    body: bytes


def trust_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The certificate authorities the client trusts: exactly those of `ca_bundle`, or the system's store."""
    if ca_bundle:
        context = ssl.create_default_context(cafile=ca_bundle)
    elif sys.platform in ("darwin", "win32"):
        import truststore

        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
        paths = ssl.get_default_verify_paths()  # the compiled-in paths, not the SSL_CERT_* variables
        cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
        capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
        if cafile or capath:
            context.load_verify_locations(cafile=cafile, capath=capath)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Holder:
    """The connection the current thread's exchange is using (so that the watchdog can cut its socket)."""

    conn: Any = None


_local = threading.local()


def _holder() -> _Holder:
    holder: _Holder | None = getattr(_local, "holder", None)
    if holder is None:
        holder = _local.holder = _Holder()
    return holder


class _TrackingPool(urllib3.HTTPSConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        _holder().conn = conn
        return conn


class _TrustAdapter(requests.adapters.HTTPAdapter):
    """Every connection verifies against one SSL context; the `verify` that requests derives from the
    environment never reaches urllib3."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            **self.poolmanager.pool_classes_by_scheme,
            "https": _TrackingPool,
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "https": _TrackingPool}
        return manager

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:
        host_params, _ = super().build_connection_pool_key_attributes(request, True, None)
        return host_params, {"ssl_context": self._context}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """Nothing to set per connection: the pool's SSL context decides (never a CA file from elsewhere)."""


class _Session(requests.Session):
    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        settings: Any = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = True  # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE never decide trust (the adapter does)
        return settings


class Transport:
    """The HTTP session of one client: trust, deadline and size cap as above. Not thread-safe."""

    def __init__(
        self,
        *,
        ca_bundle: str | None,
        timeout: tuple[float, float],
        deadline: float,
        max_answer: int,
        headers: Mapping[str, str],
        auth: requests.auth.AuthBase,
        watchdog: Watchdog | None = None,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.max_answer = max_answer
        self.watchdog = watchdog or Watchdog()
        self._own_watchdog = watchdog is None
        self.session = _Session()
        # The environment's proxies are read once per host (`_proxies_for`), not twice per request as requests
        # does (about 0.3 ms each: it walks the whole environment); nothing else of the environment is read.
        self.session.trust_env = False
        self._proxies: dict[str, dict[str, str]] = {}
        adapter = _TrustAdapter(trust_context(ca_bundle), max_retries=0, pool_connections=1, pool_maxsize=4)
        self.session.mount("https://", adapter)
        self.session.auth = auth
        self.session.headers.update({**headers, "Accept-Encoding": "identity"})

    def close(self) -> None:
        self.session.close()
        if self._own_watchdog:
            self.watchdog.close()

    def exchange(
        self, method: str, url: str, *, data: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        holder = _holder()
        holder.conn = None
        watch = self.watchdog.arm(lambda: getattr(holder.conn, "sock", None), self.deadline)
        try:
            resp = self.session.request(
                method,
                url,
                data=data,
                headers=dict(headers or {}),
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
                proxies=dict(self._proxies_for(url)),  # a copy: requests may add to it
            )
            try:
                body = self._read(resp)
            finally:
                resp.close()
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if self.watchdog.disarm(watch):
                raise DeadlinePassed() from exc
            if isinstance(exc, requests.exceptions.RequestException):
                raise
            raise MalformedAnswer(type(exc).__name__) from exc
        finally:
            expired = self.watchdog.disarm(watch)
            holder.conn = None
        if expired:  # cut inside the head or the body: what was read may look complete, and is not
            raise DeadlinePassed()
        return Reply(resp.status_code, resp.headers, body)

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The proxies the environment names for `url`'s host (HTTPS_PROXY, NO_PROXY...), read once per host."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies.get(host)
        if found is None:
            found = self._proxies[host] = dict(requests.utils.get_environ_proxies(url))
        return found

    def _read(self, resp: requests.Response) -> bytes:
        length = resp.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > self.max_answer:
            raise AnswerTooLarge()
        if resp.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
            raise MalformedAnswer("an encoded answer (Content-Encoding) that was not asked for")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = resp.raw.read(CHUNK, decode_content=False)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_answer:
                raise AnswerTooLarge()
            chunks.append(chunk)
