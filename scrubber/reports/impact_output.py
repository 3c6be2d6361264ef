"""The impact of a rule change written for people and tools: a table, CSV, JSON, and an HTML
page a reviewer reads at a glance."""

from __future__ import annotations

import csv
import html
import io
import json
from decimal import Decimal

from scrubber.reports.impact import Impact, Outcome

__all__ = ["impact_csv", "impact_html", "impact_json", "impact_table"]


def _outcome_words(outcome: Outcome) -> str:
    units = ", ".join(f"{code} x{n}" for code, n in outcome.units_by_code().items()) or "no lines"
    if outcome.status == "held":
        return f"held ({'; '.join(outcome.holds)}): {units}"
    return f"{outcome.status}: {units}"


def _rules_words(impact_rules: tuple[tuple[str, str | None, str | None], ...]) -> str:
    return "; ".join(
        f"{rule} ({before or '-'} -> {after or '-'})" for rule, before, after in impact_rules
    )


def impact_table(impact: Impact) -> str:
    out = [
        f"{impact.visits} visits scrubbed with both rule sets; "
        f"{len(impact.changed)} changed; units billed {impact.units_before} -> "
        f"{impact.units_after} ({impact.units_after - impact.units_before:+d}); charges billed "
        f"{impact.amount_before} -> {impact.amount_after} "
        f"({impact.amount_after - impact.amount_before:+}); expected payment "
        f"{impact.expected_before} -> {impact.expected_after} "
        f"({impact.expected_after - impact.expected_before:+})"
    ]
    if impact.rules:
        out.append("\nby rule:")
        for total in impact.rules:
            out.append(f"  {total.rule:<28} {total.source:<32} {total.visits:>5} visits "
                       f"{total.units_delta:+6d} units {total.amount_delta:+10} charges "
                       f"{total.expected_delta:+10} expected")  # fmt: skip
    if impact.changed:
        out.append("\nvisits:")
    for change in impact.changed:
        rules = _rules_words(tuple((r.rule, r.before, r.after) for r in change.rules))
        out.append(f"  {change.visit_id} ({change.patient_id}, {change.date_of_service})")
        out.append(f"    before: {_outcome_words(change.before)}")
        out.append(f"    after:  {_outcome_words(change.after)}")
        out.append(f"    rules:  {rules or 'none acted differently (see the lines)'}")
    return "\n".join(out) + "\n"


def impact_json(impact: Impact) -> str:
    return json.dumps(impact.to_json(), indent=2) + "\n"


CSV_COLUMNS = (
    "visit_id", "patient_id", "date_of_service", "status_before", "status_after",
    "units_before", "units_after", "holds_before", "holds_after", "rules",
    "amount_before", "amount_after", "expected_before", "expected_after",
)  # fmt: skip


def impact_csv(impact: Impact) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for change in impact.changed:
        writer.writerow([
            change.visit_id, change.patient_id, change.date_of_service,
            change.before.status, change.after.status, change.before.units, change.after.units,
            "; ".join(change.before.holds), "; ".join(change.after.holds),
            "; ".join(rule.rule for rule in change.rules),
            change.before.amount_billed, change.after.amount_billed,
            change.before.expected_billed, change.after.expected_billed,
        ])  # fmt: skip
    return buffer.getvalue()


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.3rem; } .totals { display: flex; gap: 1rem; margin: 1rem 0; }
.total { border: 1px solid #ccc; border-radius: 6px; padding: .5rem 1rem; }
.total b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.down { color: #b00020; } .up { color: #0a6b2d; } code { font-size: 90%; }
"""


def _delta(value: int | Decimal) -> str:
    css = "down" if value < 0 else "up" if value > 0 else ""
    return f'<span class="{css}">{value:+}</span>'


def impact_html(impact: Impact) -> str:
    e = html.escape
    delta = impact.units_after - impact.units_before
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Impact of a rule change</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Impact of a rule change</h1>",
        '<div class="totals">',
        f'<div class="total" id="visits">visits<b>{impact.visits}</b></div>',
        f'<div class="total" id="changed">changed<b>{len(impact.changed)}</b></div>',
        f'<div class="total" id="units">units billed<b>{impact.units_before} &rarr; '
        f"{impact.units_after} ({_delta(delta)})</b></div>",
        f'<div class="total" id="amount">charges billed<b>{impact.amount_before} &rarr; '
        f"{impact.amount_after} ({_delta(impact.amount_after - impact.amount_before)})</b></div>",
        f'<div class="total" id="expected">expected payment<b>{impact.expected_before} &rarr; '
        f"{impact.expected_after} ({_delta(impact.expected_after - impact.expected_before)})"
        "</b></div>",
        "</div>",
        "<h2>By rule</h2>",
        '<table id="rules"><thead><tr><th>rule</th><th>where</th><th>visits</th>'
        "<th>units</th><th>charges</th><th>expected</th></tr></thead><tbody>",
    ]
    for total in impact.rules:
        parts.append(f"<tr><td><code>{e(total.rule)}</code></td><td>{e(total.source)}</td>"
                     f"<td>{total.visits}</td><td>{_delta(total.units_delta)}</td>"
                     f"<td>{_delta(total.amount_delta)}</td>"
                     f"<td>{_delta(total.expected_delta)}</td></tr>")  # fmt: skip
    parts += [
        "</tbody></table><h2>Visits that change</h2>",
        '<table id="visits-changed"><thead><tr><th>visit</th><th>patient</th><th>date</th>'
        "<th>before</th><th>after</th><th>rules</th></tr></thead><tbody>",
    ]
    for change in impact.changed:
        rules = "<br>".join(
            f"<code>{e(r.rule)}</code> {e(r.before or '-')} &rarr; {e(r.after or '-')}"
            for r in change.rules
        )
        parts.append(
            f"<tr><td>{e(change.visit_id)}</td><td>{e(change.patient_id)}</td>"
            f"<td>{e(change.date_of_service)}</td><td>{e(_outcome_words(change.before))}</td>"
            f"<td>{e(_outcome_words(change.after))}</td><td>{rules}</td></tr>"
        )
    parts.append("</tbody></table></body></html>\n")
    return "\n".join(parts)
