"""Reports whose numbers add up: for each report (balance, reconcile, worklist), the rows add up
to the totals, the chart bars to the rows, and the summary cards are those totals, read from the
HTML a person sees (parsed, not taken from the objects it was drawn from) and from the terminal
table and the CSV. Checked on the sample of the docs and on generated exports."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import Counter, defaultdict
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest

from scrubber.actions import LANGUAGE
from scrubber.formats.billing import read_billing
from scrubber.formats.emr import read_export
from scrubber.load import load_rules
from scrubber.reports.balance import balance
from scrubber.reports.pages import balance_page, reconcile_page, worklist_page
from scrubber.reports.reconcile import KIND_WORDS, VISIT_ORDER, Kind, reconcile
from scrubber.reports.reconcile_render import reconcile_csv, reconcile_document, reconcile_table
from scrubber.reports.worklist import worklist, worklist_csv, worklist_document
from scrubber.sample import sample_batch, sample_billing

DOCS = Path(__file__).resolve().parent.parent / "docs"

# ---- the page as a tree, and what a person reads off it -------------------------------------------

_VOID = {"br", "col", "meta", "wbr", "img", "hr", "input", "link"}


@attrs.define
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = attrs.Factory(list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def find(self, tag: str, css: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (
                    css is None or css in child.attrs.get("class", "").split()
                ):
                    found.append(child)
                found += child.find(tag, css)
        return found


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attributes})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _tree(html: str) -> Node:
    parser = _Tree()
    parser.feed(html)
    return parser.root


def _number(text: str) -> int:
    (found,) = re.findall(r"\d+", text)
    return int(found)


def _pair(text: str) -> tuple[int, int]:
    visits, units = (int(n) for n in re.fullmatch(r"(\d+) / (\d+)", text).groups())
    return visits, units


def _cards(page: Node) -> dict[str, str]:
    """Each card's label (its text after the figure, without the small print) -> its figure."""
    found = {}
    for card in page.find("div", "card"):
        figure = card.find("b")[0].text
        small = " ".join(s.text for s in card.find("small"))
        label = card.text.removeprefix(figure).removesuffix(small).strip()
        found[label] = figure
    return found


def _charts(page: Node) -> dict[str, list[tuple[str, int]]]:
    """Each chart's caption -> its bars (label, figure) as shown."""
    charts = {}
    for figure in page.find("figure", "chart"):
        labels = [n.text for n in figure.find("div", "label")]
        values = [_number(n.text) for n in figure.find("div", "value")]
        charts[figure.find("figcaption")[0].text] = list(zip(labels, values, strict=True))
    return charts


def _chart(page: Node, starts: str) -> list[tuple[str, int]]:
    (bars,) = [bars for caption, bars in _charts(page).items() if caption.startswith(starts)]
    return bars


def _table_after(page: Node, heading: str) -> list[list[str]]:
    """The rows (cell texts) of the first table after the heading that starts with ``heading``."""
    body = page.find("body")[0]
    after = False
    for child in body.children:
        if isinstance(child, Node) and child.tag == "h2":
            after = child.text.startswith(heading)
        elif after and isinstance(child, Node) and child.tag == "table":
            return [[cell.text for cell in row.find("td")] for row in child.find("tr")[1:]]
    raise AssertionError(f"no table after {heading!r}")


# ---- the reports of the docs' sample, and of generated exports ------------------------------------


@cache
def _scrubbed(which: str):
    if which == "docs":
        batch = read_export(DOCS / "examples" / "emr_export.json")
    else:
        batch = sample_batch(160, seed=int(which), visits_per_day=8)
    return batch, load_rules().scrub(batch)


@cache
def _billing(which: str):
    if which == "docs":
        return read_billing(DOCS / "examples" / "billing_charges.csv")
    batch, result = _scrubbed(which)
    with tempfile.TemporaryDirectory() as tmp:  # written out, read back by billing's reader
        path = Path(tmp) / "billing.csv"
        path.write_text(sample_billing(batch, result), encoding="utf-8")
        return read_billing(path)


SAMPLES = ["docs", "3", "11"]


