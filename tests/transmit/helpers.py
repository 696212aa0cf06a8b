"""Helpers of the transmission tests: certificates, valid requests, settings, a fake clock."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.forms import default_catalog, new_document
from app.forms.example import example_answers
from app.request import RequestDoc
from app.store import Store
from app.transmit import Client, RetryPolicy, TransmitSettings
from intake import Faults, RunningIntake, serve_in_thread
from intake.tls import Issued, make_ca, make_server_cert

TOKEN = "test-token-0123456789"
FAST = RetryPolicy(tries_per_send=3, base=0.001, cap=0.01, inline_max_wait=1.0)


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    """A trusted CA (ca.pem) and server certificates for every case the client must handle."""

    ca: Path
    good: Pair
    expired: Pair
    wrong_host: Pair
    self_signed: Pair
    untrusted: Pair  # signed by a CA the client does not trust
    rogue_ca: Path  # that CA's certificate, which an attacker would plant in REQUESTS_CA_BUNDLE


def _write(folder: Path, name: str, issued: Issued) -> Pair:
    pair = Pair(folder / f"{name}.pem", folder / f"{name}-key.pem")
    issued.write(pair.cert, pair.key)
    return pair


def make_pki(folder: Path) -> Pki:
    now = dt.datetime.now(dt.UTC)
    ca = make_ca("Test CA")
    other_ca = make_ca("Someone else's CA")
    (folder / "ca.pem").write_bytes(ca.cert_pem())
    (folder / "rogue-ca.pem").write_bytes(other_ca.cert_pem())
    return Pki(
        ca=folder / "ca.pem",
        good=_write(folder, "good", make_server_cert(ca)),
        expired=_write(
            folder,
            "expired",
            make_server_cert(
                ca, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
            ),
        ),
        wrong_host=_write(folder, "wrong-host", make_server_cert(ca, ("intake.example.org",))),
        self_signed=_write(folder, "self-signed", make_server_cert(None)),
        untrusted=_write(folder, "untrusted", make_server_cert(other_ca)),
        rogue_ca=folder / "rogue-ca.pem",
    )


def start(intake_dir: Path, faults: Faults | None = None, **kwargs: Any) -> RunningIntake:
    return serve_in_thread(intake_dir, [TOKEN], faults=faults, **kwargs)


def valid_doc(form: str = "de-employee", **answers: Any) -> RequestDoc:
    spec = default_catalog().form(form)
    values = example_answers(spec)
    values.update(answers)
    return new_document(spec, values)


def ready_request(store: Store, form: str = "de-employee", **answers: Any) -> str:
    """A valid request saved in `store` (Ready); returns its id."""
    doc = valid_doc(form, **answers)
    store.save(doc, error_count=0)
    return doc.id


def settings_for(server: RunningIntake, **overrides: Any) -> TransmitSettings:
    values: dict[str, Any] = {
        "endpoint": server.url,
        "token": TOKEN,
        "ca_bundle": str(server.ca_path),
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(overrides)
    return TransmitSettings(**values)


def client_for(server: RunningIntake, **overrides: Any) -> Client:
    return Client(settings_for(server, **overrides))


class FakeClock:
    """Time that moves only when told, or when someone sleeps."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def advance_to(self, when: float) -> None:
        self.now = max(self.now, when)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Wait for a state (of the server, of a child), not for a moment: fails only if it never comes (a minute)."""
    for _ in range(6000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"never: {what}")
