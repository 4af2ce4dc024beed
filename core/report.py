"""The upload report: one CSV row per source row, for Excel and for support (SPEC 8 and 12).

Columns ``row,status,code,message,id`` then the source columns in their original order. UTF-8 with a
byte-order mark and CRLF line ends, so Excel opens it with the right characters. Every cell that a
spreadsheet program would run as a formula gets a leading ``'``; a phone number such as
``+90 532 123 45 67`` or a plain number such as ``-12.5`` is left as it is.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from core.errors import ConfigError
from core.i18n import N_, _
from core.model import Outcome, RowResult

HEADER = ("row", "status", "code", "message", "id")
NOT_SENT = N_("Not sent yet: the upload stopped before this row. Run it again with --resume.")

# digits with the separators people type in phone numbers: "+90 532 123 45 67", "+33 (0)6-11.22.33.44"
_PHONE = re.compile(r"[+-][\d\s().\-/]*\d[\d\s().\-/]*")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_ALWAYS = ("=", "@", "\t", "\r")


class TableLike(Protocol):
    """What the report needs of :class:`core.reading.Table`."""

    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]


class CheckLike(Protocol):
    """What the report needs of :class:`core.validation.RowCheck`."""

    key: int

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...


def neutralise(cell: str) -> str:
    """The cell with a leading ``'`` when a spreadsheet would take it for a formula."""
    if not cell:
        return cell
    first = cell[0]
    if first in _ALWAYS:
        return "'" + cell
    if first in "+-" and not (_PHONE.fullmatch(cell) or _NUMBER.fullmatch(cell)):
        return "'" + cell
    return cell


def report_rows(
    table: TableLike,
    results_by_key: Mapping[int, RowResult],
    checks: Sequence[CheckLike] | None = None,
) -> Iterator[list[str]]:
    """The report's data rows (not neutralised), in source order."""
    by_key = {c.key: c for c in checks or ()}
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        check = by_key.get(number)
        yield report_row(number, cells, results_by_key.get(number),
                         check.message if check is not None and not check.ok else None)


def report_row(number: int, cells: Sequence[str], result: RowResult | None, invalid: str | None) -> list[str]:
    """One data row of the report (not neutralised): ``invalid`` is the row's problems when it was not
    valid; else the ``result`` it got, or none yet (not sent)."""
    if invalid is not None:
        status, code, message, contact_id = str(Outcome.INVALID), "", invalid, ""
    elif result is not None:
        status, code, message, contact_id = (
            str(result.outcome), result.code, result.message or result.raw_text, result.contact_id
        )
    else:
        status, code, message, contact_id = str(Outcome.PENDING), "", _(NOT_SENT), ""
    return [str(number), status, code, " ".join(message.split()), contact_id, *cells]


def check_report_target(path: str | os.PathLike[str]) -> None:
    """ConfigError when a report could not be written at ``path`` (a folder, a folder that cannot be made, no
    right to write there), so that an upload refuses before it sends anything rather than after."""
    target = Path(path).expanduser()
    if target.is_dir():
            raise ConfigError(_("Cannot write the report {file}: it is a folder; give a file name such as "
                            "{example}.").format(file=target, example=target / "report.csv"))
    fd, tmp = _temp_beside(target)
    os.close(fd)
    os.unlink(tmp)


def _temp_beside(target: Path) -> tuple[int, str]:
    """A new private temporary file in ``target``'s folder (made if missing); ConfigError naming it."""
    directory = target.parent if str(target.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=".report-", suffix=".csv", dir=directory)
    except OSError as exc:
        raise ConfigError(_("Cannot write the report {file}: {reason}.").format(
            file=target, reason=exc.strerror or exc)) from None


def write_report(
    path: str | os.PathLike[str],
    table: TableLike,
    results_by_key: Mapping[int, RowResult],
    checks: Sequence[CheckLike] | None = None,
) -> Path:
    """Write the report to ``path`` (atomically: a half-written report never replaces a good one)."""
    return write_report_rows(path, table.headers, report_rows(table, results_by_key, checks))


def write_report_rows(
    path: str | os.PathLike[str], headers: Sequence[str], rows: Iterable[list[str]]
) -> Path:
    """Write a report of these data rows (:func:`report_row`), streamed: a million rows are never held.
    Atomic: a report whose rows could not all be written (the iterator raised) never replaces a good one."""
    target = Path(path).expanduser()
    fd, tmp = _temp_beside(target)
    try:
        with open(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow([*HEADER, *(neutralise(h) for h in headers)])
            for row in rows:
                writer.writerow([neutralise(cell) for cell in row])
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise
        raise ConfigError(_("Cannot write the report {file}: {reason}.").format(
            file=target, reason=exc.strerror or exc)) from None
    return target
