"""The HTTP client of the transmission protocol (docs/protocol.yaml), and the send gate.

`Client.submit` is the one place a request document leaves the machine, and it re-runs the full validation
against the current definitions first: an invalid request raises `NotReady` and no byte is sent, whoever calls.
It makes exactly one HTTP try and says what the answer means (`Answer`); retrying is the outbox's business.

Every exchange goes through `Transport` (app/transmit/transport.py): trust only from the settings or the system
store, one deadline per try, answers read streamed up to `MAX_ANSWER` bytes. Redirects are not followed (a POST
must not turn into a GET elsewhere); proxies from the environment still work, but the token is sent by our own
auth handler so a `.netrc` entry can never replace it. Whatever the receiver says is read defensively (any JSON,
problem details or not) and cleaned of control characters (`app.transmit.text.clean`) before anyone sees it.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import requests.auth

from app import __version__
from app.forms import Catalog, Issue, Severity, default_catalog, verdict
from app.request import RequestDoc
from app.transmit.errors import NotAtReceiver, NotReady, ReceiverRefused, ReceiverUnavailable
from app.transmit.retry import parse_retry_after
from app.transmit.settings import TransmitSettings
from app.transmit.text import clean
from app.transmit.transport import AnswerTooLarge, DeadlinePassed, MalformedAnswer, Reply, Transport

log = logging.getLogger(__name__)

USER_AGENT = f"coc-request/{__version__}"
MAX_ERRORS = 200
MAX_TEXT = 500
MAX_ANSWER = 1024 * 1024  # the largest answer read (a receipt is ~150 bytes; 200 field errors ~60 KB)
ACCEPT = "application/json, application/problem+json"
PERMANENT = frozenset({400, 401, 403, 410, 413, 415, 422})
TRANSIENT = frozenset({408, 409, 425, 429})


class AnswerKind(StrEnum):
    ACCEPTED = "accepted"  # a receipt came back (201, or 200 for a replay of the same request)
    REFUSED = "refused"  # a permanent refusal: sending it again cannot help
    RETRY = "retry"  # a transient failure: send it again later, with the same key


@dataclass(frozen=True)
class Answer:
    """What one HTTP try came to."""

    kind: AnswerKind
    message: str  # one line, no personal data
    status: int | None = None  # the HTTP status, None when no answer came
    receipt: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)  # the receiver's {field, code, message}
    retry_after: float | None = None  # seconds the receiver asked to wait
    replayed: bool = False  # the receiver answered with the receipt it had already issued
    retry_inline: bool = True  # worth an immediate retry (False for TLS and address problems)
    endpoint_wide: bool = False  # the whole endpoint is affected: stop sending the other items for now


@dataclass(frozen=True)
class ReceiverStatus:
    """A request's state at the receiver (GET /v1/requests/{id})."""

    request_id: str
    state: str  # received, in_review, approved, rejected
    confirmation: str | None = None
    received_at: str | None = None
    decided_at: str | None = None
    certificate_start: str | None = None
    certificate_end: str | None = None
    reason: str | None = None

    @classmethod
    def from_json(cls, data: Any, request_id: str) -> ReceiverStatus:
        if not isinstance(data, dict) or not isinstance(data.get("state"), str):
            raise ReceiverUnavailable("The receiving service's answer is not a request status.")
        raw_cert = data.get("certificate")
        cert: dict[str, Any] = raw_cert if isinstance(raw_cert, dict) else {}

        def text(value: Any) -> str | None:
            return clean(value, MAX_TEXT) if isinstance(value, str) else None

        return cls(
            request_id=request_id,  # ours, canonical (the receiver may echo it in another spelling)
            state=clean(data["state"], 40),
            confirmation=text(data.get("confirmation")),
            received_at=text(data.get("received_at")),
            decided_at=text(data.get("decided_at")),
            certificate_start=text(cert.get("start")),
            certificate_end=text(cert.get("end")),
            reason=text(data.get("reason")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "request_id": self.request_id,
            "state": self.state,
            "confirmation": self.confirmation,
            "received_at": self.received_at,
        }
        if self.decided_at:
            out["decided_at"] = self.decided_at
        if self.state == "approved":
            out["certificate"] = {"start": self.certificate_start, "end": self.certificate_end}
        if self.state == "rejected":
            out["reason"] = self.reason
        return out


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r


# --- the send gate -------------------------------------------------------------------------------------------------


def gate(payload_json: str, key: str, catalog: Catalog | None = None) -> RequestDoc:
    """The request document in `payload_json`, once the verdict against the current definitions finds it ready.

    Raises `NotReady` (with every issue) when it is not a valid request, or when `key` is not its id.
    """
    judged = verdict(payload_json, catalog or default_catalog())
    doc = judged.doc
    if doc is not None and doc.id != key:
        raise NotReady(
            [Issue("id", "key_mismatch", Severity.ERROR, "The idempotency key is not the request's id.")],
            doing="sent",
        )
    if doc is None or not judged.ready:
        raise NotReady(list(judged.issues), doing="sent")
    return doc


def key_header(key: str) -> str:
    """The Idempotency-Key field value: the key as a structured-field String (RFC 9651, serialised by
    `http_sfv`), as draft-ietf-httpapi-idempotency-key-header asks: `"4f9c1a3e-..."`."""
    from http_sfv.item import Item

    return str(Item(key))


# --- reading answers -----------------------------------------------------------------------------------------------


def same_uuid(text: Any, request_id: str) -> bool:
    """True when `text` names the UUID `request_id` (in any of its spellings: upper case, braces, `urn:uuid:`)."""
    if not isinstance(text, str) or len(text) > 100:
        return False
    try:
        return uuid.UUID(text) == uuid.UUID(request_id)
    except ValueError:
        return False


def _body(body: bytes) -> Any:
    """The answer's JSON, or None when it is not JSON (or nested beyond reason)."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


def _receiver_errors(body: Any, status: int) -> tuple[str, list[dict[str, str]]]:
    """The receiver's message and its {field, code, message} list, cleaned. Problem details (RFC 9457) give the
    message as `detail` (or `title`); our receivers also send `message`, `code` and `errors`. A bare list of
    errors is accepted too."""
    message = ""
    items: Any = body
    if isinstance(body, dict):
        for name in ("message", "detail", "title"):
            message = clean(body.get(name), MAX_TEXT)
            if message:
                break
        items = body.get("errors", [])
    errors: list[dict[str, str]] = []
    if isinstance(items, list):
        for item in items[:MAX_ERRORS]:
            if isinstance(item, dict) and all(
                isinstance(item.get(k), str) for k in ("field", "code", "message")
            ):
                errors.append({k: clean(item[k], MAX_TEXT) for k in ("field", "code", "message")})
    if not errors:
        raw_code = body.get("code") if isinstance(body, dict) else None
        code = clean(raw_code, 80) or f"http_{status}"
        errors = [{"field": "request", "code": code, "message": message or f"Refused (HTTP {status})."}]
    return (message or errors[0]["message"]), errors


def _receipt(body: Any, request_id: str) -> dict[str, Any] | None:
    """The receipt in `body` when it is one for `request_id` (the echoed id compared as a UUID), cleaned."""
    if not isinstance(body, dict):
        return None
    confirmation = clean(body.get("confirmation"), 100)
    received = clean(body.get("received_at"), 64)
    if not confirmation or not received or not same_uuid(body.get("request_id"), request_id):
        return None
    return {"confirmation": confirmation, "received_at": received, "request_id": request_id}


# --- naming what went wrong ----------------------------------------------------------------------------------------

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code)
_EXPIRED = {10}
_NOT_YET_VALID = {9}
_SELF_SIGNED = {18}
_UNKNOWN_CA = {2, 19, 20, 21}
_WRONG_HOST = {62, 64}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: set[int] = set()
    out: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        for nxt in (e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return out


def describe_tls_error(exc: BaseException, host: str) -> str:
    """One line naming the certificate problem (expired, wrong host, self-signed, unknown authority)."""
    verify = next((e for e in _chain(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
    code = getattr(verify, "verify_code", None)
    text = " ".join(str(e) for e in _chain(exc)).lower()
    nothing = "Nothing was sent."
    if code in _EXPIRED or "expired" in text:
        return (
            f"The certificate of {host} has expired, so the connection was refused. {nothing} "
            "The service's administrator must renew it."
        )
    if code in _NOT_YET_VALID or "not yet valid" in text:
        return f"The certificate of {host} is not valid yet (check this computer's clock). {nothing}"
    if code in _WRONG_HOST or "mismatch" in text or "doesn't match" in text:
        return (
            f"The certificate presented by {host} was issued for a different host name (wrong host), so the "
            f"connection was refused. {nothing} Check the endpoint address."
        )
    if code in _SELF_SIGNED or "self-signed" in text or "self signed" in text:
        return (
            f"The certificate of {host} is self-signed and not trusted, so the connection was refused. {nothing} "
            "If this is your own test service, set its CA file with: coc settings set ca-bundle FILE."
        )
    if code in _UNKNOWN_CA or "local issuer" in text or "unable to get issuer" in text:
        return (
            f"The certificate of {host} was issued by an unknown certificate authority (not trusted), so the "
            f"connection was refused. {nothing} Set the authority's file with: coc settings set ca-bundle FILE."
        )
    if verify is not None:
        return f"The certificate of {host} was not accepted ({verify.verify_message}). {nothing}"
    return f"A secure (TLS) connection to {host} could not be made. {nothing}"


def _connect_failure(exc: BaseException) -> bool:
    """True when the connection was never made (so nothing can have reached the receiver)."""
    import urllib3.exceptions

    for e in _chain(exc):
        if isinstance(e, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError):
            return True
        if isinstance(e, ConnectionRefusedError):
            return True
    return False


# --- the client ----------------------------------------------------------------------------------------------------


class Client:
    """One receiving service: POST a request, GET its status, GET the current form editions.

    Not thread-safe; use one per worker thread. Close it (or use it as a context manager) when done.
    """

    def __init__(self, settings: TransmitSettings, *, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self._catalog = catalog
        self._transport = Transport(
            ca_bundle=settings.ca_bundle,
            timeout=settings.timeout,
            deadline=settings.deadline,
            max_answer=MAX_ANSWER,
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
            auth=BearerAuth(settings.token),
        )
        self._host = urlsplit(settings.endpoint).netloc

    @property
    def host(self) -> str:
        return self._host

    @property
    def transport(self) -> Transport:
        return self._transport

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _exchange(
        self, method: str, path: str, *, data: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        return self._transport.exchange(method, self.settings.endpoint + path, data=data, headers=headers)

    # --- POST /v1/requests ---------------------------------------------------------------------------------------

    def submit(self, payload_json: str, key: str, *, now: float | None = None) -> Answer:
        """Send one request document (the frozen payload) with its idempotency key: one try, no retry.

        The gate runs first: `NotReady` is raised, and nothing sent, when the document is not valid now.
        """
        gate(payload_json, key, self._catalog)
        try:
            reply = self._exchange(
                "POST",
                "/v1/requests",
                data=payload_json.encode("utf-8"),
                headers={"Idempotency-Key": key_header(key), "Content-Type": "application/json"},
            )
        except (requests.exceptions.RequestException, DeadlinePassed, AnswerTooLarge, MalformedAnswer) as exc:
            return self._failure(exc)
        return self._classify(reply, key, time.time() if now is None else now)

    def _failure(self, exc: Exception) -> Answer:
        settings, host = self.settings, self._host
        again = "It will be sent again with the same key, so it cannot arrive twice."
        if isinstance(exc, DeadlinePassed):
            return Answer(
                AnswerKind.RETRY,
                f"{host} did not complete its answer within the {settings.deadline:g} s allowed for one try. {again}",
            )
        if isinstance(exc, AnswerTooLarge):
            return Answer(
                AnswerKind.RETRY,
                f"{host} answered with more than {MAX_ANSWER // 1024} KiB, which is not a receipt; it was not read. "
                f"{again}",
            )
        if isinstance(exc, MalformedAnswer):
            return Answer(AnswerKind.RETRY, f"{host} sent an answer that cannot be read as HTTP. {again}")
        if isinstance(exc, requests.exceptions.SSLError):
            return Answer(
                AnswerKind.RETRY, describe_tls_error(exc, host), retry_inline=False, endpoint_wide=True
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return Answer(
                AnswerKind.RETRY,
                f"No connection to {host} within {settings.connect_timeout:g} s (network down or service "
                "unreachable). It will be tried again.",
                endpoint_wide=True,
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return Answer(
                AnswerKind.RETRY, f"{host} gave no answer within {settings.read_timeout:g} s. {again}"
            )
        if isinstance(exc, requests.exceptions.ConnectionError) and _connect_failure(exc):
            return Answer(
                AnswerKind.RETRY,
                f"Cannot connect to {host} (the service is not running or the network is down). It will be "
                "tried again.",
                endpoint_wide=True,
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            return Answer(
                AnswerKind.RETRY, f"The connection to {host} was cut before an answer came. {again}"
            )
        return Answer(AnswerKind.RETRY, f"Sending to {host} failed ({type(exc).__name__}).")

    def _classify(self, reply: Reply, key: str, now: float) -> Answer:
        status = reply.status
        body = _body(reply.body)
        if status in (200, 201):
            receipt = _receipt(body, key)
            if receipt is not None:
                receipt["receiver"] = self.settings.endpoint  # where it went: shown and printed with it
            if receipt is None:
                return Answer(
                    AnswerKind.RETRY,
                    f"{self._host} answered HTTP {status} without a valid receipt; it will be tried again.",
                    status,
                )
            replayed = status == 200 or reply.headers.get("Idempotent-Replayed", "").lower() == "true"
            return Answer(
                AnswerKind.ACCEPTED,
                f"Received: confirmation {receipt['confirmation']}.",
                status,
                receipt,
                replayed=replayed,
            )
        retry_after = parse_retry_after(reply.headers.get("Retry-After"), now)
        if status in TRANSIENT or status >= 500:
            what = {
                429: "is receiving too many requests",
                503: "is unavailable or overloaded",
                409: "is still processing this request",
            }
            message = f"{self._host} {what.get(status, 'had a temporary problem')} (HTTP {status}); it will be tried again."
            overload = status in (429, 503) and retry_after is not None
            return Answer(AnswerKind.RETRY, message, status, retry_after=retry_after, endpoint_wide=overload)
        if 300 <= status < 400 or status in (404, 405):
            where = clean(reply.headers.get("Location", ""), 200)
            message = (
                f"{self._host} redirects to {where} (HTTP {status}); set the endpoint to the new address."
                if status < 400
                else f"There is no transmission service at {self.settings.endpoint} (HTTP {status}); check the endpoint."
            )
            return Answer(AnswerKind.RETRY, message, status, retry_inline=False, endpoint_wide=True)
        message, errors = _receiver_errors(body, status)
        if status in (401, 403):
            message = (
                "The receiving service refused the access token (HTTP "
                f"{status}); check it with: coc settings set token."
            )
            errors = [
                {
                    "field": "request",
                    "code": "unauthorized" if status == 401 else "forbidden",
                    "message": message,
                }
            ]
            return Answer(AnswerKind.REFUSED, message, status, errors=errors, endpoint_wide=True)
        return Answer(
            AnswerKind.REFUSED,
            f"Refused by the receiving service (HTTP {status}): {message}",
            status,
            errors=errors,
        )

    # --- GET -----------------------------------------------------------------------------------------------------

    def _get_json(self, path: str) -> Any:
        try:
            reply = self._exchange("GET", path)
        except (requests.exceptions.RequestException, DeadlinePassed, AnswerTooLarge, MalformedAnswer) as exc:
            raise ReceiverUnavailable(self._failure(exc).message)
        if reply.status in (401, 403):
            raise ReceiverRefused()
        if reply.status == 404:
            raise NotAtReceiver()
        if reply.status != 200:
            raise ReceiverUnavailable(
                f"The receiving service answered HTTP {reply.status}.", "Try again later."
            )
        body = _body(reply.body)
        if body is None:
            raise ReceiverUnavailable("The receiving service's answer is not JSON.")
        return body

    def status(self, request_id: str) -> ReceiverStatus:
        """The request's state at the receiver; `NotAtReceiver`, `ReceiverRefused` or `ReceiverUnavailable`."""
        body = self._get_json(f"/v1/requests/{quote(request_id, safe='')}")
        return ReceiverStatus.from_json(body, request_id)

    def forms(self) -> dict[str, str]:
        """The current edition of every form the receiver knows (form id -> edition), cleaned."""
        body = self._get_json("/v1/forms")
        forms = body.get("forms") if isinstance(body, dict) else None
        if not isinstance(forms, list):
            raise ReceiverUnavailable("The receiving service's answer is not a list of forms.")
        return {
            clean(f["form"], 100): clean(f["edition"], 100)
            for f in forms[:10_000]
            if isinstance(f, dict) and isinstance(f.get("form"), str) and isinstance(f.get("edition"), str)
        }


def payload_json(doc: RequestDoc) -> str:
    """The frozen payload of a request: its document without the local state, as compact JSON."""
    data = doc.to_dict()
    data.pop("state", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
