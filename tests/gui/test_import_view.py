"""The file and column steps: sheets, header row, encoding/delimiter overrides with a live preview,
bad files in one sentence, auto-mapping, remembered mappings, options, provider change."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from core.mapping import MappingMemory
from core.providers import get_provider
from gui.context import AppContext
from gui.import_view import ImportView, Step


@pytest.fixture
def view(qtbot):
    v = ImportView(AppContext("iletimerkezi"))
    qtbot.addWidget(v)
    v.show()
    yield v
    from gui.workers import wait_all

    wait_all(10000)


def wait_read(qtbot, view):
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=20000)


def test_csv_encoding_and_delimiter_overrides_reread_with_preview(qtbot, view, tmp_path):
    path = tmp_path / "kişiler.csv"
    path.write_bytes("Ad;Soyad;Cep Telefonu\nŞule;Işık;05321234567\nAğa;Öz;05321234568\n".encode("cp1254"))
    view.open_file(path)
    wait_read(qtbot, view)
    step = view.file_step
    assert view.table.headers == ["Ad", "Soyad", "Cep Telefonu"]
    assert view.table.rows[0][:2] == ["Şule", "Işık"]
    assert step.encoding.isEnabled()
    assert step.delimiter.isEnabled()
    assert not step.sheet.isEnabled()
    assert step.preview.item(1, 0).text() == "Şule"
    # a wrong override: re-read at once, the preview shows what it does
    step.delimiter.setCurrentIndex(step.delimiter.findData(","))
    wait_read(qtbot, view)
    assert view.table.headers == ["Ad;Soyad;Cep Telefonu"]
    assert step.preview.columnCount() == 1
    step.delimiter.setCurrentIndex(step.delimiter.findData(";"))
    step.encoding.setCurrentIndex(step.encoding.findData("cp1252"))
    wait_read(qtbot, view)
    assert view.table.rows[0][0] != "Şule"  # read as Western: mojibake, as asked
    step.encoding.setCurrentIndex(step.encoding.findData("cp1254"))
    wait_read(qtbot, view)
    assert view.table.rows[0][0] == "Şule"
    # on to the columns: Turkish headers auto-mapped for İleti Merkezi
    view.go_next()
    assert view.step is Step.COLUMNS
    assert view.mapping_view.mapping() == {0: "name", 1: "surname", 2: "gsm"}
    assert view.mapping_view.default_region() == "TR"


def test_xlsx_sheet_and_header_row_choice(qtbot, view, tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Intro"
    ws.append(["Read me"])
    data = wb.create_sheet("Data")
    data.append(["Export of 2026-01-31"])
    data.append(["E-posta", "Ad"])
    data.append(["a@example.com", "Ali"])
    data.append(["b@example.com", "Banu"])
    wb.save(path)
    view.open_file(path)
    wait_read(qtbot, view)
    step = view.file_step
    assert [step.sheet.itemText(i) for i in range(step.sheet.count())] == ["Intro", "Data"]
    assert not step.encoding.isEnabled()
    step.sheet.setCurrentText("Data")
    wait_read(qtbot, view)
    assert step.header_row.value() == 2
    assert view.table.headers == ["E-posta", "Ad"]
    assert len(view.table.rows) == 2
    # override the header row: row 3 becomes the header
    step.header_row.setValue(3)
    wait_read(qtbot, view)
    assert view.table.header_row == 3
    assert view.table.headers == ["a@example.com", "Ali"]
    assert step.preview.item(2, 0).font().bold()


def test_a_sheet_without_a_header_row_keeps_its_first_contact(qtbot, view, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("Ayşe Yılmaz;ayse@example.com;0532 123 45 67\n"
                    "Ali Kaya;ali@example.com;0533 765 43 21\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    step = view.file_step
    assert step.header_row.value() == 0
    assert step.header_row.text() == "None"  # the spin box says there is no header row
    assert not step.preview.item(0, 0).font().bold()
    assert view.table.row_numbers == [1, 2]
    assert "no header row" in step.status.text()
    view.go_next()
    assert view.mapping_view.mapping() == {0: "name", 1: "email", 2: "gsm"}
    assert "has no name" in view.mapping_view.reasons[1].text()
    # the user says row 1 is the header after all: it is read as one
    step.header_row.setValue(1)
    wait_read(qtbot, view)
    assert view.table.headers == ["Ayşe Yılmaz", "ayse@example.com", "0532 123 45 67"]
    assert view.table.row_numbers == [2]


def test_bad_file_is_one_sentence(qtbot, view, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    view.open_file(path)
    wait_read(qtbot, view)
    assert view.table is None
    text = view.file_step.status.text()
    assert "broken.xlsx" in text
    assert "Traceback" not in text
    assert not view.next_button.isEnabled()


def test_mapping_is_editable_remembered_and_checked(qtbot, view, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name,Mail,Mobile,Notes\nAyla,ayla@example.com,05321234567,x\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    view.go_next()
    mv = view.mapping_view
    assert mv.mapping() == {0: "name", 1: "email", 2: "gsm"}
    mv.set_field(1, "gsm")  # two columns on one field: cannot go on
    assert "both go to gsm" in mv.problem.text()
    assert not view.next_button.isEnabled()
    mv.set_field(1, "")
    mv.set_field(2, "gsm")
    mv.set_field(3, "custom_field:7")  # an open-ended field id
    mv.set_constant("group_id", "42")
    assert mv.problems() == []
    assert view.next_button.isEnabled()
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=10000)
    assert view.model.counts() == {"ready": 1}
    view.select_row(0)
    assert '"id": "42"' in view.payload.preview_text()
    assert "ayla@example.com" not in view.payload.preview_text()  # the e-mail column was ignored
    remembered = MappingMemory().recall(["Name", "Mail", "Mobile", "Notes"], get_provider("iletimerkezi"))
    assert remembered == {0: "name", 2: "gsm", 3: "custom_field:7"}
    # the same file shape next time: the remembered mapping is suggested
    view.open_file(path)
    wait_read(qtbot, view)
    view.go_next()
    assert view.mapping_view.mapping() == remembered
    assert view.mapping_view.reasons[3].text() == "as mapped for the last file with these columns"
    assert view.mapping_view.reasons[1].text() == ""  # ignored then: nothing suggested for it


def test_invalid_option_value_is_shown_on_the_columns_step(qtbot, tmp_path):
    v = ImportView(AppContext("netcore"))
    qtbot.addWidget(v)
    path = tmp_path / "p.csv"
    path.write_text("Email\na@example.com\n", encoding="utf-8")
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    v.mapping_view.set_constant("listid", "twelve")
    v.go_next()
    wait_read(qtbot, v)
    assert v.step is Step.COLUMNS
    assert "not a whole number" in v.mapping_view.problem.text()
    v.mapping_view.set_constant("listid", "12")
    v.go_next()
    wait_read(qtbot, v)
    assert v.step is Step.CHECK
    v.select_row(0)
    assert "listid=12" in v.payload.preview_text()


def test_provider_change_remaps(qtbot, tmp_path):
    ctx = AppContext("iletimerkezi")
    v = ImportView(ctx)
    qtbot.addWidget(v)
    path = tmp_path / "x.csv"
    path.write_text("E-mail,Phone\na@example.com,+905321234567\n", encoding="utf-8")
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    assert v.mapping_view.mapping() == {0: "email", 1: "gsm"}
    ctx.set_provider("netcore")
    assert v.step is Step.COLUMNS
    assert v.mapping_view.mapping() == {0: "EMAIL", 1: "MOBILE"}
    Path(path).unlink()


def test_required_field_not_mapped_shows_a_warning(qtbot, tmp_path):
    v = ImportView(AppContext("octopush"))
    qtbot.addWidget(v)
    v.show()
    path = tmp_path / "leads.csv"
    path.write_text("Prénom,Téléphone\nLéa,+33612345678\n", encoding="utf-8")
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    mv = v.mapping_view
    assert mv.mapping() == {0: "first_name", 1: "phone_number"}
    combo = mv.combos[1]
    assert combo.currentText() == "Mobile phone *"  # required fields are marked
    assert not mv.warning.isVisible()
    assert v.next_button.isEnabled()
    mv.set_field(1, "")
    assert mv.warning.isVisible()
    assert "Octopush needs the field Mobile phone" in mv.warning.text()
    assert not v.next_button.isEnabled()
    mv.set_field(1, "phone_number")
    assert not mv.warning.isVisible()
    assert v.next_button.isEnabled()


def test_a_required_field_can_be_one_value_for_every_contact(qtbot, tmp_path):
    v = ImportView(AppContext("aptania"))
    qtbot.addWidget(v)
    v.show()
    path = tmp_path / "mails.csv"
    path.write_text("E-mail\nayla@example.com\n", encoding="utf-8")
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    mv = v.mapping_view
    assert mv.mapping() == {0: "contactEmailaddress"}
    assert "contactEmailaddress" not in mv.option_inputs  # a contact's identity is never one value for all
    assert mv.warning.isVisible()
    assert "the field Profile ID" in mv.warning.text()
    assert not v.next_button.isEnabled()
    mv.set_constant("contactProfileID", "7")
    assert not mv.warning.isVisible()
    assert v.next_button.isEnabled()
    v.go_next()
    qtbot.waitUntil(lambda: v.step is Step.CHECK and not v.is_busy(), timeout=10000)
    assert v.model.counts() == {"ready": 1}


def test_page_heading_and_step_indicator(qtbot, view, tmp_path):
    assert view.heading.text() == "Import a spreadsheet into İleti Merkezi"
    assert [view.steps.state_of(i) for i in range(5)] == ["current"] + ["todo"] * 4
    assert view.file_step.drop.empty.isVisible()
    assert not view.file_step.details.isVisible()
    path = tmp_path / "a.csv"
    path.write_text("Ad,Cep\nAyla,05321234567\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    assert not view.file_step.drop.empty.isVisible()
    assert view.file_step.details.isVisible()
    view.go_next()
    assert [view.steps.state_of(i) for i in range(5)] == ["done", "current", "todo", "todo", "todo"]
    assert view.step_labels[0].text().startswith("✓")
    view.context.set_provider("octopush")
    assert view.heading.text() == "Import a spreadsheet into Octopush"


def test_each_suggestion_says_why_and_the_reason_goes_when_changed(qtbot, view, tmp_path):
    path = tmp_path / "tr.csv"
    path.write_text("Ad,E-posta,Phone,Phone,Cep Telefonu\n"
                    "Ayla,ayla@example.com,,0212 000 00 00,0532 123 45 67\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    view.go_next()
    mv = view.mapping_view
    assert mv.mapping() == {0: "name", 1: "email", 4: "gsm"}
    assert mv.reasons[1].text() == "matched header 'E-posta' (Turkish alias)"
    assert mv.combos[1].toolTip() == mv.reasons[1].text()
    gsm = mv.reasons[4].text()
    assert gsm.startswith("matched header 'Cep Telefonu' (Turkish alias); chosen over ")
    assert "'Phone' because that column is empty" in gsm
    assert "'Phone (2)' because a mobile number fits this field better" in gsm
    assert mv.reasons[2].text() == ""  # not suggested
    mv.set_field(1, "")  # the user's own choice: the suggestion's reason no longer applies
    assert mv.reasons[1].text() == ""
    mv.set_field(1, "email")
    assert mv.reasons[1].text() == "matched header 'E-posta' (Turkish alias)"


def test_netcore_other_columns_are_attributes_only_with_the_checkbox(qtbot, tmp_path):
    v = ImportView(AppContext("netcore"))
    qtbot.addWidget(v)
    v.show()
    path = tmp_path / "crm.csv"
    path.write_text("Email,Mum Email,Doğum Tarihi,ip_address\nali@example.com,mum@example.com,1990-01-01,"
                    "10.0.0.1\n", encoding="utf-8")
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    mv = v.mapping_view
    assert mv.extra.isVisible()
    assert not mv.extra.isChecked()
    assert mv.mapping() == {0: "EMAIL"}
    assert mv.extra_list.text() == ("Would send 3 more column(s): Mum Email → MUM_EMAIL, Doğum Tarihi → "
                                    "DOGUM_TARIHI, ip_address → IP_ADDRESS")
    mv.extra.setChecked(True)
    assert mv.mapping() == {0: "EMAIL", 1: "MUM_EMAIL", 2: "DOGUM_TARIHI", 3: "IP_ADDRESS"}
    assert mv.extra_list.text().startswith("Sends 3 more column(s)")
    mv.set_field(2, "")  # still sent by the checkbox, as an attribute
    mv.set_field(3, "CITY")
    assert mv.mapping() == {0: "EMAIL", 1: "MUM_EMAIL", 2: "DOGUM_TARIHI", 3: "CITY"}
    v.go_next()
    qtbot.waitUntil(lambda: v.step is Step.CHECK and not v.is_busy(), timeout=10000)
    v.select_row(0)
    assert "MUM_EMAIL" in v.payload.preview_text()
    # the checkbox is a choice for this file: what is remembered is the columns' own mapping
    remembered = MappingMemory().recall(["Email", "Mum Email", "Doğum Tarihi", "ip_address"],
                                        get_provider("netcore"))
    assert remembered == {0: "EMAIL", 3: "CITY"}
    from gui.workers import wait_all

    wait_all(10000)


def test_the_attributes_checkbox_is_netcores_only(qtbot, view, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Email,Notes\na@example.com,x\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    view.go_next()
    assert not view.mapping_view.extra.isVisible()
    assert not view.mapping_view.extra_list.isVisible()


def _wide_file(tmp_path: Path) -> tuple[Path, str]:
    """80 columns, one of them with an 84-character name and long values, as CRM exports have."""
    long_name = "Adresse de messagerie électronique professionnelle principale du contact (bureau)"
    headers = ["E-mail", "Cep Telefonu", "Ad", "Notes", long_name] + [f"Custom Field {i}" for i in range(75)]
    row = ["ali@example.com", "0532 123 45 67", "Ali", "A long note " * 12,
           "ali.veli.with.a.long.address@subdomain.example-company.com.tr"]
    row += [f"v{i} " * 20 for i in range(75)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f'"{h}"' for h in headers) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    return path, long_name


def test_eighty_columns_and_a_long_name_keep_the_columns_step_readable(qtbot, tmp_path):
    from PySide6.QtWidgets import QScrollArea

    from gui.mapping_view import NAME_WIDTH, REASON_WIDTH, MappingView

    v = ImportView(AppContext("netcore"))
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    path, long_name = _wide_file(tmp_path)
    v.open_file(path)
    wait_read(qtbot, v)
    v.go_next()
    mv = v.mapping_view
    qtbot.waitUntil(lambda: mv.reasons[0].width() > 0)
    page = mv.findChild(QScrollArea, "CardScroll")
    viewport = page.viewport()
    name = mv._grid.itemAtPosition(5, 0).widget()  # row 5: the fifth column, the long name
    # the long name ends in "…" within its width, whole in its tooltip; it does not squeeze the rest
    assert name.text() == long_name
    assert name.toolTip() == long_name
    assert name.width() <= NAME_WIDTH
    assert name.is_elided()
    example = mv._grid.itemAtPosition(4, 1).widget()  # the long note
    assert example.is_elided()
    assert example.toolTip().startswith("A long note")
    for combo, reason in zip(mv.combos, mv.reasons, strict=True):
        assert reason.width() >= REASON_WIDTH  # never one word per line
        assert combo.mapTo(viewport, combo.rect().topRight()).x() <= viewport.width()  # not cut off
    assert mv.reasons[0].text()  # the e-mail's reason, which quotes the long name, cut short
    assert "…" in mv.reasons[0].text()
    assert mv.reasons[0].height() < 8 * mv.reasons[0].fontMetrics().lineSpacing()  # not a word a line
    # the checkbox sits above the 80 columns, not below them
    body = page.widget()
    first_row = mv.combos[0].mapTo(body, mv.combos[0].rect().topLeft()).y()
    assert mv.extra.mapTo(body, mv.extra.rect().topLeft()).y() < first_row
    assert "and 71 more" in mv.extra_list.text()
    assert len(mv.extra_list.toolTip().splitlines()) == 77
    mv.extra.setChecked(True)
    assert mv.reasons[3].text() == "sent as the attribute NOTES (the box above)"
    assert mv.mapping()[3] == "NOTES"
    # at the window's narrowest the columns scroll sideways rather than being cut off
    narrow = MappingView()
    qtbot.addWidget(narrow)
    narrow.set_source(v.table.headers, v.table.rows, get_provider("netcore"), {0: "EMAIL"})
    narrow.resize(500, 400)
    narrow.show()
    side = narrow.findChild(QScrollArea, "CardScroll").horizontalScrollBar()
    qtbot.waitUntil(lambda: side.maximum() > 0)
    assert all(reason.width() >= REASON_WIDTH for reason in narrow.reasons)
    from gui.workers import wait_all

    wait_all(10000)


def test_babels_locale_data_is_loaded_before_the_window_is_shown() -> None:
    """Issue 12: Babel unpickles its locale data on the first number formatted — single C calls holding
    the GIL 120-220 ms, which the reading worker did mid-import. Building the import view loads it."""
    import subprocess
    import sys

    code = (
        "import babel.localedata as data\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from gui.context import AppContext\n"
        "from gui.import_view import ImportView\n"
        "app = QApplication([])\n"
        "assert not data._cache, sorted(data._cache)\n"
        "view = ImportView(AppContext('octopush'))\n"
        "assert 'en' in data._cache, sorted(data._cache)\n"
        "loads = []\n"
        "real = data.load\n"
        "data.load = lambda *a, **k: loads.append(a) or real(*a, **k)\n"
        "from core.i18n import number\n"
        "assert number(1196) == '1,196'\n"
        "assert loads == [], loads\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_import_another_file_hands_the_old_import_to_the_reaper(qtbot, view, tmp_path, monkeypatch):
    """Issue 12: "Import another file" freed a million rows, checks and identities on the GUI thread
    (~530 ms); the old state goes to gui.memory.let_go, freed on its own thread a slice at a time."""
    from gui import import_view

    handed: list[object] = []
    monkeypatch.setattr(import_view, "let_go", lambda *objects: handed.extend(objects))
    path = tmp_path / "a.csv"
    path.write_text("Phone\n05321234567\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    old = view.state
    view.reset()
    assert handed == [old]
    assert view.state is not old
    assert view.table is None


def test_the_columns_step_is_filled_while_the_file_step_is_shown(qtbot, view, tmp_path, monkeypatch):
    """Issue 12: filling the columns step (~25 ms of widgets) and showing it (~15 ms) are separate turns
    of the event loop: it is filled once the suggestion has come, and "Next" only shows it — unless
    something it shows changed meanwhile (here the platform), when it is filled again."""
    calls: list[list[str]] = []
    real = view.mapping_view.set_source
    monkeypatch.setattr(view.mapping_view, "set_source",
                        lambda headers, *a, **k: (calls.append(list(headers)), real(headers, *a, **k))[1])
    path = tmp_path / "list.csv"
    path.write_text("Name,Mail,Mobile\nAyla,ayla@example.com,05321234567\n", encoding="utf-8")
    view.open_file(path)
    wait_read(qtbot, view)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    assert view.step is Step.FILE
    view.go_next()
    assert view.step is Step.COLUMNS
    assert len(calls) == 1  # shown as filled
    assert view.mapping_view.mapping() == {0: "name", 1: "email", 2: "gsm"}
    view.mapping_view.set_field(1, "")
    view.go_back()
    view.go_next()  # from the file step again: filled afresh, as before (the prepared one was shown)
    assert len(calls) == 2
    assert view.mapping_view.mapping() == {0: "name", 1: "email", 2: "gsm"}

    other = tmp_path / "other.csv"
    other.write_text("Name,Mail,Mobile\nBora,bora@example.com,05321234568\n", encoding="utf-8")
    view.open_file(other)
    wait_read(qtbot, view)
    qtbot.waitUntil(lambda: len(calls) == 3, timeout=5000)
    view.context.set_provider("octopush")  # changed after the columns step was filled: filled again
    view.go_next()
    assert view.step is Step.COLUMNS
    assert len(calls) == 4
    assert "phone_number" in view.mapping_view.mapping().values()


def test_the_elided_label_ends_its_painter_before_qt_flushes(qtbot, monkeypatch) -> None:
    """A QPainter left to the garbage collector outlives its paintEvent whenever something keeps the frame
    (a traceback, a profiler's sampler — bench_gui_stall --trace crashed in QRasterPaintEngine so): the
    label's painter is ended in the paintEvent, whatever holds it afterwards."""
    from PySide6.QtGui import QPaintDevice, QPainter

    from gui import mapping_view

    painters: list[QPainter] = []

    class Kept(QPainter):
        def __init__(self, device: QPaintDevice) -> None:
            super().__init__(device)
            painters.append(self)  # a reference that outlives the paintEvent

    monkeypatch.setattr(mapping_view, "QPainter", Kept)
    label = mapping_view.ElidedLabel("Téléphone portable du contact principal", max_width=60)
    qtbot.addWidget(label)
    label.resize(60, 24)
    label.grab()
    assert painters
    assert not any(p.isActive() for p in painters)
