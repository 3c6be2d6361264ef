"""The HTML reports (balance, reconcile, worklist): one self-contained file each, read at a glance
by a billing manager and printed for the month's binder.

What every page keeps to: one file (styles inline, no network, a few lines of script only to
open the drill-downs for printing); a legend on every chart; charts drawn with HTML boxes, so
labels wrap instead of being clipped; rules named by their description with the id beside it;
held units shown apart from units removed (held units are billed once the visit is fixed); each
cause opens onto its visits and lines; a print stylesheet that repeats table headers on every
page, keeps headings with what follows, and prints the drill-downs open.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import attrs

from scrubber.reports.balance import BalanceReport, BalanceRow, Cause
from scrubber.reports.reconcile import EXPLAINED, KIND_WORDS, Fact, Kind, ReconcileReport
from scrubber.reports.worklist import WorkItem, shown_value

__all__ = ["balance_page", "reconcile_page", "worklist_page"]

_STYLE = """
:root{--ink:#1d2430;--muted:#5b6474;--line:#e3e7ee;--head:#f4f6fa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:76rem;color:var(--ink);padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.lead{color:var(--muted);margin:0 0 1rem;max-width:60rem}
.cards{display:flex;gap:.8rem;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:8px;padding:.7rem 1rem;min-width:9.5rem;max-width:16rem}
.card b{display:block;font-size:1.5rem}.card small{display:block;color:var(--muted)}
.ok{color:#1a7f37}.bad{color:#cf222e}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{padding:.28rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:var(--head);font-weight:600}td.n{text-align:right;white-space:nowrap}th.n{text-align:right}
td.t{overflow-wrap:anywhere;min-width:7rem}td.d{white-space:nowrap}
.visit{border:1px solid var(--line);border-radius:8px;padding:.6rem .9rem;margin:.6rem 0}
.visit h3{font-size:1rem;margin:0 0 .2rem;overflow-wrap:anywhere}
.visit p{margin:0 0 .3rem;color:var(--muted);overflow-wrap:anywhere}
tr.total td{font-weight:600;border-top:2px solid var(--ink)}
code,.v{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;white-space:pre-wrap;
overflow-wrap:anywhere}
.id{color:var(--muted);font-size:.88em}
figure.chart{margin:.5rem 0 1.2rem;border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}
figure.chart figcaption{font-weight:600;margin-bottom:.3rem}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.2rem 0 .6rem;font-size:.88em;list-style:none;
padding:0}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;flex:none}
.bars{display:grid;grid-template-columns:minmax(7rem,24rem) minmax(8rem,1fr) minmax(3.5rem,auto);
gap:.3rem .7rem;align-items:center;font-size:.9em}
.bars .label{overflow-wrap:anywhere}.bars .value{text-align:right;white-space:nowrap}
.track{display:flex;height:1rem;background:#f0f2f6;border-radius:3px;overflow:hidden}
.seg{display:block;height:100%}
.s-rule{background:#3b6fd8}.s-never_flows{background:#8a94a6}.s-denied{background:#8250df}
.s-held{background:#d9822b}.s-no_billable_charge{background:#c4cad6}
.s-matched{background:#2da44e}.s-late_import{background:#6fcf97}.s-released_hold{background:#f2b36b}
.s-held_pending{background:#d9822b}.s-not_flowing{background:#8a94a6}
.s-missing_in_billing{background:#cf222e}.s-extra_in_billing{background:#a40e26}
.s-unit_mismatch{background:#ff8182}
details{border:1px solid var(--line);border-radius:6px;margin:.35rem 0;padding:.3rem .7rem}
summary{cursor:pointer;overflow-wrap:anywhere}
.note{color:var(--muted);font-size:.9em}
@page{margin:12mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:11px}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
h1,h2,figcaption,summary{break-after:avoid}
figure.chart,.cards,tr,.visit{break-inside:avoid}
thead{display:table-header-group}
details{border:none;padding:0}
details>summary{list-style:none;font-weight:600}
details::details-content{content-visibility:visible;display:block}
}
"""

#: drill-downs are opened for printing and closed again after
_SCRIPT = """
addEventListener("beforeprint",()=>{for(const d of document.querySelectorAll("details:not([open])"))
{d.dataset.shut="1";d.open=true}});
addEventListener("afterprint",()=>{for(const d of document.querySelectorAll("details[data-shut]"))
{d.open=false;delete d.dataset.shut}});
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _page(title: str, lead: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style><script>{_SCRIPT}</script></head>"
        f'<body><h1>{_e(title)}</h1><p class="lead">{lead}</p>{body}</body></html>\n'
    )


def _cards(items: Sequence[tuple[str, object, str, str]]) -> str:
    """(label, value, css class, small print) cards."""
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><b class="{css}">{_e(value)}</b>{_e(label)}'
            + (f"<small>{_e(small)}</small>" if small else "")
            + "</div>"
            for label, value, css, small in items
        )
        + "</div>"
    )


@attrs.frozen
class _Series:
    key: str
    label: str


def _chart(
    caption: str,
    series: Sequence[_Series],
    rows: Sequence[tuple[str, Mapping[str, int]]],
    unit: str = "unit",
    empty: str = "Nothing to show.",
) -> str:
    """A horizontal bar chart (stacked when a row has several series) with its legend."""
    shown = [s for s in series if any(values.get(s.key) for _, values in rows)]
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="swatch s-{s.key}"></span>{_e(s.label)}</li>' for s in shown or series
        )
        + "</ul>"
    )
    rows = [(label, values) for label, values in rows if sum(values.values())]
    if not rows:
        return (f'<figure class="chart"><figcaption>{_e(caption)}</figcaption>{legend}'
                f'<p class="note">{_e(empty)}</p></figure>')  # fmt: skip
    peak = max(sum(values.values()) for _, values in rows) or 1
    cells = []
    for label, values in rows:
        segments = "".join(
            f'<span class="seg s-{s.key}" style="width:{100 * values[s.key] / peak:.2f}%" '
            f'title="{_e(s.label)}: {values[s.key]} {unit}"></span>'
            for s in shown
            if values.get(s.key)
        )
        cells.append(
            f'<div class="label">{label}</div><div class="track">{segments}</div>'
            f'<div class="value">{_plural(sum(values.values()), unit)}</div>'
        )
    return (f'<figure class="chart"><figcaption>{_e(caption)}</figcaption>{legend}'
            f'<div class="bars">{"".join(cells)}</div></figure>')  # fmt: skip


def _per_period(
    rows: Iterable[tuple[date | None, Sequence[tuple[str, int]]]],
) -> list[tuple[str, dict[str, int]]]:
    """Chart rows per period: each period's (series, amount) summed over its locations."""
    sums: dict[date, dict[str, int]] = {}
    for period, amounts in rows:
        if period is not None:
            day = sums.setdefault(period, {})
            for key, amount in amounts:
                day[key] = day.get(key, 0) + amount
    return [(_e(day.isoformat()), values) for day, values in sorted(sums.items())]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[int] = frozenset(),
           total: int | None = None, dates: frozenset[int] = frozenset()) -> str:  # fmt: skip
    """A table whose cells are already HTML: ``numeric`` columns align right and never break,
    ``dates`` never break, every other column is free text that wraps anywhere it must (an id
    or a location of any length stays in its box); row ``total`` is the totals line."""

    def cell(tag: str, index: int, text: str) -> str:
        kind = "n" if index in numeric else "d" if index in dates else "t"
        return f'<{tag} class="{kind}">{text}</{tag}>'

    thead = "<tr>" + "".join(cell("th", i, _e(h)) for i, h in enumerate(head)) + "</tr>"
    body = "".join(
        ('<tr class="total">' if n == total else "<tr>")
        + "".join(cell("td", i, text) for i, text in enumerate(row))
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return f"<table><thead>{thead}</thead><tbody>{body}</tbody></table>"


def _rule(name: str | None, descriptions: Mapping[str, str]) -> str:
    """A rule as people read it: its description, its id beside it."""
    if not name:
        return ""
    description = descriptions.get(name)
    if description:
        return f'{_e(description)} <span class="id">{_e(name)}</span>'
    return f'<span class="id">{_e(name)}</span>'


def _held_label(message: str | None, rule: str | None, descriptions: Mapping[str, str]) -> str:
    """A hold as people read it: its message, then the rule (description, id)."""
    return f"held: {_e(message)} — {_rule(rule, descriptions)}" if rule else f"held: {_e(message)}"


# ---- the worklist (also the "what to fix" part of the balance page) ---------------------------


def _with_fixes(descriptions: Mapping[str, str], items: Sequence[WorkItem]) -> dict[str, str]:
    """The descriptions known, and those the held visits' reasons carry."""
    known = dict(descriptions)
    known.update({i.rule: i.fix for i in items if i.kind == "held" and i.fix != i.message})
    return known


def _values(item: WorkItem) -> str:
    return "<br>".join(
        f'<code>{_e(path)}</code> = <span class="v">{_e(shown_value(value))}</span>'
        for path, value in item.values
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _work_blocks(items: Sequence[WorkItem], descriptions: Mapping[str, str]) -> str:
    """Each held visit as a block (who, where, when, then its reasons: what the rule read and
    what to fix), then the rejected records."""
    held = [item for item in items if item.kind == "held"]
    rejected = [item for item in items if item.kind == "rejected"]
    visits: dict[str, list[WorkItem]] = {}
    for item in held:
        visits.setdefault(item.visit_id, []).append(item)
    parts = []
    for visit_id, reasons in visits.items():
        first = reasons[0]
        who = " · ".join(_e(part) for part in (first.patient, first.payer, first.location,
                                               f"provider {first.provider}") if part.strip())  # fmt: skip
        table = _table(
            ("held because", "rule", "values the rule read", "to fix it"),
            [(_e(i.message), f"<code>{_e(i.rule)}</code>", _values(i) or "—", _e(i.fix))
             for i in reasons],
        )  # fmt: skip
        parts.append(
            f'<div class="visit"><h3>Visit {_e(visit_id)} · {_e(first.date_of_service or "")}'
            f" · {_plural(first.units, 'unit')} held</h3><p>{who}</p>{table}</div>"
        )
    if not parts:
        parts.append('<p class="note">No visit is held.</p>')
    parts.append("<h2>Rejected records: fix them in the EMR and export again</h2>")
    if rejected:
        parts.append(_table(
            ("record", "id", "problem"),
            [(_e(i.source), _e(i.visit_id or "no id"), _e(i.message)) for i in rejected],
        ))  # fmt: skip
    else:
        parts.append('<p class="note">No record was rejected.</p>')
    return "".join(parts)


def worklist_page(items: Sequence[WorkItem], descriptions: Mapping[str, str] | None = None) -> str:
    descriptions = descriptions or {}
    held = [item for item in items if item.kind == "held"]
    visits = {item.visit_id: item.units for item in held}
    rejected = {item.source for item in items if item.kind == "rejected"}
    descriptions = _with_fixes(descriptions, items)
    by_reason: dict[str, dict[str, int]] = {}
    for item in held:
        label = _held_label(item.message, item.rule, descriptions)
        by_reason.setdefault(label, {"held": 0})["held"] += 1
    body = _cards([
        ("held visits", len(visits), "bad" if visits else "ok", f"{sum(visits.values())} units held back"),
        ("reasons to fix", len(held), "", "a visit may be held for several"),
        ("rejected records", len(rejected), "bad" if rejected else "ok", "not scrubbed at all"),
    ]) + _chart(
        "Held visits by reason", [_Series("held", "held visits (billed once fixed)")],
        sorted(by_reason.items(), key=lambda item: -item[1]["held"]), unit="visit",
        empty="No visit is held.",
    ) + "<h2>Held on Billing Exceptions: what to fix</h2>" + _work_blocks(items, descriptions)  # fmt: skip
    return _page(
        "Worklist: the visits to fix",
        "Every visit held on Billing Exceptions, with the values the rule read and what to fix, "
        "and every record the EMR export could not give. Fix the visit in the EMR (or release it "
        "in billing) and it flows with the next scrub.",
        body,
    )


# ---- balance ------------------------------------------------------------------------------------

_CAUSE_SERIES = (
    _Series("rule", "removed by a rule"),
    _Series("denied", "denied (pair edits)"),
    _Series("never_flows", "never flows (dropped codes)"),
    _Series("held", "held: billed once the visit is fixed"),
    _Series("no_billable_charge", "visit with no billable charge (visits, not units)"),
)


def _cause_label(cause: Cause, descriptions: Mapping[str, str]) -> str:
    if cause.cause == "held":
        return _held_label(cause.reason, cause.rule, descriptions)
    if cause.cause == "no_billable_charge":
        return "no billable charge"
    word = {"rule": "", "denied": "denied: ", "never_flows": "never flows: "}[cause.cause]
    return word + _rule(cause.rule, descriptions)


def _cause_drill(cause: Cause, descriptions: Mapping[str, str]) -> str:
    lines = _table(
        ("visit", "date", "location", "code", "units", "what happened"),
        [(_e(line.visit_id), _e(line.date_of_service), _e(line.location),
          _e(line.cpt or "(visit)"), str(line.units), _e(line.message)) for line in cause.lines],
        numeric=frozenset({4}), dates=frozenset({1, 3}),
    )  # fmt: skip
    return (f"<details><summary>{_cause_label(cause, descriptions)}: "
            f"{_plural(cause.visits, 'visit')}, {_plural(cause.units, 'unit')}</summary>{lines}"
            "</details>")  # fmt: skip


def _pair(visits: int, units: int) -> str:
    return f"{visits} / {units}"


def _row_cells(row: BalanceRow) -> list[str]:
    held = sum(c.units for c in row.causes if c.cause == "held")
    return [
        _e(row.period.isoformat() if row.period else "TOTAL"), _e(row.location or ""),
        _pair(row.emr_visits, row.emr_units), _pair(row.billed_visits, row.billed_units),
        str(held), str(row.difference_units - held),
        _pair(row.unexplained_visits, row.unexplained_units),
    ]  # fmt: skip


def balance_page(
    report: BalanceReport,
    work: Sequence[WorkItem] = (),
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """The balance report as a page: cards, units not billed by cause and by day, the rows, each
    cause opening onto its visits and lines, and what to fix."""
    descriptions = _with_fixes(descriptions or {}, work)
    totals = report.totals
    held_units = sum(c.units for c in totals.causes if c.cause == "held")
    held_visits = sum(c.visits for c in totals.causes if c.cause == "held")
    removed = totals.difference_units - held_units
    unexplained = totals.unexplained_visits + totals.unexplained_units
    cards = _cards([
        ("EMR visits / units", f"{totals.emr_visits} / {totals.emr_units}", "", "what the EMR sent"),
        ("billed visits / units", f"{totals.billed_visits} / {totals.billed_units}", "", "what flows to billing"),
        ("held visits / units", f"{held_visits} / {held_units}", "", "not lost: billed once fixed"),
        ("units removed by rules", removed, "", "caps, denials, codes that never flow"),
        ("unexplained", f"{totals.unexplained_visits} / {totals.unexplained_units}",
         "ok" if not unexplained else "bad", "visits / units: always 0"),
    ])  # fmt: skip
    causes = sorted(totals.causes, key=lambda c: (-c.units, c.cause, c.rule or "", c.reason or ""))
    by_cause = _chart(
        "Units not billed, by cause", _CAUSE_SERIES,
        [(_cause_label(c, descriptions), {c.cause: c.units}) for c in causes if c.units],
        empty="Every unit was billed.",
    )  # fmt: skip
    by_day = _chart(
        f"Units not billed, by {report.period.value} and cause", _CAUSE_SERIES,
        _per_period((row.period, [(c.cause, c.units) for c in row.causes]) for row in report.rows),
        empty="Every unit was billed.",
    )  # fmt: skip
    rows = _table(
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
        f"{cards}<h2>Where the units went</h2>{by_cause}{by_day}"
        f"<h2>Rows: per {report.period.value} and location</h2>{rows}"
        f"<h2>Each cause, visit by visit</h2>{drill}"
        f"<h2>Held on Billing Exceptions: what to fix</h2>{_work_blocks(work, descriptions)}"
    )
    return _page(
        f"Balance by {by}, per {report.period.value}: EMR against billing",
        "Every unit the EMR sent is billed, held on Billing Exceptions (billed once the visit is "
        "fixed), or removed by a rule named here; visits with no billable charge are counted "
        f"apart. Rejected records ({len(report.rejected)}) are listed at the end and not counted.",
        body,
    )


# ---- reconcile ----------------------------------------------------------------------------------

_KIND_SERIES = tuple(_Series(kind.value, f"{kind.value}: {KIND_WORDS[kind]}") for kind in Kind)


def _fact_rows(facts: Sequence[Fact]) -> str:
    return _table(
        ("visit", "code", "location", "EMR period", "billing period", "EMR units",
         "expected units", "billing units"),
        [(_e(f.visit_id), _e(f.cpt or "(visit)"), _e(f.location), _e(f.emr_period or ""),
          _e(f.billing_period or ""), str(f.emr_units), str(f.expected_units),
          str(f.billing_units)) for f in facts],
        numeric=frozenset({5, 6, 7}), dates=frozenset({1, 3, 4}),
    )  # fmt: skip


def reconcile_page(report: ReconcileReport) -> str:
    totals = report.totals
    bad = totals.unexplained_visits or report.billing_rejected
    cards = _cards([
        ("expected visits / units", f"{totals.expected_visits} / {totals.expected_units}", "",
         "what the scrub result bills"),
        ("in billing: visits / units", f"{totals.billing_visits} / {totals.billing_units}", "",
         "billing's charge report"),
        ("unexplained visits / units", f"{totals.unexplained_visits} / {totals.unexplained_units}",
         "bad" if totals.unexplained_visits else "ok", "missing, extra, or units apart"),
        ("billing lines not read", len(report.billing_rejected),
         "bad" if report.billing_rejected else "ok", "fix the report and run again"),
    ])  # fmt: skip
    kinds = _chart(
        "Visits by kind", _KIND_SERIES,
        [(f"{_e(kind.value)}<br><span class='note'>{_e(KIND_WORDS[kind])}</span>", {kind.value: visits})
         for kind, visits, _ in totals.kinds],
        unit="visit",
    )  # fmt: skip
    by_period = _chart(
        f"Visits by {report.period.value} and kind", _KIND_SERIES,
        _per_period((row.period, [(k.value, n) for k, n, _ in row.kinds]) for row in report.rows),
        unit="visit",
    )  # fmt: skip
    rows = _table(
        ("period", "location", "EMR visits / units", "expected visits / units",
         "billing visits / units", "unexplained visits / units"),
        [(_e(r.period.isoformat() if r.period else "TOTAL"), _e(r.location or ""),
          _pair(r.emr_visits, r.emr_units), _pair(r.expected_visits, r.expected_units),
          _pair(r.billing_visits, r.billing_units),
          _pair(r.unexplained_visits, r.unexplained_units)) for r in (*report.rows, totals)],
        numeric=frozenset(range(2, 6)), total=len(report.rows), dates=frozenset({0}),
    )  # fmt: skip
    drills = []
    for kind in sorted(Kind, key=lambda k: (k in EXPLAINED, list(Kind).index(k))):
        facts = [fact for fact in report.facts if fact.kind is kind]
        if facts and kind is not Kind.MATCHED:
            word = "" if kind in EXPLAINED else '<b class="bad">unexplained</b> '
            visits = len({f.visit_id for f in facts})
            drills.append(f"<details><summary>{word}{_e(kind.value)}: {_e(KIND_WORDS[kind])}: "
                          f"{_plural(visits, 'visit')}</summary>{_fact_rows(facts)}</details>")  # fmt: skip
    crossing = ""
    if report.crossings:
        names = ", ".join(sorted({_e(fact.visit_id) for fact in report.crossings}))
        crossing = (f'<p class="note">Late imports that cross a week boundary (the weekly totals '
                    f"differ by them): {names}.</p>")  # fmt: skip
    rejected = ""
    if report.billing_rejected:
        rejected = "<h2>Billing lines not read</h2>" + _table(
            ("line", "problem"),
            [(str(r.line), _e("; ".join(r.errors))) for r in report.billing_rejected],
        )
    by = "date of service" if report.by.value == "date_of_service" else "created date"
    body = (
        f"{cards}<h2>Kinds</h2>{kinds}{by_period}{crossing}"
        f"<h2>Rows: per {report.period.value} and location</h2>{rows}"
        f"<h2>Each kind, visit by visit</h2>{''.join(drills) or '<p class=note>Everything matched.</p>'}"
        f"{rejected}"
    )
    status = "Nothing is unexplained." if not bad else "Some visits are unexplained: see below."
    return _page(
        f"Reconcile by {by}, per {report.period.value}: the scrub result against billing",
        "Every visit and code of the export and of billing's charge report, on one kind: "
        "matched, or explained (held, released, imported late, not flowing), or unexplained "
        f"(missing in billing, extra in billing, units apart). {status}",
        body,
    )
