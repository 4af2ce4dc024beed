"""Validation and normalisation: values, one form entry, and whole tables with row/column messages."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from core.errors import UsageError
from core.model import FieldKind, FieldSpec
from core.providers import get_provider
from core.validation import (
    InvalidValue,
    _email,
    _fast_phone,
    _slow_phone,
    build_contact,
    check_cell,
    normalise,
    prepare,
)

EMAIL = FieldSpec("email", "E-mail", FieldKind.EMAIL)
PHONE = FieldSpec("gsm", "Mobile phone", FieldKind.PHONE)


@dataclass
class Table:
    """The attributes of core.reading.Table that prepare() may use, and nothing else."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def table(headers: list[str], *rows: list[str], first_row: int = 2) -> Table:
    return Table(headers, [list(r) for r in rows], list(range(first_row, first_row + len(rows))))


# ---------------------------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("0532 123 45 67", "TR", "+905321234567"),
        ("+90 532 123 4567", "TR", "+905321234567"),
        ("5321234567", "TR", "+905321234567"),
        ("905321234567", "TR", "+905321234567"),
        ("(0532) 123-45-67", "TR", "+905321234567"),
        ("0090 532 123 45 67", "TR", "+905321234567"),
        ("  0532 123 45 67  ", "TR", "+905321234567"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("33611223344", "FR", "+33611223344"),  # Excel dropped the '+'
        ("33611223344", "TR", "+33611223344"),  # not a Turkish number: international
        ("33611223344.0", "FR", "+33611223344"),  # a float cell
        ("611223344", "FR", "+33611223344"),  # Excel dropped the leading zero
        ("+44 7911 123456", "FR", "+447911123456"),
        ("07911 123456", "GB", "+447911123456"),
        ("98765 43210", "IN", "+919876543210"),
        ("+1 (201) 555-0123", "TR", "+12015550123"),
    ],
)
def test_phone_numbers_become_e164(value: str, region: str, expected: str) -> None:
    assert normalise(PHONE, value, region) == expected


@pytest.mark.parametrize("value", ["12345", "abc", "0532 123", "call me", "0000000000"])
def test_bad_phone_numbers_are_refused_with_the_value_and_region(value: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(PHONE, value, "TR")
    assert f"'{value}' is not a valid phone number" in str(exc.value)
    assert "TR" in str(exc.value)


def test_a_formatted_foreign_number_is_not_guessed_international() -> None:
    # Only bare digits (what Excel leaves) are read as an international number that lost its '+';
    # "(201) 555-0123" typed in a French file is not turned into an Egyptian number.
    with pytest.raises(InvalidValue):
        normalise(PHONE, "(201) 555-0123", "FR")


@pytest.mark.parametrize("value", ["3.36112E+10", "3,36112E+10", "9.05321E+11", "3.36112e10"])
def test_scientific_notation_says_excel_damaged_it(value: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(PHONE, value, "FR")
    message = str(exc.value)
    assert value in message
    assert "Excel" in message
    assert "format the column as text" in message


def test_fast_phone_path_agrees_with_phonenumbers() -> None:
    """The fast path must give exactly the answer of the phonenumbers path whenever it answers."""
    rnd = random.Random(20240601)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    answered = 0
    for _ in range(20000):
        region = rnd.choice(["TR", "FR", "IN", "GB", "DE", "ES", "US", rnd.choice(regions)])
        cc = rnd.choice([90, 33, 91, 44, 49, 34, 1, 7, 39, rnd.choice(codes)])
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(5, 13)))
        style = rnd.randrange(5)
        if style == 0:
            value = f"+{cc} {digits}"
        elif style == 1:
            value = f"00{cc}{digits}"
        elif style == 2:
            value = "0" + digits
        elif style == 3:
            value = digits
        else:
            ptype = rnd.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
            example = phonenumbers.example_number_for_type(rnd.choice(regions), ptype)
            if example is None:
                continue
            value = phonenumbers.format_number(example, rnd.choice([0, 1, 2]))
        fast = _fast_phone(value, region)
        if fast is None:
            continue
        answered += 1
        assert fast == _slow_phone(value, region)[0], (value, region)
    assert answered > 2000  # the fast path is really taken


