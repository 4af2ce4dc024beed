"""Small pieces the import steps share with the rest of the window's look: white titled cards (as on the
contact form), the step indicator and the count chips. Colours live in ``resources/style.qss``; these
widgets only set object names and the ``state``/``tone`` properties the style sheet selects on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.i18n import _, ngettext, number, pgettext
from gui import theme

# outcome → chip tone: what went in is green, what did not is red, the rest neutral
GOOD = frozenset({"added", "updated", "exists", "skipped"})
BAD = frozenset({"invalid", "failed"})
COUNT_ORDER = ("added", "updated", "exists", "skipped", "failed", "invalid", "ready", "pending")
# a step's state as a screen reader says it (the machine value is the ``state`` property)
STEP_STATES = {
    "current": lambda: pgettext("step", "current"),
    "done": lambda: pgettext("step", "done"),
    "todo": lambda: pgettext("step", "todo"),
}


def make_card(title: str, subtitle: str = "") -> tuple[QFrame, QVBoxLayout]:
    """A white rounded card with a title (and a grey sentence), like the "Contact" card of the form."""
    card = QFrame()
    card.setObjectName("Card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(20, 16, 20, 18)
    layout.setSpacing(10)
    if title:
        heading = QLabel(title)
        heading.setObjectName("CardTitle")
        layout.addWidget(heading)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("CardSubtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return card, layout


class StepIndicator(QWidget):
    """Numbered pills joined by short lines; the current step is filled, the steps before it ticked."""

    def __init__(self, titles: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.titles = list(titles)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.pills: list[QLabel] = []
        self.lines: list[QFrame] = []
        for i in range(len(self.titles)):
            pill = QLabel()
            pill.setObjectName("StepPill")
            pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.pills.append(pill)
            row.addWidget(pill)
            if i < len(self.titles) - 1:
                line = QFrame()
                line.setObjectName("StepLine")
                line.setFixedSize(24, 2)
                self.lines.append(line)
                row.addWidget(line, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        self.current = -1
        self.set_current(0)

    def set_current(self, index: int) -> None:
        self.current = index
        for i, (pill, title) in enumerate(zip(self.pills, self.titles, strict=True)):
            state = "current" if i == index else "done" if i < index else "todo"
            pill.setText(f"✓  {title}" if state == "done" else f"{i + 1}  {title}")
            pill.setAccessibleName(_("Step {n} of {total}: {title} ({state})").format(
                n=i + 1, total=len(self.titles), title=title, state=STEP_STATES[state]()))
            theme.set_prop(pill, "state", state)
        for i, line in enumerate(self.lines):
            theme.set_prop(line, "state", "done" if i < index else "todo")

    def state_of(self, index: int) -> str:
        return str(self.pills[index].property("state"))


def count_tone(outcome: str) -> str:
    return "good" if outcome in GOOD else "bad" if outcome in BAD else "neutral"


def status_label(outcome: str) -> str:
    """A row status (a machine value: ``added``, ``invalid``…) as the window shows it."""
    labels = {
        "pending": pgettext("row status", "pending"),
        "ready": pgettext("row status", "ready"),
        "added": pgettext("row status", "added"),
        "updated": pgettext("row status", "updated"),
        "exists": pgettext("row status", "exists"),
        "skipped": pgettext("row status", "skipped"),
        "invalid": pgettext("row status", "invalid"),
        "failed": pgettext("row status", "failed"),
    }
    return labels.get(outcome, outcome)


def outcome_count(outcome: str, n: int) -> str:
    """"1,196 added", "4 invalid": how many rows have a status, in the user's language."""
    count = number(n)
    if outcome == "added":
        return ngettext("{n} added", "{n} added", n).format(n=count)
    if outcome == "updated":
        return ngettext("{n} updated", "{n} updated", n).format(n=count)
    if outcome == "exists":
        return ngettext("{n} exists", "{n} exist", n).format(n=count)
    if outcome == "skipped":
        return ngettext("{n} skipped", "{n} skipped", n).format(n=count)
    if outcome == "failed":
        return ngettext("{n} failed", "{n} failed", n).format(n=count)
    if outcome == "invalid":
        return ngettext("{n} invalid", "{n} invalid", n).format(n=count)
    if outcome == "ready":
        return ngettext("{n} ready", "{n} ready", n).format(n=count)
    if outcome == "pending":
        return ngettext("{n} pending", "{n} pending", n).format(n=count)
    return f"{count} {outcome}"


def counts_text(counts: Mapping[str, int]) -> str:
    parts = [outcome_count(k, counts[k]) for k in COUNT_ORDER if counts.get(k)]
    return " · ".join(parts) if parts else _("nothing yet")


class ChipRow(QWidget):
    """One coloured chip per outcome ("1,196 added", "4 invalid"); :meth:`text` reads them as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self.chips: dict[str, QLabel] = {}
        self._counts: dict[str, int] = {}

    def set_counts(self, counts: Mapping[str, int], order: Sequence[str] = COUNT_ORDER) -> None:
        self._counts = {k: v for k, v in counts.items() if v}
        ordered = [k for k in order if self._counts.get(k)]
        ordered += sorted(k for k in self._counts if k not in order)
        if ordered == list(self.chips):
            # the same outcomes (the upload's ten updates a second): new numbers only; a new styled
            # label per chip each time costs milliseconds of the GUI thread
            for outcome, chip in self.chips.items():
                chip.setText(outcome_count(outcome, self._counts[outcome]))
            return
        for chip in self.chips.values():
            self._row.removeWidget(chip)
            chip.deleteLater()
        self.chips = {}
        for pos, outcome in enumerate(ordered):
            chip = QLabel(outcome_count(outcome, self._counts[outcome]))
            chip.setObjectName("Chip")
            chip.setProperty("tone", count_tone(outcome))
            self.chips[outcome] = chip
            self._row.insertWidget(pos, chip)

    def text(self) -> str:
        return counts_text(self._counts)

    def tone_of(self, outcome: str) -> str:
        chip = self.chips.get(outcome)
        return str(chip.property("tone")) if chip is not None else ""


__all__ = ["ChipRow", "StepIndicator", "count_tone", "counts_text", "make_card", "outcome_count",
           "status_label"]