# ---- balance --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", SAMPLES)
@pytest.mark.parametrize("period", ["day", "week"])
def test_balance_rows_add_up_to_the_totals_and_the_bars_to_the_rows(which, period):
    batch, result = _scrubbed(which)
    report = balance(batch, result, period=period)
    descriptions = LANGUAGE.descriptions()
    page = _tree(balance_page(report, worklist(batch, result, descriptions), descriptions))
    rows = _table_after(page, "Rows: per")
    *body, total = rows
    assert total[0] == "TOTAL" and len(body) == len(report.rows)
    for column in (2, 3, 6):  # visits / units
        for side in (0, 1):
            assert sum(_pair(r[column])[side] for r in body) == _pair(total[column])[side]
    for column in (4, 5):  # held units, removed units
        assert sum(int(r[column]) for r in body) == int(total[column])
    for r in rows:  # held and removed units are the difference, row by row
        emr, billed = _pair(r[2])[1], _pair(r[3])[1]
        assert int(r[4]) + int(r[5]) == emr - billed
    # the chart by period: each bar is its period's held and removed units in the rows
    per_period: Counter[str] = Counter()
    for r in body:
        per_period[r[0]] += int(r[4]) + int(r[5])
    bars = _chart(page, f"Units not billed, by {period} and cause")
    assert dict(bars) == {day: units for day, units in per_period.items() if units}
    # the chart by cause adds up to the same, and the cards are the totals
    by_cause = _chart(page, "Units not billed, by cause")
    assert sum(units for _, units in by_cause) == int(total[4]) + int(total[5])
    cards = _cards(page)
    assert _pair(cards["EMR visits / units"]) == _pair(total[2])
    assert _pair(cards["billed visits / units"]) == _pair(total[3])
    assert _pair(cards["held visits / units"])[1] == int(total[4])
    assert int(cards["units removed by rules"]) == int(total[5])
    assert _pair(cards["unexplained"]) == _pair(total[6]) == (0, 0)
    held_visits = sum(c.visits for c in report.totals.causes if c.cause == "held")
    assert _pair(cards["held visits / units"])[0] == held_visits == len(result.exceptions)


# ---- reconcile ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", SAMPLES)
@pytest.mark.parametrize(("by", "period"), [("date_of_service", "day"), ("created_on", "week")])
def test_reconcile_kinds_add_up_to_the_visits_and_the_bars_to_the_rows(which, by, period):
    batch, result = _scrubbed(which)
    report = reconcile(batch, result, _billing(which), by=by, period=period)
    totals = report.totals
    # the objects: rows add up to the totals, field by field and kind by kind
    for name in ("emr_visits", "emr_units", "expected_visits", "expected_units", "billing_visits",
                 "billing_units", "unexplained_visits", "unexplained_units", "visits"):  # fmt: skip
        assert sum(getattr(row, name) for row in report.rows) == getattr(totals, name), name
    kinds: Counter[tuple[Kind, str]] = Counter()
    for row in report.rows:
        for kind, visits, units in row.kinds:
            kinds[(kind, "visits")] += visits
            kinds[(kind, "units")] += units
    for kind, visits, units in totals.kinds:
        assert (kinds[(kind, "visits")], kinds[(kind, "units")]) == (visits, units)
    # each visit once: the export's, and those only billing knows
    only_billing = {c.visit_id for c in report_billing(which)} - {v.id for v in batch.visits}
    assert totals.visits == len(batch.visits) + len(only_billing)
    assert totals.emr_visits == len(batch.visits)
    assert totals.billing_visits == len({c.visit_id for c in report_billing(which)})

    page = _tree(reconcile_page(report))
    rows = _table_after(page, "Rows: per")
    *body, total = rows
    for column in (3, 4, 5, 6):
        for side in (0, 1):
            assert sum(_pair(r[column])[side] for r in body) == _pair(total[column])[side]
    assert sum(int(r[2]) for r in body) == int(total[2]) == totals.visits
    by_kind = _chart(page, "Visits by kind")
    assert sum(visits for _, visits in by_kind) == int(total[2])
    assert [label for label, _ in by_kind] == [
        f"{KIND_WORDS[kind]} {kind.value}" for kind in VISIT_ORDER
        if any(k is kind and v for k, v, _ in totals.kinds)
    ]  # fmt: skip
    per_period: Counter[str] = Counter()
    for r in body:
        per_period[r[0]] += int(r[2])
    assert dict(_chart(page, f"Visits by {period} and kind")) == dict(per_period)
    cards = _cards(page)
    assert _pair(cards["unexplained visits / units"]) == _pair(total[6])
    assert _pair(cards["expected visits / units"]) == _pair(total[4])
    assert _pair(cards["in billing: visits / units"]) == _pair(total[5])
    # the unexplained, first, add up to the unexplained of the totals
    heading = page.find("h2")[0].text
    assert heading.startswith("Unexplained")
    if totals.unexplained_visits:
        listed = _table_after(page, "Unexplained")
        assert len({line[0] for line in listed}) == totals.unexplained_visits
        assert sum(abs(int(line[6]) - int(line[7])) for line in listed) == (
            totals.unexplained_units
        )
        assert {line[2] for line in listed} <= {KIND_WORDS[k] for k in Kind}  # people's words


