"""Loading `forms/`: shared sections, request kinds and agreements, combined into one FormSpec per form.

Reading is apart from checking: every file is read, every problem is collected, and only a clean set of
definitions becomes a `Catalog`. Layout of the folder (see docs/definitions.md):

    forms/sections/<section>.toml     one page of fields, shared by every agreement
    forms/kinds/<kind>.toml           a request kind: its pages and the rules common to every agreement
    forms/agreements/<id>.toml        an agreement: facts, sources, paper channel, and per-kind additions
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.forms.errors import DefCode, DefinitionError, DefinitionsInvalid, did_you_mean
from app.forms.expr import Expr
from app.forms.limits import MAX_KEY_LENGTH
from app.forms.migration import ordered, read_steps
from app.forms.model import (
    Agreement,
    Fact,
    FactStatus,
    FieldSpec,
    FormSpec,
    Kind,
    PaperChannel,
    Rule,
    Section,
    Sender,
)
from app.forms.parts import constant_text, expression, fill, localize, override, read_field, read_rule
from app.forms.reader import FileReader, Table, join
from app.forms.references import check_references

AGREEMENT_KEYS = (
    "id",
    "name",
    "country",
    "region",
    "status",
    "in_force",
    "edition",
    "detachment_limit_months",
    "note",
    "name_in_text",
    "instrument",
    "kinds",
    "values",
    "facts",
    "paper",
    "forms",
)
FORM_KEYS = (
    "sections_add",
    "sections_remove",
    "fields",
    "rules",
    "drop_rules",
    "migrations",
    "title",
    "basis",
)
BASIS_KEYS = ("when", "text")
SECTION_KEYS = ("id", "title", "help", "edition", "fields", "migrations", "personal")
FACT_KEYS = ("title", "text", "status", "sources")
PAPER_KEYS = ("office", "address", "fax", "phone", "sources", "note", "fax_purpose", "phone_purpose")
KIND_KEYS = (
    "id",
    "title",
    "edition",
    "sections",
    "rules",
    "short",
    "product",
    "summary",
    "for_whom",
    "signer",
    "certification",
    "special",
    "sender",
    "basis",
    "facts",
    "period",
)
PERIOD_KEYS = ("start", "end")
SENDER_KEYS = ("role", "name", "organisation", "phone", "email", "address")
INSTRUMENTS = ("agreement", "understanding")
# What `agreement.X` means in every form; an agreement's `[values]` may add more.
BASE_VALUES = (
    "id",
    "name",
    "country",
    "in_force",
    "detachment_limit_months",
    "detachment_limit_since",
    "extension_limit_months",
    "se_transfer_limit_months",
    "successive_postings_since",
    "se_rule",
    "instrument",
)
_FACT_ID = re.compile(r"[a-z][a-z0-9_]*")


class UnknownForm(LookupError):
    """A form id that is not offered; the message says why in a coordinator's words.

    `code` is the verdict's issue code: `unknown_form`, or `form_not_offered` for an agreement signed but not in
    force.
    """

    def __init__(self, message: str, code: str = "unknown_form") -> None:
        super().__init__(message)
        self.code = code


ORIGIN_BUNDLED = "bundled"  # shipped with the application
ORIGIN_UPDATED = "updated"  # installed later from the receiver (see app.updates)


@dataclass(frozen=True)
class Catalog:
    agreements: Mapping[str, Agreement]  # every agreement file, in force or not
    forms: Mapping[str, FormSpec]  # only the forms of agreements in force
    root: Path
    origins: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )  # form id -> ORIGIN_UPDATED where not bundled
    previous: Callable[[str, str], FormSpec | None] | None = None  # earlier editions still known here
    kinds: Mapping[str, Kind] = field(
        default_factory=lambda: MappingProxyType({})
    )  # forms/kinds/, file order

    def origin(self, form_id: str) -> str:
        return self.origins.get(form_id, ORIGIN_BUNDLED)

    def edition(self, form_id: str, edition: str) -> FormSpec | None:
        """The form as it was in `edition`, when that edition is known here (the current one, or an earlier one
        still installed); None otherwise."""
        spec = self.forms.get(form_id)
        if spec is not None and spec.edition == edition:
            return spec
        return self.previous(form_id, edition) if self.previous is not None else None

    def form(self, form_id: str) -> FormSpec:
        spec = self.forms.get(form_id)
        if spec is not None:
            return spec
        agreement = self.agreements.get(form_id.split("-", 1)[0])
        if agreement is not None and not agreement.in_force_now:
            raise UnknownForm(
                f"the agreement with {agreement.name} is signed but not in force, so SSA issues no "
                f"certificate under it ({form_id!r} is not offered)",
                "form_not_offered",
            )
        if len(form_id) > MAX_KEY_LENGTH:
            raise UnknownForm(
                f"unknown form {form_id[:MAX_KEY_LENGTH]!r}… (a form id is short, like 'de-employee')"
            )
        hint = did_you_mean(form_id, self.forms)
        raise UnknownForm(f"unknown form {form_id!r}" + (f"; {hint}" if hint else ""))

    def in_force(self) -> list[Agreement]:
        return sorted((a for a in self.agreements.values() if a.in_force_now), key=lambda a: a.name)

    def in_force_text(self) -> str:
        """How SSA counts what is in force: "30 agreements plus the Quebec understanding"."""
        agreements = [a for a in self.in_force() if a.instrument == "agreement"]
        others = [a for a in self.in_force() if a.instrument != "agreement"]
        text = f"{len(agreements)} agreement{'s' if len(agreements) != 1 else ''}"
        if others:
            text += " plus " + " and ".join(f"the {a.name} {a.instrument}" for a in others)
        return text


Maker = Callable[[], FormSpec | None]


class LazyAgreements(Mapping[str, Agreement]):
    """The shipped agreements, each file read the first time it is asked for, once (thread-safe: the GUI loads the
    catalog on one thread and opens forms on another): `coc validate` reads the one agreement its request names.
    An agreement's id is its file's name (the loader holds them equal), so the files name the keys; a file that
    turns out to be broken raises `DefinitionsInvalid` when asked for (the shipped definitions are checked whole in
    CI and by `coc forms check`, which reads every file at once)."""

    def __init__(
        self,
        root: Path,
        read: Callable[[FileReader], tuple[Agreement, dict[str, Maker]] | None],
        errors: list[DefinitionError],
        lock: threading.RLock,
    ) -> None:
        self._root = root
        self._paths = {p.stem: p for p in sorted((root / "agreements").glob("*.toml"))}
        self._readers = read
        self._read: dict[str, tuple[Agreement, dict[str, Maker]]] = {}
        self._errors = errors
        self._lock = lock

    def entry(self, agreement_id: str) -> tuple[Agreement, dict[str, Maker]]:
        """The agreement and the makers of its forms; KeyError when no file defines it."""
        got = self._read.get(agreement_id)
        if got is not None:
            return got
        path = self._paths[agreement_id]
        with self._lock:
            got = self._read.get(agreement_id)
            if got is None:
                before = len(self._errors)
                r = FileReader(path, self._root, self._errors)
                result = self._readers(r) if r.data is not None else None
                found = list(dict.fromkeys(self._errors[before:]))
                if result is None or found:
                    raise DefinitionsInvalid(found)
                got = self._read[agreement_id] = result
        return got

    def __getitem__(self, agreement_id: str) -> Agreement:
        return self.entry(agreement_id)[0]

    def __contains__(self, agreement_id: object) -> bool:
        return agreement_id in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


class LazyForms(Mapping[str, FormSpec]):
    """A catalog's forms, each built the first time it is asked for, once, from its agreement's file read then
    (`LazyAgreements`: a form's id starts with its agreement's). Listing the forms reads every agreement; a form
    whose definition turns out to be broken raises `DefinitionsInvalid` when asked for."""

    def __init__(
        self, agreements: LazyAgreements, errors: list[DefinitionError], lock: threading.RLock
    ) -> None:
        self._agreements = agreements
        self._built: dict[str, FormSpec] = {}
        self._errors = errors
        self._lock = lock

    def _maker(self, form_id: object) -> Maker:
        """KeyError for a form that is not offered, as for a dict."""
        if not isinstance(form_id, str) or "-" not in form_id:
            raise KeyError(form_id)
        agreement_id = form_id.split("-", 1)[0]
        if agreement_id not in self._agreements:
            raise KeyError(form_id)
        return self._agreements.entry(agreement_id)[1][form_id]

    def __getitem__(self, form_id: str) -> FormSpec:
        spec = self._built.get(form_id)
        if spec is not None:
            return spec
        make = self._maker(form_id)
        with self._lock:
            spec = self._built.get(form_id)
            if spec is None:
                before = len(self._errors)
                spec = make()
                found = list(dict.fromkeys(self._errors[before:]))
                if spec is None or found:
                    raise DefinitionsInvalid(found)
                self._built[form_id] = spec
        return spec

    def __contains__(self, form_id: object) -> bool:
        try:
            self._maker(form_id)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        for agreement_id in self._agreements:
            yield from self._agreements.entry(agreement_id)[1]

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class _KindDef:
    id: str
    title: str
    edition: str
    sections: tuple[str, ...]
    rules: list[tuple[Table, str]]  # raw rule tables with their key path
    reader: FileReader
    info: Kind
    basis: list[tuple[Table, str]]  # raw [[basis]] tables with their key path


def load(root: Path | None = None) -> Catalog:
    """Every definition under `root`, or DefinitionsInvalid with every problem found."""
    catalog, errors = _load(root)
    if errors or catalog is None:
        raise DefinitionsInvalid(errors)
    return catalog


def check(root: Path | None = None) -> list[DefinitionError]:
    return _load(root)[1]


@cache
def _shipped() -> Catalog:
    """The shipped definitions (checked whole by `coc forms check` in CI), with each agreement read and each form
    built on first use: `coc validate` reads the shared files and the one agreement its request needs."""
    catalog, errors = _load(None, lazy=True)
    if errors or catalog is None:
        raise DefinitionsInvalid(errors)
    return catalog


_SHIPPED_LOCK = threading.Lock()


def default_catalog() -> Catalog:
    """The definitions in use: the shipped ones, loaded once per process, with the newer editions installed in
    the data folder (`app.updates`). A second thread asking while the first is loading waits for that load
    instead of doing it again (the GUI loads it in the background at start)."""
    from app.updates.catalog import installed_catalog  # the layer above, asked lazily: one stat when none

    return installed_catalog(shipped_catalog())


def shipped_catalog() -> Catalog:
    """Only the definitions shipped with the program, loaded once per process."""
    with _SHIPPED_LOCK:
        return _shipped()


def _load(root: Path | None, *, lazy: bool = False) -> tuple[Catalog | None, list[DefinitionError]]:
    from app.paths import forms_dir

    root = Path(root) if root is not None else forms_dir()
    errors: list[DefinitionError] = []
    if not root.is_dir():
        errors.append(DefinitionError(DefCode.UNREADABLE, str(root), "", "no such folder of definitions"))
        return None, errors
    sections = _read_sections(root, errors)
    kinds = _read_kinds(root, sections, errors)
    default_paper = _read_default_paper(root, errors)
    # Forms are built only from sound shared files: otherwise every form would repeat their problems.
    shared_ok = not errors
    kind_infos = MappingProxyType({k: d.info for k, d in kinds.items()})
    if lazy and shared_ok:
        lock = threading.RLock()
        lazy_agreements = LazyAgreements(
            root,
            functools.partial(_read_agreement, sections=sections, kinds=kinds, default_paper=default_paper),
            errors,
            lock,
        )
        if not len(lazy_agreements):
            errors.append(
                DefinitionError(DefCode.MISSING_KEY, "agreements/", "", "no agreement definitions found")
            )
            return None, errors
        return Catalog(
            lazy_agreements, LazyForms(lazy_agreements, errors, lock), root, kinds=kind_infos
        ), errors
    agreements: dict[str, Agreement] = {}
    makers: dict[str, Callable[[], FormSpec | None]] = {}
    for path in sorted((root / "agreements").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            continue
        result = _read_agreement(r, sections if shared_ok else {}, kinds if shared_ok else {}, default_paper)
        if result is None:
            continue
        agreement, agreement_forms = result
        if agreement.id in agreements:
            r.error(DefCode.DUPLICATE_ID, "id", f"agreement {agreement.id!r} is defined twice")
            continue
        agreements[agreement.id] = agreement
        makers.update(agreement_forms)
    if not agreements and not errors:
        errors.append(
            DefinitionError(DefCode.MISSING_KEY, "agreements/", "", "no agreement definitions found")
        )
    built = {form_id: make() for form_id, make in makers.items()}
    forms = MappingProxyType({k: v for k, v in built.items() if v is not None})
    catalog = Catalog(MappingProxyType(agreements), forms, root, kinds=kind_infos)
    # A shared file's problem is found once per form built from it: report it once.
    return catalog, list(dict.fromkeys(errors))


# ------------------------------------------------------------------------------------------------ sections


def _read_sections(root: Path, errors: list[DefinitionError]) -> dict[str, tuple[Table, FileReader]]:
    out: dict[str, tuple[Table, FileReader]] = {}
    for path in sorted((root / "sections").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            out[path.stem] = ({}, r)  # unreadable: known by its file name, so nothing else reports it missing
            continue
        data = r.data
        if not r.keys(data, "", SECTION_KEYS, ("id", "title", "help", "fields")):
            continue
        r.get_bool(data, "personal", "")
        sid = r.get_str(data, "id", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", sid):
            r.error(DefCode.BAD_ID, "id", f"section id {sid!r} must be lower-case letters, digits and _")
            continue
        if sid in out:
            r.error(DefCode.DUPLICATE_ID, "id", f"section {sid!r} is defined twice")
            continue
        out[sid] = (data, r)
    return out


def _read_kinds(
    root: Path, sections: Mapping[str, tuple[Table, FileReader]], errors: list[DefinitionError]
) -> dict[str, _KindDef]:
    out: dict[str, _KindDef] = {}
    for path in sorted((root / "kinds").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            continue
        data = r.data
        if not r.keys(data, "", KIND_KEYS, ("id", "title", "sections")):
            continue
        kid = r.get_str(data, "id", "")
        names = r.get_str_list(data, "sections", "")
        for i, name in enumerate(names):
            if name not in sections:
                r.error(
                    DefCode.UNKNOWN_SECTION,
                    join("sections", i),
                    f"no section {name!r}",
                    did_you_mean(name, sections),
                    near=(f'"{name}"',),
                )
        rules = [(t, join("rules", i)) for i, t in enumerate(r.get_tables(data, "rules", ""))]
        title = r.get_str(data, "title", "")
        basis = [(t, join("basis", i)) for i, t in enumerate(r.get_tables(data, "basis", ""))]
        out[kid] = _KindDef(
            kid, title, _edition(data), names, rules, r, _kind_info(r, data, kid, title), basis
        )
    return out


def _kind_info(r: FileReader, data: Table, kid: str, title: str) -> Kind:
    sender = r.get_table(data, "sender", "")
    r.keys(sender, "sender", SENDER_KEYS, ("role",) if sender else ())
    lines: list[tuple[str, ...]] = []
    raw_lines = sender.get("address", [])
    if not isinstance(raw_lines, list) or not all(
        isinstance(line, list) and all(isinstance(x, str) for x in line) for line in raw_lines
    ):
        r.error(
            DefCode.BAD_VALUE,
            "sender.address",
            'must be a list of lines, each a list of field ids: [["a.b"]]',
        )
    else:
        lines = [tuple(line) for line in raw_lines]
    return Kind(
        id=kid,
        title=title,
        short=r.get_str(data, "short", "", title),
        product=r.get_str(data, "product", "", "U.S. Certificate of Coverage"),
        summary=r.get_str(data, "summary", ""),
        for_whom=r.get_str(data, "for_whom", "", "one worker"),
        signer=r.get_str(data, "signer", "", "the requester"),
        certification=r.get_str(
            data,
            "certification",
            "",
            "I certify that the information in this request is true and correct to the best of my knowledge.",
        ),
        sender=Sender(
            role=r.get_str(sender, "role", "sender", "Sender"),
            name=r.get_str_list(sender, "name", "sender"),
            organisation=r.get_str_list(sender, "organisation", "sender"),
            phone=r.get_str_list(sender, "phone", "sender"),
            email=r.get_str_list(sender, "email", "sender"),
            address=tuple(lines),
        ),
        special=r.get_bool(data, "special", ""),
        period=_period(r, r.get_table(data, "period", "")),
        facts=r.get_str_list(data, "facts", "")
        if "facts" in data
        else ("in_force", "detachment", "extension"),
    )


def _basis(r: FileReader, table: Table, path: str, kind: _KindDef, agreement: Agreement) -> str:
    """The rule a request of this form relies on, in plain words for SSA's page: the agreement's own `basis`, or
    the text of the kind's first `[[basis]]` whose `when` (over agreement values only) holds; "" for none."""
    if "basis" in table:
        return constant_text(r, r.get_str(table, "basis", path), join(path, "basis"), agreement)
    for t, bpath in kind.basis:
        kind.reader.keys(t, bpath, BASIS_KEYS, ("text",))
        when = expression(kind.reader, t.get("when", "true"), join(bpath, "when"), ())
        if when is None:
            continue
        stray = [n for n in when.refs if not n.startswith("agreement.")]
        if stray:
            kind.reader.error(
                DefCode.BAD_VALUE,
                join(bpath, "when"),
                f"a basis is chosen by agreement values only, not {stray[0]!r}",
            )
            continue
        if when.truth(lambda n: agreement.values.get(n.removeprefix("agreement."))):
            return constant_text(
                kind.reader, kind.reader.get_str(t, "text", bpath), join(bpath, "text"), agreement
            )
    return ""


