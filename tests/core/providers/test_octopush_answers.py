"""Octopush answers the documentation allows, played by the sandbox over real sockets (issue 14).

Echoed numbers in other forms, a 2xx answer without ``items``, codes 108/109 and a batch refused as a whole.
"""

from __future__ import annotations

import pytest

from core.client import ProviderClient
from core.engine import JobSummary, RetryPolicy, run_job
from core.errors import CredentialsRefused
from core.journal import Journal
from core.model import Contact, Outcome, ResponseKind
from core.providers import get_provider
from core.providers.octopush import BASE_URL
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from tests.core.providers.helpers import answer

OCTOPUSH = get_provider("octopush")
CREDS = DEMO_CREDENTIALS["octopush"]
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


def french(n: int, start: int = 0) -> list[Contact]:
    numbers = range(start, start + n)
    return [Contact(i + 2, {"phone_number": f"+336{i:08d}", "first_name": f"N{i}"}) for i in numbers]


def run(
    sandbox: Sandbox,
    contacts: list[Contact],
    creds: dict[str, str] | None = None,
    concurrency: int | None = None,
) -> tuple[JobSummary, Journal, int]:
    journal = Journal()
    job = journal.create_job("fp-octo", "octopush", "default", {"0": "phone_number"}, {}, len(contacts))
    summary = run_job(OCTOPUSH, creds or CREDS, sandbox.base_url("octopush"), contacts, {},
                      journal=journal, job_id=job, retry=FAST, concurrency=concurrency)
    return summary, journal, job


@pytest.mark.parametrize("echo", ["00", "digits", "spaces", "national"])
def test_items_echoing_another_number_form_still_find_their_rows(sandbox: Sandbox, echo: str) -> None:
    sandbox.set_octopush_answers(echo=echo)
    # French and Spanish numbers in one batch: a national echo is read in the batch's own countries
    contacts = french(150) + [Contact(500 + i, {"phone_number": f"+3461234{i:04d}"}) for i in range(50)]
    summary, journal, job = run(sandbox, contacts)
    assert summary.counts == {Outcome.ADDED: 200}  # nothing "failed: did not report back"
    assert sandbox.create_requests("octopush") == 1
    echoed = sandbox.received("octopush")[-1]
    assert echoed.fault is None
    rows = journal.results(job)
    assert {r.outcome for r in rows.values()} == {Outcome.ADDED}


def test_echo_forms_reach_the_sandbox_as_documented(sandbox: Sandbox) -> None:
    import httpx

    sandbox.set_octopush_answers(echo="00")
    headers = {"api-key": CREDS["api_key"], "api-login": CREDS["api_login"]}
    body = {"contacts": [{"phone_number": "+33611223344"}]}
    with httpx.Client() as client:
        reply = client.post(f"{sandbox.base_url('octopush')}/contact/create", json=body, headers=headers)
    assert reply.status_code == 201
    assert reply.json()["items"][0]["phone_number"] == "0033611223344"


def test_a_duplicate_number_in_national_form_matches_each_row_once() -> None:
    contacts = [Contact(2, {"phone_number": "+33611223344"}), Contact(3, {"phone_number": "+33611223344"})]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    items = {"items": [{"phone_number": "06 11 22 33 44", "status": "added"},
                       {"phone_number": "0033611223344", "status": "updated"}]}
    parsed = answer(OCTOPUSH, req, 201, items, contacts)
    assert [r.outcome for r in parsed.results] == [Outcome.ADDED, Outcome.UPDATED]


def test_success_without_items_marks_rows_added_not_verified(sandbox: Sandbox) -> None:
    sandbox.set_octopush_answers(items=False)
    summary, journal, job = run(sandbox, french(250))
    assert summary.counts == {Outcome.ADDED: 250}  # not "failed": Octopush refused nothing
    assert len(sandbox.contacts("octopush")) == 250
    rows = journal.results(job)
    messages = {r.message for r in rows.values()}
    assert len(messages) == 1
    [message] = messages
    assert "accepted, not verified" in message
    assert {r.code for r in rows.values()} == {"0"}


@pytest.mark.parametrize(("creds", "code"), [({"api_login": ""}, "108"), ({"api_key": ""}, "109")])
def test_codes_108_and_109_stop_the_job_as_credential_problems(
    sandbox: Sandbox, creds: dict[str, str], code: str
) -> None:
    summary, journal, job = run(sandbox, french(450), {**CREDS, **creds})
    assert summary.auth_error is not None
    assert summary.auth_error.code == code
    assert summary.counts == {}
    assert sandbox.create_requests("octopush") <= OCTOPUSH.default_concurrency
    # resumable: nothing ended, nothing stays in flight
    assert all(not row.finished and not row.in_flight for row in journal.rows(job).values())


def test_108_and_109_raise_credentials_refused_for_one_contact(sandbox: Sandbox) -> None:
    with ProviderClient(OCTOPUSH, {**CREDS, "api_key": ""}, sandbox.base_url("octopush")) as client, \
            pytest.raises(CredentialsRefused) as info:
        client.add(Contact(1, {"phone_number": "+33611223344"}), {})
    assert info.value.code == "109"
    assert "(code 109)" in str(info.value)


