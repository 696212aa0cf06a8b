"""`python -m intake publish --data DIR [--forms FORMS_DIR]`: sign and publish form definitions as updates.

Every agreement in force in FORMS_DIR (default: the shipped `forms/`) becomes one bundle. A bundle whose bytes
are what is published already is left alone; a changed one is published when every form it brings is in the same
or a newer edition than the published one and at least one is newer. Anything else refuses the whole publication,
naming each problem, and nothing is signed: an edition older than the published one (clients would never install
it), or changed definitions under an edition already published (clients that have it would never see the change).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.forms import DefinitionsInvalid, load
from app.forms.editions import is_newer, is_older
from app.updates.bundle import Bundle, BundleError, build_bundles, parse
from intake.tuf_repo import ReceiverRepository, RepositoryError, utc_now


class PublishRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Published:
    new: list[Bundle] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    root_file: Path | None = None


def _problems(bundle: Bundle, published: dict[str, str], same_bytes: bool) -> tuple[list[str], bool]:
    """What is wrong with publishing `bundle` over the published forms, and whether it brings anything newer."""
    problems = []
    newer = False
    for form, edition in sorted(bundle.forms.items()):
        before = published.get(form)
        if before is None or is_newer(edition, before):
            newer = True
        elif is_older(edition, before):
            problems.append(f"{form}: edition {edition} is older than the published edition {before}")
    if not newer and not same_bytes and not problems:
        editions = ", ".join(f"{f} {e}" for f, e in sorted(bundle.forms.items()))
        problems.append(
            f"{bundle.agreement}: the definitions changed but not their edition ({editions} is published already); "
            "raise the edition of the files you changed"
        )
    return problems, newer


def publish(data_dir: Path, forms_dir: Path | None = None, *, now: Callable[[], Any] = utc_now) -> Published:
    """Publish the definitions of `forms_dir`; `PublishRefused` (nothing signed) or `DefinitionsInvalid`."""
    catalog = load(forms_dir)
    bundles = []
    for built in build_bundles(catalog):
        try:
            bundles.append(parse(built.to_bytes()))  # exactly what every client will check
        except BundleError as exc:
            raise PublishRefused([f"{built.agreement}: {exc.message}"])
    repo = ReceiverRepository(data_dir, now=now)
    result = Published()
    with repo.locked():
        repo.create()
        published = repo.bundles()
        problems: list[str] = []
        for bundle in bundles:
            before = published.get(bundle.agreement)
            same = before is not None and before.sha256 == hashlib.sha256(bundle.to_bytes()).hexdigest()
            found, newer = _problems(bundle, before.forms if before else {}, same)
            problems += found
            if newer and not found:
                result.new.append(bundle)
            elif same:
                result.unchanged.append(bundle.agreement)
        if problems:
            raise PublishRefused(problems)
        if result.new:
            repo.publish(result.new)
        else:
            repo.renew()
            repo.sync_published()
        result.root_file = repo.write_root_file()
    return result


def register(sub: Any) -> None:
    p = sub.add_parser(
        "publish", help="sign the form definitions and publish them as updates for the application (TUF)"
    )
    p.add_argument("--data", required=True, type=Path, help="the service's data folder (keys, repository)")
    p.add_argument(
        "--forms", type=Path, help="folder of definitions to publish (default: the shipped forms/)"
    )
    p.set_defaults(handler=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        result = publish(args.data, args.forms)
    except DefinitionsInvalid as exc:
        for error in exc.errors[:20]:
            print(f"intake: {error}", file=sys.stderr)
        print(
            f"intake: nothing published: the definitions have {len(exc.errors)} problem(s)", file=sys.stderr
        )
        return 2
    except PublishRefused as exc:
        for problem in exc.problems:
            print(f"intake: {problem}", file=sys.stderr)
        print("intake: nothing published", file=sys.stderr)
        return 1
    except (RepositoryError, OSError) as exc:
        print(f"intake: nothing published: {exc}", file=sys.stderr)
        return 1
    for bundle in result.new:
        editions = ", ".join(f"{f} {e}" for f, e in sorted(bundle.forms.items()))
        print(f"published {bundle.agreement}: {editions}")
    print(f"{len(result.new)} agreement(s) published, {len(result.unchanged)} unchanged")
    print(f"root for applications to trust: {result.root_file} (coc settings set forms-root FILE)")
    return 0
