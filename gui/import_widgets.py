"""Small pieces the import steps share with the rest of the window's look: white titled cards (as on the
contact form), the step indicator and the count chips. Colours live in ``resources/style.qss``; these
widgets only set object names and the ``state``/``tone`` properties the style sheet selects on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import theme

# outcome → chip tone: what went in is green, what did not is red, the rest neutral
GOOD = frozenset({"added", "updated", "exists", "skipped"})
BAD = frozenset({"invalid", "failed"})
COUNT_ORDER = ("added", "updated", "exists", "skipped", "failed", "invalid", "ready", "pending")


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
            pill.setAccessibleName(f"Step {i + 1} of {len(self.titles)}: {title} ({state})")
            theme.set_prop(pill, "state", state)
        for i, line in enumerate(self.lines):
            theme.set_prop(line, "state", "done" if i < index else "todo")

    def state_of(self, index: int) -> str:
        return str(self.pills[index].property("state"))


def count_tone(outcome: str) -> str:
    return "good" if outcome in GOOD else "bad" if outcome in BAD else "neutral"


def counts_text(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[k]:,} {k}" for k in COUNT_ORDER if counts.get(k)]
    return " · ".join(parts) if parts else "nothing yet"


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
                chip.setText(f"{self._counts[outcome]:,} {outcome}")
            return
        for chip in self.chips.values():
            self._row.removeWidget(chip)
            chip.deleteLater()
        self.chips = {}
        for pos, outcome in enumerate(ordered):
            chip = QLabel(f"{self._counts[outcome]:,} {outcome}")
            chip.setObjectName("Chip")
            chip.setProperty("tone", count_tone(outcome))
            self.chips[outcome] = chip
            self._row.insertWidget(pos, chip)

    def text(self) -> str:
        return counts_text(self._counts)

    def tone_of(self, outcome: str) -> str:
        chip = self.chips.get(outcome)
        return str(chip.property("tone")) if chip is not None else ""


__all__ = ["ChipRow", "StepIndicator", "count_tone", "counts_text", "make_card"]
