"""A balance report as a terminal table, CSV or JSON; the HTML page is ``scrubber.reports.pages``."""

from __future__ import annotations

import json
from typing import Any

from scrubber.formats.sheets import csv_text
from scrubber.reports.balance import NEW_PATIENT_CODES, BalanceReport, BalanceRow, Cause
from scrubber.shown import cell, visible_lines
from scrubber.words import plural

__all__ = [
    "cause_label",
    "render_csv",
    "render_json",
    "render_table",
    "report_document",
]


def cause_label(cause: Cause) -> str:
    if cause.cause == "rule":
        return f"rule {cause.rule}"
    if cause.cause == "never_flows":
        return f"never flows ({cause.rule})"
    if cause.cause == "denied":
        return f"denied ({cause.rule})"
    if cause.cause == "held":
        return f"held: {cause.reason}" + (f" ({cause.rule})" if cause.rule else "")
    return "no billable charge"


def _cause_json(cause: Cause) -> dict[str, Any]:
    item: dict[str, Any] = {"cause": cause.cause}
    if cause.rule is not None:
        item["rule"] = cause.rule
    if cause.reason is not None:
        item["reason"] = cause.reason
    item.update(visits=cause.visits, units=cause.units)
    return item


def _row_json(row: BalanceRow) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if row.period is not None:
        item["date"] = row.period.isoformat()
        item["location"] = row.location
    item.update(
        emr_visits=row.emr_visits, billed_visits=row.billed_visits, emr_units=row.emr_units,
        billed_units=row.billed_units, difference_visits=row.difference_visits,
        difference_units=row.difference_units, causes=[_cause_json(c) for c in row.causes],
        unexplained_visits=row.unexplained_visits, unexplained_units=row.unexplained_units,
        new_patient_visits={"emr": row.new_patient_visits_emr, "billed": row.new_patient_visits_billed},
        units_by_cpt=[
            {"cpt": c.cpt, "emr": c.emr, "billed": c.billed, "held": c.held, "scrubbed": c.scrubbed,
             "moved_in": c.moved_in, "moved_out": c.moved_out}
            for c in row.units_by_cpt
        ],
    )  # fmt: skip
    return item


def report_document(report: BalanceReport) -> dict[str, Any]:
    return {
        "by": report.by.value,
        "period": report.period.value,
        "balanced": report.balanced,
        "totals": _row_json(report.totals),
        "rows": [_row_json(row) for row in report.rows],
        "rejected": {
            "count": len(report.rejected),
            "records": [
                {"path": r.path, "id": r.id, "errors": list(r.errors)} for r in report.rejected
            ],
        },
    }


def render_json(report: BalanceReport) -> str:
    return json.dumps(report_document(report), ensure_ascii=False, indent=2) + "\n"


#: the balance CSV: one line per fact, so that a pivot table sums it right
CSV_COLUMNS = ("period", "location", "figure", "cause", "rule", "reason", "visits", "units")


def render_csv(report: BalanceReport) -> str:
    """The long format: per period and location, one line for the EMR side (``figure`` emr),
    one for the billed side (billed), one per cause of the difference (cause, with its kind,
    rule and reason) and, if ever, one for the unexplained rest. Totals are not lines: summing
    ``visits`` over the emr lines gives the EMR visits, over the cause lines the explained
    difference, and no line is counted twice."""
    rows: list[tuple[Any, ...]] = []
    for row in report.rows:
        where = (row.period.isoformat() if row.period else "", row.location or "")
        rows.append((*where, "emr", "", "", "", row.emr_visits, row.emr_units))
        rows.append((*where, "billed", "", "", "", row.billed_visits, row.billed_units))
        for cause in row.causes:
            rows.append((*where, "cause", cause.cause, cause.rule or "", cause.reason or "",
                         cause.visits, cause.units))  # fmt: skip
        if row.unexplained_visits or row.unexplained_units:
            rows.append((*where, "unexplained", "", "", "", row.unexplained_visits,
                         row.unexplained_units))  # fmt: skip
    return csv_text(CSV_COLUMNS, rows)


def _title(report: BalanceReport) -> str:
    by = "date of service" if report.by.value == "date_of_service" else "date finalized"
    return f"Balance by {by}, per {report.period.value}: EMR against billing"


#: the widest a text cell of the terminal table gets: a location or a reason a megabyte long
#: must not make every line of the table a megabyte wide
CELL = 40


def _cell(text: str, width: int = CELL) -> str:
    return cell(text, width)


