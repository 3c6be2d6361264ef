"""The balance report as a page: cards, units not billed by cause and by period, the rows, each
cause opening onto its visits and lines, and what to fix.

Every figure comes from the report's rows and their totals (the totals are the sum of the rows):
the cards are the totals, the chart by cause the totals' causes, the chart by period the rows'
causes summed per period (each bar is that period's held and removed units in the rows), and
the drill-downs the causes' own lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scrubber.reports.balance import BalanceReport, BalanceRow, Cause
from scrubber.reports.pages import worklist as work
from scrubber.reports.pages.skeleton import (
    Series,
    cards,
    chart,
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


def _cause_drill(cause: Cause, descriptions: Mapping[str, str]) -> str:
    lines = table(
        ("visit", "date", "location", "code", "units", "what happened"),
        [(ident(line.visit_id), esc(line.date_of_service), esc(line.location),
          esc(line.cpt or "(visit)"), str(line.units), esc(line.message)) for line in cause.lines],
        numeric=frozenset({4}), dates=frozenset({1, 3}),
        widths=("8em", "7.5em", "16%", "5.5em", "4.5em", "auto"),
    )  # fmt: skip
    return (f"<details><summary>{_cause_label(cause, descriptions)}: "
            f"{plural(cause.visits, 'visit')}, {plural(cause.units, 'unit')}</summary>{lines}"
            "</details>")  # fmt: skip


def _pair(visits: int, units: int) -> str:
    return f"{visits} / {units}"


def _held_units(row: BalanceRow) -> int:
    return sum(c.units for c in row.causes if c.cause == "held")


def _row_cells(row: BalanceRow) -> list[str]:
    held = _held_units(row)
    return [
        esc(row.period.isoformat() if row.period else "TOTAL"), esc(row.location or ""),
        _pair(row.emr_visits, row.emr_units), _pair(row.billed_visits, row.billed_units),
        str(held), str(row.difference_units - held),
        _pair(row.unexplained_visits, row.unexplained_units),
    ]  # fmt: skip


def balance_page(
    report: BalanceReport,
    work_items: Sequence[WorkItem] = (),
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """The balance report as a page: cards, units not billed by cause and by period, the rows,
    each cause opening onto its visits and lines, and what to fix."""
    descriptions = work.with_fixes(descriptions or {}, work_items)
    totals = report.totals
    held_units = _held_units(totals)
    held_visits = sum(c.visits for c in totals.causes if c.cause == "held")
    removed = totals.difference_units - held_units
    unexplained = totals.unexplained_visits + totals.unexplained_units
    summary = cards([
        ("EMR visits / units", f"{totals.emr_visits} / {totals.emr_units}", "", "what the EMR sent"),
        ("billed visits / units", f"{totals.billed_visits} / {totals.billed_units}", "", "what flows to billing"),
        ("held visits / units", f"{held_visits} / {held_units}", "", "not lost: billed once fixed"),
        ("units removed by rules", removed, "", "caps, denials, codes that never flow"),
        ("unexplained", f"{totals.unexplained_visits} / {totals.unexplained_units}",
         "ok" if not unexplained else "bad", "visits / units: always 0"),
    ])  # fmt: skip
    causes = sorted(totals.causes, key=lambda c: (-c.units, c.cause, c.rule or "", c.reason or ""))
    by_cause = chart(
        "Units not billed, by cause", _CAUSE_SERIES,
        [(_cause_label(c, descriptions), {c.cause: c.units}) for c in causes if c.units],
        empty="Every unit was billed.",
    )  # fmt: skip
    by_period = chart(
        f"Units not billed, by {report.period.value} and cause (held and removed units of the "
        "rows below)",
        _CAUSE_SERIES,
        per_period((row.period, [(c.cause, c.units) for c in row.causes]) for row in report.rows),
        empty="Every unit was billed.",
    )  # fmt: skip
    rows = table(
        ("period", "location", "EMR visits / units", "billed visits / units", "held units",
         "removed units", "unexplained visits / units"),
        [_row_cells(row) for row in (*report.rows, totals)],
        numeric=frozenset(range(2, 7)), total=len(report.rows), dates=frozenset({0}),
    )  # fmt: skip
    drill = "".join(_cause_drill(cause, descriptions) for cause in causes) or (
        '<p class="note">No difference.</p>'
    )
    by = "date of service" if report.by.value == "date_of_service" else "finalized date"
    body = (
        f"{summary}<h2>Where the units went</h2>{by_cause}{by_period}"
        f"<h2>Rows: per {report.period.value} and location</h2>{rows}"
        f"<h2>Each cause, visit by visit</h2>{drill}"
        f"<h2>Held on Billing Exceptions: what to fix</h2>{work.work_section(work_items)}"
    )
    return page(
        f"Balance by {by}, per {report.period.value}: EMR against billing",
        "Every unit the EMR sent is billed, held on Billing Exceptions (billed once the visit is "
        "fixed), or removed by a rule named here; visits with no billable charge are counted "
        f"apart. Rejected records ({len(report.rejected)}) are listed at the end and not counted.",
        body,
        style=work.STYLE,
    )
