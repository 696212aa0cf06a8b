"""The audit log accepts no personal data; settings keep secrets out of listings; the employer profile."""

from __future__ import annotations

import pytest

from app.store import AuditEvent, InvalidValue, RequestNotFound, Store
from app.store.audit import format_detail
from tests.store.helpers import make_doc


def test_known_events_with_allowed_details(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    store.log_event(doc.id, AuditEvent.PRINTED, "masked=yes pages=3")
    store.log_event(doc.id, "exported", {"format": "json", "to": "file"})
    store.log_event(doc.id, "printed", {"masked": False})
    entries = store.audit(doc.id)
    assert [(e.event, e.detail) for e in entries] == [
        ("created", "revision=1"),
        ("printed", "masked=yes pages=3"),
        ("exported", "format=json to=file"),
        ("printed", "masked=no"),
    ]
    assert all(e.at.endswith("Z") for e in entries)


@pytest.mark.parametrize(
    "detail",
    [
        "ssn=123-45-6789",  # unknown key
        "masked=123-45-6789",  # a value of the wrong kind
        "pages=123456789",  # too long for a number
        "from=Jane",
        "mode=Example",
        "reason=Jane Example",
        "note",  # not key=value
        {"state": "1985-06-15"},
        {"source": "jane@example.com"},
        {"revision": "12-34"},
    ],
)
def test_details_that_could_hold_personal_data_are_refused(store: Store, detail: object) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    with pytest.raises(InvalidValue) as info:
        store.log_event(doc.id, AuditEvent.PRINTED, detail)  # type: ignore[arg-type]
    for secret in ("123-45-6789", "Jane", "Example", "1985", "jane@"):
        assert secret not in info.value.user_text
    assert [e.event for e in store.audit(doc.id)] == ["created"]


def test_unknown_events_and_requests_are_refused(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    with pytest.raises(InvalidValue):
        store.log_event(doc.id, "viewed by Jane")
    with pytest.raises(RequestNotFound):
        store.log_event("0d1c7c0e-0000-4000-8000-000000000000", AuditEvent.PRINTED)


def test_store_level_entries(store: Store) -> None:
    assert [(e.event, e.request_id) for e in store.audit()] == [("store_created", None)]


def test_format_detail_rejects_every_non_whitelisted_shape() -> None:
    assert format_detail("") == ""
    assert format_detail({"attempt": 3, "masked": True}) == "attempt=3 masked=yes"
    with pytest.raises(InvalidValue):
        format_detail({"from": "0D1C7C0E-0000-4000-8000-000000000000"})  # not the canonical form


def test_settings_secret_values_are_never_listed(store: Store) -> None:
    store.set_setting("endpoint", "https://intake.example/v1")
    store.set_setting("token", "s3cr3t-token-value", secret=True)
    assert store.get_setting("token") == "s3cr3t-token-value"
    assert store.settings() == {"endpoint": "https://intake.example/v1", "token": None}
    assert store.get_setting("missing", "default") == "default"
    assert store.delete_setting("endpoint") is True
    assert store.delete_setting("endpoint") is False
    for bad in ("", "Token", "a b", "x" * 65, "1abc", "a;drop"):
        with pytest.raises(InvalidValue):
            store.set_setting(bad, "v")
    with pytest.raises(InvalidValue):
        store.set_setting("big", "x" * 70000)


def test_idle_lock_minutes_setting(store: Store) -> None:
    assert store.idle_lock_seconds() == 15 * 60
    store.set_setting("idle_lock_minutes", "5")
    assert store.idle_lock_seconds() == 300
    store.set_setting("idle_lock_minutes", "not a number")
    assert store.idle_lock_seconds() == 15 * 60
    store.set_setting("idle_lock_minutes", "0")
    assert store.idle_lock_seconds() == 60  # at least a minute


def test_employer_profile_round_trip(store: Store) -> None:
    assert store.employer_profile() == {}
    profile = {"employer.name": "Acme", "employer.email": "hr@acme.example"}
    store.set_employer_profile(profile)
    assert store.employer_profile() == profile
    store.set_employer_profile({"employer.name": "Acme 2"})
    assert store.employer_profile() == {"employer.name": "Acme 2"}