def _period(r: FileReader, table: Table) -> tuple[Expr, Expr] | None:
    if not table:
        return None
    r.keys(table, "period", PERIOD_KEYS, PERIOD_KEYS)
    start = expression(r, table.get("start"), "period.start", ())
    end = expression(r, table.get("end"), "period.end", ())
    return (start, end) if start is not None and end is not None else None


def _sender_fields(sender: Sender) -> list[tuple[str, str]]:
    """Every field id the sender names, with the key it is under."""
    out = [(key, fid) for key in ("name", "organisation", "phone", "email") for fid in getattr(sender, key)]
    out += [("address", fid) for line in sender.address for fid in line]
    return out


def _edition(data: Table) -> str:
    value = data.get("edition", "")
    return str(value)


# ------------------------------------------------------------------------------------------------ agreements


def _read_default_paper(root: Path, errors: list[DefinitionError]) -> PaperChannel | None:
    """`forms/paper.toml`: where paper requests go unless an agreement names another channel."""
    path = root / "paper.toml"
    if not path.exists():
        return None
    r = FileReader(path, root, errors)
    return _read_paper(r, r.data, "") if r.data is not None else None


def _read_paper(r: FileReader, table: Table, path: str) -> PaperChannel:
    r.keys(table, path, PAPER_KEYS, ("office", "address", "fax", "sources"))
    return PaperChannel(
        office=r.get_str(table, "office", path),
        address=r.get_str_list(table, "address", path),
        fax=r.get_str(table, "fax", path),
        phone=r.get_str(table, "phone", path),
        sources=r.get_str_list(table, "sources", path),
        note=r.get_str(table, "note", path),
        fax_purpose=r.get_str(table, "fax_purpose", path),
        phone_purpose=r.get_str(table, "phone_purpose", path),
    )


