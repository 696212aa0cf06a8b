"""A small, valid set of definitions written to a folder, for engine tests and the broken-definition corpus."""

from __future__ import annotations

from pathlib import Path

PAPER = """
office = "Test office"
address = ["P.O. Box 1", "Town"]
fax = "(000) 000-0000"
sources = ["https://example.org/paper"]
"""

PERSON = """
id = "person"
title = "Person"
help = "About the person in {agreement.name}."
edition = "2026-01-01"

[[fields]]
id = "person.name"
type = "name"
label = "Name"
help = "The name."
required = true

[[fields]]
id = "person.citizenship"
type = "country"
label = "Citizenship"
help = "The citizenship."
required = true

[[fields]]
id = "person.second_name"
type = "name"
label = "Second name"
help = "Only for Spanish nationals."
show = "person.citizenship == 'ES'"
required = "person.citizenship == 'ES'"

[[fields]]
id = "person.start"
type = "date"
label = "Start"
help = "Start date."
required = true

[[fields]]
id = "person.end"
type = "date"
label = "End"
help = "End date."
required = true

[[fields]]
id = "person.has_kids"
type = "yesno"
label = "Kids"
help = "Any kids?"

[[fields]]
id = "person"
type = "group"
label = "Kids"
help = "The kids."
show = "person.has_kids == true"
required = "person.has_kids == true"
max_rows = 3

[[fields.columns]]
id = "name"
type = "name"
label = "Kid name"
help = "Name."
required = true

[[fields.columns]]
id = "born"
type = "date"
label = "Born"
help = "Birth date."
required = "row.name != null"
"""

KIND = """
id = "employee"
title = "Employee"
edition = "2026-01-02"
sections = ["person"]

[[rules]]
id = "order"
code = "end_not_after_start"
field = "person.end"
when = "person.end <= person.start"
message = "End must follow start."

[[rules]]
id = "limit"
code = "too_long"
field = "person.end"
when = "months_between(later(person.start, agreement.in_force), person.end) > agreement.detachment_limit_months"
message = "More than {agreement.detachment_limit_months} months."
fact = "detachment"
"""

AGREEMENT = """
id = "zz"
name = "Testland"
country = "DE"
status = "in_force"
in_force = 2000-01-01
edition = "2026-01-03"
detachment_limit_months = 60
kinds = ["employee"]

[facts.detachment]
title = "Limit"
text = "Five years."
status = "unconfirmed"
sources = ["https://example.org/limit"]

[forms.employee.fields."person.name"]
help = "Testland wants the full name."
fact = "detachment"

[[forms.employee.rules]]
id = "zz_warn"
code = "long_stay"
severity = "warning"
field = "person.end"
when = "months_between(person.start, person.end) > 36"
message = "Longer than three years: they end on {last_day(person.start, 36)}."
sources = ["https://example.org/warn"]
"""

FILES = {
    "paper.toml": PAPER,
    "sections/person.toml": PERSON,
    "kinds/employee.toml": KIND,
    "agreements/zz.toml": AGREEMENT,
}


def write(root: Path, overrides: dict[str, str] | None = None) -> Path:
    files = dict(FILES)
    files.update(overrides or {})
    for name, text in files.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
