"""The balance report as a page: cards, units not billed by cause and by period, the rows, each
cause opening onto its visits and lines, and what to fix.

Every figure comes from the report's rows and their totals (the totals are the sum of the rows):
the cards are the totals, the chart by cause the totals' causes, the chart by period the rows'
causes summed per period (each bar is that period's held and removed units in the rows), and
the drill-downs the causes' own lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrubber.reports.balance import BalanceReport, BalanceRow, Cause
from scrubber.reports.pages import worklist as work
from scrubber.reports.pages.skeleton import (
    Series,
    cards,
    chart,
    dollars,
    esc,
    held_label,
    ident,
    page,
    per_period,
    rule_label,
    table,
)
from scrubber.reports.worklist import WorkItem
from scrubber.words import plural

__all__ = ["balance_page"]

_CAUSE_SERIES = (
    Series("rule", "removed by a rule"),
    Series("denied", "denied (pair edits)"),
    Series("never_flows", "never flows (dropped codes)"),
    Series("held", "held: billed once the visit is fixed"),
    Series("no_billable_charge", "visit with no billable charge (visits, not units)"),
)


def _cause_label(cause: Cause, descriptions: Mapping[str, str]) -> str:
    if cause.cause == "held":
        return held_label(cause.reason, cause.rule, descriptions)
    if cause.cause == "no_billable_charge":
        return "no billable charge"
    word = {"rule": "", "denied": "denied: ", "never_flows": "never flows: "}[cause.cause]
    return word + rule_label(cause.rule, descriptions)


class _Words:
    """How the page says its figures: units, or charges (dollars, exact to the cent)."""

    def __init__(self, measure: str) -> None:
        self.money = measure == "charges"
        #: the measure in a heading ("units", "charges")
        self.name = "charges" if self.money else "units"

    def figure(self, value: Any) -> str:
        """A figure in words (``3 units``, ``$66.67``)."""
        return dollars(value) if self.money else plural(value, "unit")

    def cell(self, value: Any) -> str:
        """A figure in a table cell (``3``, ``66.67``; the unexplained ``0.00``)."""
        return f"{value:.2f}" if self.money else str(value)


def _cause_drill(cause: Cause, descriptions: Mapping[str, str], words: _Words) -> str:
    lines = table(
        ("visit", "date", "location", "code", words.name, "what happened"),
        [(ident(line.visit_id), esc(line.date_of_service), esc(line.location),
          esc(line.cpt or "(visit)"), words.cell(line.units), esc(line.message))
         for line in cause.lines],
        numeric=frozenset({4}), dates=frozenset({1, 3}),
        widths=("8em", "7.5em", "16%", "5.5em", "6.5em" if words.money else "4.5em", "auto"),
    )  # fmt: skip
    return (f"<details><summary>{_cause_label(cause, descriptions)}: "
            f"{plural(cause.visits, 'visit')}, {words.figure(cause.units)}</summary>{lines}"
            "</details>")  # fmt: skip


def _held_units(row: BalanceRow) -> Any:
    return sum((c.units for c in row.causes if c.cause == "held"), start=0 * row.emr_units)


def _row_cells(row: BalanceRow, words: _Words) -> list[str]:
    held = _held_units(row)

    def pair(visits: int, figure: Any) -> str:
        # dollars are wide: a page of charges shows the amounts alone (the visits are the
        # units page's), so that the rows fit a narrow page
        return words.cell(figure) if words.money else f"{visits} / {words.cell(figure)}"

    return [
        esc(row.period.isoformat() if row.period else "TOTAL"), esc(row.location or ""),
        pair(row.emr_visits, row.emr_units), pair(row.billed_visits, row.billed_units),
        words.cell(held), words.cell(row.difference_units - held),
        pair(row.unexplained_visits, row.unexplained_units),
    ]  # fmt: skip


def balance_page(
    report: BalanceReport,
    work_items: Sequence[WorkItem] = (),
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """The balance report as a page: cards, units not billed by cause and by period, the rows,
    each cause opening onto its visits and lines, and what to fix. With the report's measure
    ``charges`` every figure and chart is in dollars, and the unexplained remainder ``0.00``."""
    descriptions = work.with_fixes(descriptions or {}, work_items)
    words = _Words(report.measure)
    name = words.name
    totals = report.totals
    held_units = _held_units(totals)
    held_visits = sum(c.visits for c in totals.causes if c.cause == "held")
    removed = totals.difference_units - held_units
    unexplained = totals.unexplained_visits + totals.unexplained_units
    money = dollars if words.money else str
    summary = cards([
        (f"EMR visits / {name}", f"{totals.emr_visits} / {money(totals.emr_units)}", "", "what the EMR sent"),
        (f"billed visits / {name}", f"{totals.billed_visits} / {money(totals.billed_units)}", "",
         "what flows to billing"),
        (f"held visits / {name}", f"{held_visits} / {money(held_units)}", "", "not lost: billed once fixed"),
        (f"{name} removed by rules", money(removed), "", "caps, denials, codes that never flow"),
        ("unexplained", f"{totals.unexplained_visits} / {totals.unexplained_units}",
         "ok" if not unexplained else "bad", f"visits / {name}: always 0"),
    ])  # fmt: skip
    causes = sorted(totals.causes, key=lambda c: (-c.units, c.cause, c.rule or "", c.reason or ""))
    title = "Charges not billed" if words.money else "Units not billed"
    every = "Every cent was billed." if words.money else "Every unit was billed."
    by_cause = chart(
        f"{title}, by cause", _CAUSE_SERIES,
        [(_cause_label(c, descriptions), {c.cause: c.units}) for c in causes if c.units],
        empty=every, money=words.money,
    )  # fmt: skip
    by_period = chart(
        f"{title}, by {report.period.value} and cause (held and removed {name} of the rows "
        "below)",
        _CAUSE_SERIES,
        per_period((row.period, [(c.cause, c.units) for c in row.causes]) for row in report.rows),
        empty=every, money=words.money,
    )  # fmt: skip
    rows = table(
        ("period", "location", *(
            ("EMR $", "billed $", "held $", "removed $", "unexplained $") if words.money else
            ("EMR visits / units", "billed visits / units", "held units", "removed units",
             "unexplained visits / units")
        )),
        [_row_cells(row, words) for row in (*report.rows, totals)],
        numeric=frozenset(range(2, 7)), total=len(report.rows), dates=frozenset({0}),
    )  # fmt: skip
    drill = "".join(_cause_drill(cause, descriptions, words) for cause in causes) or (
        '<p class="note">No difference.</p>'
    )
    by = "date of service" if report.by.value == "date_of_service" else "finalized date"
    body = (
        f"{summary}<h2>Where the {name} went</h2>{by_cause}{by_period}"
        f"<h2>Rows: per {report.period.value} and location</h2>{rows}"
        f"<h2>Each cause, visit by visit</h2>{drill}"
        f"<h2>Held on Billing Exceptions: what to fix</h2>{work.work_section(work_items)}"
    )
    what = "cent of the charges" if words.money else "unit"
    return page(
        f"Balance{' of charges' if words.money else ''} by {by}, per {report.period.value}: "
        "EMR against billing",
        f"Every {what} the EMR sent is billed, held on Billing Exceptions (billed once the visit "
        "is fixed), or removed by a rule named here; visits with no billable charge are counted "
        f"apart. Rejected records ({len(report.rejected)}) are listed at the end and not counted.",
        body,
        style=work.STYLE,
    )
