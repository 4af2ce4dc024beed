"""What the import remembers between its steps: one :class:`ImportState`, replaced whole by a reset.

The steps (:mod:`gui.import_reading`, :mod:`gui.import_columns`, :mod:`gui.import_check`,
:mod:`gui.import_upload`, :mod:`gui.import_results`) read and write this one object; "Import another file"
is ``view.state = ImportState()``, so a new field cannot be forgotten by the reset.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import IntEnum
from operator import attrgetter
from typing import TYPE_CHECKING

from core.i18n import N_
from core.model import Contact, RowResult
from core.saved_import import Reading, SavedImport

if TYPE_CHECKING:
    from core.job import JobSpec
    from core.mapping import Suggestion
    from core.reading import Table
    from core.validation import Duplicates, RowCheck, RowChecker
    from gui.table_model import GridData

DEMO_PROFILE = "demo"  # the journal profile of demo jobs, as core.upload names it


class Step(IntEnum):
    FILE = 0
    COLUMNS = 1
    CHECK = 2
    UPLOAD = 3
    RESULTS = 4


STEP_TITLES = (N_("File"), N_("Columns"), N_("Check"), N_("Upload"), N_("Results"))


@dataclass
class Checked:
    """The outcome of :func:`gui.import_check.check_table` for the grid and the upload.

    The checks (in source order, one per row) are the only per-row record of the verdicts: the ready
    contacts are looked up in them by key (:meth:`ImportView.contact_of`) rather than copied into a dict.
    """

    grid: GridData
    checks: list[RowCheck]
    options: dict[str, str]
    ready: int  # how many rows are ready to send
    checker: RowChecker  # the row check of this mapping, for an edited row
    duplicates: Duplicates  # the identities of the rows, for the duplicate check of an edited row
    fingerprint: str = ""  # core.journal.table_fingerprint(table): the journal key of the CLI


@dataclass
class ImportState:
    """Everything one import knows, from the file read to the upload's results."""

    table: Table | None = None  # the whole table, once read
    resume: tuple[int, JobSpec] | None = None  # (job id, spec) while an unfinished job is being resumed
    mapping: dict[int, str] = field(default_factory=dict)  # source column index -> field id (checked)
    constants: dict[str, str] = field(default_factory=dict)  # field id -> one value for every row
    region: str = ""  # the default country of phone numbers, as the columns step had it
    options: dict[str, str] = field(default_factory=dict)  # the job options of the check
    fingerprint: str = ""  # core.journal.table_fingerprint of the checked table
    checks: list[RowCheck] = field(default_factory=list)  # one per source row, in source order
    ready: int = 0  # how many checks hold a contact ready to send
    checker: RowChecker | None = None  # the check's row check (core.validation), for an edited row
    duplicates: Duplicates | None = None  # the identities of the checked rows
    results: dict[int, RowResult] = field(default_factory=dict)  # row key -> the upload's outcome
    unapplied: list[RowResult] = field(default_factory=list)  # arrived, not yet shown in the grid
    job_id: int | None = None  # the journal job of the upload shown
    job_open: bool = False  # that job can be resumed
    preview_creds: dict[str, str] | None = field(default=None, repr=False)  # for the payload preview
    suggested: tuple[str, dict[int, str], list[Suggestion]] | None = None  # (provider, mapping, why)
    saved: tuple[SavedImport, str] | None = None  # a saved import to apply to the next table read
    saved_reading: Reading = field(default_factory=Reading)  # of the saved import applied, until changed

    def check_index(self, key: int) -> int | None:
        """The position of row ``key``'s check in ``checks`` (they are in ascending key order)."""
        checks = self.checks
        pos = bisect.bisect_left(checks, key, key=attrgetter("key"))
        return pos if pos < len(checks) and checks[pos].key == key else None

    def contact_of(self, key: int) -> Contact | None:
        """Row ``key``'s contact when it is ready to send, else None."""
        pos = self.check_index(key)
        return None if pos is None else self.checks[pos].contact

    def ready_contacts(self) -> list[Contact]:
        return [c.contact for c in self.checks if c.contact is not None and not c.problems]
