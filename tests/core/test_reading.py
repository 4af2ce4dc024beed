"""core.reading against real files written by tests.core.filegen in every format and encoding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import reading
from core.errors import FileProblem, UsageError
from core.reading import (
    RawSheet,
    Table,
    cell_text,
    column_letter,
    detect_encoding,
    detect_header_row,
    list_sheets,
    looks_scientific,
    read_raw,
    read_table,
    sniff_delimiter,
)
from tests.core import filegen as g

ROWS = [g.CONTACT_HEADERS, *g.contact_rows(4)]


def one_sentence(exc: pytest.ExceptionInfo[BaseException], name: str) -> str:
    text = str(exc.value)
    assert name in text
    assert "\n" not in text
    assert "Traceback" not in text
    assert text.rstrip().endswith(".")
    return text


# ------------------------------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),  # no BOM: recognised from the NUL pattern
        ("cp1254", "cp1254"),
        ("iso-8859-9", "cp1254"),  # identical to cp1254 for every printable Turkish letter
    ],
)
def test_turkish_csv_in_each_encoding_is_decoded(tmp_path: Path, encoding: str, detected: str) -> None:
    path = g.write_csv(tmp_path / "kisiler.csv", ROWS, encoding=encoding)
    table = read_table(path)
    assert table.encoding == detected
    assert table.headers == g.CONTACT_HEADERS  # no BOM left in "Ad"
    assert table.rows == g.contact_rows(4)
    assert table.row_numbers == [2, 3, 4, 5]
    assert table.header_row == 1


def test_turkish_letters_that_differ_from_cp1252_pick_cp1254(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "t.csv", [["Ad", "Şehir"], ["Işıl", "Muğla"], ["İsmail", "Eskişehir"]],
                       encoding="cp1254")
    table = read_table(path)
    assert table.encoding == "cp1254"
    assert table.rows == [["Işıl", "Muğla"], ["İsmail", "Eskişehir"]]


def test_western_csv_is_cp1252(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "w.csv", [g.WESTERN_HEADERS, *g.WESTERN_ROWS], encoding="cp1252",
                       delimiter=";")
    table = read_table(path)
    assert table.encoding == "cp1252"
    assert table.headers == g.WESTERN_HEADERS
    assert table.rows == g.WESTERN_ROWS  # € (0x80) and ß survive


def test_encoding_override_wins(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "t.csv", [["Ad"], ["Ayşe"]], encoding="cp1254")
    assert read_table(path, encoding="cp1252").rows == [["Ayþe"]]
    assert read_table(path, encoding="iso-8859-9").encoding == "iso-8859-9"


def test_wrong_encoding_override_is_one_sentence(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "liste.csv", [["Ad"], ["Ayşe"]], encoding="cp1254")
    with pytest.raises(FileProblem) as exc:
        read_table(path, encoding="utf-8")
    assert "utf-8" in one_sentence(exc, "liste.csv")


def test_utf8_override_on_bom_file_drops_the_bom(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "b.csv", [["Ad", "Soyad"], ["a", "b"]], encoding="utf-8-sig")
    assert read_table(path, encoding="utf-8").headers == ["Ad", "Soyad"]


def test_unknown_encoding_name_is_a_usage_error(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "b.csv", [["Ad"], ["a"]])
    with pytest.raises(UsageError, match="klingon"):
        read_table(path, encoding="klingon")


def test_late_non_ascii_byte_is_seen_by_detection(tmp_path: Path) -> None:
    """Detection scans the whole file, not a sample: a Turkish letter after 200 000 ASCII rows counts."""
    rows = [["Ad", "No"], *[["ali", str(i)] for i in range(200_000)], ["Işıl", "x"]]
    path = g.write_csv(tmp_path / "late.csv", rows, encoding="cp1254")
    table = read_table(path)
    assert table.encoding == "cp1254"
    assert table.rows[-1] == ["Işıl", "x"]
    assert table.row_numbers[-1] == 200_002


def test_decode_error_far_into_a_file_gives_the_file_position(tmp_path: Path) -> None:
    body = b"Name,Email\r\n" + b"Ali,a@b.co\r\n" * 200_000  # 2.4 MB: read in several pieces
    path = tmp_path / "late.csv"
    path.write_bytes(body + b"Ay\xfee,s@b.co\r\n")
    with pytest.raises(FileProblem) as exc:
        read_table(path, encoding="utf-8")
    assert f"0xFE near position {len(body) + 2} " in one_sentence(exc, "late.csv")


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_records_straddling_the_read_pieces_stay_whole(tmp_path: Path, newline: str) -> None:
    # Text files are read a piece (_CHUNK bytes) at a time: put a line break right at the end of the first
    # piece, a quoted cell's line break at the end of the second and a two-byte letter across the third.
    chunk = reading._CHUNK
    parts: list[str] = ["Id,Note,Name" + newline]
    expected: list[list[str]] = []
    size = len(parts[0])

    def add(text: str, cells: list[str]) -> None:
        nonlocal size
        parts.append(text)
        expected.append(cells)
        size += len(text.encode())

    def fill(until: int) -> int:
        while size + 300 < until:
            i = len(expected)
            add(f"{i},{'x' * (i % 97)},Ayşe{newline}", [str(i), "x" * (i % 97), "Ayşe"])
        return until - size  # bytes left before the boundary byte

    left = fill(chunk - 1) - len(f"{len(expected)},") - len(",Ali")
    add(f"{len(expected)},{'a' * left},Ali{newline}", [str(len(expected)), "a" * left, "Ali"])
    left = fill(2 * chunk - 1) - len(f'{len(expected)},"')
    note = "b" * left + newline + "y"
    add(f'{len(expected)},"{note}",Ali{newline}', [str(len(expected)), note, "Ali"])
    left = fill(3 * chunk - 1) - len(f"{len(expected)},")
    add(f"{len(expected)},{'c' * left}ş,Ali{newline}", [str(len(expected)), "c" * left + "ş", "Ali"])
    fill(3 * chunk + 1000)
    text = "".join(parts)
    data, n = text.encode(), len(newline)
    assert data[chunk - 1 : chunk - 1 + n] == data[2 * chunk - 1 : 2 * chunk - 1 + n] == newline.encode()
    assert data[2 * chunk - 2 : 2 * chunk - 1] == b"b"
    assert data[3 * chunk - 1 : 3 * chunk + 1] == "ş".encode()
    table = read_table(g.write_text(tmp_path / "pieces.csv", text))
    assert table.rows == expected
    assert table.row_numbers == list(range(2, len(expected) + 2))


# Contact lists as exported in each market, one per legacy code page the detection must tell apart.
LEGACY_LISTS = {
    "turkish": (["Ad", "Soyad", "E-posta", "Cep Telefonu", "Şehir"],
                [["Ayşe", "Yılmaz", "ayse@ornek.com.tr", "0532 111 22 33", "İstanbul"],
                 ["Çağrı", "Öztürk", "cagri@ornek.com.tr", "0533 444 55 66", "Muğla"],
                 ["Işıl", "Ağaoğlu", "isil@ornek.com.tr", "0542 777 88 99", "Eskişehir"]]),
    "western": (["Prénom", "Nom", "Courriel", "Téléphone portable", "Ville"],
                [["Hélène", "Lefèvre", "helene@exemple.fr", "06 12 34 56 78", "Besançon"],
                 ["José", "Núñez", "jose@ejemplo.es", "+34 612 345 678", "Málaga"],
                 ["Jürgen", "Müller", "juergen@beispiel.de", "+49 151 2345678", "München"]]),
    "polish": (["Imię", "Nazwisko", "E-mail", "Telefon komórkowy", "Miasto"],
               [["Łukasz", "Wiśniewski", "lukasz@przyklad.pl", "+48 512 345 678", "Kraków"],
                ["Małgorzata", "Wójcik", "gosia@przyklad.pl", "+48 601 234 567", "Gdańsk"],
                ["Paweł", "Woźniak", "pawel@przyklad.pl", "+48 698 765 432", "Łódź"]]),
    "czech": (["Jméno", "Příjmení", "E-mail", "Mobilní telefon", "Město"],
              [["Jiří", "Dvořák", "jiri@priklad.cz", "+420 601 123 456", "Brno"],
               ["Kateřina", "Nováková", "katka@priklad.cz", "+420 702 234 567", "Plzeň"],
               ["Tomáš", "Černý", "tomas@priklad.cz", "+420 777 345 678", "České Budějovice"]]),
    "hungarian": (["Vezetéknév", "Keresztnév", "E-mail", "Mobiltelefon", "Település"],
                  [["Kovács", "Erzsébet", "erzsi@pelda.hu", "+36 20 123 4567", "Mezőkövesd"],
                   ["Szőke", "Gergő", "gergo@pelda.hu", "+36 30 234 5678", "Gyöngyös"],
                   ["Tóth", "Ildikó", "ildi@pelda.hu", "+36 70 345 6789", "Hódmezővásárhely"]]),
    "croatian": (["Ime", "Prezime", "E-pošta", "Mobitel", "Grad"],
                 [["Ivan", "Đurđević", "ivan@primjer.hr", "+385 91 123 4567", "Čakovec"],
                  ["Ana", "Kovačić", "ana@primjer.hr", "+385 98 234 5678", "Požega"],
                  ["Mate", "Šimić", "mate@primjer.hr", "+385 95 345 6789", "Županja"]]),
    "russian": (["Имя", "Фамилия", "Эл. почта", "Мобильный телефон", "Город"],
                [["Александр", "Иванов", "sasha@primer.ru", "+7 912 345-67-89", "Москва"],
                 ["Мария", "Смирнова", "masha@primer.ru", "+7 921 234-56-78", "Санкт-Петербург"],
                 ["Дмитрий", "Кузнецов", "dima@primer.ru", "+7 913 456-78-90", "Новосибирск"]]),
}


@pytest.mark.parametrize(
    ("language", "encoding", "detected"),
    [
        ("turkish", "cp1254", "cp1254"),
        ("turkish", "iso-8859-9", "cp1254"),
        ("turkish", "mac_turkish", "mac_turkish"),  # Excel for Mac, Turkish system: "CSV" is Mac Turkish
        ("western", "cp1252", "cp1252"),
        ("western", "mac_roman", "mac_roman"),  # Excel for Mac's plain "CSV"
        ("polish", "cp1250", "cp1250"),
        ("czech", "cp1250", "cp1250"),
        ("hungarian", "cp1250", "cp1250"),
        ("croatian", "cp1250", "cp1250"),
        ("russian", "cp1251", "cp1251"),
        ("turkish", "utf-8", "utf-8"),
        ("polish", "utf-8-sig", "utf-8-sig"),
        ("russian", "utf-16", "utf-16"),
    ],
)
@pytest.mark.parametrize("rows", [1, 3])
def test_each_markets_legacy_encoding_is_detected(tmp_path: Path, language: str, encoding: str, detected: str,
                                                  rows: int) -> None:
    headers, data = LEGACY_LISTS[language]
    path = g.write_csv(tmp_path / "liste.csv", [headers, *data[:rows]], encoding=encoding, delimiter=";")
    table = read_table(path)
    assert table.encoding == detected
    assert table.headers == headers
    assert table.rows == data[:rows]


def test_a_turkish_list_with_western_names_stays_turkish(tmp_path: Path) -> None:
    rows = [["Ad", "Soyad", "Şehir"], ["José", "Müller", "İzmir"], ["Hélène", "Doğan", "Paris"]]
    path = g.write_csv(tmp_path / "karisik.csv", rows, encoding="cp1254")
    table = read_table(path)
    assert table.encoding == "cp1254"
    assert table.rows == rows[1:]


def test_a_byte_a_code_page_lacks_rules_it_out_even_far_into_the_file(tmp_path: Path) -> None:
    # 0x9E is ž in cp1250 and cp1252 but nothing in cp1254; it comes after 2 MB of Turkish-looking rows
    rows = [["Ad", "Not"], *[["Ayşe", str(i)] for i in range(200_000)]]
    path = g.write_csv(tmp_path / "late.csv", rows, encoding="cp1254")
    with path.open("ab") as fh:
        fh.write("Žaneta,ž\r\n".encode("cp1252"))
    assert path.stat().st_size > 2 * reading._CHUNK
    table = read_table(path)  # a mixed file: no single code page is right, but one that reads it all
    assert table.encoding in ("cp1250", "cp1252")
    assert table.rows[-1] == ["Žaneta", "ž"]


def test_legacy_scores_prefer_the_code_page_of_the_language() -> None:
    text = "Jiří Dvořák;Kateřina Nováková;Plzeň"
    data = text.encode("cp1250")
    scores = {c: reading.legacy_score(data.decode(c, errors="replace"), c) for c in reading.LEGACY_ENCODINGS}
    assert max(scores, key=lambda c: scores[c]) == "cp1250"


def test_detect_encoding_function(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "d.csv", ROWS, encoding="utf-16")
    assert detect_encoding(path) == "utf-16"


# ------------------------------------------------------------------------------------------ delimiters


@pytest.mark.parametrize("delimiter", g.DELIMITERS)
@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str, suffix: str) -> None:
    rows = [
        ["Name", "Address", "Note", "Phone"],
        ["Ali, Jr.", "1 Rue X; Paris | FR", 'said "hi"\ttwice', "+33611223344"],
        ["Veli", "Line one\nLine two", "", "0033611223344"],
        ["Ayşe", "a,b;c|d", 'x "y", z', "0532"],
    ]
    path = g.write_csv(tmp_path / f"f{suffix}", rows, delimiter=delimiter)
    table = read_table(path)
    assert table.delimiter == delimiter
    assert table.headers == rows[0]
    assert table.rows == [list(r) for r in rows[1:]]
    # the quoted field with a line break is still one row: rows 2, 3, 4 as Excel shows them
    assert table.row_numbers == [2, 3, 4]


def test_tsv_defaults_to_tab_even_with_commas(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "x.tsv", "a,1\tb,2\tc\nd,1\te,2\tf\n")
    table = read_table(path)
    assert table.delimiter == "\t"
    assert table.headers == ["a,1", "b,2", "c"]


def test_delimiter_override_wins(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "x.csv", "a;b;c,d\n1;2;3,4\n")
    assert read_table(path).delimiter == ";"
    table = read_table(path, delimiter=",")
    assert table.headers == ["a;b;c", "d"]
    assert read_table(path, delimiter="tab").delimiter == "\t"
    with pytest.raises(UsageError):
        read_table(path, delimiter="::")


def test_semicolon_file_with_commas_in_addresses() -> None:
    text = "Name;Address;City\nAli;1 Main St, Apt 2;Paris\nVeli;3 High St, Floor 4, Door 5;Lyon\nX;Y;Z\n"
    assert sniff_delimiter(text) == ";"


def test_single_column_file_defaults_to_comma(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "emails.txt", "email\na@b.co\nc@d.co\n")
    table = read_table(path)
    assert table.delimiter == ","
    assert table.rows == [["a@b.co"], ["c@d.co"]]


def test_excel_sep_line_sets_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "s.csv", [["a", "b"], ["1", "2"]], delimiter="|", prefix="sep=|\r\n")
    table = read_table(path)
    assert table.delimiter == "|"
    assert table.headers == ["a", "b"]
    assert (table.header_row, table.row_numbers) == (1, [2])


def test_quoted_newlines_keep_physical_record_numbering(tmp_path: Path) -> None:
    text = 'h1,h2\r\n"multi\r\nline\r\nvalue",x\r\n\r\nlast,"a ""quoted"" word, with comma"\r\n'
    path = g.write_text(tmp_path / "q.csv", text)
    table = read_table(path)
    assert table.rows == [["multi\r\nline\r\nvalue", "x"], ["last", 'a "quoted" word, with comma']]
    assert table.row_numbers == [2, 4]  # record 3 is the blank line, shown as an empty row


# ------------------------------------------------------------------------------------------ values


def test_csv_cells_are_verbatim(tmp_path: Path) -> None:
    rows = [["Id", "Phone", "Name", "Sci"], ["00000132", "+905321234567", "  Ali  ", "3.36112E+10"]]
    path = g.write_csv(tmp_path / "v.csv", rows)
    table = read_table(path)
    assert table.rows == [["00000132", "+905321234567", "  Ali  ", "3.36112E+10"]]
    assert looks_scientific(table.rows[0][3])


def test_xlsx_values_as_the_user_sees_them(tmp_path: Path) -> None:
    rows = [
        ["Id", "Phone", "Sci phone", "Date", "When", "Ok", "Price", "Big", "Time", "Formula text"],
        ["00000132", 33611223344, 33611223344.0, dt.date(2026, 1, 31), dt.datetime(2026, 1, 31, 13, 45),
         True, 0.1, 12345678901234567890, dt.time(9, 30), "=1+1"],
        ["7", 5321234567, -2.5, None, None, False, 1 / 3, 1e20, None, "'+90"],
    ]
    path = g.write_xlsx(tmp_path / "v.xlsx", {"Data": rows},
                        number_formats={("Data", "C2"): "0.00E+00", ("Data", "B3"): "0"})
    table = read_table(path)
    assert table.rows == [
        ["00000132", "33611223344", "33611223344", "2026-01-31", "2026-01-31 13:45:00", "TRUE", "0.1",
         "12345678901234600000", "09:30:00", "=1+1"],
        ["7", "5321234567", "-2.5", "", "", "FALSE", "0.333333333333333", "100000000000000000000", "",
         "'+90"],
    ]
    assert table.encoding is None
    assert table.delimiter is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (33611223344.0, "33611223344"),
        (3.36112e10, "33611200000"),
        (33611223344, "33611223344"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "0.0000001"),
        (123456789012345678.0, "123456789012346000"),
        (True, "TRUE"),
        (False, "FALSE"),
        ("  x ", "  x "),
        (dt.date(2026, 2, 1), "2026-02-01"),
        (dt.datetime(2026, 2, 1), "2026-02-01"),
        (dt.datetime(2026, 2, 1, 8, 5, 3), "2026-02-01 08:05:03"),
        (dt.time(8, 5), "08:05:00"),
        (dt.timedelta(hours=26, minutes=3), "26:03:00"),
        (None, ""),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.36112E+10", True), ("3,36112E+10", True), ("9.05E11", True), ("33611223344", False),
     ("+33 6 11", False), ("E+10", False), ("", False)],
)
def test_looks_scientific(text: str, expected: bool) -> None:
    assert looks_scientific(text) is expected


def test_column_letters() -> None:
    letters = [column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702)]
    assert letters == ["A", "C", "Z", "AA", "AB", "ZZ", "AAA"]


# ------------------------------------------------------------------------------------------ formats


def _book() -> dict[str, list[list[object]]]:
    return {
        "Kişiler": [
            ["Müşteri listesi 2026"], [], [], *ROWS, [],
            ["Ali", "Veli", "a@b.co", 33611223344, "00000132", "İzmir"],
        ],
        "Boş": [],
        "Other": [["Email"], ["x@y.co"]],
    }


@pytest.mark.parametrize("writer", [g.write_xlsx, g.write_xlsm, g.write_xls, g.write_ods],
                         ids=["xlsx", "xlsm", "xls", "ods"])
def test_each_workbook_format(tmp_path: Path, writer: object) -> None:
    suffix = {"write_xlsx": ".xlsx", "write_xlsm": ".xlsm", "write_xls": ".xls", "write_ods": ".ods"}
    name = writer.__name__  # type: ignore[attr-defined]
    path = writer(tmp_path / f"book{suffix[name]}", _book())  # type: ignore[operator]
    assert list_sheets(path) == ["Kişiler", "Boş", "Other"]
    table = read_table(path)
    assert table.sheet == "Kişiler"
    assert table.sheets == ["Kişiler", "Boş", "Other"]
    assert table.header_row == 4  # title in row 1, blank rows 2-3
    assert table.headers == g.CONTACT_HEADERS
    assert table.rows[:4] == g.contact_rows(4)
    assert table.rows[4] == ["Ali", "Veli", "a@b.co", "33611223344", "00000132", "İzmir"]
    assert table.row_numbers == [5, 6, 7, 8, 10]
    other = read_table(path, sheet="other")  # case-insensitive
    assert (other.sheet, other.headers) == ("Other", ["Email"])
    assert (other.rows, other.row_numbers) == ([["x@y.co"]], [2])
    assert read_table(path, sheet=2).sheet == "Other"


def test_xlsm_has_macro_content_type(tmp_path: Path) -> None:
    import zipfile

    path = g.write_xlsm(tmp_path / "m.xlsm", ROWS)
    with zipfile.ZipFile(path) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert read_table(path).rows == g.contact_rows(4)


def test_hidden_first_sheet_is_listed_but_not_the_default(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "h.xlsx", {"Secret": [["a"], ["1"]], "Visible": ROWS}, hidden=["Secret"])
    assert list_sheets(path) == ["Secret", "Visible"]
    assert read_table(path).sheet == "Visible"
    assert read_table(path, sheet="Secret").rows == [["1"]]


def test_unknown_sheet_names_the_sheets(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "s.xlsx", {"A": ROWS, "B": ROWS})
    with pytest.raises(UsageError) as exc:
        read_table(path, sheet="Nope")
    assert "“A”, “B”" in one_sentence(exc, "s.xlsx")


def test_empty_sheet_is_a_file_problem_naming_the_sheet(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "e.xlsx", {"Data": ROWS, "Empty": []})
    with pytest.raises(FileProblem) as exc:
        read_table(path, sheet="Empty")
    assert "Empty" in one_sentence(exc, "e.xlsx")


def test_table_starting_in_column_b_has_no_phantom_column(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "b.xlsx", {"S": ROWS}, start_cell={"S": (3, 2)})
    table = read_table(path)
    assert table.headers == g.CONTACT_HEADERS
    assert table.row_numbers == [4, 5, 6, 7]


def test_read_raw_keeps_the_columns_left_of_a_table_starting_in_column_c(tmp_path: Path) -> None:
    # calamine's row iterator starts at the first used column: the reader must put columns A and B
    # back, or the picker would show every cell under the wrong column letter.
    rows: list[list[object]] = [["Name", "Age", "Email"], ["Ali", 7, "a@b.co"], ["Veli", "", "", "far"]]
    path = g.write_xlsx(tmp_path / "c.xlsx", {"S": rows}, start_cell={"S": (2, 3)})
    raw = read_raw(path)
    assert raw.row_numbers == [2, 3, 4]
    assert raw.rows == [["", "", "Name", "Age", "Email", ""], ["", "", "Ali", "7", "a@b.co", ""],
                        ["", "", "Veli", "", "", "far"]]
    table = read_table(path)
    assert table.headers == ["Name", "Age", "Email", "Column F"]
    assert table.rows == [["Ali", "7", "a@b.co", ""], ["Veli", "", "", "far"]]


def test_read_raw_limit_on_a_long_workbook_stops_early(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Name", "Email"], *[[f"n{i}", f"{i}@x.co"] for i in range(300)]]
    path = g.write_xlsx(tmp_path / "long.xlsx", {"S": rows})
    raw = read_raw(path, limit=10)
    assert raw.row_numbers == list(range(1, 11))
    assert raw.rows[-1] == ["n8", "8@x.co"]
    assert raw.truncated
    assert read_raw(path, limit=301).truncated is False


def test_xlsx_renamed_csv_is_still_read_as_a_workbook(tmp_path: Path) -> None:
    real = g.write_xlsx(tmp_path / "real.xlsx", ROWS)
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(real.read_bytes())
    assert read_table(renamed).rows == g.contact_rows(4)


def test_text_saved_as_xls_is_read_as_text(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "export.xls", ROWS, delimiter="\t", encoding="cp1254")
    table = read_table(path)
    assert (table.delimiter, table.encoding) == ("\t", "cp1254")
    assert table.rows == g.contact_rows(4)


# ------------------------------------------------------------------------------------------ header row


def test_header_below_title_and_blank_rows_in_csv(tmp_path: Path) -> None:
    text = "Customer export 2026\r\n\r\n,,\r\nName,Email,Phone\r\nAli,a@b.co,0532\r\n\r\nVeli,v@b.co,0533\r\n"
    path = g.write_text(tmp_path / "t.csv", text)
    table = read_table(path)
    assert table.header_row == 4
    assert table.header_detected
    assert table.headers == ["Name", "Email", "Phone"]
    assert table.rows == [["Ali", "a@b.co", "0532"], ["Veli", "v@b.co", "0533"]]
    assert table.row_numbers == [5, 7]


def test_header_below_key_value_metadata() -> None:
    rows = [["Report", "Customers"], ["Date", "2026-01-01"], ["Name", "Email", "Phone"],
            ["Ali", "a@b.co", "+90532"], ["Veli", "v@b.co", "+90533"]]
    assert detect_header_row(rows)[0] == 2


def test_header_row_with_blank_cells_above_full_data_rows(tmp_path: Path) -> None:
    # A1 and D1 left empty, every data cell filled: the row of names is still the header, not row 2.
    path = g.write_text(tmp_path / "m.csv", ",email,status,\r\nAhmed,ahmed@example.com,active,admin\r\n")
    table = read_table(path)
    assert table.header_row == 1
    assert table.headers == ["Column A", "email", "status", "Column D"]
    assert table.rows == [["Ahmed", "ahmed@example.com", "active", "admin"]]
    assert table.row_numbers == [2]


def test_a_title_row_is_not_taken_for_a_header_with_blank_cells() -> None:
    rows = [["ACME Ltd", "Customer list"], ["Name", "Email", "Phone"], ["Ali", "a@b.co", "+90532"]]
    assert detect_header_row(rows)[0] == 1


def test_header_override_wins(tmp_path: Path) -> None:
    text = "Title\r\nName,Email\r\nAli,a@b.co\r\nVeli,v@b.co\r\n"
    path = g.write_text(tmp_path / "o.csv", text)
    table = read_table(path, header_row=3)
    assert (table.header_row, table.headers, table.rows, table.header_detected) == (
        3, ["Ali", "a@b.co"], [["Veli", "v@b.co"]], False)


def test_header_override_outside_the_file(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "o.csv", "a,b\r\n\r\n1,2\r\n")
    with pytest.raises(UsageError) as exc:
        read_table(path, header_row=9)
    one_sentence(exc, "o.csv")
    with pytest.raises(UsageError, match="empty"):
        read_table(path, header_row=2)
    with pytest.raises(UsageError):
        read_table(path, header_row=-1)


@pytest.mark.parametrize(
    "text",
    [
        "Ayşe Yılmaz;ayse@example.com;0532 123 45 67\r\nAli Kaya;ali@example.com;0533 765 43 21\r\n",
        "ayse@example.com,Ayşe\r\nali@example.com,Ali\r\nveli@example.com,Veli\r\n",
        "+33612345678\tHélène\r\n+33698765432\tMarc\r\n",
    ],
)
def test_a_sheet_whose_first_row_is_a_contact_has_no_header(tmp_path: Path, text: str) -> None:
    path = g.write_text(tmp_path / "sans-entete.csv", text)
    table = read_table(path)
    assert table.header_row == 0
    assert table.row_numbers == list(range(1, text.count("\r\n") + 1))  # every row once, row 1 included
    assert table.headers == [f"Column {column_letter(i)}" for i in range(len(table.headers))]
    assert "no header row" in table.notes[0]
    assert read_raw(path).header_row == 0


def test_a_header_above_contacts_is_still_the_header(tmp_path: Path) -> None:
    # words above e-mails and phones: a header; a title row above it changes nothing
    path = g.write_text(tmp_path / "h.csv", "Export 2026\r\nName,Email,Phone\r\n"
                        "Ali,ali@example.com,0532 123 45 67\r\nVeli,veli@example.com,0533 765 43 21\r\n")
    table = read_table(path)
    assert (table.header_row, table.headers) == (2, ["Name", "Email", "Phone"])


def test_header_row_0_reads_every_row_as_data(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "o.csv", "Name,Email\r\nAli,a@b.co\r\n")
    table = read_table(path, header_row=0)
    assert (table.header_row, table.headers, table.rows, table.row_numbers, table.header_detected) == (
        0, ["Column A", "Column B"], [["Name", "Email"], ["Ali", "a@b.co"]], [1, 2], False)


def test_header_names_empty_and_duplicate(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "d.csv", "Phone,,Phone,phone,Email\r\n1,2,3,4,5\r\n")
    assert read_table(path).headers == ["Phone", "Column B", "Phone (2)", "phone (3)", "Email"]


def test_header_names_are_the_only_trimmed_text(tmp_path: Path) -> None:
    path = g.write_csv(tmp_path / "h.csv", [[" Cep\nTelefonu ", "Ad"], [" 0532 ", " Ali"]])
    table = read_table(path)
    assert table.headers == ["Cep Telefonu", "Ad"]
    assert table.rows == [[" 0532 ", " Ali"]]


def test_cells_beyond_the_header_widen_the_table(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "w.csv", "A,B\r\n1,2,,\r\n3\r\n4,5,6,,7\r\n")
    table = read_table(path)
    # Column D is empty from top to bottom and has no name: it is dropped, the letters stay honest.
    assert table.headers == ["A", "B", "Column C", "Column E"]
    assert table.rows == [["1", "2", "", ""], ["3", "", "", ""], ["4", "5", "6", "7"]]
    assert len(table.notes) == 1
    assert "Column C, Column E" in table.notes[0]


def test_trailing_empty_cells_are_trimmed_to_the_header(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "w.csv", "A,B,,\r\n1,2,,\r\n3\r\n")
    table = read_table(path)
    assert table.headers == ["A", "B"]
    assert table.rows == [["1", "2"], ["3", ""]]
    assert table.notes == []


def test_whitespace_only_rows_are_empty(tmp_path: Path) -> None:
    path = g.write_text(tmp_path / "w.csv", "A,B\r\n  , \r\n1,2\r\n")
    table = read_table(path)
    assert (table.rows, table.row_numbers) == ([["1", "2"]], [3])


# ------------------------------------------------------------------------------------------ read_raw


def test_read_raw_lists_rows_for_a_picker(tmp_path: Path) -> None:
    text = "Customer export 2026\r\n\r\nName,Email\r\nAli,a@b.co\r\nVeli,v@b.co\r\nAyşe,s@b.co\r\n"
    path = g.write_text(tmp_path / "r.csv", text)
    raw = read_raw(path)
    assert isinstance(raw, RawSheet)
    assert raw.row_numbers == [1, 3, 4, 5, 6]
    assert raw.rows[0] == ["Customer export 2026", ""]
    assert raw.header_row == 3
    assert not raw.truncated
    limited = read_raw(path, limit=2)
    assert (limited.row_numbers, limited.truncated) == ([1, 3], True)
    assert read_raw(path, limit=5).truncated is False


def test_read_raw_workbook(tmp_path: Path) -> None:
    path = g.write_ods(tmp_path / "r.ods", _book())
    raw = read_raw(path, sheet="Kişiler", limit=3)
    assert raw.row_numbers == [1, 4, 5]
    assert raw.header_row == 4
    assert raw.sheets == ["Kişiler", "Boş", "Other"]


# ------------------------------------------------------------------------------------------ bad files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as exc:
        read_table(tmp_path / "nowhere.xlsx")
    assert "does not exist" in one_sentence(exc, "nowhere.xlsx")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(FileProblem) as exc:
        read_table(folder)
    one_sentence(exc, "data.csv")


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \r\n", b",,,\r\n;;\r\n", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "empty" in one_sentence(exc, "empty.csv")


@pytest.mark.parametrize("writer", [
    lambda p: g.write_csv(p.with_suffix(".csv"), [g.CONTACT_HEADERS, [], []]),
    lambda p: g.write_xlsx(p.with_suffix(".xlsx"), [["Title"], [], g.CONTACT_HEADERS]),
])
def test_header_only(tmp_path: Path, writer: object) -> None:
    path = writer(tmp_path / "only")  # type: ignore[operator]
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "no data rows" in one_sentence(exc, path.name)


def test_password_protected_xlsx(tmp_path: Path) -> None:
    path = g.write_encrypted_xlsx(tmp_path / "locked.xlsx", ROWS)
    for call in (read_table, list_sheets, read_raw):
        with pytest.raises(FileProblem) as exc:
            call(path)
        assert "password" in one_sentence(exc, "locked.xlsx")


def test_password_protected_ods(tmp_path: Path) -> None:
    path = g.write_encrypted_ods(tmp_path / "locked.ods", ROWS)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "password" in one_sentence(exc, "locked.ods")


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ('a,b\n1,"unterminated\n2,3\n4,5\n', 2),
        ('a,b\n1,ok\n2,"abc\n3,4', 3),  # no final line break
        ('a,b\n1,"x\n' + "y,z\n" * 40_000, 2),  # longer than the csv module's field limit
    ],
)
def test_unclosed_quote_is_reported_not_swallowed(tmp_path: Path, text: str, row: int) -> None:
    path = g.write_text(tmp_path / "q.csv", text)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert f"never closed in row {row}" in one_sentence(exc, "q.csv")


@pytest.mark.parametrize("end", ['"', '"\r\n'])
def test_multiline_last_cell_that_is_closed_is_fine(tmp_path: Path, end: str) -> None:
    path = g.write_text(tmp_path / "q.csv", 'a,b\r\n1,"two\r\nlines' + end, encoding="utf-16")
    assert read_table(path).rows == [["1", "two\r\nlines"]]


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.95])
def test_truncated_workbook(tmp_path: Path, fraction: float) -> None:
    source = g.write_xlsx(tmp_path / "full.xlsx", {"S": [g.CONTACT_HEADERS, *g.contact_rows(500)]})
    path = g.write_truncated(tmp_path / "cut.xlsx", source, fraction)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "damaged" in one_sentence(exc, "cut.xlsx")


def test_corrupt_sheet_data(tmp_path: Path) -> None:
    source = g.write_xlsx(tmp_path / "full.xlsx", ROWS)
    path = g.write_corrupt_zip(tmp_path / "bad.xlsx", source)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "damaged" in one_sentence(exc, "bad.xlsx")


def test_truncated_xls_and_ods(tmp_path: Path) -> None:
    for name, writer in (("b.xls", g.write_xls), ("b.ods", g.write_ods)):
        source = writer(tmp_path / name, {"S": [g.CONTACT_HEADERS, *g.contact_rows(300)]})
        path = g.write_truncated(tmp_path / f"cut-{name}", source, 0.5)
        with pytest.raises(FileProblem) as exc:
            read_table(path)
        one_sentence(exc, f"cut-{name}")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "not a spreadsheet" in one_sentence(exc, "photos.xlsx")
    letter = tmp_path / "letter.xlsx"  # a Word document renamed
    with zipfile.ZipFile(letter, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(FileProblem) as exc:
        read_table(letter)
    assert "not a spreadsheet" in one_sentence(exc, "letter.xlsx")


def test_binary_named_csv(tmp_path: Path) -> None:
    path = g.write_binary(tmp_path / "contacts.csv")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "binary" in one_sentence(exc, "contacts.csv")


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes((i * 37 + 11) % 255 + 1 for i in range(5000)))
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    one_sentence(exc, "noise.txt")


def test_web_page_named_xls(tmp_path: Path) -> None:
    page = "<html><body><table><tr><td>a</td></tr></table></body></html>"
    path = g.write_text(tmp_path / "report.xls", page)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "web page" in one_sentence(exc, "report.xls")


def test_garbage_named_xlsx(tmp_path: Path) -> None:
    path = g.write_binary(tmp_path / "book.xlsx")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    one_sentence(exc, "book.xlsx")


def test_utf16_cut_mid_character(tmp_path: Path) -> None:
    data = g.csv_text(ROWS).encode("utf-16")
    path = tmp_path / "odd.csv"
    path.write_bytes(data[:-1])
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    one_sentence(exc, "odd.csv")


def test_table_type_and_len(tmp_path: Path) -> None:
    table = read_table(g.write_csv(tmp_path / "x.csv", ROWS))
    assert isinstance(table, Table)
    assert len(table) == 4
    assert table.column(4) == [r[4] for r in g.contact_rows(4)]
    assert all(isinstance(c, str) for r in table.rows for c in r)


def test_read_raw_workbook_limit_and_far_data(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Title"], *[[] for _ in range(600)], ["Name", "Email"],
                                *[[f"n{i}", f"{i}@x.co"] for i in range(50)]]
    path = g.write_xlsx(tmp_path / "far.xlsx", {"S": rows})
    raw = read_raw(path, limit=5)  # the first 2*5+64 rows hold only the title: read further
    assert raw.row_numbers == [1, 602, 603, 604, 605]
    assert raw.truncated
    assert read_raw(path, limit=52).truncated is False
    everything = read_raw(path)
    assert (len(everything.rows), everything.header_row, everything.truncated) == (52, 602, False)


@pytest.mark.parametrize(
    ("writer", "wrong_name"),
    [(g.write_xls, "export.csv"), (g.write_ods, "export.xlsx"), (g.write_xlsx, "data.ods"),
     (g.write_xls, "old.xlsx"), (g.write_xlsx, "new.xls")],
)
def test_workbook_with_the_wrong_extension(tmp_path: Path, writer: object, wrong_name: str) -> None:
    path = writer(tmp_path / wrong_name, {"S": ROWS})  # type: ignore[operator]
    assert read_table(path).rows == g.contact_rows(4)


def test_a_repeating_column_shares_one_string_per_value(tmp_path: Path) -> None:
    # 3000 rows: a city column that repeats, a name column that does not; values stay as typed
    rows = [["Name", "City"]] + [[f"Ann{i}", "Paris" if i % 3 else "Lyon"] for i in range(3000)]
    path = g.write_csv(tmp_path / "c.csv", rows, encoding="utf-8")
    table = read_table(path)
    assert [r[1] for r in table.rows] == [r[1] for r in rows[1:]]
    assert [r[0] for r in table.rows] == [r[0] for r in rows[1:]]
    paris = [r[1] for r in table.rows if r[1] == "Paris"]
    assert len({id(v) for v in paris}) == 1  # one object, early rows and late rows alike
    assert table.rows[10][0] is not table.rows[11][0]
