"""İleti Merkezi's group picker: names, counts and nesting from the sandbox, fetched off the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QLabel

from core.demo import DemoSession
from core.errors import MissingCredentials
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from gui.contact_form import ContactForm
from gui.context import AppContext
from gui.group_picker import GroupPicker
from gui.mapping_view import MappingView


def wait_loaded(qtbot: Any, picker: GroupPicker) -> object:
    with qtbot.waitSignal(picker.loaded, timeout=10000) as blocker:
        pass
    qtbot.waitUntil(lambda: picker.task is not None and picker.task.done, timeout=5000)
    return blocker.args[0]


def items(picker: GroupPicker) -> list[tuple[str, str]]:
    combo = picker.combo
    return [(combo.itemText(i), str(combo.itemData(i))) for i in range(1, combo.count())]


def test_the_form_lists_groups_by_name_with_counts_and_nesting(qtbot: Any, demo: DemoSession) -> None:
    demo.sandbox.add_iletimerkezi_group(2001, "Kampanya", parent=1002, count=12)
    threads: list[QThread] = []
    form = ContactForm(AppContext("iletimerkezi", demo=demo))
    qtbot.addWidget(form)
    picker = form.group_picker()
    assert picker is not None
    with qtbot.waitSignal(picker.loaded, timeout=10000) as blocker:
        form.show()  # first shown: the groups are fetched on a worker thread
        threads.append(picker.task.worker_thread)
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert threads[0] is not QThread.currentThread()
    assert [g.id for g in blocker.args[0]] == ["1001", "1002", "2001", "1003"]
    assert items(picker) == [
        ("Müşteriler  (0)", "1001"),
        ("    VIP Müşteriler  (0)", "1002"),
        ("        Kampanya  (12)", "2001"),
        ("Bülten Aboneleri  (0)", "1003"),
    ]
    picker.combo.setCurrentIndex(picker.combo.findData("2001"))
    assert form.values()["group_id"] == "2001"
    assert "4 groups" in picker.status.text()


def test_refresh_fetches_again(qtbot: Any, demo: DemoSession) -> None:
    picker = GroupPicker(lambda: (demo.credentials("iletimerkezi"), demo.base_url("iletimerkezi")))
    qtbot.addWidget(picker)
    picker.show()
    wait_loaded(qtbot, picker)
    assert len(items(picker)) == 3
    demo.sandbox.add_iletimerkezi_group(3000, "Yeni", count=5)
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        qtbot.mouseClick(picker.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert ("Yeni  (5)", "3000") in items(picker)


def test_two_sub_groups_with_the_same_name_keep_their_own_ids(qtbot: Any, demo: DemoSession) -> None:
    # "VIP" under two main groups, same count: the same label in the combo, two different groups
    demo.sandbox.add_iletimerkezi_group(2001, "VIP", parent=1001, count=3)
    demo.sandbox.add_iletimerkezi_group(2002, "VIP", parent=1003, count=3)
    picker = GroupPicker(lambda: (demo.credentials("iletimerkezi"), demo.base_url("iletimerkezi")))
    qtbot.addWidget(picker)
    picker.show()
    wait_loaded(qtbot, picker)
    second = picker.combo.findData("2002")
    assert picker.combo.itemText(second) == picker.combo.itemText(picker.combo.findData("2001"))
    picker.combo.setCurrentIndex(second)
    assert picker.value() == "2002"
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        picker.refresh()
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert picker.value() == "2002"  # still the group chosen, not the first one of that name


def test_a_typed_id_works_when_the_groups_cannot_be_fetched(qtbot: Any) -> None:
    with Sandbox() as sandbox:
        base = sandbox.base_url("iletimerkezi")
    # the sandbox is gone: the connection is refused
    picker = GroupPicker(lambda: (dict(DEMO_CREDENTIALS["iletimerkezi"]), base))
    qtbot.addWidget(picker)
    picker.show()
    result = wait_loaded(qtbot, picker)
    assert isinstance(result, Exception)
    assert "refused the connection" in picker.status.text()
    assert "type a group id" in picker.status.text()
    picker.combo.lineEdit().clear()
    qtbot.keyClicks(picker.combo.lineEdit(), "4242")
    assert picker.value() == "4242"


def test_no_credentials_yet_says_so_and_keeps_the_typed_id(qtbot: Any) -> None:
    def source() -> tuple[dict[str, str], str]:
        raise MissingCredentials("No API key is stored for İleti Merkezi.")

    picker = GroupPicker(source, "77")
    qtbot.addWidget(picker)
    picker.show()
    assert picker.task is None  # nothing to ask with
    status = picker.status.text()
    assert "No İleti Merkezi credentials" in status
    assert "Credentials…" in status  # where the window's user adds them
    assert "contact-uploader" not in status  # not the command line's advice
    assert "CONTACT_UPLOADER_" not in status
    assert picker.value() == "77"


def test_the_import_options_offer_the_picker(qtbot: Any, demo: DemoSession) -> None:
    from core.providers import get_provider

    view = MappingView()
    view.group_source = lambda: (demo.credentials("iletimerkezi"), demo.base_url("iletimerkezi"))
    qtbot.addWidget(view)
    provider = get_provider("iletimerkezi")
    view.set_source(["Ad", "Cep"], [["Ayşe", "05321234567"]], provider, {0: "name", 1: "gsm"},
                    {"group_id": "1003"})
    picker = view.option_inputs["group_id"]
    assert isinstance(picker, GroupPicker)
    assert view.constants()["group_id"] == "1003"  # before the list arrives: the saved id
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        view.show()
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert picker.combo.currentText() == "Bülten Aboneleri  (0)"  # the saved id, now shown by name
    assert view.constants()["group_id"] == "1003"
    view.set_constant("group_id", "1002")
    assert view.constants()["group_id"] == "1002"
    assert picker.combo.currentText().strip() == "VIP Müşteriler  (0)"


def test_a_long_group_name_shows_its_beginning(qtbot: Any, demo: DemoSession) -> None:
    name = "Kampanya Ekim 2026 — İstanbul Avrupa Yakası bayileri"
    demo.sandbox.add_iletimerkezi_group(2001, name, count=12345)
    picker = GroupPicker(lambda: (demo.credentials("iletimerkezi"), demo.base_url("iletimerkezi")))
    qtbot.addWidget(picker)
    picker.resize(260, picker.sizeHint().height())
    picker.show()
    wait_loaded(qtbot, picker)
    picker.combo.setCurrentIndex(picker.combo.findData("2001"))
    assert picker.combo.lineEdit().cursorPosition() == 0  # "Kampanya Ekim…", not "…bayileri  (12345)"
    assert picker.value() == "2001"


def test_the_import_options_line_the_group_up_with_its_label_and_the_next_field(
    qtbot: Any, demo: DemoSession
) -> None:
    from core.providers import get_provider

    view = MappingView()
    view.group_source = lambda: (demo.credentials("iletimerkezi"), demo.base_url("iletimerkezi"))
    qtbot.addWidget(view)
    view.set_source(["Ad", "Cep"], [["Ayşe", "05321234567"]], get_provider("iletimerkezi"),
                    {0: "name", 1: "gsm"}, {})
    picker = view.option_inputs["group_id"]
    assert isinstance(picker, GroupPicker)
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        view.resize(1100, 700)
        view.show()
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)

    def box(widget: Any) -> Any:
        return widget.rect().translated(widget.mapTo(view, widget.rect().topLeft()))

    label = next(w for w in view.findChildren(QLabel) if w.buddy() is picker)
    combo, region = box(picker.combo), box(view.region)
    assert abs(box(label).center().y() - combo.center().y()) <= 1  # the label beside the combo, not below it
    assert abs(region.center().y() - combo.center().y()) <= 1  # the next field on the same line


def test_the_import_options_list_the_groups_again_for_new_credentials_or_another_profile(
    qtbot: Any, demo: DemoSession, tmp_path: Any
) -> None:
    # as the form does: another account's groups would put the contacts in a group of the wrong account
    from gui.import_view import ImportView, Step

    context = AppContext("iletimerkezi", demo=demo)
    view = ImportView(context)
    qtbot.addWidget(view)
    view.show()
    source = tmp_path / "kisiler.csv"
    source.write_text("Ad,Cep Telefonu\nAyşe,+905321234567\n", encoding="utf-8")
    view.open_file(source)
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=20000)
    view.go_next()
    assert view.step is Step.COLUMNS
    picker = view.mapping_view.option_inputs["group_id"]
    assert isinstance(picker, GroupPicker)
    qtbot.waitUntil(lambda: picker.task is not None and picker.task.done and len(items(picker)) == 3,
                    timeout=10000)
    demo.sandbox.add_iletimerkezi_group(3000, "Yeni", count=5)
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        context.credentialsChanged.emit()
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert ("Yeni  (5)", "3000") in items(picker)
    demo.sandbox.add_iletimerkezi_group(3001, "Başka", count=1)
    with qtbot.waitSignal(picker.loaded, timeout=10000):
        context.profileChanged.emit("other")
    qtbot.waitUntil(lambda: picker.task.done, timeout=5000)
    assert ("Başka  (1)", "3001") in items(picker)
