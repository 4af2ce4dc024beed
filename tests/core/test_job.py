"""core.job: the import job both front ends share — the spec kept with the job, the one row check, the
job key, the streamed check and report of the command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.engine import run_job
from core.job import (
    JobSpec,
    check_file,
    default_region,
    job_key,
    job_profile,
    read_settings,
    spec_for,
    spec_key,
)
from core.journal import SCHEMA_VERSION, Journal, table_fingerprint
from core.model import Contact, Outcome, RowResult
from core.providers import get_provider
from core.reading import read_table, stream_table
from core.report import write_report
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from core.validation import Duplicates, RowChecker, prepare
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv
from tests.core.test_upload_cli import cred_env, read_report, run_cli

OCTOPUSH = get_provider("octopush")
MAPPING = {3: "phone_number", 0: "first_name", 1: "last_name"}


def messy_rows() -> list[list[str]]:
    rows = contact_rows(12)
    rows[2][3] = "0532 12"  # too short
    rows[5][3] = rows[1][3]  # the same phone as an earlier row
    rows[7][3] = ""  # required and empty
    rows[9][3] = "3.36112E+10"  # Excel's scientific notation
    return rows


def test_the_row_check_of_an_edited_row_is_the_row_check_of_the_file(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *messy_rows()])
    table = read_table(source)
    prepared = prepare(table, MAPPING, {}, OCTOPUSH, "TR")
    checker = RowChecker(table.headers, MAPPING, {}, OCTOPUSH, "TR")
    duplicates = Duplicates(OCTOPUSH)
    for key, row, expected in zip(table.row_numbers, table.rows, prepared.checks, strict=True):
        got = checker.check(key, row, duplicates)
        assert (got.ok, got.message, got.contact) == (expected.ok, expected.message, expected.contact)
    assert sum(not c.ok for c in prepared.checks) == 4
    # an edited cell: the same check, the first row keeping its identity
    fixed = list(table.rows[2])
    fixed[3] = "+90 532 999 88 77"
    again = checker.check(table.row_numbers[2], fixed, duplicates)
    assert again.ok
    assert again.contact is not None
    assert again.contact.fields["phone_number"] == "+905329998877"
    same = checker.check(99, fixed, duplicates)
    first = table.row_numbers[2]
    assert not same.ok
    assert same.problems[0].reason == f"same mobile phone as row {first} (kept row {first})."
    assert same.problems[0].column == "Cep Telefonu"
    duplicates.release(first, again.contact.fields)  # the first row changed again: the number is free
    assert checker.check(99, fixed, duplicates).ok


def test_a_problem_carries_its_column_and_reason_as_fields(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *messy_rows()])
    table = read_table(source)
    checks = prepare(table, MAPPING, {}, OCTOPUSH, "TR").checks
    short = checks[2].problems[0]
    assert short.column == "Cep Telefonu"
    assert short.field == "phone_number"
    assert short.reason.startswith("'0532 12' is not a valid phone number")
    assert short.message == f"Row {checks[2].key}, column 'Cep Telefonu': {short.reason}"
    empty = checks[7].problems[0]
    assert empty.column == "Cep Telefonu"
    assert "for every contact" in empty.reason
    assert empty.message == f"Row {checks[7].key}: {empty.reason}"


def test_the_streamed_check_and_report_match_the_whole_table(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *messy_rows()], delimiter=";")
    table = read_table(source)
    prepared = prepare(table, MAPPING, {}, OCTOPUSH, "TR")
    stream = stream_table(source)
    checker = RowChecker(stream.headers, MAPPING, {}, OCTOPUSH, "TR")
    with check_file(stream, checker, OCTOPUSH) as checked:
        spool = Path(checked.path)
        assert spool.exists()
        assert (checked.valid, checked.invalid) == (len(prepared.contacts), len(prepared.invalid))
        assert list(checked.contacts()) == prepared.contacts
        assert checked.options == prepared.options
        from core.job import report_rows

        streamed = list(report_rows(checked))
    assert not spool.exists()  # the spool goes with the check
    whole = tmp_path / "whole.csv"
    write_report(whole, table, {}, prepared.checks)
    from core.report import write_report_rows

    write_report_rows(tmp_path / "streamed.csv", stream.headers, iter(streamed))
    assert (tmp_path / "streamed.csv").read_bytes() == whole.read_bytes()


def test_the_journal_keeps_the_spec_and_an_older_journal_is_migrated(tmp_path: Path) -> None:
    from core.journal import _SCHEMA

    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)  # a journal as version 1 wrote it: no spec column
    db.executescript(_SCHEMA)
    db.execute("INSERT INTO jobs (fingerprint, provider, profile, mapping, options, total, source, state, "
               "created, updated) VALUES ('fp', 'octopush', 'default', '{}', '{}', 3, '/x.csv', 'open', 1, "
               "1)")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Journal(path) as journal:
        old = journal.unfinished_jobs()[0]
        assert old.spec is None
        assert JobSpec.from_job(old) is None
        source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(3)])
        table = read_table(source)
        spec = spec_for(table, OCTOPUSH, profile="shop2", mapping=MAPPING, constants={"list_name": "vip"},
                        region="TR")
        key = job_key(table, OCTOPUSH, "shop2", MAPPING, {"list_name": "vip"}, "TR")
        from core.job import create_job

        job_id = create_job(journal, key, spec, {"list_name": "vip"}, 3)
        stored = JobSpec.from_job(journal.job(job_id))
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert stored == spec
    assert stored.reading == read_settings(table)  # the reading as detected, not "detect again"
    assert stored.reading.header_row == 1
    assert stored.reading.delimiter == ","
    assert stored.settings.mapping == {"Cep Telefonu": "phone_number", "Ad": "first_name",
                                       "Soyad": "last_name"}
    assert key.fingerprint == table_fingerprint(table)
    assert spec_key(stored, table.headers) == key  # the key comes back from the stored spec alone
    assert stored.fingerprint() == key.fingerprint


def test_a_cli_job_keeps_its_spec_so_it_resumes_without_guessing(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [["Export", "", ""], ["", "", ""], ["Ad", "Soyad", "Cep Telefonu"],
            *[[r[0], r[1], r[3]] for r in contact_rows(4)]]
    source = write_csv(tmp_path / "c.csv", rows, delimiter=";", encoding="cp1254")
    status, _out, err = run_cli(["upload", str(source), "--provider", "octopush", "--base-url",
                                sandbox.base_url("octopush"), "--set", "list_name=vip"],
                               monkeypatch, cred_env("octopush"))
    assert status == 0, err
    with Journal() as journal:
        job = journal._jobs("", ())[0]
    spec = JobSpec.from_job(job)
    assert spec is not None
    assert spec.file == str(source.resolve())
    assert (spec.reading.header_row, spec.reading.encoding, spec.reading.delimiter) == (3, "cp1254", ";")
    assert spec.settings.constants == {"list_name": "vip"}
    table = read_table(spec.file, header_row=spec.reading.header_row, encoding=spec.reading.encoding,
                       delimiter=spec.reading.delimiter)
    key = spec_key(spec, table.headers)
    assert (key.fingerprint, key.mapping) == (job.fingerprint, job.mapping)


def test_the_engine_reads_a_streamed_job_lazily(sandbox: Sandbox) -> None:
    contacts = [Contact(key=i + 2, fields={"phone_number": f"+3361122{i:04d}"}) for i in range(450)]
    consumed: list[int] = []

    def lazily() -> Iterator[Contact]:
        for contact in contacts:
            consumed.append(contact.key)
            yield contact

    with Journal() as journal:
        job = journal.create_job("fp", "octopush", "default", {}, {}, len(contacts))
        journal.record_many(job, [])
        summary = run_job(OCTOPUSH, DEMO_CREDENTIALS["octopush"], sandbox.base_url("octopush"), lazily(), {},
                          journal=journal, job_id=job, total=len(contacts))
        assert summary.finished
        assert summary.done == 450
        assert len(journal.results(job)) == 450
        # resumed: the rows that ended are not sent again, counted from the journal
        before = len(sandbox.received("octopush"))
        again = run_job(OCTOPUSH, DEMO_CREDENTIALS["octopush"], sandbox.base_url("octopush"), iter(contacts),
                        {}, journal=journal, job_id=job, total=len(contacts))
        assert again.done == 450
        assert len(sandbox.received("octopush")) == before
    assert consumed == [c.key for c in contacts]


def test_one_default_region_and_job_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from core import settings

    assert default_region(OCTOPUSH, "default", " GB ") == "GB"
    assert job_profile("shop2", False) == "shop2"
    assert job_profile("shop2", True) == "demo"
    loaded = settings.load()
    monkeypatch.setattr(type(loaded), "default_country", lambda self, provider, profile: "ES")
    assert default_region(OCTOPUSH, "default", None) == "ES"


def test_the_cli_dry_run_report_of_a_streamed_csv_is_the_same_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *messy_rows()])
    report = tmp_path / "r.csv"
    status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--default-region", "TR",
                                "--map", "Cep Telefonu=phone_number", "--dry-run", "--report", str(report)],
                               monkeypatch)
    assert status == 1, err
    assert "8 ready, 4 invalid" in out
    table = read_table(source)
    prepared = prepare(table, {3: "phone_number"}, {}, OCTOPUSH, "TR")
    expected = tmp_path / "expected.csv"
    ready = {c.key: RowResult(c.key, Outcome.READY, message="Ready to send to Octopush.")
             for c in prepared.contacts}
    write_report(expected, table, ready, prepared.checks)
    assert report.read_bytes() == expected.read_bytes()
    assert [r["status"] for r in read_report(report)].count("invalid") == 4
    with Journal() as journal:
        assert journal.unfinished_jobs() == []  # a dry run starts no job


def test_a_problem_without_its_row_for_a_grid(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *messy_rows()])
    table = read_table(source)
    checks = prepare(table, MAPPING, {}, OCTOPUSH, "TR").checks
    short = checks[2]
    assert short.short == f"Cep Telefonu: {short.problems[0].reason}"
    assert short.message == f"Row {short.key}, column 'Cep Telefonu': {short.problems[0].reason}"
    empty = checks[7]
    assert empty.short == empty.problems[0].reason[:1].upper() + empty.problems[0].reason[1:]
    assert not empty.short.startswith("Row")
