"""Schemathesis, the standard API fuzzer (version pinned), against the real intake service over HTTPS: every
check, every phase (examples, coverage, fuzzing, stateful with the POST -> GET links), 300 examples per operation.
Configuration: tests/transmit/schemathesis.toml; hooks: tests/transmit/schemathesis_hooks.py (why they exist is
said there)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake import RunningIntake
from tests.conftest import REPO
from tests.transmit.helpers import TOKEN, start

HERE = Path(__file__).parent
EXAMPLES = int(os.environ.get("COC_SCHEMATHESIS_EXAMPLES", "300"))
SEED = os.environ.get("COC_SCHEMATHESIS_SEED", "20261201")


def schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis")
    assert found, "schemathesis is not installed (pip install -e '.[test]')"
    return [found]


@pytest.fixture
def published_server(intake_dir: Path) -> Iterator[RunningIntake]:
    """The intake service with the shipped forms published as signed updates (as `make run` has it)."""
    from intake.publish import publish

    publish(intake_dir)
    with start(intake_dir) as running:
        yield running


def config_file(intake_dir: Path, folder: Path) -> Path:
    """The checked-in configuration, plus the names of files that exist in this run's update repository (a
    fuzzer cannot guess a SHA-256; without them every update route would only ever answer 404)."""
    (target,) = (intake_dir / "tuf" / "targets").glob("*.index.json")
    config = folder / "schemathesis.toml"
    config.write_text(
        (HERE / "schemathesis.toml").read_text()
        + f"""
[[operations]]
include-operation-id = "getUpdateMetadata"
parameters = {{ file = "timestamp.json" }}

[[operations]]
include-operation-id = "getUpdateTarget"
parameters = {{ file = "{target.name}" }}
"""
    )
    return config


@pytest.mark.slow
def test_schemathesis_finds_nothing(
    published_server: RunningIntake, intake_dir: Path, tmp_path: Path
) -> None:
    server = published_server
    assert server.ca_path is not None
    argv = [
        *schemathesis(),
        "--config-file",
        str(config_file(intake_dir, tmp_path)),
        "run",
        str(REPO / "docs" / "protocol.yaml"),
        "--url",
        server.url,
        "--tls-verify",
        str(server.ca_path),
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.transmit.schemathesis_hooks", "NO_COLOR": "1"}
    run = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=3000)
    output = run.stdout + run.stderr
    tail = "\n".join(output.splitlines()[-80:])
    assert run.returncode == 0, tail
    assert "API Links:" in output and " 0 covered" not in output, tail  # the stateful links were walked
    assert server.stats.created > 0, server.stats  # valid requests were stored, and their status read back
    print(f"\nschemathesis: {server.stats.bodies} bodies, {server.stats.created} created\n{tail}")
