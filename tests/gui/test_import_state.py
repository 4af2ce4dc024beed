"""The import's state: one ImportState (a reset is one assignment) and the upload outcomes kept by column."""

from __future__ import annotations

import gc

from core.model import Contact, Outcome, RowResult
from core.validation import RowCheck
from gui.import_state import ImportState, Outcomes


def _checks(keys: list[int]) -> list[RowCheck]:
    return [RowCheck(k, Contact(k, {"phone_number": f"+3361234{k:04d}"})) for k in keys]


def test_outcomes_give_back_every_result_as_it_came_the_last_one_winning() -> None:
    checks = _checks([2, 3, 5, 8])
    outcomes = Outcomes(checks)
    assert len(outcomes) == 0
    outcomes.add([RowResult(2, Outcome.ADDED, code="200", raw_text='{"ok":1}', message="Added."),
                  RowResult(5, Outcome.FAILED, code="117", message="No valid number.", field="phone_number"),
                  RowResult(99, Outcome.ADDED)])  # not a row of this table: ignored
    assert len(outcomes) == 2
    snapshot = outcomes.copy()
    outcomes.add([RowResult(5, Outcome.ADDED, message="Added.", contact_id="c-5")])  # a retry
    assert len(outcomes) == 2
    assert outcomes.to_dict() == {
        2: RowResult(2, Outcome.ADDED, code="200", raw_text='{"ok":1}', message="Added."),
        5: RowResult(5, Outcome.ADDED, message="Added.", contact_id="c-5"),
    }
    assert snapshot.to_dict()[5] == RowResult(5, Outcome.FAILED, code="117", message="No valid number.",
                                              field="phone_number")


def test_outcomes_keep_no_object_per_row() -> None:
    checks = _checks(list(range(2, 20_002)))
    outcomes = Outcomes(checks)
    message = "Added."
    results = [RowResult(k, Outcome.ADDED, message=message) for k in range(2, 20_002)]
    outcomes.add(results)
    del results
    gc.collect()
    assert sum(isinstance(o, RowResult) for o in gc.get_objects()) < 100  # the 20 000 results are gone
    assert outcomes._texts.keys() == {"message"}  # the other texts were all empty: no list for them
    assert len(outcomes) == 20_000


def test_a_new_state_equals_a_reset_one() -> None:
    state = ImportState()
    state.mapping = {0: "phone_number"}
    state.results = Outcomes(_checks([2]))
    state.results.add([RowResult(2, Outcome.ADDED)])
    assert state != ImportState()
    assert ImportState() == ImportState()


def test_a_batch_of_results_makes_text_blocks_only_where_it_writes() -> None:
    """Issue 12: the first result with a text made a list of a million "" on the GUI thread (6-80 ms);
    a text column is made of blocks, each made when a result first writes into it."""
    from gui.import_state import BLOCK

    checks = _checks(list(range(2, 10 * BLOCK + 2)))
    outcomes = Outcomes(checks)
    outcomes.add([RowResult(k, Outcome.ADDED) for k in range(2, 2 + BLOCK)])  # no text at all
    assert outcomes._texts == {}
    failed = [RowResult(k, Outcome.FAILED, code="500", message="Down.") for k in (3, 5 * BLOCK + 7)]
    outcomes.add(failed)
    assert outcomes._texts.keys() == {"code", "message"}
    assert [column.blocks() for column in outcomes._texts.values()] == [2, 2]  # not ten: two were written
    results = outcomes.to_dict()
    assert results[3] == failed[0]
    assert results[5 * BLOCK + 7] == failed[1]
    assert results[2] == RowResult(2, Outcome.ADDED)  # "" where nothing was written
    snapshot = outcomes.copy()
    outcomes.add([RowResult(3, Outcome.ADDED, message="Added.")])
    assert snapshot.to_dict()[3] == failed[0]  # the copy keeps its own blocks
    assert outcomes.to_dict()[3] == RowResult(3, Outcome.ADDED, message="Added.")


def test_outcomes_find_rows_by_the_tables_row_numbers_as_by_the_checks() -> None:
    """The check hands the grid's keys (the table's row numbers, the checks' keys in the same order) to
    the outcomes: a binary search over plain numbers. Keys that do not match the checks are not used."""
    checks = _checks([2, 3, 5, 8, 13])
    by_keys = Outcomes(checks, [c.key for c in checks])
    assert by_keys._keys == [2, 3, 5, 8, 13]
    assert Outcomes(checks, [2, 3])._keys is None  # not one key per check: the checks are searched
    by_checks = Outcomes(checks)
    batches = [[RowResult(3, Outcome.FAILED, code="500", message="Down."), RowResult(13, Outcome.ADDED),
                RowResult(4, Outcome.ADDED)],  # 4 is no row of the table
               [RowResult(3, Outcome.ADDED)]]  # a retry without any text: the failure's texts go
    for batch in batches:
        by_keys.add(batch)
        by_checks.add(batch)
    assert by_keys.to_dict() == by_checks.to_dict() == {3: RowResult(3, Outcome.ADDED),
                                                        13: RowResult(13, Outcome.ADDED)}
    assert by_keys.copy()._keys == by_keys._keys


def test_ready_contacts_are_the_ok_checks_in_order_taken_in_slices(monkeypatch) -> None:
    """Issue 12: the upload starts as its page is painted; the ready contacts are picked in C-speed slices
    of READY_CHUNK with the GIL let go between them, and they are exactly the checks that are ok."""
    from core.model import Contact
    from core.validation import Problem, RowCheck
    from gui import import_state

    sleeps: list[float] = []
    monkeypatch.setattr(import_state.time, "sleep", sleeps.append)
    monkeypatch.setattr(import_state, "READY_CHUNK", 7)
    problem = Problem(row=3, column="Phone", field="phone_number", message="Row 3: bad", reason="bad")
    checks = []
    for key in range(2, 52):
        contact = Contact(key=key, fields={"phone_number": f"+3361122{key:04d}"})
        if key % 5 == 0:
            checks.append(RowCheck(key, None, (problem,)))
        elif key % 7 == 0:
            checks.append(RowCheck(key, contact, (problem,)))  # a contact with a problem is not ready
        else:
            checks.append(RowCheck(key, contact))
    got = import_state.ready_contacts(checks)
    assert got == [c.contact for c in checks if c.ok]
    assert len(sleeps) == 7  # 50 checks in slices of 7
