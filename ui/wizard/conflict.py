"""When a save finds the request changed elsewhere: both versions side by side, and the user's choice.

A save carries the revision its copy was read at; the store refuses one made from an older revision (another
window or the command line saved meanwhile). Nothing is decided for the user and nothing is lost: keeping this
version saves it as the newest revision (the other one stays in the request's history); using the other version
shows it here instead (the changes made here since the last save are dropped, on that explicit choice only);
deciding later keeps this window's changes on screen, unsaved, until the user chooses.
"""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.forms.model import FormSpec
from app.request import RequestDoc
from ui.messages import counted
from ui.wizard.review import answer_text

SHOWN = 8  # differences listed in the box; every one is in the details


class Choice(StrEnum):
    KEEP = "keep"  # save this window's version as the newest revision
    RELOAD = "reload"  # show the version saved elsewhere (or close, when it was deleted)
    LATER = "later"  # keep this window's changes on screen, unsaved


def _shown(spec: FormSpec, field_id: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if spec.has_field(field_id):
        f = spec.field(field_id)
        if f.is_group and isinstance(value, list):
            return counted(len(value), "row")
        return answer_text(f, value)
    return str(value)


def differences(spec: FormSpec, mine: RequestDoc, theirs: RequestDoc | None) -> list[tuple[str, str, str]]:
    """(label, here, elsewhere) of every answer that differs, in the order of the form (SSNs masked)."""
    other = theirs.answers if theirs is not None else {}
    order = {f.id: i for i, f in enumerate(spec.fields())}
    keys = sorted(set(mine.answers) | set(other), key=lambda k: (order.get(k, len(order)), k))
    out = []
    for k in keys:
        a, b = mine.answers.get(k), other.get(k)
        if a == b:
            continue
        label = spec.field(k).label if spec.has_field(k) else k
        out.append((label, _shown(spec, k, a), _shown(spec, k, b)))
    return out


class ConflictDialog(QMessageBox):
    """Signals: chosen(str): a `Choice` value."""

    chosen = Signal(str)

    def __init__(
        self, parent: QWidget, spec: FormSpec, mine: RequestDoc, theirs: RequestDoc | None, when: str
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Changed elsewhere")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.differences = differences(spec, mine, theirs)
        if theirs is None:
            self.setText("<b>This request was deleted elsewhere while it was open here.</b>")
            info = "Your version is not saved. Keep it to save it again, or close it without saving."
            reload_text = "&Close without saving"
        else:
            self.setText(
                f"<b>This request was changed elsewhere ({html.escape(when)}) while it was open here.</b>"
            )
            info = (
                "Your changes since then are not saved. Keep your version to save it as the newest one (the "
                "other version stays in the request's history), or use the other version instead of yours."
            )
            reload_text = "&Use the other version"
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{html.escape(here)}</td><td>{html.escape(there)}</td></tr>"
            for label, here, there in self.differences[:SHOWN]
        )
        more = len(self.differences) - SHOWN
        table = (
            "<table cellspacing='0' cellpadding='3'><tr><th align='left'>Answer</th><th align='left'>Yours"
            f"</th><th align='left'>Elsewhere</th></tr>{rows}</table>"
            if rows
            else "<p>The answers are the same; only the saved copy is newer.</p>"
        )
        self.setInformativeText(
            f"<p>{html.escape(info)}</p>{table}"
            + (f"<p>…and {more} more (see the details).</p>" if more > 0 else "")
        )
        if more > 0:
            self.setDetailedText(
                "\n".join(
                    f"{label}: yours {here}; elsewhere {there}" for label, here, there in self.differences
                )
            )
        self.keep_button = self.addButton("&Keep my version", QMessageBox.ButtonRole.AcceptRole)
        self.reload_button = self.addButton(reload_text, QMessageBox.ButtonRole.DestructiveRole)
        self.later_button = self.addButton("Decide &later", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.later_button)
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: Any) -> None:
        if button is self.keep_button:
            self.chosen.emit(Choice.KEEP.value)
        elif button is self.reload_button:
            self.chosen.emit(Choice.RELOAD.value)
        else:
            self.chosen.emit(Choice.LATER.value)
