"""Abbreviations a coordinator meets in the help and the agreements' facts, each explained the first time it
appears in a panel (and never again there): "POMS (SSA's Program Operations Manual System, ...)"."""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "SSA": "the U.S. Social Security Administration",
    "POMS": "SSA's Program Operations Manual System, the instructions its staff follow",
    "EIN": "Employer Identification Number",
    "IRS": "the Internal Revenue Service",
    "OEIO": "SSA's Office of Earnings and International Operations",
}
_WORD = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\b")


def explain(text: str, explained: set[str]) -> str:
    """`text` with the first mention of each abbreviation not in `explained` followed by what it stands for
    (unless the text already spells it out); the ones met are added to `explained`."""
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        word = match.group(1)
        if word in explained:
            continue
        explained.add(word)
        meaning = ABBREVIATIONS[word]
        core = meaning.removeprefix("the ").removeprefix("U.S. ").split(",")[0]
        if core.casefold() in text.casefold():
            continue  # "Employer Identification Number (EIN)": said already
        out.append(text[last : match.end()])
        out.append(f" ({meaning})")
        last = match.end()
    out.append(text[last:])
    return "".join(out)
