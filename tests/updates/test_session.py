"""`make run` (`python -m intake app`) hands the local service's root for form updates to the application, as it
does its CA: a newcomer's `coc forms update` trusts the local receiver, and gets what it publishes next."""

from __future__ import annotations

from pathlib import Path

from intake.publish import publish
from tests.transmit.test_launcher import _run
from tests.updates.editions import ONE, edition_one


def test_the_local_service_publishes_the_shipped_forms_and_the_application_trusts_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _run(data, "store", "init").returncode == 0
    first = _run(data, "forms", "update")
    assert first.returncode == 0, first.stderr
    assert "every form is already in the receiver's newest edition" in first.stdout
    assert (data / "local-intake" / "forms-root.json").is_file()
    publish(data / "local-intake", edition_one(tmp_path / "one"))
    second = _run(data, "forms", "update")
    assert second.returncode == 0, second.stderr
    assert f"installed Germany: de-employee {ONE}" in second.stdout
    listed = _run(data, "forms", "list")
    assert f"{ONE} (updated)" in listed.stdout
