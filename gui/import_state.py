"""What the import remembers between its steps: one :class:`ImportState`, replaced whole by a reset.

The steps (:mod:`gui.import_reading`, :mod:`gui.import_columns`, :mod:`gui.import_check`,
:mod:`gui.import_upload`, :mod:`gui.import_results`) read and write this one object; "Import another file"
is ``view.state = ImportState()``, so a new field cannot be forgotten by the reset.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from itertools import compress
from operator import attrgetter, not_
from typing import TYPE_CHECKING

from core.i18n import N_
from core.model import Contact, Outcome, RowResult
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


_OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
_CODE = {outcome: index + 1 for index, outcome in enumerate(_OUTCOMES)}  # 0: no result yet
_TEXTS = ("code", "raw_text", "message", "contact_id", "field")
_texts_of = attrgetter(*_TEXTS)  # a result's texts in one call
BLOCK = 4096  # positions per block of a TextColumn


class TextColumn:
    """One text per position, "" unless set, kept in blocks of :data:`BLOCK` made when first written.

    A list of a million "" made in one go (when the first result with that text arrives, on the GUI
    thread) costs 6-80 ms; a block costs microseconds, and a column of rows never written costs nothing.
    """

    __slots__ = ("_blocks",)

    def __init__(self, size: int) -> None:
        self._blocks: list[list[str] | None] = [None] * -(-size // BLOCK)

    def __getitem__(self, pos: int) -> str:
        block = self._blocks[pos // BLOCK]
        return "" if block is None else block[pos % BLOCK]

    def __setitem__(self, pos: int, value: str) -> None:
        index = pos // BLOCK
        block = self._blocks[index]
        if block is None:
            if not value:
                return
            block = self._blocks[index] = [""] * BLOCK
        block[pos % BLOCK] = value

    def blocks(self) -> int:
        """How many blocks were made."""
        return sum(block is not None for block in self._blocks)

    def copy(self) -> TextColumn:
        other = TextColumn(0)
        other._blocks = [None if block is None else list(block) for block in self._blocks]
        return other


class Outcomes:
    """The upload's result of each checked row, kept by column rather than as one object per row.

    A million :class:`~core.model.RowResult` objects in a dict cost about 200 MB and make the garbage
    collector walk them all while the upload runs (a pause of the whole window). Here a row's outcome is one
    byte and each text one reference in a :class:`TextColumn` (the provider's answers share their strings),
    at the row's position in ``checks`` (ascending keys). :meth:`to_dict` gives the results back as
    RowResults. Adding a batch costs in proportion to the batch, never to the table.
    """

    def __init__(self, checks: list[RowCheck] | None = None, keys: list[int] | None = None) -> None:
        """``keys``: the checks' keys, in the same order (the table's row numbers), when at hand: a row is
        then found by a binary search over plain numbers (a few times faster than over the checks)."""
        self._checks: list[RowCheck] = checks if checks is not None else []
        self._keys = keys if keys is not None and len(keys) == len(self._checks) else None
        self._outcome = bytearray(len(self._checks))
        self._texts: dict[str, TextColumn] = {}  # a text column appears once a result has that text
        self._count = 0

    def _position(self, key: int) -> int | None:
        keys = self._keys
        if keys is not None:
            pos = bisect.bisect_left(keys, key)
            return pos if pos < len(keys) and keys[pos] == key else None
        checks = self._checks
        pos = bisect.bisect_left(checks, key, key=attrgetter("key"))
        return pos if pos < len(checks) and checks[pos].key == key else None

    def add(self, results: Iterable[RowResult]) -> None:
        outcome, texts, size = self._outcome, self._texts, len(self._outcome)
        texts_of = _texts_of
        for result in results:
            pos = self._position(result.key)
            if pos is None:
                continue
            if not outcome[pos]:
                self._count += 1
            outcome[pos] = _CODE[result.outcome]
            values = texts_of(result)
            if not any(values):
                for earlier in texts.values():  # the texts of an earlier result at this position go
                    earlier[pos] = ""
                continue
            for name, value in zip(_TEXTS, values, strict=True):
                column = texts.get(name)
                if column is None:
                    if not value:
                        continue
                    column = texts[name] = TextColumn(size)
                column[pos] = value

    def __len__(self) -> int:
        return self._count

    def copy(self) -> Outcomes:
        other = Outcomes(self._checks, self._keys)
        other._outcome = bytearray(self._outcome)
        other._texts = {name: column.copy() for name, column in self._texts.items()}
        other._count = self._count
        return other

    def to_dict(self) -> dict[int, RowResult]:
        """Row key -> its result, for the report (a worker thread builds it: one object per row)."""
        out: dict[int, RowResult] = {}
        texts = self._texts
        for pos, code in enumerate(self._outcome):
            if code:
                values = {name: column[pos] for name, column in texts.items()}
                key = self._checks[pos].key
                out[key] = RowResult(key, _OUTCOMES[code - 1], **values)
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Outcomes) and other.to_dict() == self.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable


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
    results: Outcomes = field(default_factory=Outcomes)  # the upload's outcome of each row
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
        return ready_contacts(self.checks)


READY_CHUNK = 20_000  # checks looked at in one C call by ready_contacts (~1-2 ms of held GIL)


def ready_contacts(checks: Sequence[RowCheck]) -> list[Contact]:
    """The contacts of the checks ready to send, in order. A million checks take ~100 ms: the upload
    worker builds this list (:class:`gui.upload_worker.UploadRequest` ``checks``), never the GUI thread.

    In C-speed slices with the GIL let go between them, rather than a Python loop: while a worker runs
    Python, each of the GUI thread's calls into Python (a repaint makes hundreds) waits for the GIL, and
    the upload starts just as its page is painted."""
    out: list[Contact] = []
    for start in range(0, len(checks), READY_CHUNK):
        if start:
            time.sleep(0)
        chunk = checks[start:start + READY_CHUNK]
        # RowCheck.ok, in C: a contact (never falsy) and no problems
        out.extend(filter(None, compress(map(_contact, chunk), map(not_, map(_problems, chunk)))))
    return out


_contact = attrgetter("contact")
_problems = attrgetter("problems")
