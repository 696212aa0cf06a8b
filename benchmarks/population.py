"""Requests as a large employer's store holds them, for the growth table and the search benchmark.

Names follow a real distribution rather than a short list repeated: 12% of the workers carry one of the 60
commonest U.S. surnames, in about their census proportions (Smith 0.8% of all workers), the rest a surname made
of syllables (the long tail of rare names real stores have); first names from 80, the commonest most often. A worker has one to four requests
(extensions, other countries), so a store of 100,000 requests holds about 40,000 workers. Every request is a
complete request of one of twelve agreements' forms (the form engine's example, with this worker's name, SSN,
birth date and dates), about 2 KB of JSON.

The search targets (`TARGETS`) are the same few workers in every store, with the same requests: "the same search"
at 1,000 and at 100,000 requests finds the same people, among more namesakes in the bigger store (more Smiths).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.forms import default_catalog, new_document
from app.forms.example import example_answers

FORMS = (
    "de-employee",
    "fr-employee",
    "gb-employee",
    "jp-employee",
    "es-employee",
    "it-employee",
    "nl-employee",
    "ch-employee",
    "kr-employee",
    "ca-employee",
    "au-employee",
    "se-employee",
)
COMMON = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
]
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Margaret",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Andrew",
    "Emily",
    "Paul",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Timothy",
    "Stephanie",
    "Ronald",
    "Rebecca",
    "Jason",
    "Sharon",
    "Edward",
    "Laura",
    "Jeffrey",
    "Cynthia",
    "Ryan",
    "Dorothy",
    "Jacob",
    "Amy",
    "Gary",
    "Kathleen",
    "Nicholas",
    "Angela",
    "Eric",
    "Shirley",
    "Jonathan",
    "Emma",
    "Stephen",
    "Brenda",
    "José",
    "María",
    "Zoë",
    "Łukasz",
    "Ngozi",
    "Priya",
]
SYLLABLES = [
    "ka",
    "to",
    "mi",
    "ne",
    "ro",
    "su",
    "la",
    "vi",
    "den",
    "mar",
    "tin",
    "son",
    "berg",
    "ez",
    "ov",
    "li",
    "chen",
    "wa",
    "ri",
    "ko",
    "sch",
    "mid",
    "al",
    "ber",
    "ta",
    "ham",
    "mel",
    "ow",
    "ski",
    "rin",
    "dal",
    "gor",
    "fen",
    "hu",
    "per",
    "vos",
    "ly",
    "cas",
    "tel",
    "bran",
    "dor",
    "quin",
    "sa",
    "na",
]


@dataclass(frozen=True)
class Target:
    """A worker present, with the same requests, in every store of the benchmark."""

    last: str
    first: str
    requests: int


TARGETS = (
    Target("Smith", "Ana", 2),  # the commonest surname
    Target("Núñez", "José", 2),
    Target("O'Brien", "Lee", 1),
    Target("García-López", "María", 3),
    Target("Kowalczyk", "Ewa", 1),
    Target("Tanaka", "Ken", 2),
    Target("Vandermolen", "Pieter", 1),
    Target("Okonkwo", "Ngozi", 2),
)


# Rank-frequency weights close to the 2010 U.S. census (Smith 0.8% of people, the 60th name 0.09%).
COMMON_SHARE = 0.12
COMMON_WEIGHTS = [r**-0.55 for r in range(1, len(COMMON) + 1)]
FIRST_WEIGHTS = [r**-0.5 for r in range(1, len(FIRST) + 1)]


def _surname(rng: random.Random) -> str:
    if rng.random() < COMMON_SHARE:
        return rng.choices(COMMON, COMMON_WEIGHTS)[0]
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _first(rng: random.Random) -> str:
    return rng.choices(FIRST, FIRST_WEIGHTS)[0]


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


class Population:
    """Request documents as JSON text, reproducible from `seed`."""

    def __init__(self, seed: int = 20261201) -> None:
        self.rng = random.Random(seed)
        catalog = default_catalog()
        self.specs = [catalog.form(f) for f in FORMS if f in catalog.forms]
        self.examples = [example_answers(s) for s in self.specs]

    def request(self, last: str, first: str, ssn: str, birth: str) -> dict[str, Any]:
        rng = self.rng
        i = rng.randrange(len(self.specs))
        spec, answers = self.specs[i], dict(self.examples[i])
        answers.update(
            {
                "worker.last_name": last,
                "worker.first_name": first,
                "worker.middle_name": rng.choice(["", "", "A.", "J.", "Marie"]),
                "worker.ssn": ssn,
                "worker.birth_date": birth,
            }
        )
        if "assignment.start_date" in answers:
            year = rng.randint(2026, 2029)
            answers["assignment.start_date"] = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            answers["assignment.end_date"] = f"{year + rng.randint(1, 2)}-{rng.randint(1, 12):02d}-01"
        return new_document(spec, answers).to_dict()

    def targets(self) -> Iterator[str]:
        """The target workers' requests (the same in every store: their own generator)."""
        rng = random.Random(7)
        for t in TARGETS:
            ssn, birth = _ssn(rng), _date(rng, 1960, 1999)
            for _ in range(t.requests):
                yield json.dumps(self.request(t.last, t.first, ssn, birth), ensure_ascii=False)

    def lines(self, n: int) -> Iterator[str]:
        """`n` requests as JSON Lines (without the targets), workers having one to four requests each."""
        rng = self.rng
        made = 0
        while made < n:
            last, first = _surname(rng), _first(rng)
            ssn, birth = _ssn(rng), _date(rng, 1955, 2002)
            for _ in range(min(n - made, rng.choice([1, 1, 2, 3, 4]))):
                yield json.dumps(self.request(last, first, ssn, birth), ensure_ascii=False)
                made += 1