def _read_agreement(
    r: FileReader,
    sections: Mapping[str, tuple[Table, FileReader]],
    kinds: Mapping[str, _KindDef],
    default_paper: PaperChannel | None,
) -> tuple[Agreement, dict[str, Callable[[], FormSpec | None]]] | None:
    """The agreement, and for each of its forms the call that builds it (`_load` builds them at once, or on first
    use for the shipped catalog)."""
    data = r.data or {}
    if not r.keys(data, "", AGREEMENT_KEYS, ("id", "name", "country", "status", "edition", "kinds")):
        return None
    aid = r.get_str(data, "id", "")
    if not re.fullmatch(r"[a-z]{2}", aid):
        r.error(DefCode.BAD_ID, "id", f"agreement id {aid!r} must be two lower-case letters")
        return None
    if r.path.stem != aid:
        r.error(DefCode.BAD_ID, "id", f"agreement id {aid!r} does not match the file name {r.path.name!r}")
    status = r.get_str(data, "status", "")
    if status not in ("in_force", "signed"):
        r.error(DefCode.BAD_VALUE, "status", f"status must be 'in_force' or 'signed', not {status!r}")
    in_force = r.get_date(data, "in_force", "")
    if status == "in_force" and "in_force" not in data:
        r.error(DefCode.MISSING_KEY, "in_force", "an agreement in force needs its date in force")
    instrument = r.get_str(data, "instrument", "", "agreement")
    if instrument not in INSTRUMENTS:
        r.error(
            DefCode.BAD_VALUE,
            "instrument",
            f"instrument must be one of {', '.join(INSTRUMENTS)}, not {instrument!r}",
            did_you_mean(instrument, INSTRUMENTS),
        )
    kind_ids = r.get_str_list(data, "kinds", "")
    for i, k in enumerate(kind_ids):
        if kinds and k not in kinds:
            r.error(DefCode.UNKNOWN_KIND, join("kinds", i), f"no request kind {k!r}", did_you_mean(k, kinds))
    facts = _read_facts(r, r.get_table(data, "facts", ""))
    values: dict[str, Any] = dict.fromkeys(BASE_VALUES)
    extra = r.get_table(data, "values", "")
    for key, value in extra.items():
        if not isinstance(value, str | int | float) and not hasattr(value, "isoformat"):
            r.error(DefCode.BAD_VALUE, join("values", key), "must be a text, a number or a date")
        values[key] = value
    values.update(
        id=aid,
        name=r.get_str(data, "name", ""),
        country=r.get_str(data, "country", ""),
        in_force=in_force,
        detachment_limit_months=r.get_int(data, "detachment_limit_months", ""),
        name_in_text=r.get_str(data, "name_in_text", ""),
        instrument=instrument,
    )
    paper_table = r.get_table(data, "paper", "")
    paper = _read_paper(r, paper_table, "paper") if paper_table else default_paper
    if paper is None and status == "in_force":
        r.error(
            DefCode.MISSING_KEY,
            "paper",
            "an agreement in force needs a paper channel ([paper] or forms/paper.toml)",
        )
    agreement = Agreement(
        id=aid,
        name=values["name"],
        country=values["country"],
        region=r.get_str(data, "region", ""),
        in_force=in_force,
        status=status,
        edition=_edition(data),
        detachment_limit_months=values["detachment_limit_months"],
        kinds=kind_ids if status == "in_force" else (),
        facts=tuple(facts),
        paper=paper,
        values=MappingProxyType(values),
        note=r.get_str(data, "note", ""),
        instrument=instrument,
    )
    form_tables = r.get_table(data, "forms", "")
    for key in form_tables:
        if key not in kind_ids and key in kinds:
            r.error(DefCode.UNKNOWN_KIND, join("forms", key), f"{key!r} is not in this agreement's kinds")
    makers: dict[str, Callable[[], FormSpec | None]] = {}
    if status != "in_force":
        return agreement, makers
    for kind_id in kind_ids:
        kind = kinds.get(kind_id)
        if kind is None:
            continue
        table = form_tables.get(kind_id, {})
        if not isinstance(table, Mapping):
            r.error(DefCode.BAD_VALUE, join("forms", kind_id), "must be a table")
            table = {}
        makers[f"{aid}-{kind_id}"] = functools.partial(
            _build_form, r, agreement, kind, table, join("forms", kind_id), sections
        )
    return agreement, makers


