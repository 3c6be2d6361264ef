"""Days scrubbed into one history out of date order are accepted, and said (issue 25 #7): the
counts made earlier for the later days did not see them, so a later count can differ from a
run of all days in date order. One line on stderr from the CLI; the library only reports it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import attrs
import pytest

from scrubber.cli import main
from scrubber.formats.emr import dumps_export, read_export
from scrubber.history import HistoryStore
from scrubber.history.store import OutOfOrder
from scrubber.model.history import VisitFact
from scrubber.model.records import NoteType

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json"


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's first two days, each as a JSON export and as JSON Lines."""
    folder = tmp_path_factory.mktemp("days")
    batch = read_export(EXAMPLE)
    found = {}
    for day in ("2026-03-02", "2026-03-03"):
        part = attrs.evolve(
            batch, visits=tuple(v for v in batch.visits if str(v.date_of_service) == day),
            rejected=(),
        )  # fmt: skip
        for format in ("json", "jsonl"):
            found[f"{day}.{format}"] = folder / f"{day}.{format}"
            found[f"{day}.{format}"].write_text(dumps_export(part, format), encoding="utf-8")
    return found


def _scrub(export: Path, history: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["scrub", str(export), "--history", str(history), "-o", "/dev/null",
                 "--fail-on", "none", "--summary", "none"])  # fmt: skip
    return code, capsys.readouterr().err


@pytest.mark.parametrize("format", ["json", "jsonl"])
def test_a_day_scrubbed_after_a_later_one_is_kept_and_said_in_one_line(
    days, tmp_path, capsys, format
):
    history = tmp_path / "h.sqlite"
    assert _scrub(days[f"2026-03-03.{format}"], history, capsys) == (0, "")
    code, err = _scrub(days[f"2026-03-02.{format}"], history, capsys)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "dated before days the history already held for their patients" in err
    assert "(from 2026-03-02; the history reached 2026-03-03)" in err
    assert "None" not in err
    with HistoryStore.open(history, read_only=True) as store:
        assert len(store) == sum(
            len(read_export(days[f"{d}.json"]).visits) for d in ("2026-03-02", "2026-03-03")
        )


def test_days_in_date_order_and_a_day_sent_again_are_not_warned(days, tmp_path, capsys):
    history = tmp_path / "h.sqlite"
    assert _scrub(days["2026-03-02.json"], history, capsys) == (0, "")
    assert _scrub(days["2026-03-03.json"], history, capsys) == (0, "")
    # the earlier day again: its visits are corrections the history replaces, not new days
    assert _scrub(days["2026-03-02.json"], history, capsys) == (0, "")


def _fact(visit: str, patient: str, day: date) -> VisitFact:
    return VisitFact(visit, "C1", patient, "MCR", day, NoteType.DAILY, True, (("97110", 2),))


def test_the_store_reports_what_came_out_of_order_per_patient_and_per_scrub(tmp_path):
    with HistoryStore.open(tmp_path / "h.sqlite") as store:
        with store.session():
            store.record([_fact("A1", "P1", date(2026, 3, 5)), _fact("B1", "P2", date(2026, 3, 2))])
        assert store.out_of_order is None
        with store.session():
            # P1 before its 03-05 (twice), P2 after its 03-02, a new patient, A1 sent again
            store.record([
                _fact("A2", "P1", date(2026, 3, 3)), _fact("A3", "P1", date(2026, 3, 4)),
                _fact("B2", "P2", date(2026, 3, 3)), _fact("C1", "P3", date(2026, 1, 1)),
                _fact("A1", "P1", date(2026, 3, 1)),
            ])  # fmt: skip
            store.record([_fact("B3", "P2", date(2026, 3, 1))])
        assert store.out_of_order == OutOfOrder(3, date(2026, 3, 1), date(2026, 3, 5))
        with store.session():
            store.record([_fact("A9", "P1", date(2026, 3, 9))])
        assert store.out_of_order is None  # each scrub says its own