def report_billing(which: str):
    return _billing(which).charges


@pytest.mark.parametrize("which", SAMPLES)
def test_reconcile_table_and_csv_add_up_and_list_the_unexplained_first(which):
    batch, result = _scrubbed(which)
    report = reconcile(batch, result, _billing(which))
    text = reconcile_table(report)
    kinds = text.split("Visits by kind")[1].split("\n\n")[0].splitlines()[2:]
    counted = [
        re.fullmatch(r"  (.+?) {2,}(\d+)(?: +\d+)?(?: +UNEXPLAINED)?", line) for line in kinds
    ]
    assert all(counted), kinds
    *each, everyone = [(m.group(1), int(m.group(2))) for m in counted if m]
    assert everyone[0] == "all visits" and [words for words, _ in each] == [
        KIND_WORDS[kind] for kind in VISIT_ORDER if any(k is kind for k, _, _ in report.totals.kinds)
    ]  # fmt: skip
    assert sum(n for _, n in each) == everyone[1] == report.totals.visits
    for kind in Kind:
        assert f" {kind.value} " not in text  # people's words, not the kind's name
    if report.totals.unexplained_visits:
        assert text.index("Look into these first") < text.index("Visits by kind")
        assert text.index("Visits by kind") < text.index("Rows: per")
    lines = list(csv.DictReader(io.StringIO(reconcile_csv(report))))
    assert sum(int(line["difference"]) for line in lines) == report.totals.unexplained_units
    assert {line["kind"] for line in lines} <= {k.value for k in Kind}  # the names stay
    assert all(line["what"] == KIND_WORDS[Kind(line["kind"])] for line in lines)
    document = reconcile_document(report)
    assert sum(k["visits"] for k in document["totals"]["kinds"].values()) == report.totals.visits
    assert set(document["totals"]["kinds"]) <= {k.value for k in Kind}


def test_a_visit_with_codes_of_several_kinds_counts_once():
    """The sample's visits have billed codes and codes that never flow (NORCM): they counted
    once under each kind, 230 visits of 200; now once, under the kind that matters most."""
    batch, result = _scrubbed("docs")
    report = reconcile(batch, result, _billing("docs"))
    by_visit: dict[str, set[Kind]] = defaultdict(set)
    for fact in report.facts:
        by_visit[fact.visit_id].add(fact.kind)
    mixed = [v for v, kinds in by_visit.items() if {Kind.MATCHED, Kind.NOT_FLOWING} <= kinds]
    assert mixed, "the sample has billed visits with a code that never flows"
    counted = {kind: visits for kind, visits, _ in report.totals.kinds}
    assert counted[Kind.NOT_FLOWING] == sum(
        kinds == {Kind.NOT_FLOWING} for kinds in by_visit.values()
    )
    assert sum(counted.values()) == len(by_visit)


# ---- worklist -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", SAMPLES)
def test_worklist_cards_chart_table_and_csv_are_the_same_visits(which):
    batch, result = _scrubbed(which)
    descriptions = LANGUAGE.descriptions()
    items = worklist(batch, result, descriptions)
    page = _tree(worklist_page(items, descriptions))
    blocks = page.find("tbody", "visit")
    heads = [block.find("th", "visit")[0].text for block in blocks]
    units = [_number(re.search(r"(\d+) units? held", head).group(0)) for head in heads]
    reasons = sum(len(block.find("tr")) - 1 for block in blocks)
    cards = _cards(page)
    assert int(cards["held visits"]) == len(blocks) == len(result.exceptions)
    small = page.find("div", "card")[0].find("small")[0].text
    assert (
        _number(small) == sum(units) == sum(c.units for h in result.exceptions for c in h.charges)
    )
    assert int(cards["reasons to fix"]) == reasons
    assert sum(n for _, n in _chart(page, "Reasons to fix")) == reasons
    assert int(cards["rejected records"]) == len(result.rejected)
    # the CSV pivots to the same figures: units once per visit, one line per reason
    lines = list(csv.DictReader(io.StringIO(worklist_csv(items))))
    visit_lines = [line for line in lines if line["line"] == "visit"]
    assert len(visit_lines) == len(blocks)
    assert sum(int(line["units"] or 0) for line in lines) == sum(units)
    assert sum(line["line"] == "reason" for line in lines) == reasons
    assert all(line["units"] == "" for line in lines if line["line"] != "visit")
    document = worklist_document(items)
    assert (document["held_visits"], document["held_units"]) == (len(blocks), sum(units))
    # and per visit, the units its line carries are those it holds
    held = {h.visit_id: sum(c.units for c in h.charges) for h in result.exceptions}
    assert {line["visit_id"]: int(line["units"]) for line in visit_lines} == held
