"""`RequestWizard`: one request, edited through the pages built from its form's definition.

The wizard holds a Qt-free `FormSession` and forwards every change to it (`answer`); what comes back (the fields
whose visibility or problems changed) is shown at once. No field is registered with QWizard: the session is the
one source of truth, and `isComplete` stays true so that Next never requires a valid page.

Every change is saved after half a second of quiet, on each page change and on close, through the database
thread; the step list says "Saved". The page the user is on is kept per request (a `ui.page.<id>` setting in the
encrypted store), so a draft reopens where it was left.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QPushButton, QSplitter, QWidget, QWizard

from app.forms.migration import migrate
from app.forms.model import FormSpec
from app.forms.session import FormSession
from app.forms.validate import is_empty
from app.forms.verdict import Context, Verdict, verdict
from app.request import RequestDoc, State
from app.store import RevisionConflict, StoreError, StoreLocked
from ui import gui_settings, messages, ops, windows
from ui.context import AppContext
from ui.wizard import splitters
from ui.wizard.conflict import Choice, ConflictDialog
from ui.wizard.editors import FIELD_PROPERTY
from ui.wizard.group import GroupEditor, cell_of
from ui.wizard.pages import FieldRow, SectionPage, StartPage
from ui.wizard.review import ReviewPage
from ui.wizard.steps import StepList, StepState

START_ID = 0
REVIEW_ID = 1000
START_KEY, REVIEW_KEY = "start", "review"
SAVE_DELAY_MS = 500
HOST_COUNTRY = "host.country"
EDITABLE = frozenset({State.DRAFT, State.READY, State.QUEUED})


class RequestWizard(QWizard):
    """Signals:
    saved(object): the request as stored (a RequestDoc with its new state).
    closed(str): the request id, once the wizard closed (its last save is queued).
    transmit_requested(str), print_requested(str): the review page's buttons (after a save).
    """

    saved = Signal(object)
    closed = Signal(str)
    transmit_requested = Signal(str)
    print_requested = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        doc: RequestDoc,
        *,
        stored: bool,
        can_transmit: bool = True,
        choose_agreement: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.doc = doc
        self.stored = stored
        self.can_transmit = can_transmit
        self.read_only = doc.state not in EDITABLE
        self.spec: FormSpec = ctx.catalog.form(doc.form)
        self.session = FormSession(self.spec, migrate(self.spec, doc).answers)
        # The worker's other requests in the store, read when the review page shows (None until then): the
        # review's verdict compares the request with them (overlapping periods, extensions, running certificates).
        self.others: list[RequestDoc] | None = None
        self.rows: dict[str, tuple[SectionPage, FieldRow]] = {}
        self.section_ids: dict[str, int] = {}
        # A field's problems show once it was visited and left, or once the review page was seen; answers that
        # were there when the request opened (saved ones, the employer profile) count as seen.
        self.seen: set[str] = {fid for fid, value in doc.answers.items() if not is_empty(value)}
        self.show_all = False
        self.visited: set[int] = set()
        self._auto_focused: str | None = None  # the field the page put the cursor in, not the user
        self.new_request = choose_agreement
        self._dirty = False
        self._saving = 0
        self._cleared = False
        self._done = False
        self._problem_shown: type[BaseException] | None = None
        self._base = ops.Base(doc.revision)  # the revision this window's copy was read at (see `save_now`)
        self._base_doc = (doc.form, copy.deepcopy(doc.answers))  # what that revision holds
        self._conflict: RevisionConflict | None = None  # a save refused: changed elsewhere, not resolved yet
        self._closing: int | None = None  # closing once the last save has landed (a conflict must be seen)
        self.conflict_dialog: ConflictDialog | None = None
        self.setObjectName("requestWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.IndependentPages, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, not self.read_only)
        self.setOption(QWizard.WizardOption.NoDefaultButton, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "&Save")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Close")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        for which, name in (
            (QWizard.WizardButton.CustomButton1, "Save now"),
            (QWizard.WizardButton.FinishButton, "Done: save and close"),
            (QWizard.WizardButton.CancelButton, "Close (everything is saved)"),
            (QWizard.WizardButton.NextButton, "Next page"),
            (QWizard.WizardButton.BackButton, "Previous page"),
        ):
            self.button(which).setAccessibleName(name)
        self.customButtonClicked.connect(lambda _which: self.save_now(explicit=True))
        # Tab out of a page's last field reaches Next (the button Enter presses anyway), then Done, Back, Save and
        # Close; in Qt's order it reached Back, where an Enter went back a page.
        chain = [
            self.button(which)
            for which in (
                QWizard.WizardButton.NextButton,
                QWizard.WizardButton.FinishButton,
                QWizard.WizardButton.BackButton,
                QWizard.WizardButton.CustomButton1,
                QWizard.WizardButton.CancelButton,
            )
        ]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.steps = StepList()
        self.steps.chosen.connect(self.go_to)
        self.setSideWidget(self.steps)
        self.start_page = StartPage(ctx.catalog, self.spec, self._leave_start, chosen=not choose_agreement)
        self.start_page.choice_changed.connect(self._choice_changed)
        self.setPage(START_ID, self.start_page)
        # QWizard sets its buttons' default state whenever the page may be left or not; ours comes after.
        self.start_page.completeChanged.connect(self._set_default_button)
        self.review_page: ReviewPage | None = None
        self._build_pages()
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(SAVE_DELAY_MS)
        self.autosave.timeout.connect(self.save_now)
        self.currentIdChanged.connect(self._page_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self._set_title()
        if self.read_only:
            self.start_page.set_read_only(True)
            self.steps.set_note(
                f"This request is {doc.state.label.lower()}: it can no longer be changed. "
                "Duplicate it to start a new one from its answers."
            )
        elif doc.state is State.QUEUED:
            self.steps.set_note("Queued for transmission: a change takes it back out of the outbox.")
        if self.read_only:
            self.steps.set_status(f"{doc.state.label}: read-only")
        else:
            self.steps.set_status("Saved" if stored else "Not saved yet: nothing typed")
        if gui_settings.restore_geometry(ctx.settings, "wizard", self):
            windows.within(self)
        else:
            windows.fit(self, 1180, 760)  # on a small screen, smaller: the pages scroll
        self._restore_splitter("wizard/start", self.start_page.splitter)

    # --- building ------------------------------------------------------------------------------------------------

    def _build_pages(self) -> None:
        self.rows.clear()
        self.section_ids.clear()
        steps = [(START_ID, "Agreement and kind")]
        total = len(self.spec.sections)
        for number, section in enumerate(self.spec.sections, start=1):
            subtitle = f"Page {number} of {total}. Fields marked * are needed; the help is on the right."
            page = SectionPage(section, lambda g, r, c: self.session.column_visible(g, r, c), subtitle)
            page.built.connect(lambda p=page: self._adopt(p))
            self.setPage(number, page)
            self.section_ids[section.id] = number
            steps.append((number, section.title))
        self.review_page = ReviewPage()
        self.review_page.jump.connect(self.go_to_field)
        self.review_page.transmit_requested.connect(self._transmit)
        self.review_page.print_requested.connect(self._print)
        self.setPage(REVIEW_ID, self.review_page)
        self._restore_splitter("wizard/review", self.review_page.splitter)
        steps.append((REVIEW_ID, "Review"))
        self.steps.set_steps(steps)
        self.steps.set_enabled_beyond_start(self.start_page.chosen)
        self._mark_steps()

    def _adopt(self, page: SectionPage) -> None:
        """A page was built: fill its editors from the session and forward their changes to it."""
        self._restore_splitter("wizard/fields", page.splitter)
        for row in page.rows:
            field_id = row.spec.id
            self.rows[field_id] = (page, row)
            row.editor.set_value(self.session.answers.get(field_id))
            row.editor.changed.connect(lambda value, fid=field_id: self.answer(fid, value))
            if isinstance(row.editor, GroupEditor):
                row.editor.column_focused.connect(
                    lambda column, p=page, g=row.spec: p.help.show_field(column, g)
                )
            if self.read_only:
                row.editor.set_read_only(True)
        self._show({row.spec.id for row in page.rows})

    def _restore_splitter(self, key: str, splitter: QSplitter) -> None:
        if gui_settings.restore_splitter(self.ctx.settings, key, splitter):
            splitters.restored(splitter)

    def build_all(self) -> None:
        """Build every page now (the smoke run, the tests, and before showing a field of an unvisited page)."""
        for page_id in self.pageIds():
            page = self.page(page_id)
            if isinstance(page, SectionPage):
                page.build()

    def section_page(self, section_id: str) -> SectionPage:
        page = self.page(self.section_ids[section_id])
        assert isinstance(page, SectionPage)
        return page

    def _set_title(self, spec: FormSpec | None = None) -> None:
        if not self.start_page.chosen:
            self.setWindowTitle("New request: choose the agreement")
            return
        spec = spec or self.spec
        state = f" ({self.doc.state.label.lower()}, read-only)" if self.read_only else ""
        self.setWindowTitle(f"Request: {spec.agreement.name}, {spec.kind_label.lower()}{state}")

    def show_state(self, state: State, receipt: dict[str, Any] | None) -> None:
        """The request's state in the store now: once sent (from this window or another), the wizard turns
        read-only and its review page shows the receipt."""
        if self._cleared:
            return
        self.doc.state = state
        if state in EDITABLE:
            return
        if not self.read_only:
            self._make_read_only()
        if self.review_page is not None:
            self.review_page.show_sent(state, receipt, self.doc.id)
        self.refresh_review()

    def _make_read_only(self) -> None:
        self.read_only = True
        self.autosave.stop()
        self._dirty = False  # nothing is saved on a sent request (a save would be refused)
        self.start_page.set_read_only(True)
        for _page, row in self.rows.values():
            row.editor.set_read_only(True)
        save = self.button(QWizard.WizardButton.CustomButton1)
        if save is not None:
            save.hide()
        self.setOption(QWizard.WizardOption.HaveCustomButton1, False)
        self.steps.set_note(
            f"This request is {self.doc.state.label.lower()}: it can no longer be changed. "
            "Duplicate it to start a new one from its answers."
        )
        self.steps.set_status(f"{self.doc.state.label}: read-only")
        self._set_title()

    def _choice_changed(self, form_id: str) -> None:
        """The agreement or kind chosen on the first page: the title follows at once (the pages when moving on)."""
        if form_id in self.ctx.catalog.forms:
            self._set_title(self.ctx.catalog.form(form_id))
        self.steps.set_enabled_beyond_start(self.start_page.chosen)

    def switch_form(self, form_id: str) -> None:
        """The user chose another agreement or kind: rebuild the pages, keeping the answers the new form has."""
        if form_id == self.spec.id or self.read_only:
            return
        new = self.ctx.catalog.form(form_id)
        answers = {k: v for k, v in self.session.answers.items() if new.has_field(k)}
        if new.has_field(HOST_COUNTRY) and answers.get(HOST_COUNTRY) in (
            None,
            self.spec.agreement.country,
        ):
            answers[HOST_COUNTRY] = new.agreement.country
            self.seen.add(HOST_COUNTRY)
        self.visited &= {START_ID}  # the section pages are new
        self._replace_pages(new, answers)
        self.doc.form, self.doc.edition = new.id, new.edition
        self._touch()

    def _replace_pages(self, spec: FormSpec, answers: dict[str, Any]) -> None:
        for page_id in self.pageIds():
            if page_id != START_ID:
                page = self.page(page_id)
                self.removePage(page_id)
                page.deleteLater()
        self.spec = spec
        self.session = FormSession(spec, answers)
        self._build_pages()
        self._set_title()

    def _leave_start(self, form_id: str) -> None:
        if form_id != self.spec.id:
            self.switch_form(form_id)
        elif not self.stored and not self.read_only:
            self._touch()  # moving on from the first page starts the request
        answered = self.session.answers.get(HOST_COUNTRY)
        if self.new_request and self.spec.has_field(HOST_COUNTRY) and not answered:
            self.session.answer(HOST_COUNTRY, self.spec.agreement.country)  # where the agreement is with
            self.seen.add(HOST_COUNTRY)
            self._show({HOST_COUNTRY})

    # --- answering -----------------------------------------------------------------------------------------------

    def answer(self, field_id: str, value: Any) -> None:
        """Forward one change to the form session and show what it changed."""
        if self.read_only:
            return
        affected = self.session.answer(field_id, value)
        if field_id == self._auto_focused:
            self._auto_focused = None  # typed in: leaving it now is a visit
        entry = self.rows.get(field_id)
        if entry is not None and entry[1].editor.whole_answers:
            self.seen.add(field_id)
        self._show(affected)
        self._touch()

    def _show(self, field_ids: set[str]) -> None:
        session = self.session
        for field_id in field_ids:
            entry = self.rows.get(field_id)
            if entry is None:
                continue
            page, row = entry
            page.set_row_visible(row, session.visible(field_id))
            row.set_required(session.required(field_id))
            row.show_issues(session.issues_for(field_id) if self.flagged(field_id) else [])
            if isinstance(row.editor, GroupEditor):
                row.editor.refresh()
        self._mark_steps()

    def judge(self, *, across: bool = False) -> Verdict:
        """The one verdict on the request as it stands (what saving would store): the step list, the review page
        and its Transmit button show this, never a count of their own. `across`: with the worker's other
        requests, as far as they are known (the review page; the step list counts errors, which those never are)."""
        context = Context(others=self.others) if across and self.others is not None else None
        return verdict(self._current(self.session.answers), self.ctx.catalog, context)

    def flagged(self, field_id: str) -> bool:
        """Are the field's problems shown (it was visited and left, or the review page was seen)?"""
        return self.show_all or field_id in self.seen

    def _mark_steps(self) -> None:
        """Each page's state from the verdict's errors: those shown (at fields visited and left, or all once the
        review was seen) make it "has errors"; a page begun (visited, or with answers) is "complete" or "in
        progress"; else "not started"."""
        per_section: dict[str, list[str]] = {section_id: [] for section_id in self.section_ids}
        elsewhere = 0  # errors of the request as a whole (an unknown field, the edition): shown on the review
        for issue in self.judge().errors:
            base = issue.base_field
            if self.spec.has_field(base):
                per_section[self.spec.section_of(base).id].append(base)
            else:
                elsewhere += 1
        answers = self.session.answers
        for section in self.spec.sections:
            page_id = self.section_ids[section.id]
            errors = per_section[section.id]
            shown = sum(1 for fid in errors if self.flagged(fid))
            started = page_id in self.visited or any(not is_empty(answers.get(f.id)) for f in section.fields)
            if shown:
                state = StepState.ERRORS
            elif started:
                state = StepState.COMPLETE if not errors else StepState.IN_PROGRESS
            else:
                state = StepState.NOT_STARTED
            self.steps.mark(page_id, state, shown)
        self.steps.mark(START_ID, None)
        self.steps.mark(REVIEW_ID, StepState.ERRORS if elsewhere else None, elsewhere)

    # --- navigation ----------------------------------------------------------------------------------------------

    def go_to(self, page_id: int) -> None:
        """Walk to a page with Back and Next, so that the history (and the Back button) stays right."""
        if page_id not in self.pageIds():
            return
        if page_id != START_ID and not self.start_page.chosen:
            self.start_page.agreement.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        guard = len(self.pageIds()) + 2
        if page_id in self.visitedIds():
            while self.currentId() != page_id and guard:
                self.back()
                guard -= 1
        else:
            while self.currentId() != page_id and self.nextId() != -1 and guard:
                self.next()
                guard -= 1

    def go_to_section(self, section_id: str) -> None:
        if section_id == REVIEW_KEY:
            self.go_to(REVIEW_ID)
        elif section_id in self.section_ids:
            self.go_to(self.section_ids[section_id])

    def go_to_field(self, field_path: str) -> None:
        """Show the page of a field and put the cursor in it (`family[1].birth_date`: that cell)."""
        base = field_path.split("[", 1)[0]
        if base not in self.rows and self.spec.has_field(base):
            self.section_page(self.spec.section_of(base).id).build()
        entry = self.rows.get(base)
        if entry is None:
            return
        page, row = entry
        self.go_to(self.section_ids[page.section.id])
        scroll = row.container.parentWidget()
        while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
            scroll = scroll.parentWidget()
        if scroll is not None:
            scroll.ensureWidgetVisible(row.container)
        cell = cell_of(field_path)
        if isinstance(row.editor, GroupEditor) and cell is not None:
            row.editor.focus_cell(*cell)
        else:
            row.editor.focus()
        page.help.show_field(row.spec)

    def current_key(self) -> str:
        page_id = self.currentId()
        if page_id == REVIEW_ID:
            return REVIEW_KEY
        page = self.page(page_id)
        return page.section.id if isinstance(page, SectionPage) else START_KEY

    def _page_changed(self, page_id: int) -> None:
        if page_id < 0 or self._cleared:
            return
        self.visited.add(page_id)
        self.steps.set_current(page_id)
        self.save_now()
        self._remember_page()
        page = self.page(page_id)
        if isinstance(page, SectionPage):
            first = page.first_visible_row()
            if first is not None:
                first.editor.focus()
                self._auto_focused = first.spec.id
                page.help.show_field(first.spec)
        elif page is self.review_page and self.review_page is not None:
            if not self.show_all:  # from now on every problem shows at its field too
                self.show_all = True
                self._show(set(self.rows))
            self.review_page.refresh(
                self.spec, self.session, self.judge(across=True), self.can_transmit, self.read_only
            )
            self._read_others()
            self._focus_review()
        elif page is self.start_page:
            self.start_page.agreement.setFocus(Qt.FocusReason.OtherFocusReason)
        self._mark_steps()
        self._set_default_button()

    def _focus_review(self) -> None:
        """The cursor goes to the problems, the first thing to read, unless it is in the step list (Enter on a
        step goes there and nothing more) or on the review already. Qt gives the focus of a Next that hides to
        Done, where the Enter meant for Transmit would close the wizard with nothing sent."""
        review = self.review_page
        here = QApplication.focusWidget()
        if review is None or (
            here is not None and (self.steps.isAncestorOf(here) or review.isAncestorOf(here))
        ):
            return
        review.problems.setFocus(Qt.FocusReason.OtherFocusReason)

    def _read_others(self) -> None:
        """Read the worker's other requests on the database thread; the review shows what they say once read."""
        ctx, doc = self.ctx, self.snapshot()

        def got(others: list[RequestDoc]) -> None:
            if not self._cleared:
                self.others = others
                self.refresh_review()

        def failed(exc: BaseException) -> None:  # the review then shows the request alone, as before
            if not isinstance(exc, StoreError):
                ctx.tasks.report(exc)

        ctx.tasks.run_db(lambda: ops.worker_requests(ctx.require_store(), doc), got, failed)

    def _set_default_button(self) -> None:
        """What Enter does, always a button in sight: Transmit on the review page when it may be used (else
        nothing), Next everywhere else."""
        review = self.review_page
        on_review = self.currentId() == REVIEW_ID and review is not None
        target: QPushButton | None = None
        if on_review and review is not None:
            target = review.transmit_button if review.transmit_button.isEnabled() else None
        elif self.currentId() >= 0:
            next_button = self.button(QWizard.WizardButton.NextButton)
            target = next_button if isinstance(next_button, QPushButton) else None
        for button in self.findChildren(QPushButton):
            if button is not target and button.isDefault():
                button.setDefault(False)
        if target is not None:
            target.setDefault(True)

    def _field_of(self, widget: QWidget | None) -> str | None:
        """The field whose answer is typed in `widget` (None for anything else, a Show button beside it too)."""
        holder = widget
        while holder is not None and holder is not self:
            field_id = holder.property(FIELD_PROPERTY)
            if isinstance(field_id, str) and field_id in self.rows:
                owned = widget is not None and self.rows[field_id][1].editor.owns_focus(widget)
                return field_id if owned else None
            holder = holder.parentWidget()
        return None

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._cleared:
            return
        left = self._field_of(old) if old is not None and old.window() is self else None
        entered = self._field_of(new) if new is not None and new.window() is self else None
        if left is not None and left != entered and left == self._auto_focused:
            self._auto_focused = None  # the page put the cursor there and nothing was typed: not visited yet
        elif left is not None and left != entered and left not in self.seen:
            self.seen.add(left)  # visited and left: its problems show from now on
            self._show({left})
        if entered is not None:
            page, row = self.rows[entered]
            if page.help.field_id != entered:
                page.help.show_field(row.spec)

    # --- saving --------------------------------------------------------------------------------------------------

    def _touch(self) -> None:
        self.doc.edition = self.spec.edition  # a change carries the request over to the edition on screen
        self._dirty = True
        self.steps.set_status("Changed: saving in a moment…")
        self.autosave.start()

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def saving(self) -> bool:
        return self._saving > 0

    def _current(self, answers: dict[str, Any]) -> RequestDoc:
        doc = self.doc
        return RequestDoc(self.spec.id, doc.edition, answers, doc.id, doc.created, doc.updated, doc.state)

    def snapshot(self) -> RequestDoc:
        """The request as it stands, for saving (the answers copied; the edition it was written in until the
        first change, which carries it over to the current one)."""
        return self._current(copy.deepcopy(self.session.answers))

    def save_now(self, *, explicit: bool = False) -> None:
        """Save the changes now (the Save button, a page change, closing, the idle lock).

        Each save is made from the revision the previous one stored (`_base`, advanced on the database thread), so
        the store refuses it when the request was changed elsewhere meanwhile: the conflict is shown and nothing
        is saved until the user chooses. While it is open, saving waits (`explicit`: the Save button offers the
        choice again)."""
        self.autosave.stop()
        if self.read_only or not self._dirty or self._cleared:
            return
        if self._conflict is not None:
            if explicit:
                self._offer_conflict()
            return
        self._dirty = False
        self._saving += 1
        snapshot = self.snapshot()
        self.steps.set_status("Saving…")
        ctx, base = self.ctx, self._base
        ctx.tasks.run_db(
            lambda: ops.save_request(ctx.require_store(), snapshot, ctx.catalog, base),
            self._saved,
            self._save_failed,
        )

    def _saved(self, doc: RequestDoc) -> None:
        self._saving -= 1
        first = not self.stored
        self.stored = True
        self.doc.state, self.doc.updated = doc.state, doc.updated
        self._base_doc = (doc.form, doc.answers)  # `doc` is the saved copy (see ops.save_request)
        self._problem_shown = None
        if not self._cleared:
            when = dt.datetime.now().strftime("%H:%M:%S")
            self.steps.set_status(f"Saved at {when} ({doc.state.label})")
            if first:
                self._remember_page()
        self.saved.emit(doc)
        if self._closing is not None and not self._saving:
            result, self._closing = self._closing, None
            self.done(result)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving -= 1
        self._dirty = True
        if isinstance(exc, StoreLocked) or self._cleared:
            return
        if isinstance(exc, RevisionConflict):
            self._closing = None  # the window stays open until the user has chosen
            self._conflict = exc
            self.autosave.stop()
            self.steps.set_status(
                "Not saved: this request was changed elsewhere. Choose which version to keep.", problem=True
            )
            self._offer_conflict()
            return
        if isinstance(exc, StoreError):
            self.steps.set_status(f"Not saved: {exc.message}", problem=True)
            if self._problem_shown is not type(exc):
                self._problem_shown = type(exc)
                messages.store_problem(self, exc)
            return
        self.steps.set_status("Not saved: an unexpected problem (see the report).", problem=True)
        self.ctx.tasks.report(exc)

    # --- a request changed elsewhere -----------------------------------------------------------------------------

    def _offer_conflict(self) -> None:
        """Read the version stored now and show both, with the choice (see `ui.wizard.conflict`)."""
        if self.conflict_dialog is not None:
            self.conflict_dialog.open()
            return
        ctx, request_id = self.ctx, self.doc.id
        ctx.tasks.run_db(lambda: ops.stored_version(ctx.require_store(), request_id), self._show_conflict)

    def _show_conflict(self, theirs: RequestDoc | None) -> None:
        if self._conflict is None or self._cleared:
            return
        if theirs is not None and (theirs.form, theirs.answers) == self._base_doc:
            # Saved elsewhere without a change to what this window started from (queued, say): nothing of the
            # other save can be lost, so this window's changes go on top of it without asking.
            self._resolve(Choice.KEEP, theirs)
            return
        when = f"saved {theirs.updated}" if theirs is not None else ""
        dialog = ConflictDialog(self, self.spec, self.snapshot(), theirs, when)
        dialog.chosen.connect(lambda choice: self._resolve(Choice(choice), theirs))
        self.conflict_dialog = dialog
        dialog.open()

    def _resolve(self, choice: Choice, theirs: RequestDoc | None) -> None:
        if self.conflict_dialog is not None:
            self.conflict_dialog.deleteLater()
            self.conflict_dialog = None
        if choice is Choice.LATER:
            self.steps.set_status(
                "Not saved: changed elsewhere. Save (or Done) to choose which version to keep.", problem=True
            )
            return
        self._conflict = None
        if choice is Choice.KEEP:  # saved over the version read just now; that one stays in the history
            self._base.revision = theirs.revision if theirs is not None else None
            self._dirty = True
            self.save_now()
        elif theirs is None:  # deleted elsewhere, and the user lets it go
            self._dirty = False
            self.done(QWizard.DialogCode.Rejected.value)
        else:
            self._reload(theirs)

    def _reload(self, theirs: RequestDoc) -> None:
        """Show the version saved elsewhere instead of this window's (the user chose it)."""
        self._base.revision = theirs.revision
        self._base_doc = (theirs.form, copy.deepcopy(theirs.answers))
        self.doc = theirs
        spec = self.ctx.catalog.forms.get(theirs.form, self.spec)
        answers = migrate(spec, theirs).answers
        if spec is not self.spec:
            self.visited &= {START_ID}  # the section pages are new
            self._replace_pages(spec, answers)
        else:
            self.session = FormSession(spec, answers)
            for field_id, (_page, row) in self.rows.items():
                row.editor.set_value(self.session.answers.get(field_id))
            self._show(set(self.rows))
        self._dirty = False
        self.steps.set_status(f"Showing the version saved elsewhere (revision {theirs.revision}).")
        self.refresh_review()
        self.saved.emit(theirs)

    def _remember_page(self) -> None:
        if self.read_only or self._cleared or not (self.stored or self._saving):
            return
        ctx, request_id, key = self.ctx, self.doc.id, self.current_key()
        ctx.tasks.run_db(
            lambda: ops.remember_page(ctx.require_store(), request_id, key), None, lambda _e: None
        )

    def _transmit(self) -> None:
        self.save_now()
        if self._conflict is not None:  # what is on screen is not what is stored: choose first
            self._offer_conflict()
            return
        self.transmit_requested.emit(self.doc.id)

    def _print(self) -> None:
        self.save_now()
        if self._conflict is not None:
            self._offer_conflict()
            return
        self.print_requested.emit(self.doc.id)

    def refresh_review(self) -> None:
        if self.review_page is not None and self.currentId() == REVIEW_ID:
            self.review_page.refresh(
                self.spec, self.session, self.judge(across=True), self.can_transmit, self.read_only
            )
            self._set_default_button()

    # --- closing and locking -------------------------------------------------------------------------------------

    def personal_values(self) -> list[str]:
        """Every text answer on screen (for scrubbing crash reports and the clipboard check)."""
        out: list[str] = []
        for value in self.session.answers.values():
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(
                    v for row in value if isinstance(row, dict) for v in row.values() if isinstance(v, str)
                )
        return out

    def clear_personal_data(self) -> None:
        """The idle lock: stop saving, and empty every editor, the review and the help (nothing personal stays)."""
        self.autosave.stop()
        self._cleared = True
        self._dirty = False
        self.session = FormSession(self.spec, {})
        self.doc.answers = {}
        self.others = None  # the worker's other requests hold personal data too
        for _page, row in self.rows.values():
            row.clear()
        if self.review_page is not None:
            self.review_page.clear()

    def _save_layout(self) -> None:
        settings = self.ctx.settings
        gui_settings.save_geometry(settings, "wizard", self)
        gui_settings.save_splitter(settings, "wizard/start", self.start_page.splitter)
        page = self.currentPage()
        if isinstance(page, SectionPage) and page.is_built:
            gui_settings.save_splitter(settings, "wizard/fields", page.splitter)
        if self.review_page is not None:
            gui_settings.save_splitter(settings, "wizard/review", self.review_page.splitter)

    def done(self, result: int) -> None:
        # nothing closes over unsaved, conflicting changes
        if self._conflict is not None and not self._cleared:
            self._offer_conflict()
            return
        if not self._done and not self._cleared and (self._dirty or self._saving):
            self._closing = result  # closed once the last save has landed (`_saved`), or not on a conflict
            self.save_now()
            if self._done or self._saving or self._conflict is not None:
                return
            self._closing = None
        if not self._done:
            self._done = True
            self.save_now()
            self._remember_page()
            self._save_layout()
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.focusChanged.disconnect(self._focus_changed)
            self.closed.emit(self.doc.id)
        super().done(result)
