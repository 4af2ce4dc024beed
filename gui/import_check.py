"""Step 3 of the import, the check: every row validated on a worker thread, problems shown in the grid.

:func:`check_table` runs :func:`core.validation.prepare` and builds the grid's data off the GUI thread;
:class:`CheckStep` swaps it in (one model reset), re-checks a row when one of its cells is edited, and shows
the request a selected row would send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection

from core.errors import CredentialError, UploaderError
from core.i18n import _, ngettext, number
from core.providers.base import Provider
from gui import theme
from gui.import_host import ImportHost
from gui.import_state import Checked, Outcomes, Step
from gui.memory import bulk_work, forget_source_lines, let_go
from gui.payload_preview import placeholder_credentials
from gui.table_model import INVALID, READY, build_grid, cell_problems_of

if TYPE_CHECKING:
    from core.reading import Table
    from core.validation import Problem

log = logging.getLogger(__name__)


def field_columns(mapping: dict[int, str]) -> dict[str, int]:
    return {fid: index for index, fid in mapping.items()}


def column_resolver(headers: list[str], mapping: dict[int, str]) -> Callable[[Problem], int | None]:
    """The source column index a problem belongs to: its field's column, else its header's; None: the row."""
    by_field = field_columns(mapping)
    by_header = {h: i for i, h in enumerate(headers)}

    def column_of(problem: Problem) -> int | None:
        if problem.field in by_field:
            return by_field[problem.field]
        return by_header.get(problem.column)

    return column_of


def check_table(table: Table, mapping: dict[int, str], constants: dict[str, str], provider: Provider,
                region: str, chosen: dict[int, str] | None = None) -> Checked:
    """Validate every row (worker thread) and build what the grid shows. ``chosen``: the mapping to
    remember for this file shape when it differs from ``mapping`` (without the Netcore attributes the
    user asked for on this file only)."""
    from core.mapping import MappingMemory
    from core.validation import prepare

    with bulk_work():
        prepared = prepare(table, mapping, constants, provider, region or None)
        grid = build_grid(table.headers, table.rows, table.row_numbers, prepared.checks,
                          column_resolver(table.headers, mapping))
    try:
        MappingMemory().remember(table.headers, provider, mapping if chosen is None else chosen)
    except (UploaderError, OSError) as exc:
        log.warning("could not remember the mapping: %s", exc)
    # the upload step needs these; import them here rather than when the upload starts, where the
    # importing (anyio's ~30 modules, which httpx's connections load lazily) holds the GIL in many short
    # stretches just as the upload page is painted for the first time (a 100-170 ms stall at a million rows)
    import codecs

    import anyio._backends._asyncio
    import anyio.to_thread  # noqa: F401
    import httpcore._backends.anyio  # noqa: F401

    import core.engine
    import core.report
    import core.settings  # noqa: F401

    codecs.lookup("utf-8-sig")  # the report's encoding
    from core.journal import table_fingerprint

    assert prepared.checker is not None
    assert prepared.duplicates is not None
    return Checked(grid, prepared.checks, prepared.options, len(prepared.contacts), prepared.checker,
                   prepared.duplicates, table_fingerprint(table))


class CheckStep(ImportHost):
    """Step 3 of :class:`gui.import_view.ImportView`: the checked rows, editable in place."""

    def _check(self) -> None:
        table = self.state.table
        if table is None:
            return
        self.state.mapping = self.mapping_view.mapping()
        self.state.constants = self.mapping_view.constants()
        self.state.region = self.mapping_view.default_region()
        provider = self._provider
        self.state.job_id = None if self.state.resume is None else self.state.resume[0]
        self.state.job_open = False
        old = (self.state.results, self.state.unapplied)
        self.state.results = Outcomes()
        self.state.unapplied = []
        let_go(*old)
        del old
        self.model.clear()
        rows = len(table.rows)
        self._run(check_table, table, dict(self.state.mapping), dict(self.state.constants), provider,
                  self.state.region, self.mapping_view.chosen_mapping(),
                  text=ngettext("Checking {n} row…", "Checking {n} rows…", rows).format(n=number(rows)),
                  on_result=self._checked, on_failed=self._check_failed)

    def _check_failed(self, exc: BaseException) -> None:
        self.state.resume = None
        if isinstance(exc, UploaderError):
            self.mapping_view.problem.setText(str(exc))
            self._go(Step.COLUMNS)
        else:
            from gui.errors import show_error

            show_error(self, exc)

    def _checked(self, checked: Checked) -> None:
        # a check again: the previous one's checks and identities are freed on gui.memory's reaper thread
        old = (self.state.checks, self.state.results, self.state.duplicates, self.state.checker)
        self.state.checks = checked.checks
        self.state.results = Outcomes(checked.checks, checked.grid.keys)
        self.state.ready = checked.ready
        self.state.checker = checked.checker
        self.state.duplicates = checked.duplicates
        self.state.options = checked.options
        self.state.fingerprint = checked.fingerprint
        self.state.preview_creds = None
        let_go(*old)
        del old
        self.model.set_rows(checked.grid)
        self._go(Step.CHECK)
        forget_source_lines()  # of the validation and upload modules, imported on the way
        if self.state.resume is not None:
            job_id, _spec = self.state.resume
            self.state.resume = None
            self._start(job_id=job_id)

    def _counts_changed(self) -> None:
        """The model's counts changed: the labels follow at once, or during an upload (outcomes shown many
        times a second, each update of the labels ~5-10 ms of layout) once the interval is over."""
        if self.has_running_upload():
            if not self._counts_timer.isActive():
                self._counts_timer.start()
        else:
            self._counts_timer.stop()
            self._update_counts()

    def _update_counts(self) -> None:
        counts = self.model.counts()
        ready = counts.get(READY, 0)
        invalid = counts.get(INVALID, 0)
        self.check_counts.setText(_("{ready} ready · {invalid} with problems (not sent)")
                                  .format(ready=number(ready), invalid=number(invalid)))
        chips = {"ready": ready}
        if invalid:
            chips["invalid"] = invalid
        self.check_chips.set_counts(chips, order=("ready", "invalid"))
        bad = self.check_chips.chips.get("invalid")
        if bad is not None:
            bad.setText(_("{n} with problems (not sent)").format(n=number(invalid)))
        good = self.check_chips.chips.get("ready")
        if good is not None:
            theme.set_prop(good, "tone", "good")
        if self.step is Step.CHECK:
            self._update_buttons()

    def _revalidate(self, row: int, column: int) -> None:
        """A cell was edited: check its row again with the row check of the whole file
        (:class:`core.validation.RowChecker`, the identities of the other rows included)."""
        checker, duplicates = self.state.checker, self.state.duplicates
        table = self.state.table
        if checker is None or duplicates is None or table is None:
            return
        key = self.model.key_at(row)
        pos = self.state.check_index(key)
        old = self.state.checks[pos].contact if pos is not None else None
        if old is not None:
            duplicates.release(key, old.fields)  # its identity is free again unless it stays the same
        check = checker.check(key, self.model.cells_at(row), duplicates)
        if pos is not None:
            self.state.checks[pos] = check
            self.state.ready += (check.contact is not None) - (old is not None)
        cells_bad = cell_problems_of(check.problems, column_resolver(table.headers, self.state.mapping))
        self.model.set_row_check(row, READY if check.ok else INVALID, check.message, cells_bad, check.short)
        self._show_payload_for_row(row)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._show_payload_for_row(self.proxy.mapToSource(indexes[0]).row())

    def select_row(self, source_row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.grid.selectRow(index.row())

    def _show_payload_for_row(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        key = self.model.key_at(row)
        contact = self.state.contact_of(key)
        if contact is None:
            reason = self.model.short_message_at(row)
            self.payload.show_message(_("Row {row} is not sent.").format(row=key) + "\n\n" + reason)
            return
        if self.state.preview_creds is None:
            try:
                self.state.preview_creds = dict(self.context.credentials())
            except CredentialError:
                self.state.preview_creds = placeholder_credentials(self._provider)
        try:
            base_url = self.context.base_url(self.state.preview_creds)
        except UploaderError:
            base_url = self._provider.default_base_url(self.state.preview_creds)
        self.payload.show_contact(self._provider, contact, self.state.options, self.state.preview_creds,
                                  base_url)
