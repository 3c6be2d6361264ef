"""A balance report as a terminal table, CSV, JSON or one self-contained HTML page."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from scrubber.model.results import HeldVisit
from scrubber.reports.balance import NEW_PATIENT_CODES, BalanceReport, BalanceRow, Cause

__all__ = [
    "cause_label",
    "render_csv",
    "render_html",
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
        return f"held: {cause.reason}"
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


def render_csv(report: BalanceReport) -> str:
    """One line per period x location x cause (a balanced row has one line with no cause)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([
        "period", "location", "emr_visits", "emr_units", "billed_visits", "billed_units",
        "cause", "rule", "reason", "cause_visits", "cause_units",
    ])  # fmt: skip
    for row in (*report.rows, report.totals):
        period = row.period.isoformat() if row.period else "TOTAL"
        head = [
            period,
            row.location or "",
            row.emr_visits,
            row.emr_units,
            row.billed_visits,
            row.billed_units,
        ]
        for cause in row.causes or (None,):
            if cause is None:
                writer.writerow([*head, "", "", "", 0, 0])
            else:
                writer.writerow(
                    [
                        *head,
                        cause.cause,
                        cause.rule or "",
                        cause.reason or "",
                        cause.visits,
                        cause.units,
                    ]
                )
        if row.unexplained_visits or row.unexplained_units:
            writer.writerow(
                [*head, "UNEXPLAINED", "", "", row.unexplained_visits, row.unexplained_units]
            )
    return out.getvalue()


def _title(report: BalanceReport) -> str:
    by = "date of service" if report.by.value == "date_of_service" else "date finalized"
    return f"Balance by {by}, per {report.period.value}: EMR against billing"


#: the widest a text cell of the terminal table gets: a location or a reason a megabyte long
#: must not make every line of the table a megabyte wide
CELL = 40