def _read_facts(r: FileReader, table: Table) -> list[Fact]:
    facts: list[Fact] = []
    for key, value in table.items():
        path = join("facts", key)
        if not _FACT_ID.fullmatch(key):
            r.error(DefCode.BAD_ID, path, f"fact key {key!r} must be lower-case letters, digits and _")
            continue
        if not isinstance(value, Mapping):
            r.error(DefCode.BAD_VALUE, path, "a fact must be a table with title, text, status and sources")
            continue
        r.keys(value, path, FACT_KEYS, ("title", "text", "status", "sources"))
        status = r.get_enum(value, "status", path, FactStatus, "confirmed", what="fact status")
        if status is None:
            status = FactStatus.UNCONFIRMED
        sources = r.get_str_list(value, "sources", path)
        if not sources:
            r.error(DefCode.MISSING_KEY, join(path, "sources"), "every fact names at least one source")
        facts.append(
            Fact(key, r.get_str(value, "title", path), r.get_str(value, "text", path), status, sources)
        )
    return facts


# ------------------------------------------------------------------------------------------------ forms


def _shared_fields(name: str, sdata: Table, sr: FileReader) -> tuple[tuple[FieldSpec, ...], bool]:
    """A shared section's fields, read once per load (not once per form), and whether they read cleanly."""
    memo: tuple[tuple[FieldSpec, ...], bool] | None = sr.memo.get("fields")
    if memo is None:
        before = len(sr.errors)
        fields = tuple(
            f
            for i, ftable in enumerate(sr.get_tables(sdata, "fields", ""))
            if (f := read_field(sr, ftable, join("fields", i), name)) is not None
        )
        memo = (fields, len(sr.errors) == before)
        sr.memo["fields"] = memo
    return memo


