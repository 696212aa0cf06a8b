"""Downloading form updates: The Update Framework's client (`tuf.ngclient.Updater`) over the receiver's HTTPS.

The trusted root (`app.updates.trust`) is the anchor. `Updater.refresh()` walks root -> timestamp -> snapshot ->
targets, refusing anything not signed by the keys the root names, any version older than one already seen here
(rollback), anything expired (freeze); `download_target` refuses a file whose length or hash is not the signed one.
The receiver's index says which agreements it publishes in which editions; only an agreement with a form newer than
the one in use here is downloaded (so an older edition is never installed), each bundle is checked against the
signed manifest, and all of them are installed at once or none.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from app.errors import UserError
from app.fileio import private_dir
from app.forms import Catalog
from app.forms.editions import is_newer, is_older
from app.transmit.client import USER_AGENT, BearerAuth
from app.transmit.settings import TransmitSettings
from app.transmit.transport import AnswerTooLarge, DeadlinePassed, MalformedAnswer, Transport
from app.updates.bundle import MAX_BUNDLE_BYTES, Bundle, BundleError, parse, target_name
from app.updates.installed import Editions, Installed

METADATA_PATH = "/v1/updates/metadata/"
TARGETS_PATH = "/v1/updates/targets/"
INDEX = "index.json"
MAX_INDEX_BYTES = 256 * 1024
MAX_DOWNLOAD = 5_000_000  # the largest file TUF itself accepts (targets metadata); a bundle is at most 4 MiB
UNCHANGED = "The editions in use are unchanged."
_AGREEMENT = re.compile(r"[a-z]{2}")


class UpdateError(UserError):
    """The update could not be done; nothing was installed."""

    exit_code = 5


class UpdateRefused(UpdateError):
    """What the receiver offered failed TUF's verification (or ours): it was not installed."""


class UpdateUnavailable(UpdateError):
    """The receiver could not be reached, or a download did not complete."""

    hint = "Try again when the receiver can be reached."


# --- HTTP ---------------------------------------------------------------------------------------------------------


class Fetcher(FetcherInterface):
    """TUF's downloads through the transmission's own HTTPS transport (`app.transmit.transport`): trust only in the
    configured certificate authorities or the system's store, one deadline per download, answers read up to a size
    cap, the access token, no redirects. A connection cut in the middle of a body is a `DownloadError`, so TUF never
    takes a partial file for a whole one."""

    def __init__(self, settings: TransmitSettings) -> None:
        self.transport = Transport(
            ca_bundle=settings.ca_bundle,
            timeout=settings.timeout,
            deadline=settings.deadline,
            max_answer=MAX_DOWNLOAD,
            headers={"User-Agent": f"{USER_AGENT} (forms update)", "Accept": "application/json"},
            auth=BearerAuth(settings.token),
        )

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            reply = self.transport.exchange("GET", url)
        except AnswerTooLarge:
            raise tuf_errors.DownloadLengthMismatchError(f"{url} is larger than {MAX_DOWNLOAD} bytes")
        except (DeadlinePassed, MalformedAnswer, requests.RequestException) as exc:
            raise tuf_errors.DownloadError(f"{url}: {type(exc).__name__}") from exc
        if reply.status != 200:
            raise tuf_errors.DownloadHTTPError(f"HTTP {reply.status} for {url}", reply.status)
        return iter((reply.body,))

    def close(self) -> None:
        self.transport.close()


# --- what the receiver offers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offered:
    agreement: str
    target: str
    forms: Mapping[str, str]  # form id -> edition at the receiver


@dataclass
class Download:
    """What one update run found and installed."""

    offered: list[Offered] = field(default_factory=list)
    installed: list[Installed] = field(default_factory=list)  # the bundles installed by this run
    older_at_receiver: dict[str, str] = field(
        default_factory=dict
    )  # form -> receiver's edition, older than ours

    @property
    def newer(self) -> dict[str, str]:
        return {f: e for i in self.installed for f, e in i.forms.items()}


def parse_index(data: bytes) -> list[Offered]:
    try:
        raw = json.loads(data.decode("utf-8"))
        agreements = raw["agreements"]
        if raw.get("format") != 1 or not isinstance(agreements, dict):
            raise ValueError
        out = []
        for agreement, entry in sorted(agreements.items()):
            forms = entry["forms"]
            if not _AGREEMENT.fullmatch(agreement) or entry["target"] != target_name(agreement):
                raise ValueError
            if not isinstance(forms, dict) or not all(isinstance(v, str) for v in forms.values()):
                raise ValueError
            out.append(Offered(agreement, entry["target"], dict(forms)))
        return out
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise UpdateRefused(f"The receiver's list of form updates cannot be read. {UNCHANGED}")


def _newer_than_here(offered: Offered, catalog: Catalog) -> dict[str, str]:
    return {
        form: edition
        for form, edition in offered.forms.items()
        if form not in catalog.forms or is_newer(edition, catalog.forms[form].edition)
    }


# --- the run ------------------------------------------------------------------------------------------------------


def cache_dir(base: Path, root: bytes) -> Path:
    """TUF's trusted metadata for one trusted root (so trusting another receiver starts afresh)."""
    return base / "trust" / hashlib.sha256(root).hexdigest()[:16]