def test_fast_phone_path_agrees_on_example_numbers_of_every_region() -> None:
    """Every region's example numbers, in every format and slightly altered, read in several regions."""
    rnd = random.Random(2)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    types = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
    answered = 0
    for region in regions:
        for ptype in types:
            example = phonenumbers.example_number_for_type(region, ptype)
            if example is None:
                continue
            for fmt in (0, 1, 2):
                text = phonenumbers.format_number(example, fmt)
                variants = {text, text.replace(" ", ""), text.lstrip("+"), text.replace("+", "00")}
                digits = [i for i, c in enumerate(text) if c.isdigit()]
                altered = list(text)
                altered[rnd.choice(digits[-4:])] = str(rnd.randrange(10))
                variants.add("".join(altered))
                for value in variants:
                    for default in (region, "TR", "FR", "GB", "IN"):
                        fast = _fast_phone(value, default)
                        if fast is not None:
                            answered += 1
                            assert fast == _slow_phone(value, default)[0], (value, default)
    assert answered > 5000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ali.Veli@Example.COM", "Ali.Veli@example.com"),
        ("  ayse@firma.com.tr ", "ayse@firma.com.tr"),
        ("x+tag@sub.Domain.org", "x+tag@sub.domain.org"),
        ("çağla@örnek.com.tr", "çağla@örnek.com.tr"),
        ("user@ÖRNEK.COM", "user@örnek.com"),
    ],
)
def test_emails_are_trimmed_and_domain_lower_cased(value: str, expected: str) -> None:
    assert normalise(EMAIL, value, "TR") == expected


@pytest.mark.parametrize(
    "value",
    ["ali@@x.com", "ali", "ali@", "@x.com", "ali@x", "a b@x.com", "ali@x..com", "ali@localhost", "a@b.test"],
)
def test_bad_emails_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(EMAIL, value, "TR")
    assert str(exc.value) == f"'{value}' is not a valid e-mail address."


def test_email_fast_path_agrees_with_email_validator() -> None:
    rnd = random.Random(5)
    alphabet = "abcXYZ019.-_+@!#'`ış"
    samples = [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(3, 20)))
        + rnd.choice(["", "@a.com", "@x-y.co.uk", "@1.fr", "@ab--c.com", "@a.b", "@a.local", "@ex.a1"])
        for _ in range(5000)
    ]
    samples += ["a" * 64 + "@x.com", "a" * 65 + "@x.com", "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com"]
    for value in samples:
        try:
            expected = validate_email(value, check_deliverability=False).normalized
            local, _, domain = expected.rpartition("@")
            expected = f"{local}@{domain.lower()}"
        except EmailNotValidError:
            expected = ""
        assert _email(value)[0] == expected, value


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (FieldSpec("listid", "List", FieldKind.INTEGER), " 42 ", "42"),
        (FieldSpec("listid", "List", FieldKind.INTEGER), "42.0", "42"),
        (FieldSpec("b", "B", FieldKind.BOOLEAN), "Yes", "true"),
        (FieldSpec("b", "B", FieldKind.BOOLEAN), "evet", "true"),
        (FieldSpec("b", "B", FieldKind.BOOLEAN), "non", "false"),
        (FieldSpec("b", "B", FieldKind.BOOLEAN), "0", "false"),
        (FieldSpec("t", "Tags", FieldKind.ID_LIST), "176, 177;178", "176,177,178"),
        (FieldSpec("a", "Mode", FieldKind.CHOICE, choices=("addsync", "add")), "ADD", "add"),
        (FieldSpec("n", "Name", max_length=5), "  Ali  ", "Ali"),
    ],
)
def test_other_kinds_normalise(spec: FieldSpec, value: str, expected: str) -> None:
    assert normalise(spec, value, "TR") == expected