def _cell(text: str, width: int = CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(report: BalanceReport) -> str:
    header = ("period", "location", "EMR visits", "EMR units", "billed visits", "billed units",
              "diff visits", "diff units")  # fmt: skip
    lines: list[tuple[str, ...]] = [header]
    for row in (*report.rows, report.totals):
        lines.append((
            row.period.isoformat() if row.period else "TOTAL", _cell(row.location or ""),
            str(row.emr_visits), str(row.emr_units), str(row.billed_visits), str(row.billed_units),
            str(row.difference_visits), str(row.difference_units),
        ))  # fmt: skip
        for cause in row.causes:
            lines.append(
                ("", "  " + _cell(cause_label(cause), 2 * CELL), "", "", "", "",
                 str(cause.visits), str(cause.units))
            )  # fmt: skip
        if row.unexplained_visits or row.unexplained_units:
            lines.append(("", "  UNEXPLAINED (a bug)", "", "", "", "", str(row.unexplained_visits),
                          str(row.unexplained_units)))  # fmt: skip
    widths = [
        max(len(line[i]) for line in lines if not (i == 1 and line[1].startswith("  ")))
        for i in range(8)
    ]
    text = [_title(report), ""]
    for n, line in enumerate(lines):
        if line[1].startswith("  "):
            label = line[1][2:]
            pad = sum(widths[:6]) + 2 * 6
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
        f"unexplained: {totals.unexplained_visits} visits, {totals.unexplained_units} units",
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
    return "\n".join(text) + "\n"


# ---- HTML ------------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;
color:#1d2430;padding:0 1rem}h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.sub{color:#5b6474;margin-top:0}.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d9dee7;
border-radius:8px;padding:.8rem 1.1rem;min-width:9rem}.card b{display:block;font-size:1.6rem}
.ok{color:#1a7f37}.bad{color:#cf222e}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e6e9ef;text-align:right}th:first-child,td:first-child,
th:nth-child(2),td:nth-child(2){text-align:left}th{background:#f4f6fa;font-weight:600}
details{border:1px solid #e6e9ef;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer}.bar{fill:#3b6fd8}.bar.held{fill:#d9822b}.lbl{font-size:12px;fill:#1d2430}
"""


def _bars(items: list[tuple[str, int, str]], width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (no script, no network)."""
    if not items:
        return "<p>Nothing to show: no units were lost.</p>"
    peak = max(value for _, value, _ in items) or 1
    label_width, bar_room, row = 260, width - 320, 24
    parts = [f'<svg role="img" width="{width}" height="{row * len(items) + 8}" '
             f'xmlns="http://www.w3.org/2000/svg">']  # fmt: skip
    for n, (label, value, kind) in enumerate(items):
        y = 4 + n * row
        length = max(2, round(bar_room * value / peak))
        parts.append(
            f'<text class="lbl" x="{label_width - 8}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect class="bar {kind}" x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" rx="3"/>'
            f'<text class="lbl" x="{label_width + length + 6}" y="{y + 15}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row_table(rows: list[BalanceRow]) -> str:
    head = ("<tr><th>period</th><th>location</th><th>EMR visits</th><th>EMR units</th><th>billed visits</th>"
            "<th>billed units</th><th>diff visits</th><th>diff units</th></tr>")  # fmt: skip
    body = []
    for row in rows:
        period = row.period.isoformat() if row.period else "TOTAL"
        body.append(
            f"<tr><td>{period}</td><td>{html.escape(row.location or '')}</td><td>{row.emr_visits}</td>"
            f"<td>{row.emr_units}</td><td>{row.billed_visits}</td><td>{row.billed_units}</td>"
            f"<td>{row.difference_visits}</td><td>{row.difference_units}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _causes_table(row: BalanceRow) -> str:
    if not row.causes:
        return "<p>No difference.</p>"
    cells = "".join(
        f"<tr><td>{html.escape(cause_label(c))}</td><td></td><td>{c.visits}</td><td>{c.units}</td></tr>"
        for c in row.causes
    )
    return f"<table><tr><th>cause</th><th></th><th>visits</th><th>units</th></tr>{cells}</table>"


def render_html(report: BalanceReport, held: tuple[HeldVisit, ...] = ()) -> str:
    totals = report.totals
    status = ('<b class="ok">0 / 0</b>unexplained visits / units' if report.balanced else
              f'<b class="bad">{totals.unexplained_visits} / {totals.unexplained_units}</b>'
              "unexplained visits / units: a bug, please report it")  # fmt: skip
    cards = "".join(
        f'<div class="card"><b>{value}</b>{label}</div>'
        for label, value in (
            ("EMR visits", totals.emr_visits), ("billed visits", totals.billed_visits),
            ("EMR units", totals.emr_units), ("billed units", totals.billed_units),
            ("new patients, EMR / billed", f"{totals.new_patient_visits_emr} / {totals.new_patient_visits_billed}"),
        )
    ) + f'<div class="card">{status}</div>'  # fmt: skip
    lost = sorted(
        (
            (cause_label(c), c.units, "held" if c.cause == "held" else "")
            for c in totals.causes
            if c.units
        ),
        key=lambda item: -item[1],
    )
    per_day: dict[str, int] = {}
    for row in report.rows:
        if row.period is not None and row.difference_units:
            per_day[row.period.isoformat()] = (
                per_day.get(row.period.isoformat(), 0) + row.difference_units
            )
    held_rows = "".join(
        f"<tr><td>{html.escape(h.visit_id)}</td><td>{html.escape(h.patient_id)}</td><td>{h.date_of_service}</td>"
        f"<td>{sum(c.units for c in h.charges)}</td><td>{html.escape('; '.join(r.message for r in h.reasons))}"
        f"</td></tr>"
        for h in held
    )
    held_table = (
        "<table><tr><th>visit</th><th>patient</th><th>date of service</th><th>units</th><th>reasons</th></tr>"
        f"{held_rows}</table>" if held else "<p>No visit is held.</p>"
    )  # fmt: skip
    drill = "".join(
        f"<details><summary>{row.period} · {html.escape(row.location or '')} — EMR {row.emr_visits} visits / "
        f"{row.emr_units} units, billed {row.billed_visits} / {row.billed_units}</summary>"
        f"{_causes_table(row)}</details>"
        for row in report.rows
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(_title(report))}</title><style>{_STYLE}</style></head><body>
<h1>{html.escape(_title(report))}</h1>
<p class="sub">Every unit of difference is explained by a rule, a code that never flows, a denial, a held visit
or a visit with no billable charge. Rejected records: {len(report.rejected)} (counted apart).</p>
<div class="cards">{cards}</div>
<h2>Units lost, by cause</h2>{_bars(lost)}
<h2>Units of difference, by {report.period.value}</h2>{_bars([(day, units, "") for day, units in per_day.items()])}
<h2>Totals and rows</h2>{_row_table([*report.rows, totals])}
<h2>Why, row by row</h2>{drill}
<h2>Held on Billing Exceptions</h2>{held_table}
</body></html>
"""