def download(
    settings: TransmitSettings,
    root: bytes,
    catalog: Catalog,
    editions: Editions,
    metadata_dir: Path,
    *,
    fetcher: FetcherInterface | None = None,
) -> Download:
    """Verify what the receiver offers and install what is newer than `catalog`'s editions, all or none.

    `UpdateRefused` (verification failed), `UpdateUnavailable` (network) or `InstallFailed` (local disk); in
    every case the editions in use are unchanged."""
    private_dir(metadata_dir)
    own = fetcher is None
    fetch = fetcher or Fetcher(settings)
    result = Download()
    try:
        updater = Updater(
            metadata_dir=str(metadata_dir),
            metadata_base_url=settings.endpoint + METADATA_PATH,
            target_dir=str(metadata_dir / "downloads"),
            target_base_url=settings.endpoint + TARGETS_PATH,
            fetcher=fetch,
            config=UpdaterConfig(),
            bootstrap=root,
        )
        updater.refresh()
        result.offered = parse_index(_target(updater, INDEX, MAX_INDEX_BYTES))
        bundles: list[tuple[Bundle, str]] = []
        for offered in result.offered:
            for form, edition in offered.forms.items():
                if form in catalog.forms and is_older(edition, catalog.forms[form].edition):
                    result.older_at_receiver[form] = edition
            if not _newer_than_here(offered, catalog):
                continue  # nothing newer: never install an edition older than (or as old as) the one in use
            bundles.append(_bundle(updater, offered))
        if bundles:
            installed = editions.install(bundles)
            shas = {sha for _, sha in bundles}
            result.installed = [e for e in installed if e.sha256 in shas]
    except tuf_errors.RepositoryError as exc:
        raise UpdateRefused(f"{refusal(exc)} {UNCHANGED}")
    except tuf_errors.DownloadLengthMismatchError:  # longer than signed: changed after signing
        raise UpdateRefused(f"{refusal(tuf_errors.LengthOrHashMismatchError())} {UNCHANGED}")
    except tuf_errors.DownloadError as exc:
        raise UpdateUnavailable(f"{unavailable(exc)} {UNCHANGED}")
    except BundleError as exc:
        raise UpdateRefused(f"{exc.message} {UNCHANGED}")
    finally:
        if own and isinstance(fetch, Fetcher):
            fetch.close()
    return result


def _target(updater: Updater, path: str, max_bytes: int) -> bytes:
    info = updater.get_targetinfo(path)
    if info is None:
        raise UpdateRefused(f"The receiver publishes no {path!r}; it offers no form updates. {UNCHANGED}")
    if info.length > max_bytes:
        raise UpdateRefused(f"The receiver's {path!r} is larger than {max_bytes} bytes. {UNCHANGED}")
    assert updater.target_dir is not None
    private_dir(Path(updater.target_dir))
    folder = Path(tempfile.mkdtemp(prefix=".download-", dir=updater.target_dir))
    try:
        file = updater.download_target(info, filepath=str(folder / "target"))
        return Path(file).read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _bundle(updater: Updater, offered: Offered) -> tuple[Bundle, str]:
    info = updater.get_targetinfo(offered.target)
    custom: Any = info.custom if info is not None else None
    if info is None or not isinstance(custom, dict) or custom.get("forms") != dict(offered.forms):
        raise UpdateRefused(
            f"The receiver's signed list of forms of {offered.agreement!r} does not match its index. {UNCHANGED}"
        )
    data = _target(updater, offered.target, MAX_BUNDLE_BYTES)
    bundle = parse(data)
    if bundle.agreement != offered.agreement or dict(bundle.forms) != dict(offered.forms):
        raise UpdateRefused(
            f"The forms update of {offered.agreement!r} does not bring what the receiver signed. {UNCHANGED}"
        )
    return bundle, hashlib.sha256(data).hexdigest()


# --- messages -------------------------------------------------------------------------------------------------------


def refusal(exc: tuf_errors.RepositoryError) -> str:
    if isinstance(exc, tuf_errors.ExpiredMetadataError):
        return (
            "The receiver's signed list of forms has expired: someone between you and the receiver may be holding "
            "back newer forms (a freeze attack), or the receiver has stopped signing. Nothing was installed."
        )
    if isinstance(exc, tuf_errors.BadVersionNumberError):
        return (
            "The receiver offered an older signed list of forms than one already seen here (a rollback); "
            "nothing was installed."
        )
    if isinstance(exc, tuf_errors.UnsignedMetadataError):
        return (
            "The forms update is not signed by the keys this application trusts for its receiver; nothing was "
            "installed. If the receiver changed, trust its root: coc settings set forms-root FILE."
        )
    if isinstance(exc, tuf_errors.LengthOrHashMismatchError):
        return (
            "A forms update does not match what the receiver signed (changed after signing, or damaged on the "
            "way); nothing was installed."
        )
    return f"The forms update could not be verified ({type(exc).__name__}); nothing was installed."


def unavailable(exc: tuf_errors.DownloadError) -> str:
    if isinstance(exc, tuf_errors.DownloadHTTPError):
        if exc.status_code in (401, 403):
            return "The receiver refused the access token (check it with: coc settings set token); nothing was installed."
        if exc.status_code == 404:
            return "The receiver publishes no form updates at this address; nothing was installed."
        return f"The receiver answered HTTP {exc.status_code}; nothing was installed."
    return "The forms update could not be downloaded completely (the connection failed or was cut); nothing was installed."