#: the shortest a cause's free text (a hold's reason) is cut to
_REASON = 12


def _kept(cause: Cause) -> str:
    """The part of a cause's label that is never cut: the rule id (with its words)."""
    if cause.cause == "held":
        return f" ({cause.rule})" if cause.rule else ""
    return cause_label(cause)


def _fitted(cause: Cause, room: int) -> str:
    """A cause's label in ``room`` characters: a hold's reason is cut, never a rule id."""
    label = cause_label(cause)
    if len(label) <= room or cause.cause != "held":
        return label
    kept = _kept(cause)
    return _cell(f"held: {cause.reason}", max(room - len(kept), len("held: ") + _REASON)) + kept


def render_table(report: BalanceReport) -> str:
    header = ("period", "location", "EMR visits", "EMR units", "billed visits", "billed units",
              "diff visits", "diff units")  # fmt: skip
    lines: list[tuple[str, ...]] = [header]
    causes: dict[int, Cause] = {}
    for row in (*report.rows, report.totals):
        lines.append((
            row.period.isoformat() if row.period else "TOTAL", _cell(row.location or ""),
            str(row.emr_visits), str(row.emr_units), str(row.billed_visits), str(row.billed_units),
            str(row.difference_visits), str(row.difference_units),
        ))  # fmt: skip
        for cause in row.causes:
            causes[len(lines)] = cause
            lines.append(
                ("", "  " + cause_label(cause), "", "", "", "",
                 str(cause.visits), str(cause.units))
            )  # fmt: skip
        if row.unexplained_visits or row.unexplained_units:
            lines.append(("", "  UNEXPLAINED (a bug)", "", "", "", "", str(row.unexplained_visits),
                          str(row.unexplained_units)))  # fmt: skip
    widths = [
        max(len(line[i]) for line in lines if not (i == 1 and line[1].startswith("  ")))
        for i in range(8)
    ]
    # the labels of causes are cut to the columns' width, but a rule id never is: the table
    # widens for the longest id instead
    least = max((len(_kept(c)) + len("held: ") + _REASON for c in causes.values()), default=0)
    widths[1] += max(0, least - (sum(widths[:6]) + 2 * 6 - widths[0] - 5))
    text = [_title(report), ""]
    for n, line in enumerate(lines):
        if n in causes:
            pad = sum(widths[:6]) + 2 * 6
            label = _fitted(causes[n], pad - widths[0] - 5)  # columns stay aligned
            text.append(
                f"{'':{widths[0]}}  - {label:<{pad - widths[0] - 4}}{line[6]:>{widths[6]}}  {line[7]:>{widths[7]}}"
            )
            continue
        cells = [f"{line[0]:<{widths[0]}}", f"{line[1]:<{widths[1]}}"] + [
            f"{cell:>{widths[i + 2]}}" for i, cell in enumerate(line[2:])
        ]
        if line[0] == "TOTAL":
            text.append("-" * len("  ".join(cells)))
        text.append("  ".join(cells).rstrip())
        if n == 0:
            text.append("-" * len("  ".join(cells)))
    totals = report.totals
    text += [
        "",
        f"unexplained: {plural(totals.unexplained_visits, 'visit')}, "
        f"{plural(totals.unexplained_units, 'unit')}",
        f"new-patient visits ({', '.join(sorted(NEW_PATIENT_CODES))} units): "
        f"EMR {totals.new_patient_visits_emr}, billed {totals.new_patient_visits_billed}",
        f"rejected records (counted apart): {len(report.rejected)}"
        + "".join(
            f"\n  {_cell(r.path)} ({_cell(r.id or 'no id')}): {_cell('; '.join(r.errors), 4 * CELL)}"
            for r in report.rejected
        ),
        "",
        "units by CPT",
    ]
    columns = ("cpt", "EMR", "billed", "held", "scrubbed", "moved in", "moved out")
    values: list[tuple[str, ...]] = [
        (_cell(c.cpt, 12), *(str(n) for n in (c.emr, c.billed, c.held, c.scrubbed, c.moved_in, c.moved_out)))
        for c in totals.units_by_cpt
    ]  # fmt: skip
    sizes = [max(len(v[i]) for v in [columns, *values]) for i in range(len(columns))]
    for line in [columns, *values]:
        text.append("  " + "  ".join(
            f"{v:<{sizes[i]}}" if i == 0 else f"{v:>{sizes[i]}}" for i, v in enumerate(line)
        ))  # fmt: skip
    return visible_lines("\n".join(text) + "\n")
