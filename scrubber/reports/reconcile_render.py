"""A reconcile report as a terminal table, CSV (one line per visit and code) or JSON; the HTML
page is ``scrubber.reports.pages``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from scrubber.formats.sheets import csv_text
from scrubber.reports.reconcile import (
    EXPLAINED,
    KIND_WORDS,
    VISIT_ORDER,
    Fact,
    ReconcileReport,
    ReconcileRow,
    fact_words,
)
from scrubber.shown import cell, visible_lines
from scrubber.words import plural

__all__ = [
    "CSV_COLUMNS",
    "reconcile_csv",
    "reconcile_document",
    "reconcile_json",
    "reconcile_table",
]

_ROW_FIELDS = (
    "emr_visits", "emr_units", "expected_visits", "expected_units", "billing_visits",
    "billing_units", "unexplained_visits", "unexplained_units",
)  # fmt: skip


def _day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _row_json(row: ReconcileRow) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if row.period is not None:
        item.update(period=row.period.isoformat(), location=row.location)
    item.update({name: getattr(row, name) for name in _ROW_FIELDS})
    item["kinds"] = {
        kind.value: {"visits": visits, "units": units} for kind, visits, units in row.kinds
    }
    return item


def _fact_json(fact: Fact) -> dict[str, Any]:
    return {
        "visit_id": fact.visit_id, "cpt": fact.cpt, "kind": fact.kind.value,
        "explained": fact.explained, "emr_units": fact.emr_units,
        "expected_units": fact.expected_units, "billing_units": fact.billing_units,
        "location": fact.location, "emr_period": _day(fact.emr_period),
        "billing_period": _day(fact.billing_period),
        **_fact_money(fact),
    }  # fmt: skip


def _fact_money(fact: Fact) -> dict[str, str | None]:
    """The charges of both sides, when billing's report has them (DESIGN §14)."""
    if fact.expected_amount is None and fact.billing_amount is None:
        return {}
    return {
        "expected_amount": None if fact.expected_amount is None else str(fact.expected_amount),
        "billing_amount": None if fact.billing_amount is None else str(fact.billing_amount),
    }


def reconcile_document(report: ReconcileReport) -> dict[str, Any]:
    return {
        "by": report.by.value,
        "period": report.period.value,
        "reconciled": report.reconciled,
        "totals": _row_json(report.totals),
        "discrepancies": [_fact_json(fact) for fact in report.discrepancies],
        "rows": [_row_json(row) for row in report.rows],
        "crossings": [_fact_json(fact) for fact in report.crossings],
        "rejected": {
            "count": len(report.rejected),
            "records": [
                {"path": r.path, "id": r.id, "errors": list(r.errors)} for r in report.rejected
            ],
        },
        "billing_rejected": [
            {"line": r.line, "errors": list(r.errors)} for r in report.billing_rejected
        ],
    }


def reconcile_json(report: ReconcileReport) -> str:
    return json.dumps(reconcile_document(report), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "visit_id", "cpt", "kind", "explained", "location", "emr_period", "billing_period",
    "emr_units", "expected_units", "billing_units", "difference", "what",
)  # fmt: skip


def reconcile_csv(report: ReconcileReport) -> str:
    """One line per visit and code, matched ones included: summing ``expected_units`` by
    ``emr_period`` gives the expected side of each row, ``billing_units`` by ``billing_period``
    billing's side, ``difference`` the unexplained units; no line is a total. ``kind`` is the
    kind's name (as in the JSON), ``what`` says it in people's words."""
    return csv_text(CSV_COLUMNS, (
        (f.visit_id, f.cpt, f.kind.value, "yes" if f.explained else "no", f.location,
         _day(f.emr_period) or "", _day(f.billing_period) or "", f.emr_units, f.expected_units,
         f.billing_units, f.difference, fact_words(f))
        for f in report.facts
    ))  # fmt: skip


def _cut(text: str, width: int = 40) -> str:
    return cell(text, width)


