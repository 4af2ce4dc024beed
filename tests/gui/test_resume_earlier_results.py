"""UploadJob._report_earlier streams the ended rows of a resumed job a batch at a time (issue 12): each row
is reported once, earlier results and new ones never interleave, a cancel delivers only what ended."""

from __future__ import annotations

from collections import Counter

from core.journal import Journal
from core.model import Outcome, RowResult
from gui import workers
from gui.upload_worker import UploadBatch, UploadJob
from gui.workers import start_task
from tests.gui.test_upload_worker import _request


def _resumable(sandbox, tmp_path, rows: int, ended: list[int], extra: list[int]):
    from core.job import create_job

    req = _request(sandbox, tmp_path, rows)
    with Journal() as j:
        job_id = create_job(j, req.key, req.spec, req.options, rows)
        j.mark_in_flight(job_id, ended + extra)
        j.record_many(job_id, [RowResult(k, Outcome.ADDED, "", "ok", "", f"id{k}") for k in ended + extra])
        j.mark_in_flight(job_id, [ended[-1] + 1])  # one left in flight: re-sent
    req.job_id = job_id
    return req


def test_a_resumed_job_reports_each_row_once_with_its_final_outcome(qtbot, sandbox, tmp_path):
    rows = 12_000  # earlier results in several batches of 5000
    ended = list(range(2, 2 + 7_000))
    extra = [90_000, 90_001]  # rows of the job that are not among these contacts
    req = _resumable(sandbox, tmp_path, rows, ended, extra)
    batches: list[UploadBatch] = []
    summaries: list[object] = []
    start_task(UploadJob(req), on_progress=batches.append, on_result=summaries.append, pass_cancel=True,
               pass_report=True, result_on_cancel=True, name="upload")
    assert workers.wait_all(60000)
    assert len(summaries) == 1
    keys = Counter(r.key for b in batches for r in b.results)
    assert [k for k, n in keys.items() if n > 1] == []
    assert set(range(2, rows + 2)) <= set(keys)
    assert len(sandbox.contacts("octopush")) == rows - len(ended)


def test_a_resumed_job_cancelled_at_once_reports_only_final_results(qtbot, sandbox, tmp_path):
    rows = 12_000
    ended = list(range(2, 2 + 7_000))
    req = _resumable(sandbox, tmp_path, rows, ended, [])
    batches: list[UploadBatch] = []
    summaries: list[object] = []
    task = start_task(UploadJob(req), on_progress=batches.append, on_result=summaries.append,
                      pass_cancel=True, pass_report=True, result_on_cancel=True, name="upload")
    task.cancel()
    assert workers.wait_all(60000)
    assert len(summaries) == 1
    assert summaries[0].cancelled  # type: ignore[attr-defined]
    results = [r for b in batches for r in b.results]
    assert len(results) == len({r.key for r in results})
    assert {r.key for r in results} == set(ended)
    assert sandbox.contacts("octopush") == []
