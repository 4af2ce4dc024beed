"""The upload as a gui.workers task: batches for the grid, the job id first, cancel through the task."""

from __future__ import annotations

from pathlib import Path

from core.model import Contact
from core.providers import get_provider
from core.sandbox import DEMO_CREDENTIALS
from gui import workers
from gui.upload_worker import UploadBatch, UploadJob, UploadRequest
from gui.workers import start_task
from tests.gui.test_upload_flow import _phone


def _request(sandbox, tmp_path: Path, rows: int) -> UploadRequest:
    from core.job import job_key, spec_for
    from core.reading import read_table

    source = tmp_path / "contacts.csv"
    source.write_text("phone\n" + "\n".join(_phone(i) for i in range(rows)) + "\n", encoding="utf-8")
    table = read_table(source)
    octopush = get_provider("octopush")
    spec = spec_for(table, octopush, profile="default", mapping={0: "phone_number"}, constants={},
                    region=None)
    key = job_key(table, octopush, "demo", {0: "phone_number"}, {}, None)
    contacts = [Contact(i + 2, {"phone_number": _phone(i)}) for i in range(rows)]
    return UploadRequest(provider=get_provider("octopush"), creds=dict(DEMO_CREDENTIALS["octopush"]),
                         base_url=sandbox.base_url("octopush"), contacts=contacts, options={"list_name": "t"},
                         spec=spec, key=key, total_rows=rows)


def test_results_arrive_batched_after_the_job_id(qtbot, sandbox, tmp_path):
    job = UploadJob(_request(sandbox, tmp_path, 1000))
    batches: list[UploadBatch] = []
    summaries: list[object] = []
    task = start_task(job, on_progress=batches.append, on_result=summaries.append, pass_cancel=True,
                      pass_report=True, result_on_cancel=True, name="upload")
    assert task in workers.active_tasks()  # the window's cancel_all/wait_all see the upload
    assert task.worker_thread.objectName() == "worker:upload"
    assert task.wait(30000)
    assert len(summaries) == 1
    first = batches[0]
    assert first.job_id is not None
    assert first.results == []
    assert first.progress is None
    assert job.job_id == first.job_id
    keys = [r.key for b in batches for r in b.results]
    assert sorted(keys) == list(range(2, 1002))  # every row once
    assert len(batches) < 100  # batched (ten a second), not one signal per row


def test_cancel_all_stops_the_upload_and_its_summary_still_arrives(qtbot, sandbox, tmp_path):
    sandbox.latency = 0.4  # 200 per request: several rounds
    job = UploadJob(_request(sandbox, tmp_path, 1200))
    batches: list[UploadBatch] = []
    summaries: list[object] = []
    finished: list[bool] = []
    start_task(job, on_progress=batches.append, on_result=summaries.append,
               on_finished=lambda: finished.append(True), pass_cancel=True, pass_report=True,
               result_on_cancel=True, name="upload")
    qtbot.waitUntil(lambda: any(b.results for b in batches), timeout=20000)
    workers.cancel_all()
    assert workers.wait_all(30000)
    assert finished == [True]
    assert len(summaries) == 1
    summary = summaries[0]
    assert summary.cancelled  # type: ignore[attr-defined]
    sent = sum(len(b.results) for b in batches)
    assert 0 < sent < 1200


def test_the_end_of_a_big_upload_leaves_the_heap_untrimmed(qtbot, sandbox, tmp_path, monkeypatch):
    """Issue 12: malloc_trim walks the whole heap holding the main arena's lock, where the GUI thread
    allocates: ~1 s of frozen window after a million rows. The upload's end trims only a small process."""
    from gui import memory, upload_worker

    trims: list[int] = []
    monkeypatch.setattr(memory, "_trim", trims.append)
    for resident, expected in ((upload_worker.TRIM_LIMIT_MB + 1, []), (upload_worker.TRIM_LIMIT_MB - 1, [0])):
        trims.clear()
        monkeypatch.setattr(memory, "resident_mb", lambda resident=resident: resident)
        job = UploadJob(_request(sandbox, tmp_path, 3))
        assert job(cancel_flag=workers.CancelFlag(), report=lambda _batch: None).finished
        assert trims == expected


def test_release_free_memory_skips_a_big_process_only() -> None:
    from gui import memory

    assert memory.resident_mb() > 10  # this process, read from /proc without walking the heap
    assert memory.release_free_memory(unless_resident_mb=1.0) is False
    assert memory.release_free_memory(unless_resident_mb=1e9) is True  # glibc: trimmed
    assert memory.release_free_memory() is True