def _aligned(
    rows: Sequence[tuple[str, ...]], right: frozenset[int], indent: str = "  "
) -> list[str]:
    """Rows of cells in columns as wide as their widest cell (``right``: numbers)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(
            f"{cell:>{widths[i]}}" if i in right else f"{cell:<{widths[i]}}"
            for i, cell in enumerate(row)
        )).rstrip()
        for row in rows
    ]  # fmt: skip


def _unexplained_lines(report: ReconcileReport) -> list[str]:
    """What to look into, first: every unexplained visit and code, ids whole."""
    totals = report.totals
    if not totals.unexplained_visits:
        return ["Nothing is unexplained: every visit and code is matched or explained."]
    lines = [
        f"Unexplained: {plural(totals.unexplained_visits, 'visit')}, "
        f"{plural(totals.unexplained_units, 'unit')} apart. Look into these first:",
    ]
    rows = [("visit", "code", "what", "expected units", "billing units")]
    rows += [
        (f.visit_id, f.cpt, fact_words(f), str(f.expected_units), str(f.billing_units))
        for f in report.unexplained
    ]
    return lines + _aligned(rows, frozenset({3, 4}))


def _kind_lines(report: ReconcileReport) -> list[str]:
    """Visits by kind, each visit once (the column adds up to the visits), and the units of the
    codes of each kind."""
    totals = report.totals
    rows = [("kind", "visits", "units", "")]
    for kind, visits, units in sorted(totals.kinds, key=lambda k: VISIT_ORDER.index(k[0])):
        rows.append(
            (KIND_WORDS[kind], str(visits), str(units), "" if kind in EXPLAINED else "UNEXPLAINED")
        )
    rows.append(("all visits", str(totals.visits), "", ""))
    return [
        "Visits by kind: each visit once, under the first kind of its codes in this list; units "
        "of the codes of each kind (billed, held, not flowing, or apart):",
        *_aligned(rows, frozenset({1, 2})),
    ]


def reconcile_table(report: ReconcileReport) -> str:
    by = "date of service" if report.by.value == "date_of_service" else "created date"
    lines = [f"Reconcile by {by}, per {report.period.value}: the scrub result against billing", ""]
    lines += [*_unexplained_lines(report), "", *_kind_lines(report), ""]
    header = ("period", "location", "EMR visits", "EMR units", "expected visits",
              "expected units", "billing visits", "billing units", "unexplained visits",
              "unexplained units")  # fmt: skip
    cells: list[tuple[str, ...]] = [header]
    for row in (*report.rows, report.totals):
        cells.append((
            row.period.isoformat() if row.period else "TOTAL", _cut(row.location or ""),
            *(str(getattr(row, name)) for name in _ROW_FIELDS),
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines.append(f"Rows: per {report.period.value} and location")
    for n, line in enumerate(cells):
        text = "  ".join(
            f"{cell:<{widths[i]}}" if i < 2 else f"{cell:>{widths[i]}}"
            for i, cell in enumerate(line)
        )
        if n == len(cells) - 1:
            lines.append("-" * len(text))
        lines.append(text.rstrip())
        if n == 0:
            lines.append("-" * len(text))
    if report.crossings:
        crossing = len({f.visit_id for f in report.crossings})
        lines += ["", f"late imports crossing a week boundary: {plural(crossing, 'visit')} "
                  f"({plural(len(report.crossings), 'code')}; weekly totals differ by them):"]  # fmt: skip
        lines += [f"  {f.visit_id} {f.cpt}: EMR week of {f.emr_period}, billing week "
                  f"of {f.billing_period}" for f in report.crossings]  # fmt: skip
    lines += ["", f"rejected records of the export (counted apart): {len(report.rejected)}"]
    lines += [f"  {_cut(r.path)} ({r.id or 'no id'}): {_cut('; '.join(r.errors), 160)}"
              for r in report.rejected]  # fmt: skip
    if report.billing_rejected:
        lines += ["", f"billing lines not read: {len(report.billing_rejected)}"]
        lines += [f"  {_cut('; '.join(r.errors), 160)}" for r in report.billing_rejected]
    return visible_lines("\n".join(lines) + "\n")
