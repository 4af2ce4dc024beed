"""Auto-mapping from headers, --map/--set parsing, and mappings remembered per file shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from core.mapping import (
    MappingMemory,
    PassedOver,
    _aliases,
    auto_map,
    extra_attributes,
    fingerprint,
    netcore_attribute,
    normalise_header,
    parse_map_args,
    parse_set_args,
    suggest,
)
from core.paths import state_dir
from core.providers import PROVIDERS, get_provider


def named(headers: list[str], mapping: dict[int, str]) -> dict[str, str]:
    return {headers[i]: f for i, f in mapping.items()}


# ---------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("E-posta", "e posta"),
        ("  Cep   Telefonu ", "cep telefonu"),
        ("SOYADI", "soyadi"),
        ("Soyadı", "soyadi"),
        ("İSİM", "isim"),
        ("Prénom", "prenom"),
        ("Téléphone portable", "telephone portable"),
        ("Correo electrónico", "correo electronico"),
        ("contactFirstname", "contact firstname"),
        ("first_name", "first name"),
        ("Müşteri No.", "musteri no"),
    ],
)
def test_normalise_header(header: str, expected: str) -> None:
    assert normalise_header(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Doğum Tarihi", "DOGUM_TARIHI"),
        ("İl / İlçe", "IL_ILCE"),
        ("2024 Score!", "COL_2024_SCORE"),
        ("Código Postal", "CODIGO_POSTAL"),
        ("!!!", ""),
    ],
)
def test_netcore_attribute(header: str, expected: str) -> None:
    assert netcore_attribute(header) == expected


# ---------------------------------------------------------------------------------------------- aliases


def test_alias_tables_are_consistent() -> None:
    aliases = _aliases()
    owner: dict[str, str] = {}
    for concept, names in aliases.concepts.items():
        assert names, concept
        for name in names:
            assert owner.setdefault(name, concept) == concept, f"'{name}' is in {owner[name]} and {concept}"
    assert set(aliases.providers) == set(PROVIDERS)
    for provider_name, fields in aliases.providers.items():
        provider = get_provider(provider_name)
        for fid, concepts in fields.items():
            spec = provider.field(fid)
            assert spec is not None, f"{provider_name} has no field {fid}"
            assert not spec.option, f"{provider_name}.{fid} is an option"
            for concept in concepts:
                assert concept in aliases.concepts, concept


# ---------------------------------------------------------------------------------------------- auto_map

TURKISH = ["Ad", "Soyad", "E-posta", "Cep Telefonu", "Şehir"]
FRENCH = ["Prénom", "Nom", "Courriel", "Téléphone portable", "Ville"]
SPANISH = ["Nombre", "Apellidos", "Correo electrónico", "Móvil", "Ciudad"]
ENGLISH = ["First Name", "Last Name", "Email Address", "Mobile Phone", "City"]


@pytest.mark.parametrize("headers", [TURKISH, FRENCH, SPANISH, ENGLISH])
@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("netcore", ["FIRST_NAME", "LAST_NAME", "EMAIL", "MOBILE", "CITY"]),
        ("iletimerkezi", ["name", "surname", "email", "gsm", None]),
        ("aptania", ["contactFirstname", "contactLastname", "contactEmailaddress", "contactMobile", None]),
        ("octopush", ["first_name", "last_name", None, "phone_number", None]),
    ],
)
def test_auto_map_in_four_languages(headers: list[str], provider: str, expected: list[str | None]) -> None:
    mapping = auto_map(headers, get_provider(provider))
    assert mapping == {i: f for i, f in enumerate(expected) if f is not None}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mial", "email"),  # typo
        ("Emial Adress", "email"),
        ("EPOSTA", "email"),
        ("e-posta adresi", "email"),
        ("Customer E-mail", "email"),
        ("CEP TEL.", "gsm"),
        ("Cep Telefon No", "gsm"),
        ("GSM Numarası", "gsm"),
        ("Telefon", "gsm"),
        ("Tél. portable", "gsm"),
        ("Teléfono móvil", "gsm"),
        ("ADI", "name"),
        ("Soyadı", "surname"),
        ("İsim", "name"),
        ("Apellido", "surname"),
    ],
)
def test_auto_map_fuzzy_and_variants(header: str, field: str) -> None:
    assert auto_map([header], get_provider("iletimerkezi")) == {0: field}


def test_unrelated_headers_stay_unmapped_for_fixed_field_providers() -> None:
    headers = ["Notlar", "Doğum Tarihi", "Kayıt Kaynağı", ""]
    assert auto_map(headers, get_provider("iletimerkezi")) == {}
    assert auto_map(headers, get_provider("octopush")) == {}


def test_each_field_once_and_the_best_match_wins() -> None:
    headers = ["Telefon", "E-mail 2", "Cep Telefonu", "E-posta"]
    mapping = auto_map(headers, get_provider("iletimerkezi"))
    # the mobile column beats the plain phone column for gsm; exact "E-posta" beats "E-mail 2"
    assert named(headers, mapping) == {"Cep Telefonu": "gsm", "E-posta": "email"}


def test_aptania_takes_both_phones() -> None:
    headers = ["Telefon", "Cep Telefonu", "Unvan", "Hitap", "E-posta"]
    mapping = auto_map(headers, get_provider("aptania"))
    assert named(headers, mapping) == {
        "Telefon": "contactTelephone",
        "Cep Telefonu": "contactMobile",
        "Unvan": "contactJobRole",
        "Hitap": "contactTitle",
        "E-posta": "contactEmailaddress",
    }


def test_full_name_column() -> None:
    headers = ["Ad Soyad", "GSM"]
    assert named(headers, auto_map(headers, get_provider("netcore"))) == {"Ad Soyad": "NAME", "GSM": "MOBILE"}
    # a provider without a full-name field puts it in the first name, never in the surname
    assert named(headers, auto_map(headers, get_provider("iletimerkezi"))) == {
        "Ad Soyad": "name",
        "GSM": "gsm",
    }
    headers = ["Ad", "Ad Soyad", "GSM"]
    assert named(headers, auto_map(headers, get_provider("iletimerkezi"))) == {"Ad": "name", "GSM": "gsm"}
    (first,) = [s for s in suggest(headers, get_provider("iletimerkezi")) if s.field == "name"]
    assert first.reason == ("matched header 'Ad' (Turkish alias); chosen over 'Ad Soyad' because it holds a "
                            "full name, a second choice for this field")


def test_provider_ids_and_labels_as_headers() -> None:
    headers = ["contactEmailaddress", "contactProfileID", "attr:12", "Job role"]
    assert auto_map(headers, get_provider("aptania")) == {
        0: "contactEmailaddress",
        1: "contactProfileID",
        2: "attr:12",
        3: "contactJobRole",
    }
    assert auto_map(["custom_field:7", "gsm"], get_provider("iletimerkezi")) == {
        0: "custom_field:7",
        1: "gsm",
    }


def test_options_are_never_guessed() -> None:
    assert auto_map(["list_name", "Phone"], get_provider("octopush")) == {1: "phone_number"}
    assert auto_map(["Email", "listid"], get_provider("netcore")) == {0: "EMAIL"}
    assert auto_map(["Grup ID", "Group ID", "GSM"], get_provider("iletimerkezi")) == {2: "gsm"}


def test_netcore_suggests_only_matching_columns_unless_asked_for_attributes() -> None:
    headers = ["E-posta", "Doğum Tarihi", "Notlar", "notlar", "", "2024 Puan", "Cep Telefonu"]
    netcore = get_provider("netcore")
    assert auto_map(headers, netcore) == {0: "EMAIL", 6: "MOBILE"}
    assert extra_attributes(headers, netcore, {0: "EMAIL", 6: "MOBILE"}) == {
        1: "DOGUM_TARIHI", 2: "NOTLAR", 3: "NOTLAR_2", 5: "COL_2024_PUAN"}
    assert extra_attributes(headers, get_provider("octopush"), {}) == {}
    suggestions = suggest(headers, netcore, extra_as_attributes=True)
    assert [s.basis for s in suggestions] == ["same", *["attribute"] * 4, "same"]
    assert "attribute DOGUM_TARIHI" in suggestions[1].reason
    mapping = auto_map(headers, netcore, extra_as_attributes=True)
    assert mapping == {
        0: "EMAIL",
        1: "DOGUM_TARIHI",
        2: "NOTLAR",
        3: "NOTLAR_2",
        5: "COL_2024_PUAN",
        6: "MOBILE",
    }


def test_auto_map_is_quick_enough_for_wide_sheets() -> None:
    headers = [f"Column {i}" for i in range(200)] + ["E-posta"]
    mapping = auto_map(headers, get_provider("iletimerkezi"))
    assert mapping == {200: "email"}


# ---------------------------------------------------------------------------------------------- --map / --set

HEADERS = ["Ad", "Soyad", "E-posta", "Cep Telefonu", "Liste"]


def test_parse_map_args_by_name_case_letter_and_number() -> None:
    provider = get_provider("iletimerkezi")
    items = ["E-posta=email", "cep telefonu=gsm", "A=name", "2=surname", "Liste=group_id"]
    assert parse_map_args(items, HEADERS, provider) == {
        2: "email",
        3: "gsm",
        0: "name",
        1: "surname",
        4: "group_id",
    }


def test_parse_map_args_fields_case_insensitive_and_dynamic() -> None:
    assert parse_map_args(["E-posta=email", "Ad=first_name"], HEADERS, get_provider("netcore")) == {
        2: "EMAIL",
        0: "FIRST_NAME",
    }
    assert parse_map_args(["Liste=custom_field:9"], HEADERS, get_provider("iletimerkezi")) == {
        4: "custom_field:9"
    }


def test_a_header_that_looks_like_a_letter_wins_over_the_letter() -> None:
    headers = ["Name", "B", "Mail"]
    assert parse_map_args(["B=NAME"], headers, get_provider("netcore")) == {1: "NAME"}
    assert parse_map_args(["C=EMAIL"], headers, get_provider("netcore")) == {2: "EMAIL"}


def test_parse_map_args_header_with_equals_sign() -> None:
    headers = ["a=b", "Mail"]
    assert parse_map_args(["a=b=NAME"], headers, get_provider("netcore")) == {0: "NAME"}


def test_unknown_column_lists_the_columns() -> None:
    with pytest.raises(UsageError) as exc:
        parse_map_args(["Telefon=gsm"], HEADERS, get_provider("iletimerkezi"))
    message = str(exc.value)
    assert message.startswith("The file has no column 'Telefon'.")
    assert "A 'Ad'" in message
    assert "D 'Cep Telefonu'" in message


def test_unknown_field_lists_the_fields() -> None:
    with pytest.raises(UsageError) as exc:
        parse_map_args(["Ad=firstname"], HEADERS, get_provider("iletimerkezi"))
    message = str(exc.value)
    assert "İleti Merkezi has no field 'firstname'" in message
    assert "name, surname, email, gsm" in message
    assert "custom_field:<id>" in message


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (["Ad"], "--map expects COLUMN=FIELD"),
        (["=name"], "--map expects COLUMN=FIELD"),
        (["Ad="], "--map expects COLUMN=FIELD"),
        (["Ad=name", "Soyad=name"], "Two columns are mapped to name ('Ad' and 'Soyad')"),
        (["Ad=name", "A=surname"], "Column 'Ad' is mapped twice"),
        (["Z=name"], "no column 'Z'"),
        (["9=name"], "no column '9'"),
    ],
)
def test_bad_map_args(items: list[str], fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_map_args(items, HEADERS, get_provider("iletimerkezi"))
    assert fragment in str(exc.value)


def test_duplicate_headers_need_a_letter() -> None:
    headers = ["Tel", "Tel"]
    with pytest.raises(UsageError) as exc:
        parse_map_args(["Tel=gsm"], headers, get_provider("iletimerkezi"))
    assert "(A, B)" in str(exc.value)
    assert parse_map_args(["B=gsm"], headers, get_provider("iletimerkezi")) == {1: "gsm"}


def test_parse_set_args() -> None:
    provider = get_provider("octopush")
    assert parse_set_args(["list_name=vip", "TAG_NAME=a=b", "do_not_overwrite=yes"], provider) == {
        "list_name": "vip",
        "tag_name": "a=b",
        "do_not_overwrite": "yes",
    }
    assert parse_set_args([], provider) == {}


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (["list_name"], "--set expects FIELD=VALUE"),
        (["=vip"], "--set expects FIELD=VALUE"),
        (["listname=vip"], "Octopush has no field 'listname'"),
        (["list_name=a", "list_name=b"], "--set list_name is given twice"),
    ],
)
def test_bad_set_args(items: list[str], fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_set_args(items, get_provider("octopush"))
    assert fragment in str(exc.value)


# ---------------------------------------------------------------------------------------------- memory


def test_memory_remembers_per_file_shape_in_the_state_dir() -> None:
    provider = get_provider("iletimerkezi")
    memory = MappingMemory()
    assert memory.recall(HEADERS, provider) is None
    memory.remember(HEADERS, provider, {3: "gsm", 0: "name"})
    assert (state_dir() / "mappings.json").is_file()
    # a new instance (next week's run) reads the same file; spacing and case of headers do not matter
    again = MappingMemory()
    assert again.recall(HEADERS, provider) == {0: "name", 3: "gsm"}
    assert again.recall([f"  {h.upper()} " for h in HEADERS], provider) == {0: "name", 3: "gsm"}
    # another shape or another provider is not this mapping
    assert again.recall([*HEADERS, "Yeni"], provider) is None
    assert again.recall(HEADERS[::-1], provider) is None
    assert again.recall(HEADERS, get_provider("octopush")) is None


def test_memory_replaces_and_keeps_others() -> None:
    netcore, octopush = get_provider("netcore"), get_provider("octopush")
    memory = MappingMemory()
    memory.remember(["Mail"], netcore, {0: "EMAIL"})
    memory.remember(["Tel"], octopush, {0: "phone_number"})
    memory.remember(["Mail"], netcore, {0: "NAME"})
    assert memory.recall(["Mail"], netcore) == {0: "NAME"}
    assert memory.recall(["Tel"], octopush) == {0: "phone_number"}


def test_memory_writes_atomically_and_survives_damage() -> None:
    provider = get_provider("netcore")
    path = state_dir() / "mappings.json"
    path.write_text("{not json", encoding="utf-8")
    memory = MappingMemory()
    assert memory.recall(["Mail"], provider) is None
    memory.remember(["Mail"], provider, {0: "EMAIL"})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert memory.recall(["Mail"], provider) == {0: "EMAIL"}
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".mappings-")] == []


def test_memory_ignores_a_mapping_that_no_longer_fits(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    provider = get_provider("iletimerkezi")
    memory = MappingMemory(path)
    memory.remember(["Ad", "Tel"], provider, {0: "name", 1: "gsm"})
    data = json.loads(path.read_text(encoding="utf-8"))
    (entry,) = data["mappings"].values()
    entry["mapping"] = {"0": "name", "1": "no_such_field"}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert memory.recall(["Ad", "Tel"], provider) is None
    entry["mapping"] = {"0": "name", "7": "gsm"}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert memory.recall(["Ad", "Tel"], provider) is None


def test_memory_keeps_a_bounded_number_of_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MappingMemory, "MAX_ENTRIES", 3)
    memory = MappingMemory(tmp_path / "m.json")
    provider = get_provider("netcore")
    for i in range(5):
        memory.remember([f"Mail {i}"], provider, {0: "EMAIL"})
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert len(data["mappings"]) == 3
    assert memory.recall(["Mail 4"], provider) == {0: "EMAIL"}
    assert memory.recall(["Mail 0"], provider) is None


# ------------------------------------------------------------------------------------ rules from real files


def test_google_type_and_label_columns_are_never_values() -> None:
    headers = ["Name", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value",
               "Phone 2 - Label", "Phone 2 - Value"]
    rows = [["Ali", "* Home", "ali@example.com", "Work", "+90 212 000 00 00", "Mobile", "+90 532 000 00 00"]]
    ilet = get_provider("iletimerkezi")
    # with the rows: the phone whose type column says "Mobile" wins the gsm field
    assert named(headers, auto_map(headers, ilet, rows)) == {
        "Name": "name", "E-mail 1 - Value": "email", "Phone 2 - Value": "gsm"}
    # headers alone: never the Type/Label column
    assert named(headers, auto_map(headers, ilet)) == {
        "Name": "name", "E-mail 1 - Value": "email", "Phone 1 - Value": "gsm"}
    typed = next(s for s in suggest(headers, ilet, rows) if s.field == "gsm")
    assert typed.basis == "typed"
    assert "'Phone 2 - Label' marks as mobile" in typed.reason


def test_a_column_with_values_beats_an_empty_one_of_the_same_name() -> None:
    headers = ["Name", "Phone", "Email", "Phone (2)"]
    rows = [["Ann", "", "ann@example.com", "+33 6 12 34 56 78"],
            ["Bob", "", "bob@example.com", "06 12 34 56 79"]]
    octo = get_provider("octopush")
    assert auto_map(headers, octo) == {0: "first_name", 1: "phone_number"}  # without values: the first
    chosen = suggest(headers, octo, rows)
    assert [(s.column, s.field) for s in chosen] == [(0, "first_name"), (3, "phone_number")]
    assert chosen[1].passed_over == (PassedOver(1, "Phone", "empty", "phone"),)
    assert chosen[1].reason == ("matched header 'Phone (2)' (English alias); chosen over 'Phone' "
                                "because that column is empty")


def test_a_mobile_column_beats_a_landline_for_a_phone_field() -> None:
    headers = ["Home Phone", "Business Phone", "Home Mobile"]
    rows = [["01 23 45 67 89", "01 98 76 54 32", "06 12 34 56 78"]]
    for name, fid in (("iletimerkezi", "gsm"), ("octopush", "phone_number"), ("netcore", "MOBILE")):
        chosen = [s for s in suggest(headers, get_provider(name), rows) if s.field == fid]
        assert [s.column for s in chosen] == [2], name
        assert chosen[0].reason.endswith(
            "; chosen over 'Home Phone', 'Business Phone' because a mobile number fits this field better")
    # Aptania has both: the landline goes to contactTelephone, the mobile to contactMobile
    assert named(headers, auto_map(headers, get_provider("aptania"), rows)) == {
        "Home Phone": "contactTelephone", "Home Mobile": "contactMobile"}


def test_other_peoples_details_are_never_suggested() -> None:
    headers = ["Email", "Mum Email", "Assistant's Phone", "Spouse", "Manager's Name", "Acil Durum Telefonu"]
    rows = [["", "mum@example.com", "+44 7911 123456", "Jo", "Sam", "+90 532 000 00 00"]]
    for name in PROVIDERS:
        mapping = auto_map(headers, get_provider(name), rows)
        assert set(mapping) <= {0}, (name, mapping)


def test_a_different_word_is_not_a_typo() -> None:
    netcore = get_provider("netcore")
    assert auto_map(["Client Name", "Email"], netcore) == {0: "NAME", 1: "EMAIL"}
    assert auto_map(["Client Number"], netcore) == {0: "CUSTOMER_ID"}
    assert auto_map(["Website Profile"], get_provider("aptania")) == {}


def test_values_that_cannot_be_emails_lose_to_ones_that_can() -> None:
    headers = ["Email", "Email 2"]
    rows = [["* Home", "ann@example.com"], ["Work", "bob@example.com"]]
    chosen = suggest(headers, get_provider("iletimerkezi"), rows)
    assert [(s.column, s.field) for s in chosen] == [(1, "email")]
    assert chosen[0].passed_over[0].why == "unlike"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("E-posta", "matched header 'E-posta' (Turkish alias)"),
        ("Correo electrónico", "matched header 'Correo electrónico' (Spanish alias)"),
        ("Courriel", "matched header 'Courriel' (French alias)"),
        ("Emial", "header 'Emial' is a near spelling of the English alias 'email'"),
        ("Adresse e-mail du client",
         "header 'Adresse e-mail du client' contains the French alias 'adresse e-mail'"),
        ("email", "matched header 'email' (the field's own name 'email')"),
    ],
)
def test_each_suggestion_says_why(header: str, reason: str) -> None:
    (only,) = suggest([header], get_provider("iletimerkezi"))
    assert only.field == "email"
    assert only.reason == reason


def test_fax_and_pager_numbers_are_not_phones() -> None:
    assert auto_map(["Email", "Fax Number", "Pager"], get_provider("octopush")) == {}
    headers = ["Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value"]
    rows = [["Pager", "+33 6 11 11 11 11", "Main", "+33 1 22 22 22 22"]]
    chosen = [s for s in suggest(headers, get_provider("aptania"), rows) if s.field == "contactTelephone"]
    assert [s.header for s in chosen] == ["Phone 2 - Value"]
    assert chosen[0].passed_over == (PassedOver(1, "Phone 1 - Value", "unlike", "phone"),)


def test_a_column_of_numbers_is_not_a_name_or_a_city() -> None:
    headers = ["Name", "Town", "Phone"]
    rows = [["12", "304", "+32 473 56 75 25"], ["7", "118", "+32 2 511 11 11"]]
    assert auto_map(headers, get_provider("netcore"), rows) == {2: "MOBILE"}
    assert auto_map(headers, get_provider("netcore")) == {0: "NAME", 1: "CITY", 2: "MOBILE"}  # headers only


def test_netcore_mappings_remembered_under_the_old_rules_are_suggested_afresh() -> None:
    netcore, octopush = get_provider("netcore"), get_provider("octopush")
    headers = ["Email", "Notes", "ip_address"]
    path = state_dir() / "mappings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    old = {  # as written before: every column of a Netcore file sent, and no "rules"
        fingerprint(headers, netcore): {"provider": "netcore", "headers": headers, "saved": 1.0,
                                        "mapping": {"0": "EMAIL", "1": "NOTES", "2": "IP_ADDRESS"}},
        fingerprint(["Tel"], octopush): {"provider": "octopush", "headers": ["Tel"], "saved": 1.0,
                                         "mapping": {"0": "phone_number"}},
    }
    path.write_text(json.dumps({"version": 1, "mappings": old}), encoding="utf-8")
    memory = MappingMemory()
    assert memory.recall(headers, netcore) is None
    assert memory.recall(["Tel"], octopush) == {0: "phone_number"}
    memory.remember(headers, netcore, {0: "EMAIL", 1: "NOTES"})  # chosen again under today's rules
    assert memory.recall(headers, netcore) == {0: "EMAIL", 1: "NOTES"}


def test_columns_without_a_name_are_suggested_by_their_values() -> None:
    headers = ["Column A", "Column B", "Column C", "Notes", "Column E"]
    rows = [["Ayşe Yılmaz", "ayse@example.com", "+905321234567", "ali@example.com", "VIP"],
            ["Ali Kaya", "ali@example.com", "0533 765 43 21", "x@example.com", "12"]]
    found = {s.header: s for s in suggest(headers, get_provider("iletimerkezi"), rows)}
    assert {h: s.field for h, s in found.items()} == {
        "Column A": "name", "Column B": "email", "Column C": "gsm"}  # a named column is never guessed
    assert found["Column B"].basis == "content"
    assert found["Column B"].reason == ("column 'Column B' has no name, and every value in it is an "
                                        "e-mail address")
    # one value of another kind, and the column is left for the user
    rows[1][1] = "not an address"
    assert "Column B" not in {s.header for s in suggest(headers, get_provider("iletimerkezi"), rows)}


def test_a_named_field_is_not_taken_twice_by_content() -> None:
    headers = ["E-posta", "Column B"]
    rows = [["ayse@example.com", "ali@example.com"]]
    assert auto_map(headers, get_provider("netcore"), rows) == {0: "EMAIL"}


# ------------------------------------------------------------------------------ files not in the corpus
# Exports made like real ones (Outlook in English and French, an order list, a contact sheet with two phone
# columns): the rules must read them as a careful person would, not only the forty files of the corpus.


def test_the_number_of_something_else_is_not_a_phone() -> None:
    headers = ["Email", "Name", "Order Number", "VAT Number", "Number of Employees"]
    rows = [["a@x.com", "Ann", "100234", "FR12345678901", "250"]]
    for name in PROVIDERS:
        assert not set(named(headers, auto_map(headers, get_provider(name), rows))) & {
            "Order Number", "VAT Number", "Number of Employees"}, name
    # the word alone still means a phone number
    assert named(["Email", "Number"], auto_map(["Email", "Number"], get_provider("netcore"),
                                               [["a@x.com", "+33612345678"]])) == {
        "Email": "EMAIL", "Number": "MOBILE"}


def test_a_missing_word_is_not_a_typo() -> None:
    # Outlook's "Account" and a plain "Customer" column are not a customer id ("account id", "customer id")
    headers = ["Email", "Account", "Customer"]
    rows = [["a@x.com", "ACC-1", "Ann Lee"]]
    assert named(headers, auto_map(headers, get_provider("netcore"), rows)) == {"Email": "EMAIL"}


def test_a_header_about_an_email_is_only_an_email_candidate() -> None:
    # Outlook: "E-mail Display Name" is "John Smith (john@acme.co.uk)", the label of the address, not a name
    headers = ["First Name", "Last Name", "E-mail Address", "E-mail Display Name"]
    rows = [["John", "Smith", "john@acme.co.uk", "John Smith (john@acme.co.uk)"]]
    assert named(headers, auto_map(headers, get_provider("netcore"), rows)) == {
        "First Name": "FIRST_NAME", "Last Name": "LAST_NAME", "E-mail Address": "EMAIL"}


def test_french_outlook_email_column() -> None:
    headers = ["Prénom", "Nom", "Tél. mobile", "Adresse de messagerie", "Type de messagerie",
               "Nom complet de l'adresse de messagerie"]
    rows = [["Jean", "Dupont", "06 12 34 56 78", "jean@acme.fr", "SMTP", "Jean Dupont (jean@acme.fr)"]]
    assert named(headers, auto_map(headers, get_provider("netcore"), rows)) == {
        "Prénom": "FIRST_NAME", "Nom": "LAST_NAME", "Tél. mobile": "MOBILE", "Adresse de messagerie": "EMAIL"}



def test_between_two_phone_columns_the_one_holding_mobiles_is_the_mobile() -> None:
    headers = ["Name", "Phone", "Phone (2)"]
    rows = [["Ann Lee", "+33 1 42 00 00 00", "+33 6 12 34 56 78"],
            ["Bob Roy", "+33 1 43 00 00 00", "+33 7 81 22 33 44"],
            ["Cid Moe", "", "+33 6 99 88 77 66"]]
    for name, field in (("netcore", "MOBILE"), ("iletimerkezi", "gsm"), ("octopush", "phone_number")):
        chosen = {s.header: s for s in suggest(headers, get_provider(name), rows)}
        assert chosen["Phone (2)"].field == field, name
        assert "Phone" not in chosen, name
        assert "mobile numbers" in chosen["Phone (2)"].reason
    aptania = named(headers, auto_map(headers, get_provider("aptania"), rows))
    assert aptania["Phone"] == "contactTelephone"
    assert aptania["Phone (2)"] == "contactMobile"
    # national numbers are read in the provider's country (İleti Merkezi: Turkey)
    tr_rows = [["Ali", "0212 555 44 33", "0532 123 45 67"], ["Ece", "0312 444 55 66", "0542 123 45 67"]]
    assert named(headers, auto_map(headers, get_provider("iletimerkezi"), tr_rows))["Phone (2)"] == "gsm"


def test_tag_names_are_not_tag_ids() -> None:
    # Mailchimp's TAGS column holds tag names ("VIP"); Aptania's contactTagID takes tag ids (176,177)
    headers = ["Email Address", "TAGS"]
    aptania = get_provider("aptania")
    assert auto_map(headers, aptania, [["a@example.com", '"VIP"'], ["b@example.com", "Newsletter, VIP"]]) == {
        0: "contactEmailaddress"}
    assert auto_map(headers, aptania, [["a@example.com", "176,177"], ["b@example.com", "176"]]) == {
        0: "contactEmailaddress", 1: "contactTagID"}
def test_a_very_wide_sheet_is_matched_fuzzily_only_in_its_first_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fuzzy comparison of one header costs milliseconds (hundreds of aliases): a CSV of 200 000 columns
    held the upload for many minutes. Beyond MAX_FUZZY_COLUMNS a header matches by its exact name only."""
    import difflib

    import core.mapping as mapping_module

    monkeypatch.setattr(mapping_module, "MAX_FUZZY_COLUMNS", 10)
    compared: list[str] = []

    class Counting(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk: object = None, a: str = "", b: str = "", autojunk: bool = True) -> None:
            compared.append(a)
            super().__init__(None, a, b, autojunk)

    monkeypatch.setattr(mapping_module.difflib, "SequenceMatcher", Counting)
    headers = [f"Sütun {i}" for i in range(40)]
    headers[3] = "E-psota"  # a typo within the first columns: still found
    headers[25] = "Cep Telefonu"  # an exact alias beyond them: still found
    headers[30] = "Emial Adress"  # a typo beyond them: not looked for
    found = auto_map(headers, get_provider("iletimerkezi"))
    assert found.get(3) == "email"
    assert found.get(25) == "gsm"
    assert 30 not in found
    late = {mapping_module._compact(normalise_header(h)) for h in headers[10:]}
    assert not late & set(compared)  # no fuzzy comparison for a header beyond the first columns
