"""New editions of the shipped definitions, written to a folder, as a receiver would publish them.

Edition 1 of Germany adds a page of its own (`posting`, with a choice and two text fields); edition 2 renames a
text field, removes the other, maps a value of the choice and adds a required field, declaring that in a
`[[migrations]]` step.
Only Germany's definitions change, so only its bundle is new.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import REPO

ONE = "2027-01-01"
TWO = "2027-02-01"

POSTING_ONE = """
id = "posting"
title = "The posting"
help = "About this posting to {agreement.name}."
edition = "2027-01-01"

[[fields]]
id = "posting.reason"
type = "choice"
label = "Reason for the posting"
help = "Why the worker is sent."
choices = [["project", "A project"], ["training", "Training"]]

[[fields]]
id = "posting.site"
type = "text"
label = "Site"
help = "Where the worker will work."

[[fields]]
id = "posting.remarks"
type = "text"
label = "Remarks"
help = "Anything else about the posting."
"""

POSTING_TWO = """
id = "posting"
title = "The posting"
help = "About this posting to {agreement.name}."
edition = "2027-02-01"

[[fields]]
id = "posting.reason"
type = "choice"
label = "Reason for the posting"
help = "Why the worker is sent."
choices = [["project", "A project"], ["instruction", "Instruction"]]

[[fields]]
id = "posting.site_name"
type = "text"
label = "Name of the site"
help = "The name of the place where the worker will work."

[[fields]]
id = "posting.contact"
type = "text"
label = "Contact at the site"
help = "Whom SSA may ask about the posting."
required = true

[[migrations]]
edition = "2027-02-01"
renamed = { "posting.site" = "posting.site_name" }
removed = ["posting.remarks"]
added = ["posting.contact"]
note = "The site is now asked by its name, and a contact there is needed."

[migrations.values."posting.reason"]
training = "instruction"
"""


def shipped_copy(dst: Path) -> Path:
    shutil.copytree(REPO / "forms", dst)
    return dst


def _germany(root: Path, edition: str) -> None:
    path = root / "agreements" / "de.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^edition = "[0-9-]+"', f'edition = "{edition}"', text, count=1, flags=re.M)
    text = text.replace(
        '[forms.employee]\nsections_add = ["history"]',
        '[forms.employee]\nsections_add = ["history", "posting"]',
    )
    assert f'edition = "{edition}"' in text and '"posting"]' in text
    path.write_text(text, encoding="utf-8")


def edition_one(dst: Path) -> Path:
    root = shipped_copy(dst)
    _germany(root, ONE)
    (root / "sections" / "posting.toml").write_text(POSTING_ONE, encoding="utf-8")
    return root


def edition_two(dst: Path, cutoff: str | None = None) -> Path:
    """Edition two; with `cutoff` (a date), requests in an earlier edition are refused from that day on."""
    root = shipped_copy(dst)
    _germany(root, TWO)
    text = (
        POSTING_TWO
        if cutoff is None
        else POSTING_TWO.replace("[migrations.values", f"cutoff = {cutoff}\n\n[migrations.values")
    )
    (root / "sections" / "posting.toml").write_text(text, encoding="utf-8")
    return root