def _build_form(
    r: FileReader,
    agreement: Agreement,
    kind: _KindDef,
    table: Table,
    path: str,
    sections: Mapping[str, tuple[Table, FileReader]],
) -> FormSpec | None:
    r.keys(table, path, FORM_KEYS)
    names = list(kind.sections)
    for i, name in enumerate(r.get_str_list(table, "sections_remove", path)):
        if name in names:
            names.remove(name)
        else:
            r.error(
                DefCode.UNKNOWN_SECTION, join(join(path, "sections_remove"), i), f"no section {name!r} here"
            )
    for i, name in enumerate(r.get_str_list(table, "sections_add", path)):
        if name not in sections:
            r.error(
                DefCode.UNKNOWN_SECTION,
                join(join(path, "sections_add"), i),
                f"no section {name!r}",
                did_you_mean(name, sections),
            )
        elif name not in names:
            # Added sections go before the last page (the request's own page stays last).
            names.insert(max(len(names) - 1, 0), name)
    values = agreement.values
    errors_before = len(r.errors)
    broken = False
    built_sections: list[Section] = []
    editions = [agreement.edition, kind.edition]
    for name in names:
        if name not in sections:
            continue
        sdata, sr = sections[name]
        editions.append(_edition(sdata))
        base, ok = _shared_fields(name, sdata, sr)
        if sdata.get("personal") is True:
            base = tuple(replace(f, personal=True) for f in base)
        if not ok:
            broken = True
        fields = tuple(localize(sr, f, join("fields", i), values) for i, f in enumerate(base))
        built_sections.append(
            Section(
                name,
                fill(sr, sr.get_str(sdata, "title", ""), "title", values),
                fill(sr, sr.get_str(sdata, "help", ""), "help", values),
                fields,
            )
        )
    field_index = {f.id: f for s in built_sections for f in s.fields}
    seen: set[str] = set()
    for s in built_sections:
        for i, f in enumerate(s.fields):
            if f.id in seen:
                _, sr = sections[s.id]
                sr.error(
                    DefCode.DUPLICATE_ID, join(join("fields", i), "id"), f"field {f.id!r} is defined twice"
                )
            seen.add(f.id)
    if broken or len(r.errors) > errors_before:
        return None  # the shared sections are broken: checking rules against them would only echo that
    # Agreement overrides of shared fields.
    overrides = r.get_table(table, "fields", path)
    for fid, otable in overrides.items():
        opath = join(join(path, "fields"), fid)
        if fid not in field_index:
            r.error(
                DefCode.UNKNOWN_REFERENCE,
                opath,
                f"no field {fid!r} in this form",
                did_you_mean(fid, field_index),
                near=(f'"{fid}"',),
            )
            continue
        if not isinstance(otable, Mapping):
            r.error(DefCode.BAD_VALUE, opath, "a field override must be a table")
            continue
        field_index[fid] = override(r, field_index[fid], otable, opath, agreement)
    built_sections = [replace(s, fields=tuple(field_index[f.id] for f in s.fields)) for s in built_sections]
    # Rules: the kind's, less the dropped ones, plus the agreement's.
    dropped = set(r.get_str_list(table, "drop_rules", path))
    kind_rule_ids = {t.get("id") for t, _ in kind.rules}
    for i, rid in enumerate(sorted(dropped - kind_rule_ids)):
        r.error(
            DefCode.UNKNOWN_REFERENCE, join(join(path, "drop_rules"), i), f"no shared rule {rid!r} to drop"
        )
    rules: list[Rule] = []
    for rtable, rpath in kind.rules:
        if rtable.get("id") in dropped:
            continue
        rule = read_rule(kind.reader, rtable, rpath, field_index, agreement)
        if rule is not None:
            rules.append(rule)
    for i, rtable in enumerate(r.get_tables(table, "rules", path)):
        rule = read_rule(r, rtable, join(join(path, "rules"), i), field_index, agreement)
        if rule is not None:
            rules.append(rule)
    for key, fid in _sender_fields(kind.info.sender):
        if fid not in field_index:
            kind.reader.error(
                DefCode.UNKNOWN_REFERENCE,
                join("sender", key),
                f"no field {fid!r} in form {agreement.id}-{kind.id}",
                did_you_mean(fid, field_index),
                near=(f'"{fid}"',),
            )
    ids = [x.id for x in rules]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        r.error(DefCode.DUPLICATE_ID, join(path, "rules"), f"rule {dup!r} is defined twice")
    # Edition migrations: each shared section's (for its fields), then this form's own.
    steps = [
        step
        for name in names
        if name in sections
        for step in read_steps(
            sections[name][1], sections[name][0], "", field_index, _edition(sections[name][0])
        )
    ]
    steps += read_steps(r, table, path, field_index, agreement.edition)
    spec = FormSpec(
        id=f"{agreement.id}-{kind.id}",
        kind=kind.id,
        title=r.get_str(table, "title", path) or f"{kind.title}: {agreement.name}",
        edition=max(e for e in editions if e) if any(editions) else "",
        agreement=agreement,
        sections=tuple(built_sections),
        rules=tuple(rules),
        migrations=ordered(steps),
        kind_info=kind.info,
        basis=_basis(r, table, path, kind, agreement),
    )
    check_references(spec, r, sections, kind.reader, frozenset(str(t.get("id")) for t, _ in kind.rules))
    return spec