@pytest.mark.parametrize(
    ("spec", "value", "fragment"),
    [
        (FieldSpec("listid", "List", FieldKind.INTEGER), "12a", "'12a' is not a whole number."),
        (FieldSpec("b", "B", FieldKind.BOOLEAN), "maybe", "'maybe' is not yes or no"),
        (FieldSpec("t", "Tags", FieldKind.ID_LIST), "176, a b!", "is not a list of ids"),
        (
            FieldSpec("a", "Mode", FieldKind.CHOICE, choices=("addsync", "add")),
            "fast",
            "not one of: addsync, add",
        ),
        (FieldSpec("tag_name", "Tag", max_length=20), "x" * 21, "has 21 characters; at most 20 are allowed."),
    ],
)
def test_other_kinds_refuse_bad_values(spec: FieldSpec, value: str, fragment: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(spec, value, "TR")
    assert fragment in str(exc.value)


def test_empty_value_normalises_to_empty() -> None:
    assert normalise(PHONE, "   ", "TR") == ""


# ---------------------------------------------------------------------------------------------- one entry


def test_build_contact_separates_fields_and_options_and_normalises() -> None:
    check = build_contact(
        get_provider("octopush"),
        {"phone_number": "06 12 34 56 78", "first_name": " Émilie ", "last_name": "", "list_name": "vip"},
        key=1,
    )
    assert check.ok
    assert check.contact is not None
    assert dict(check.contact.fields) == {"phone_number": "+33612345678", "first_name": "Émilie"}
    assert check.options == {"list_name": "vip"}


def test_build_contact_uses_the_provider_default_region_and_an_override() -> None:
    provider = get_provider("iletimerkezi")
    check = build_contact(provider, {"gsm": "0532 123 45 67"})
    assert check.contact is not None
    assert check.contact.fields["gsm"] == "+905321234567"
    check = build_contact(provider, {"gsm": "06 12 34 56 78"}, default_region="fr")
    assert check.contact is not None
    assert check.contact.fields["gsm"] == "+33612345678"
    # Netcore's default is India
    check = build_contact(get_provider("netcore"), {"EMAIL": "a@b.com", "MOBILE": "98765 43210"})
    assert check.contact is not None
    assert check.contact.fields["MOBILE"] == "+919876543210"


def test_build_contact_messages_name_the_field_label() -> None:
    check = build_contact(get_provider("netcore"), {"EMAIL": "ali@@x.com", "MOBILE": "123"})
    assert check.contact is None
    messages = [p.message for p in check.problems]
    assert messages == [
        "E-mail: 'ali@@x.com' is not a valid e-mail address.",
        "Mobile phone: '123' is not a valid phone number (numbers without a country code are read as IN; "
        "write it as +<country code> <number>).",
    ]
    assert [p.column for p in check.problems] == ["E-mail", "Mobile phone"]
    assert [p.field for p in check.problems] == ["EMAIL", "MOBILE"]


def test_aptania_needs_an_email() -> None:
    check = build_contact(get_provider("aptania"), {"contactFirstname": "Ali", "contactProfileID": "7"})
    assert check.contact is None
    assert [p.message for p in check.problems] == [
        "Aptania needs an e-mail address for every contact; 'E-mail' is empty."
    ]


def test_octopush_needs_a_mobile() -> None:
    check = build_contact(get_provider("octopush"), {"first_name": "Ali"})
    assert [p.message for p in check.problems] == [
        "Octopush needs a valid mobile number for every contact; 'Mobile phone' is empty."
    ]


def test_iletimerkezi_needs_one_of_name_surname_gsm_email() -> None:
    provider = get_provider("iletimerkezi")
    check = build_contact(provider, {"group_id": "5"})
    assert check.contact is None
    assert check.problems[0].message == (
        "İleti Merkezi needs at least one of first name, last name, mobile phone or e-mail; all are empty."
    )
    assert build_contact(provider, {"surname": "Kaya"}).ok


def test_build_contact_defaults_and_bad_options() -> None:
    check = build_contact(get_provider("netcore"), {"EMAIL": "a@b.com"})
    assert check.options == {"activity": "addsync"}
    check = build_contact(get_provider("netcore"), {"EMAIL": "a@b.com", "listid": "x"})
    assert check.contact is None
    assert check.problems[0].message == "List ID: 'x' is not a whole number."


def test_build_contact_dynamic_fields() -> None:
    check = build_contact(get_provider("iletimerkezi"), {"name": "Ali", "custom_field:12": " Ankara "})
    assert check.contact is not None
    assert check.contact.fields["custom_field:12"] == "Ankara"
    check = build_contact(get_provider("netcore"), {"EMAIL": "a@b.com", "DOGUM_TARIHI": "1990-01-01"})
    assert check.contact is not None
    assert check.contact.fields["DOGUM_TARIHI"] == "1990-01-01"


def test_build_contact_unknown_field_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as exc:
        build_contact(get_provider("octopush"), {"email": "a@b.com"})
    assert "Octopush has no field 'email'" in str(exc.value)
    assert "phone_number" in str(exc.value)


def test_bad_region_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as exc:
        build_contact(get_provider("octopush"), {"phone_number": "0612345678"}, default_region="XX")
    assert "'XX'" in str(exc.value)


def test_check_cell() -> None:
    provider = get_provider("netcore")
    assert check_cell(provider, "EMAIL", "ali@@x.com") == "'ali@@x.com' is not a valid e-mail address."
    assert check_cell(provider, "EMAIL", "Ali@X.com") is None
    assert (
        check_cell(provider, "EMAIL", " ") == "Netcore Smartech / CEE needs an e-mail address for every "
        "contact; this cell is empty."
    )
    assert check_cell(provider, "CITY", "") is None
    assert check_cell(get_provider("octopush"), "phone_number", "06 12 34 56 78", "FR") is None
    assert check_cell(get_provider("octopush"), "phone_number", "06 12 34 56 78", "TR") is not None


# ---------------------------------------------------------------------------------------------- tables


def test_prepare_gives_one_check_per_row_in_source_order() -> None:
    t = table(
        ["Ad", "E-posta", "Cep Telefonu"],
        ["Ali", "Ali@Example.COM", "0532 123 45 67"],
        ["Ayşe", "ali@@x.com", "0533 111 22 33"],
        ["", "", ""],
        ["Veli", "", "+90 542 765 43 21"],
        first_row=5,
    )
    prepared = prepare(t, {0: "name", 1: "email", 2: "gsm"}, {}, get_provider("iletimerkezi"))
    assert [c.key for c in prepared.checks] == [5, 6, 7, 8]
    assert [c.ok for c in prepared.checks] == [True, False, False, True]
    assert [c.key for c in prepared.contacts] == [5, 8]
    assert dict(prepared.contacts[0].fields) == {
        "name": "Ali",
        "email": "Ali@example.com",
        "gsm": "+905321234567",
    }
    assert dict(prepared.contacts[1].fields) == {
        "name": "Veli",
        "gsm": "+905427654321",
    }  # empty cell left out
    bad = prepared.checks[1].problems[0]
    assert (bad.row, bad.column, bad.field) == (6, "E-posta", "email")
    assert bad.message == "Row 6, column 'E-posta': 'ali@@x.com' is not a valid e-mail address."
    assert prepared.checks[2].problems[0].message == (
        "Row 7: İleti Merkezi needs at least one of first name, last name, mobile phone or e-mail; "
        "all are empty in this row."
    )


def test_an_invalid_optional_field_makes_the_row_invalid() -> None:
    t = table(["Email", "Mobile"], ["a@b.com", "12"], ["c@d.com", ""])
    prepared = prepare(t, {0: "EMAIL", 1: "MOBILE"}, {}, get_provider("netcore"))
    assert not prepared.checks[0].ok
    assert (
        prepared.checks[0].problems[0].message.startswith("Row 2, column 'Mobile': '12' is not a valid phone")
    )
    assert prepared.checks[1].ok


def test_every_problem_of_a_row_is_reported() -> None:
    t = table(["Email", "Mobile"], ["bad", "12"])
    check = prepare(t, {0: "EMAIL", 1: "MOBILE"}, {}, get_provider("netcore")).checks[0]
    assert [p.column for p in check.problems] == ["Email", "Mobile"]


def test_duplicates_keep_the_first_and_name_it() -> None:
    t = table(
        ["Email", "Name"],
        ["ali@example.com", "Ali"],
        ["bad@@", "X"],
        ["ALI@Example.com", "Ali again"],  # Netcore EMAIL compares case-insensitively
        ["veli@example.com", "Veli"],
        ["Ali@EXAMPLE.COM", "Ali thrice"],
    )
    prepared = prepare(t, {0: "EMAIL", 1: "NAME"}, {}, get_provider("netcore"))
    assert [c.ok for c in prepared.checks] == [True, False, False, True, False]
    assert prepared.checks[2].problems[0].message == "Row 4: same e-mail as row 2 (kept row 2)."
    assert prepared.checks[4].problems[0].message == "Row 6: same e-mail as row 2 (kept row 2)."
    assert prepared.checks[2].problems[0].column == "Email"
    assert [c.key for c in prepared.contacts] == [2, 5]


def test_an_invalid_first_row_does_not_count_as_kept() -> None:
    t = table(["Mobile"], ["06 12 34 56 78 9"], ["0612345678"], ["+33 6 12 34 56 78"])
    prepared = prepare(t, {0: "phone_number"}, {}, get_provider("octopush"))
    assert [c.ok for c in prepared.checks] == [False, True, False]
    assert prepared.checks[2].problems[0].message == "Row 4: same mobile phone as row 3 (kept row 3)."


def test_iletimerkezi_identity_is_gsm_else_email() -> None:
    t = table(
        ["Email", "GSM"],
        ["a@b.com", "0532 123 45 67"],
        ["a@b.com", "0533 123 45 67"],  # same e-mail, other gsm: not a duplicate
        ["x@y.com", "+905321234567"],  # same gsm: duplicate
        ["c@d.com", ""],
        ["C@D.com", ""],  # no gsm, same e-mail: duplicate
    )
    prepared = prepare(t, {0: "email", 1: "gsm"}, {}, get_provider("iletimerkezi"))
    assert [c.ok for c in prepared.checks] == [True, True, False, True, False]
    assert prepared.checks[2].problems[0].message == "Row 4: same mobile phone as row 2 (kept row 2)."


def test_aptania_row_without_email_says_why() -> None:
    t = table(["First", "Mail"], ["Ali", ""], ["Veli", "v@x.com"])
    prepared = prepare(
        t,
        {0: "contactFirstname", 1: "contactEmailaddress"},
        {"contactProfileID": "12"},
        get_provider("aptania"),
    )
    assert prepared.checks[0].problems[0].message == (
        "Row 2: Aptania needs an e-mail address for every contact; column 'Mail' is empty."
    )
    assert prepared.contacts[0].fields == {
        "contactProfileID": "12",
        "contactFirstname": "Veli",
        "contactEmailaddress": "v@x.com",
    }


def test_octopush_row_without_valid_mobile_is_invalid() -> None:
    t = table(["Tel", "Prénom"], ["", "Ali"], ["06 12", "Jean"], ["06 12 34 56 78", "Marie"])
    prepared = prepare(
        t, {0: "phone_number", 1: "first_name"}, {"list_name": "vip"}, get_provider("octopush")
    )
    assert prepared.checks[0].problems[0].message == (
        "Row 2: Octopush needs a valid mobile number for every contact; column 'Tel' is empty."
    )
    assert "'06 12' is not a valid phone number" in prepared.checks[1].problems[0].message
    assert prepared.checks[2].ok
    assert prepared.options == {"list_name": "vip"}


def test_options_and_constants() -> None:
    t = table(["Email", "Liste"], ["a@b.com", "17"], ["c@d.com", ""], ["e@f.com", "17"])
    prepared = prepare(t, {0: "EMAIL", 1: "listid"}, {"CITY": "Ankara"}, get_provider("netcore"))
    assert prepared.options == {"listid": "17", "activity": "addsync"}
    assert all(c.fields["CITY"] == "Ankara" for c in prepared.contacts)
    assert "listid" not in prepared.contacts[0].fields


def test_an_option_column_with_two_values_is_a_usage_error() -> None:
    t = table(["Email", "Liste"], ["a@b.com", "17"], ["c@d.com", "18"])
    with pytest.raises(UsageError) as exc:
        prepare(t, {0: "EMAIL", 1: "listid"}, {}, get_provider("netcore"))
    assert "Column 'Liste'" in str(exc.value)
    assert "'17'" in str(exc.value)
    assert "'18'" in str(exc.value)


@pytest.mark.parametrize(
    ("provider", "constants", "fragment"),
    [
        ("octopush", {"list_name": "x" * 31}, "has 31 characters; at most 30 are allowed."),
        ("octopush", {"tag_name": "x" * 21}, "has 21 characters; at most 20 are allowed."),
        ("netcore", {"listid": "vip"}, "'vip' is not a whole number."),
        ("octopush", {"do_not_overwrite": "perhaps"}, "'perhaps' is not yes or no"),
        ("octopush", {"email": "a@b.com"}, "Octopush has no field 'email'"),
    ],
)
def test_bad_constants_are_usage_errors(provider: str, constants: dict[str, str], fragment: str) -> None:
    t = table(["Mobile", "Email"], ["0612345678", "a@b.com"])
    mapping = {0: "phone_number"} if provider == "octopush" else {1: "EMAIL"}
    with pytest.raises(UsageError) as exc:
        prepare(t, mapping, constants, get_provider(provider))
    assert fragment in str(exc.value)


def test_a_required_field_neither_mapped_nor_set_is_a_usage_error() -> None:
    t = table(["Name"], ["Ali"])
    with pytest.raises(UsageError) as exc:
        prepare(t, {0: "NAME"}, {}, get_provider("netcore"))
    assert "EMAIL" in str(exc.value)
    assert "--set EMAIL=VALUE" in str(exc.value)
    # the GUI can still preview a partial mapping
    prepared = prepare(t, {0: "NAME"}, {}, get_provider("netcore"), require_mapped=False)
    assert prepared.checks[0].problems[0].message == (
        "Row 2: Netcore Smartech / CEE needs an e-mail address for every contact; no column is mapped to it."
    )


def test_two_columns_on_one_field_is_a_usage_error() -> None:
    t = table(["Mail", "Mail 2"], ["a@b.com", "c@d.com"])
    with pytest.raises(UsageError) as exc:
        prepare(t, {0: "EMAIL", 1: "EMAIL"}, {}, get_provider("netcore"))
    assert "'Mail' and 'Mail 2'" in str(exc.value)


def test_a_constant_wins_over_a_mapped_column() -> None:
    t = table(["Mobile", "List"], ["0612345678", "a"], ["0712345678", "b"])
    prepared = prepare(t, {0: "phone_number", 1: "list_name"}, {"list_name": "vip"}, get_provider("octopush"))
    assert prepared.options["list_name"] == "vip"


def test_short_rows_and_unnamed_columns() -> None:
    t = table(["Email", ""], ["a@b.com"], ["c@d.com", "bad"])
    prepared = prepare(t, {0: "EMAIL", 1: "MOBILE"}, {}, get_provider("netcore"))
    assert prepared.checks[0].ok
    assert prepared.checks[1].problems[0].message.startswith("Row 3, column 'column B': 'bad'")


def test_default_region_override_and_profile_region() -> None:
    t = table(["Mobile"], ["06 12 34 56 78"])
    assert not prepare(t, {0: "gsm"}, {}, get_provider("iletimerkezi")).checks[0].ok
    prepared = prepare(t, {0: "gsm"}, {}, get_provider("iletimerkezi"), default_region="FR")
    assert prepared.contacts[0].fields["gsm"] == "+33612345678"


def test_prepare_reads_a_real_csv(tmp_path: Path) -> None:
    """End to end with the real reader: a Turkish export with a title row above the header."""
    from core.mapping import auto_map
    from core.reading import read_table

    path = tmp_path / "kisiler.csv"
    path.write_text(
        "Müşteri listesi Haziran\n"
        "Ad;Soyad;E-posta;Cep Telefonu;Doğum Tarihi\n"
        "Ali;Yılmaz;Ali@Example.COM;0532 123 45 67;1990-01-01\n"
        "Ayşe;Kaya;ayse@@example.com;905331234567;\n"
        "Veli;Demir;ali@example.com;0542 765 43 21;\n",
        encoding="cp1254",
    )
    t = read_table(path)
    provider = get_provider("netcore")
    mapping = auto_map(t.headers, provider, t.rows, extra_as_attributes=True)
    assert mapping == {0: "FIRST_NAME", 1: "LAST_NAME", 2: "EMAIL", 3: "MOBILE", 4: "DOGUM_TARIHI"}
    assert not prepare(t, mapping, {}, provider).checks[0].ok  # Netcore reads numbers as Indian by default
    prepared = prepare(t, mapping, {}, provider, default_region="TR")
    assert [c.key for c in prepared.checks] == t.row_numbers
    assert [c.ok for c in prepared.checks] == [True, False, False]
    assert prepared.contacts[0].fields == {
        "FIRST_NAME": "Ali",
        "LAST_NAME": "Yılmaz",
        "EMAIL": "Ali@example.com",
        "MOBILE": "+905321234567",
        "DOGUM_TARIHI": "1990-01-01",
    }
    row = t.row_numbers[1]
    assert prepared.checks[1].problems[0].message == (
        f"Row {row}, column 'E-posta': 'ayse@@example.com' is not a valid e-mail address."
    )
    first = t.row_numbers[0]
    assert prepared.checks[2].problems[0].message == (
        f"Row {t.row_numbers[2]}: same e-mail as row {first} (kept row {first})."
    )


# ------------------------------------------------------------------ numbers written with their country code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+52 1 55 1234 5678",
         "'+52 1 55 1234 5678' is not a valid phone number for Mexico (+52): it has one digit too many, "
         "the 1 after +52 that Mexican mobiles no longer take; write it as +52 55 1234 5678."),
        ("+5215551234567", "write it as +52 55 5123 4567."),
        ("+90 532 123 45 67 89 12", "'+90 532 123 45 67 89 12' has too many digits for a phone number in "
         "Türkiye (+90)."),
        ("+33 6 12", "'+33 6 12' has too few digits for a phone number in France (+33)."),
        ("0090 532 123 45 67 8",
         "does not have the right number of digits for a phone number in Türkiye (+90)."),
        ("+1 555 123 4567", "is not a valid phone number for United States (+1): no number there is written "
         "this way"),
        ("+999 123", "'+999 123' does not start with a known country code; check the digits after the +."),
    ],
)
def test_a_number_with_its_country_code_is_told_what_is_wrong(value: str, expected: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(PHONE, value, "FR")
    message = str(exc.value)
    assert expected in message
    assert "without a country code" not in message  # it has one: the default country is not the problem


def test_the_mexican_sentence_in_each_language() -> None:
    from core import messages

    found = {}
    try:
        for lang in ("en", "tr", "fr", "es"):
            messages.set_language(lang)
            with pytest.raises(InvalidValue) as exc:
                normalise(PHONE, "+52 1 55 1234 5678", "TR")
            found[lang] = str(exc.value)
    finally:
        messages.set_language("en")
    assert all("+52 55 1234 5678" in m and "'+52 1 55 1234 5678'" in m for m in found.values())
    assert "bir hanesi fazla" in found["tr"]
    assert "Meksika (+52)" in found["tr"]
    assert "un chiffre de trop" in found["fr"]
    assert "le sobra un dígito" in found["es"]
    assert "México" in found["es"]
    assert "Mexique" in found["fr"]


def test_phone_sentences_exist_in_all_four_languages_with_the_same_placeholders() -> None:
    import string

    from core import messages

    def names(sentence: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(sentence) if n}

    english = messages.table("en")["phone"]["codes"]
    assert set(english) == {"mexico_mobile_one", "too_long", "too_short", "wrong_length", "not_valid",
                            "unknown_country_code", "national_elsewhere"}
    from core import i18n

    for lang in ("tr", "fr", "es"):  # the translations are in the catalogue, under the sentence's code
        for key, source in english.items():
            sentence = i18n.translation(lang).pgettext(messages.CONTEXT + "phone.codes." + key, source)
            assert names(sentence) == names(source), (lang, key)
            assert sentence != source, (lang, key)


def test_country_names_come_without_phonenumbers_geodata() -> None:
    """The geocoder's data is 20 MB of Python: naming the country of a bad number must not load it."""
    import subprocess
    import sys

    code = "\n".join([
        "import sys",
        "from core.validation import InvalidValue, normalise",
        "from core.model import FieldKind, FieldSpec",
        "try:",
        "    normalise(FieldSpec('m', 'Mobile', FieldKind.PHONE), '+52 1 55 1234 5678', 'FR')",
        "except InvalidValue as exc:",
        "    print(exc)",
        "print(any(m.startswith('phonenumbers.geodata') for m in sys.modules))",
    ])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.splitlines() == [
        "'+52 1 55 1234 5678' is not a valid phone number for Mexico (+52): it has one digit too many, the 1 "
        "after +52 that Mexican mobiles no longer take; write it as +52 55 1234 5678.",
        "False",
    ]


@pytest.mark.parametrize(
    ("value", "region", "country", "fixed"),
    [
        ("0532 123 45 67", "IN", "Türkiye", "+90 532 123 45 67"),  # a Turkish file uploaded to Netcore
        ("06 12 34 56 78", "TR", "France", "+33 6 12 34 56 78"),  # a French file uploaded to İleti Merkezi
    ],
)
def test_a_national_number_of_another_country_says_which(value: str, region: str, country: str,
                                                         fixed: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise(PHONE, value, region)
    message = str(exc.value)
    assert f"'{value}'" in message
    assert country in message
    assert fixed in message
    assert f"read as {region}" in message


def test_a_national_number_of_several_countries_names_none() -> None:
    # 612 345 678 is a Spanish and a French number: no guess
    with pytest.raises(InvalidValue) as exc:
        normalise(PHONE, "612345678", "GB")
    assert str(exc.value) == ("'612345678' is not a valid phone number (numbers without a country code are "
                              "read as GB; write it as +<country code> <number>).")


def test_the_other_country_sentence_in_each_language() -> None:
    from core import messages

    found = {}
    try:
        for lang in ("en", "tr", "fr", "es"):
            messages.set_language(lang)
            with pytest.raises(InvalidValue) as exc:
                normalise(PHONE, "0532 123 45 67", "FR")
            found[lang] = str(exc.value)
    finally:
        messages.set_language("en")
    assert all("+90 532 123 45 67" in m and "'0532 123 45 67'" in m for m in found.values())
    assert len(set(found.values())) == 4


def test_the_check_lets_other_threads_run_between_its_cache_clears(monkeypatch) -> None:
    """Issue 12: each per-value cache frees up to CACHE_SIZE entries in one C call; the two are emptied with a
    GIL release (time.sleep(0)) between them, so the window never waits for both at once."""
    from core import validation

    events: list[str] = []
    monkeypatch.setattr(validation.time, "sleep", lambda s: events.append(f"sleep {s}"))
    validation._phone_in("+33612345678", "FR", "en")
    validation._email("ann@example.com")
    for name in ("_phone_in", "_email"):
        clear = getattr(validation, name).cache_clear
        monkeypatch.setattr(getattr(validation, name), "cache_clear",
                            lambda clear=clear, name=name: (events.append(name), clear()))
    with validation.checking():
        pass
    assert events == ["_phone_in", "sleep 0", "_email"]
    assert validation._phone_in.cache_info().currsize == validation._email.cache_info().currsize == 0


def test_the_per_value_caches_stay_small_enough_to_empty_in_a_few_milliseconds() -> None:
    """Issue 12: emptying a cache is one C call holding the GIL: 16 384 entries take a few ms."""
    from core import validation

    assert validation._phone_in.cache_parameters()["maxsize"] <= 16384
    assert validation._email.cache_parameters()["maxsize"] <= 16384


def test_duplicates_spreads_each_identity_table_over_small_dictionaries() -> None:
    """Issue 12: a dictionary grows by copying itself whole in one C call (~60 ms at a million entries); the
    identities are spread over Duplicates.SHARDS dictionaries, each of which stays small, and the rows that
    are duplicates are still found whichever shard their value lands in."""
    from core.providers import get_provider
    from core.validation import Duplicates

    dup = Duplicates(get_provider("octopush"))
    phones = [f"+336{10000000 + i:08d}" for i in range(20_000)]
    for key, phone in enumerate(phones, start=2):
        assert dup.claim(key, {"phone_number": phone}) is None
    assert len(dup) == 20_000
    shards = dup.first["phone_number"]
    assert len(shards) == Duplicates.SHARDS
    assert max(map(len, shards)) < 20_000 / Duplicates.SHARDS * 2
    assert dup.claim(99_999, {"phone_number": phones[12_345]}) == ("phone_number", 12_347)
    dup.release(12_347, {"phone_number": phones[12_345]})
    assert dup.claim(99_999, {"phone_number": phones[12_345]}) is None
    assert len(dup) == 20_000
