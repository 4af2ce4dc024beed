"""Step 2 of the import, the columns: which column goes to which field, the options, saved imports.

:func:`suggest_mapping` runs on a worker thread as soon as the table is read; :class:`ColumnsStep` fills
the :class:`gui.mapping_view.MappingView` with it (or with a saved import's choices, showing where the file
differs) and writes the ``.cuimport`` file of "Save import settings…".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from core.errors import UploaderError, UsageError
from core.i18n import _
from core.providers.base import Provider
from core.saved_import import Reading, SavedImport
from gui.import_host import ImportHost
from gui.import_state import Step

if TYPE_CHECKING:
    from core.mapping import Suggestion

log = logging.getLogger(__name__)


def suggest_mapping(headers: list[str], provider: Provider,
                    rows: Sequence[Sequence[str]] | None = None) -> tuple[dict[int, str], list[Suggestion]]:
    """The remembered mapping for this file shape, else the automatic suggestion from the headers and the
    rows, with the :class:`core.mapping.Suggestion` of each column (why it was suggested) (worker thread)."""
    from core.mapping import MappingMemory, Suggestion, suggest

    try:
        remembered = MappingMemory().recall(headers, provider)
    except UploaderError:
        remembered = None
    if remembered is not None:
        return remembered, [Suggestion(i, headers[i], fid, "remembered") for i, fid in remembered.items()]
    suggestions = suggest(headers, provider, rows)
    return {s.column: s.field for s in suggestions}, suggestions


def _differs(wanted: object, actual: object) -> bool:
    """A reading choice a saved import makes (not None) that the file was not read with."""
    if wanted is None:
        return False
    if isinstance(wanted, str) and isinstance(actual, str):
        return wanted.casefold() != actual.casefold()
    return bool(wanted != actual)



class ColumnsStep(ImportHost):
    """Step 2 of :class:`gui.import_view.ImportView`: the mapping, the options and saved imports."""

    def _show_mapping(self, mapping: dict[int, str] | None = None, constants: dict[str, str] | None = None,
                      region: str | None = None) -> None:
        table = self.state.table
        assert table is not None
        provider = self._provider = self.context.provider
        suggestions: list[Suggestion] = []
        if mapping is None:
            if self.state.suggested is not None and self.state.suggested[0] == provider.name:
                _name, mapping, suggestions = self.state.suggested
            else:
                mapping, suggestions = suggest_mapping(table.headers, provider, table.rows)
        if region is None:
            region = self.context.default_region()
        chosen = constants if constants is not None else self.state.constants
        # else prepare_mapping() filled the step already, and it is untouched since
        if self._mapping_key(provider, mapping, chosen, region) != self._mapping_shown:
            self._fill_mapping(provider, mapping, chosen, region, suggestions)
        self._mapping_shown = None  # from now on the user may change it
        self._go(Step.COLUMNS)

    def prepare_mapping(self) -> None:
        """Fill the columns step while the file step is still shown (the suggestion has come): filling it
        costs ~25 ms of widgets and showing it ~15 ms more, each below the 50 ms a window may stall, but
        not together. "Next" then only shows it (:meth:`_show_mapping` sees it is the same)."""
        table = self.state.table
        suggested = self.state.suggested
        if (table is None or suggested is None or self.step is not Step.FILE or self.state.saved is not None
                or self.state.resume is not None or suggested[0] != self.context.provider.name):
            return
        self._provider = provider = self.context.provider
        _name, mapping, suggestions = suggested
        region = self.context.default_region()
        self._fill_mapping(provider, mapping, self.state.constants, region, suggestions)
        self._mapping_shown = self._mapping_key(provider, mapping, self.state.constants, region)

    def _fill_mapping(self, provider: Provider, mapping: Mapping[int, str], constants: Mapping[str, str],
                      region: str, suggestions: Sequence[Suggestion]) -> None:
        table = self.state.table
        assert table is not None
        self.mapping_view.set_source(table.headers, table.rows[:20], provider, mapping, constants, region,
                                     suggestions=suggestions)

    def _mapping_key(self, provider: Provider, mapping: Mapping[int, str], constants: Mapping[str, str],
                     region: str) -> tuple[Any, ...]:
        """What the columns step shows: the table read last (its read's generation) and the choices."""
        table = self.state.table
        headers = tuple(table.headers) if table is not None else ()
        return (self._generation, headers, provider.name, tuple(sorted(mapping.items())),
                tuple(sorted(constants.items())), region)

    def apply_saved(self, saved: SavedImport, source: str) -> bool:
        """Apply a saved import (its provider and profile already chosen by the window) to the open file:
        read it again when the saved reading differs, then fill the columns step from it and show where
        the file differs. Without an open file it waits for the next one; False then."""
        if self.has_running_upload():
            return False
        self.state.saved = (saved, source)
        table = self.state.table
        if table is None:
            if self.file_step.path is None:
                return False
            self.state.resume = None  # a file is being read (or could not be): read it again as saved
            self._go(Step.FILE)
            self._read(self.file_step.path, self._saved_settings())
            return True
        wanted = self._saved_settings()
        if _differs(wanted.sheet, table.sheet) or _differs(wanted.header_row, table.header_row) or \
                _differs(wanted.encoding, table.encoding) or _differs(wanted.delimiter, table.delimiter):
            self.state.table = None
            self._go(Step.FILE)
            self._read(Path(table.path), wanted)
        else:
            self._apply_saved_now()
        return True

    def _apply_saved_now(self) -> None:
        assert self.state.saved is not None
        assert self.state.table is not None
        saved, source = self.state.saved
        self.state.saved = None
        self.state.saved_reading = saved.reading
        fit = saved.fit(self.state.table.headers)
        self.state.constants = dict(saved.constants)
        self._show_mapping(dict(fit.mapping), dict(saved.constants), saved.default_region)
        self.mapping_view.show_saved(source, fit.missing, fit.new)

    def saved_settings(self) -> SavedImport:
        """The settings of the checked import, minus the file: what :meth:`save_settings` writes."""
        table = self.state.table
        if table is None:
            raise UsageError(_("Open a spreadsheet and check its rows before saving the import settings."))
        profile = "default" if self.context.is_demo else (self.context.profile or "default")
        chosen = self.file_step.settings(with_header=False)
        raw = self.file_step.raw
        detected_header = raw.header_row if raw is not None else None
        first_sheet = self.file_step.sheet.itemText(0) if self.file_step.sheet.count() else None
        kept = self.state.saved_reading  # what the saved import applied chose, unless the user changed it
        reading = Reading(  # as chosen; None = detected again for each file
            sheet=table.sheet if table.sheet and (table.sheet != first_sheet or kept.sheet) else None,
            header_row=table.header_row if table.header_row != detected_header or kept.header_row is not None
            else None,
            encoding=chosen.encoding or kept.encoding, delimiter=chosen.delimiter or kept.delimiter,
        )
        # the region only when it is not the usual one (the profile's country, else the provider's): as
        # on the command line, without one the profile's default keeps applying wherever the file runs
        usual = self.context.default_region().upper()
        region = self.state.region.strip().upper()
        given = region if region and region != usual else None
        return SavedImport.from_choices(
            self._provider, headers=table.headers, mapping=self.state.mapping, profile=profile,
            reading=reading,
            constants=self.state.constants, default_region=given,
        )

    def save_settings(self, path: str | Path) -> Path:
        """Write the ``.cuimport`` file (never a secret: the credentials' secret values are refused)."""
        saved = self.saved_settings()
        secrets: list[str] = []
        try:
            creds = dict(self.context.credentials())
            secrets = [creds.get(c.id, "") for c in self._provider.credential_fields if c.secret]
        except (UploaderError, OSError):
            secrets = []
        written = saved.save(path, secrets=secrets)
        log.info("saved the import settings to %s", written)
        return written

    def _save_settings_clicked(self) -> None:
        from core.saved_import import SUFFIX

        table = self.state.table
        if table is None or not self.can_save_settings():
            return
        name = Path(table.path).stem + SUFFIX
        path, _filter = QFileDialog.getSaveFileName(self, _("Save import settings"), name,
                                                    _("Saved imports (*{suffix})").format(suffix=SUFFIX))
        if not path:
            return
        if not path.endswith(SUFFIX):
            path += SUFFIX
        try:
            written = self.save_settings(path)
        except UploaderError as exc:
            from gui.errors import show_error

            show_error(self, exc)
            return
        self.busy_label.setText(_("Import settings saved to {file}.").format(file=written.name))
        self.settingsSaved.emit(str(written))

    def _refresh_groups(self) -> None:
        from gui.group_picker import GroupPicker

        picker = self.mapping_view.option_inputs.get("group_id")
        if isinstance(picker, GroupPicker) and picker.isVisible():
            picker.refresh()

    def _group_source(self) -> tuple[dict[str, str], str]:
        """Credentials and base URL for the group picker of the options (raises when none are stored)."""
        creds = dict(self.context.credentials())
        return creds, self.context.base_url(creds)
