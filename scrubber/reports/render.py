"""A balance report as a terminal table, CSV or JSON; the HTML page is ``scrubber.reports.pages``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from scrubber.formats.sheets import csv_text
from scrubber.model.measures import CENT
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


def _in_charges(value: Any) -> Any:
    """A document of units made one of charges (``balance --measure charges``): each key that
    says units says charges, each amount a decimal string; the new-patient counts stay units."""
    if isinstance(value, dict):
        return {
            key.replace("units", "charges"): item if key == "new_patient_visits"
            else _in_charges(item)
            for key, item in value.items()
        }  # fmt: skip
    if isinstance(value, list):
        return [_in_charges(item) for item in value]
    return str(value) if isinstance(value, Decimal) else value


def _money(value: Any) -> Any:
    """A figure of a charges report: ``0`` (nothing) as ``0.00``, amounts as decimal strings."""
    return str(Decimal(value).quantize(CENT)) if isinstance(value, int) else str(value)


def report_document(report: BalanceReport) -> dict[str, Any]:
    document = _units_document(report)
    if report.measure != "charges":
        return document
    charged: dict[str, Any] = _zeros_as_money(_in_charges(document))
    charged["measure"] = "charges"
    return charged


def _zeros_as_money(value: Any, key: str = "") -> Any:
    """In a charges document, the figures that stayed whole zeros (a cause of no money) become
    ``0.00``: every figure of money is a decimal string."""
    if isinstance(value, dict):
        return {
            k: v if k == "new_patient_visits" else _zeros_as_money(v, k) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_zeros_as_money(item, key) for item in value]
    money_key = "charges" in key or key in ("emr", "billed", "held", "scrubbed", "moved_in",
                                             "moved_out")  # fmt: skip
    if money_key and isinstance(value, int) and not isinstance(value, bool):
        return _money(value)
    return value


def _units_document(report: BalanceReport) -> dict[str, Any]:
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
    text = _units_csv(report)
    if report.measure != "charges":
        return text
    header, _, rest = text.partition("\n")
    return header.replace(",units", ",charges") + "\n" + rest


def _units_csv(report: BalanceReport) -> str:
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
    what = "charges" if report.measure == "charges" else "units"
    fig = _money if what == "charges" else str
    header = ("period", "location", "EMR visits", f"EMR {what}", "billed visits", f"billed {what}",
              "diff visits", f"diff {what}")  # fmt: skip
    lines: list[tuple[str, ...]] = [header]
    causes: dict[int, Cause] = {}
    for row in (*report.rows, report.totals):
        lines.append((
            row.period.isoformat() if row.period else "TOTAL", _cell(row.location or ""),
            str(row.emr_visits), fig(row.emr_units), str(row.billed_visits), fig(row.billed_units),
            str(row.difference_visits), fig(row.difference_units),
        ))  # fmt: skip
        for cause in row.causes:
            causes[len(lines)] = cause
            lines.append(
                ("", "  " + cause_label(cause), "", "", "", "",
                 str(cause.visits), fig(cause.units))
            )  # fmt: skip
        if row.unexplained_visits or row.unexplained_units:
            lines.append(("", "  UNEXPLAINED (a bug)", "", "", "", "", str(row.unexplained_visits),
                          fig(row.unexplained_units)))  # fmt: skip
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
        + (
            f"{_money(totals.unexplained_units)} in charges"
            if what == "charges"
            else plural(totals.unexplained_units, "unit")
        ),
        f"new-patient visits ({', '.join(sorted(NEW_PATIENT_CODES))} units): "
        f"EMR {totals.new_patient_visits_emr}, billed {totals.new_patient_visits_billed}",
        f"rejected records (counted apart): {len(report.rejected)}"
        + "".join(
            f"\n  {_cell(r.path)} ({_cell(r.id or 'no id')}): {_cell('; '.join(r.errors), 4 * CELL)}"
            for r in report.rejected
        ),
        "",
        f"{what} by CPT",
    ]
    columns = ("cpt", "EMR", "billed", "held", "scrubbed", "moved in", "moved out")
    values: list[tuple[str, ...]] = [
        (_cell(c.cpt, 12), *(fig(n) for n in (c.emr, c.billed, c.held, c.scrubbed, c.moved_in, c.moved_out)))
        for c in totals.units_by_cpt
    ]  # fmt: skip
    sizes = [max(len(v[i]) for v in [columns, *values]) for i in range(len(columns))]
    for line in [columns, *values]:
        text.append("  " + "  ".join(
            f"{v:<{sizes[i]}}" if i == 0 else f"{v:>{sizes[i]}}" for i, v in enumerate(line)
        ))  # fmt: skip
    return visible_lines("\n".join(text) + "\n")