def test_one_bad_contact_does_not_sink_its_batch(sandbox: Sandbox) -> None:
    contacts = french(200)
    bad = contacts[137].fields["phone_number"]
    sandbox.add_octopush_refused(bad, status=400, code=999, message="Contact rejected.")
    summary, journal, job = run(sandbox, contacts)
    assert summary.counts == {Outcome.ADDED: 199, Outcome.FAILED: 1}
    rows = journal.results(job)
    failed = [r for r in rows.values() if r.outcome is Outcome.FAILED]
    assert [r.key for r in failed] == [contacts[137].key]
    assert failed[0].code == "999"
    assert failed[0].message.startswith(
        "Octopush answered code 999: Contact rejected. Octopush does not document"
    )
    assert len(sandbox.contacts("octopush")) == 199
    # halves down to one contact: 1 + 2 per level for 8 levels, far fewer than one request per row
    assert sandbox.create_requests("octopush") <= 1 + 2 * 8


def test_a_size_limit_splits_the_batch_until_it_fits(sandbox: Sandbox) -> None:
    sandbox.set_octopush_answers(max_contacts=60)
    summary, _journal, _job = run(sandbox, french(200))
    assert summary.counts == {Outcome.ADDED: 200}
    assert len(sandbox.contacts("octopush")) == 200
    sizes = sorted(len(r.json()["contacts"]) for r in sandbox.received("octopush"))
    assert sizes == [50, 50, 50, 50, 100, 100, 200]  # 200 and its halves refused (code 305), quarters fit


def test_the_one_contact_client_splits_too(sandbox: Sandbox) -> None:
    contacts = french(6)
    sandbox.add_octopush_refused(contacts[4].fields["phone_number"], status=422, code=998, message="Nope.")
    with ProviderClient(OCTOPUSH, CREDS, sandbox.base_url("octopush"), backoff=0.01) as client:
        results = client.add_many(contacts, {})
    assert [r.outcome for r in results] == [Outcome.ADDED] * 4 + [Outcome.FAILED, Outcome.ADDED]
    assert results[4].code == "998"


@pytest.mark.parametrize("code", ["104", "113", "117", "128", "300", "303"])
def test_refusals_a_smaller_batch_cannot_cure_are_not_split(code: str) -> None:
    contacts = french(4)
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, 400, {"code": int(code), "message": "x"}, contacts)
    assert parsed.kind is not ResponseKind.SPLIT


@pytest.mark.parametrize(("status", "body"), [(400, {"code": 999, "message": "x"}), (413, "Too large"),
                                              (400, {"code": 305, "message": "too many"})])
def test_unexpected_whole_batch_refusals_split(status: int, body: object) -> None:
    contacts = french(4)
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, status, body, contacts)
    assert parsed.kind is ResponseKind.SPLIT
    assert len(parsed.results) == 4
    single = OCTOPUSH.build_requests(contacts[:1], {}, CREDS, BASE_URL)[0]
    alone = answer(OCTOPUSH, single, status, body, contacts[:1])
    assert alone.kind is ResponseKind.DONE
    assert alone.results[0].outcome is Outcome.FAILED


def test_a_4xx_without_a_code_names_the_http_status_not_a_code() -> None:
    contacts = french(1)
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    (row,) = answer(OCTOPUSH, req, 413, "Request Entity Too Large", contacts).results
    assert row.code == "413"
    assert row.message.startswith(
        "Octopush answered HTTP status 413 without a code: Request Entity Too Large."
    )


def test_a_refusal_of_every_contact_stops_being_split(sandbox: Sandbox) -> None:
    """Splitting a batch whose every contact is refused costs ~2 requests per row: once one whole batch was
    split down to single contacts without any part accepted, later batches with that refusal fail at once."""
    contacts = french(800)
    sandbox.add_octopush_refused(*(c.fields["phone_number"] for c in contacts), code=997, message="No.")
    summary, journal, job = run(sandbox, contacts, concurrency=1)  # one request at a time: a fixed count
    assert summary.counts == {Outcome.FAILED: 800}
    assert {r.code for r in journal.results(job).values()} == {"997"}
    # a batch split down to 200 single contacts takes 399 requests; the next batch may start before the
    # first one's parts are all answered (one slot, two workers), so at most two are split; then one each
    assert sandbox.create_requests("octopush") <= 2 * 399 + 2  # instead of 4 × 399 = 1596
    sizes = [len(r.json()["contacts"]) for r in sandbox.received("octopush")]
    assert sizes.count(200) == 4
    assert sizes.count(100) <= 4  # at most two batches were split


def test_bad_rows_next_to_each_other_never_fail_good_contacts_untried(sandbox: Sandbox) -> None:
    contacts = french(600)
    bad = [contacts[i].fields["phone_number"] for i in (*range(0, 9), 250, 260, 599)]
    sandbox.add_octopush_refused(*bad, code=996, message="This one, no.")
    summary, journal, job = run(sandbox, contacts)
    assert summary.counts == {Outcome.ADDED: 588, Outcome.FAILED: 12}
    failed = sorted(k for k, r in journal.results(job).items() if r.outcome is Outcome.FAILED)
    assert failed == sorted(contacts[i].key for i in (*range(0, 9), 250, 260, 599))
