"""Saved imports (``*.cuimport``): the module on real files, and ``upload --save`` / ``--use`` through the
installed console script against the loopback sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from core.saved_import import FORMAT, MAX_BYTES, Reading, SavedImport
from tests.console import run_script
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv, write_xlsx

OCTO_ENV = {f"CONTACT_UPLOADER_OCTOPUSH_{k.upper()}": v for k, v in DEMO_CREDENTIALS["octopush"].items()}


def sample() -> SavedImport:
    return SavedImport.from_choices(
        "octopush", headers=CONTACT_HEADERS, mapping={3: "phone_number", 0: "first_name"}, profile="shop2",
        reading=Reading(sheet="Kişiler", header_row=3, encoding="cp1254", delimiter="\t"),
        constants={"list_name": "vip"}, default_region="TR",
    )


# ---------------------------------------------------------------------------------------- the module
def test_round_trip_through_a_file(tmp_path: Path) -> None:
    path = sample().save(tmp_path / "monthly.cuimport")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT
    assert data["mapping"] == {"Ad": "first_name", "Cep Telefonu": "phone_number"}
    assert data["reading"] == {"sheet": "Kişiler", "header_row": 3, "encoding": "cp1254", "delimiter": "\t"}
    assert SavedImport.load(path) == sample()
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left nothing behind


def test_field_ids_are_stored_as_the_provider_spells_them(tmp_path: Path) -> None:
    path = tmp_path / "hand.cuimport"
    path.write_text(json.dumps({"format": 1, "provider": "Octopush", "mapping": {"GSM": "PHONE_NUMBER"},
                                "constants": {"List_Name": "vip"}}), encoding="utf-8")
    saved = SavedImport.load(path)
    assert saved.provider == "octopush"
    assert saved.mapping == {"GSM": "phone_number"}
    assert saved.constants == {"list_name": "vip"}
    assert saved.profile == "default"
    assert saved.reading == Reading()


def test_mapping_by_column_name_on_another_file() -> None:
    saved = sample()
    headers = ["Şehir", "  cep   TELEFONU ", "Ad", "Extra"]  # another order, other spacing and case
    assert saved.mapping_for(headers) == {1: "phone_number", 2: "first_name"}


def test_a_missing_column_is_one_sentence_naming_it() -> None:
    with pytest.raises(UsageError) as caught:
        sample().mapping_for(["Ad", "Soyad"], file_name="june.csv", source="monthly.cuimport")
    assert str(caught.value) == (
        "The saved import monthly.cuimport maps the column 'Cep Telefonu', which june.csv does not have "
        "(its columns: 'Ad', 'Soyad')."
    )


def test_fit_names_the_missing_and_the_new_columns() -> None:
    fit = sample().fit(["Soyad", " ad ", "WhatsApp"])  # 'Cep Telefonu' is gone, 'WhatsApp' is new
    assert fit.mapping == {1: "first_name"}
    assert fit.missing == {"Cep Telefonu": "phone_number"}
    assert fit.new == [2]
    same = sample().fit(["Cep Telefonu", "Ad"])
    assert (same.mapping, same.missing, same.new) == ({0: "phone_number", 1: "first_name"}, {}, [])
    # the file it was saved from had Soyad too (left unmapped): not new; without that list it would be
    saved = SavedImport("octopush", mapping={"Ad": "first_name"}, columns=("Ad", "Soyad"))
    assert saved.fit(["Ad", "Soyad", "Şehir"]).new == [2]
    assert SavedImport("octopush", mapping={"Ad": "first_name"}).fit(["Ad", "Soyad", "Şehir"]).new == [1, 2]
    assert sample().columns == tuple(CONTACT_HEADERS)


def test_a_credential_is_never_saved(tmp_path: Path) -> None:
    target = tmp_path / "x.cuimport"
    with pytest.raises(UsageError, match="credential"):
        SavedImport("octopush", constants={"api_key": "k-123"}).save(target)
    with pytest.raises(UsageError, match="credential") as caught:
        SavedImport("octopush", constants={"param1": "k-123"}).save(target, secrets=["k-123"])
    assert "k-123" not in str(caught.value)
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "broken JSON at line 1"),
        (b'{"provider": "octopush"}', 'has no "format"'),
        (b'{"format": 2, "provider": "octopush"}', "newer version"),
        (b'{"format": "1", "provider": "octopush"}', "not a version number"),
        (b'{"format": 1, "provider": "mailchimp"}', "no known provider"),
        (b'{"format": 1, "provider": "octopush", "mapping": ["a"]}', '"mapping" must be an object'),
        (b'{"format": 1, "provider": "octopush", "mapping": {"A": "nofield"}}', "has no field 'nofield'"),
        (b'{"format": 1, "provider": "octopush", "reading": {"header_row": -1}}', '"header_row"'),
        (b'{"format": 1, "provider": "octopush", "columns": "Ad"}', '"columns" must be a list'),
        (b'{"format": 1, "provider": "octopush", "constants": {"api_login": "me@x.io"}}', "credential"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[" * (MAX_BYTES + 10), "far too large"),
    ],
)
def test_a_bad_file_is_one_sentence_naming_it(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.cuimport"
    path.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        SavedImport.load(path)
    assert "bad.cuimport" in str(caught.value)
    assert expected in str(caught.value)


def test_no_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="There is no saved import"):
        SavedImport.load(tmp_path / "nope.cuimport")
    with pytest.raises(UsageError, match="is a folder"):
        SavedImport.load(tmp_path)


# ------------------------------------------------------------------------------------ upload --save / --use
def _stored(sandbox: Sandbox) -> dict[str, dict[str, object]]:
    return {str(c["phone_number"]): c for c in sandbox.contacts("octopush")}


def test_save_from_one_run_use_on_another_file(sandbox: Sandbox, tmp_path: Path) -> None:
    url = sandbox.base_url("octopush")
    first = write_csv(tmp_path / "may.csv", [CONTACT_HEADERS, *contact_rows(4)], delimiter=";")
    saved = tmp_path / "monthly.cuimport"
    proc = run_script("upload", str(first), "--provider", "octopush", "--map", "Cep Telefonu=phone_number",
                      "--map", "Ad=first_name", "--set", "list_name=vip", "--default-region", "TR",
                      "--save", str(saved), "--base-url", url, env=OCTO_ENV)
    assert proc.returncode == 0, proc.stderr
    text = saved.read_text(encoding="utf-8")
    for secret in DEMO_CREDENTIALS["octopush"].values():
        assert secret not in text
    data = json.loads(text)
    assert data["provider"] == "octopush"
    assert data["mapping"] == {"Ad": "first_name", "Cep Telefonu": "phone_number"}
    assert data["constants"] == {"list_name": "vip"}
    assert data["default_region"] == "TR"
    assert data["reading"]["delimiter"] is None  # detected, so detected again for the next file

    # next month: same columns in another order, in a workbook, other people; no --provider needed
    columns = ["Şehir", "Cep Telefonu", "Ad", "Soyad", "E-posta", "Müşteri No"]
    order = [CONTACT_HEADERS.index(c) for c in columns]
    rows = [[r[i] for i in order] for r in contact_rows(3, start=50)]
    second = write_xlsx(tmp_path / "june.xlsx", [columns, *rows])
    before = set(_stored(sandbox))
    proc = run_script("upload", str(second), "--use", str(saved), "--base-url", url, env=OCTO_ENV)
    assert proc.returncode == 0, proc.stderr
    assert "3 added" in proc.stdout
    stored = _stored(sandbox)
    assert len(stored) == 7
    june = [c for phone, c in stored.items() if phone not in before]
    assert sorted(str(c["first_name"]) for c in june) == sorted(r[2] for r in rows)
    assert all(c["lists"] == ["vip"] for c in june)
    assert all("last_name" not in c or not c["last_name"] for c in june)  # only the saved mapping is used


def test_flags_win_over_the_saved_import(sandbox: Sandbox, tmp_path: Path) -> None:
    saved = SavedImport("octopush", mapping={"Cep Telefonu": "phone_number"},
                        constants={"list_name": "vip"}).save(tmp_path / "m.cuimport")
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(2)])
    proc = run_script("upload", str(source), "--use", str(saved), "--set", "list_name=gold",
                      "--map", "Cep Telefonu=phone_number", "--map", "Soyad=last_name",
                      "--default-region", "TR",
                      "--base-url", sandbox.base_url("octopush"), env=OCTO_ENV)
    assert proc.returncode == 0, proc.stderr
    contacts = sandbox.contacts("octopush")
    assert len(contacts) == 2
    assert all(c["lists"] == ["gold"] for c in contacts)
    assert {c["last_name"] for c in contacts} == {r[1] for r in contact_rows(2)}


def test_a_file_without_a_saved_column_is_exit_2_and_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    saved = SavedImport("octopush", mapping={"Cep Telefonu": "phone_number", "Ad": "first_name"}).save(
        tmp_path / "m.cuimport")
    headers = [h for h in CONTACT_HEADERS if h != "Cep Telefonu"]
    source = write_csv(tmp_path / "other.csv", [headers, ["Ayşe", "Yılmaz", "a@example.com", "1", "İzmir"]])
    for extra in ([], ["--json"]):
        proc = run_script("upload", str(source), "--use", str(saved), *extra,
                          "--base-url", sandbox.base_url("octopush"), env=OCTO_ENV)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert lines == [
            "The saved import m.cuimport maps the column 'Cep Telefonu', which other.csv does not have "
            "(its columns: 'Ad', 'Soyad', 'E-posta', 'Müşteri No', 'Şehir')."
        ]
        if extra:
            assert json.loads(proc.stdout)["exit_status"] == 2
        else:
            assert proc.stdout == ""
    assert sandbox.received("octopush") == []


def test_save_refuses_a_credential_value(sandbox: Sandbox, tmp_path: Path) -> None:
    key = DEMO_CREDENTIALS["octopush"]["api_key"]
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(2)])
    target = tmp_path / "leak.cuimport"
    proc = run_script("upload", str(source), "--provider", "octopush", "--default-region", "TR",
                      "--set", f"param1={key}", "--save", str(target),
                      "--base-url", sandbox.base_url("octopush"), env=OCTO_ENV)
    assert proc.returncode == 2
    assert "credential" in proc.stderr
    assert key not in proc.stdout + proc.stderr
    assert not target.exists()
    assert sandbox.received("octopush") == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--provider", "netcore"], "is for Octopush, not Netcore"),
        ([], ""),
    ],
)
def test_provider_from_the_saved_import_and_a_conflicting_one(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    saved = SavedImport("octopush", mapping={"Cep Telefonu": "phone_number"}).save(tmp_path / "m.cuimport")
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(2)])
    proc = run_script("upload", str(source), "--use", str(saved), "--dry-run", "--default-region", "TR",
                      *argv)
    if expected:
        assert proc.returncode == 2
        assert expected in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    else:
        assert proc.returncode == 0, proc.stderr
        assert "2 ready" in proc.stdout


def test_upload_without_provider_or_saved_import_is_exit_2(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(1)])
    proc = run_script("upload", str(source), "--dry-run")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "Give the provider with --provider P (or a saved import with --use FILE)."


def test_a_saved_import_keeps_header_row_0_for_a_sheet_without_one(tmp_path: Path) -> None:
    path = tmp_path / "none.cuimport"
    path.write_bytes(b'{"format": 1, "provider": "octopush", "reading": {"header_row": 0}}')
    assert SavedImport.load(path).reading.header_row == 0
