"""What every HTML report page shares: the page itself, its style sheet (screen and print), the
summary cards, bar charts with their legend, and tables.

What every page keeps to: one file (styles inline, no network, a few lines of script only to
open the drill-downs for printing); a legend on every chart; charts drawn with HTML boxes, so
labels wrap instead of being clipped; rules named by their description with the id beside it;
every figure of a page (cards, chart bars, rows) taken from the one report object, so that they
add up; a word is never broken in the middle (ids and paths break after ``/`` and ``.``, text
between words, and tables lay out at fixed column widths so that no column is squeezed into
breaking one); printed, table headers repeat on every page, headings keep with what follows,
the drill-downs print open, and a page holds what a binder page can (about 15 to 20 visits).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from scrubber.words import plural

__all__ = [
    "Series",
    "cards",
    "chart",
    "dollars",
    "esc",
    "held_label",
    "ident",
    "page",
    "per_period",
    "rule_label",
    "table",
]

STYLE = """
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
table.fixed{table-layout:fixed}
th,td{padding:.28rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;
overflow-wrap:break-word;word-break:normal;hyphens:manual}
th{background:var(--head);font-weight:600}td.n{text-align:right;white-space:nowrap}th.n{text-align:right}
td.d{white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid var(--ink)}
code,.v{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em;white-space:pre-wrap}
.id{color:var(--muted);font-size:.88em;display:inline-block}
figure.chart{margin:.5rem 0 1.2rem;border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}
figure.chart figcaption{font-weight:600;margin-bottom:.3rem}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.2rem 0 .6rem;font-size:.88em;list-style:none;
padding:0}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;flex:none}
.bars{display:grid;grid-template-columns:minmax(7rem,24rem) minmax(8rem,1fr) minmax(3.5rem,auto);
gap:.3rem .7rem;align-items:center;font-size:.9em}
.bars .label{min-width:0}.bars .value{text-align:right;white-space:nowrap}
.track{display:flex;height:1rem;background:#f0f2f6;border-radius:3px;overflow:hidden}
.seg{display:block;height:100%}
.s-rule{background:#3b6fd8}.s-never_flows{background:#8a94a6}.s-denied{background:#8250df}
.s-held{background:#d9822b}.s-no_billable_charge{background:#c4cad6}
.s-matched{background:#2da44e}.s-late_import{background:#6fcf97}.s-released_hold{background:#f2b36b}
.s-held_pending{background:#d9822b}.s-not_flowing{background:#8a94a6}
.s-missing_in_billing{background:#cf222e}.s-extra_in_billing{background:#a40e26}
.s-unit_mismatch{background:#ff8182}
details{border:1px solid var(--line);border-radius:6px;margin:.35rem 0;padding:.3rem .7rem}
summary{cursor:pointer}
.note{color:var(--muted);font-size:.9em}
@page{margin:10mm 11mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10px;line-height:1.3}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
h1{font-size:15px}h2{font-size:12px;margin:1.1em 0 .4em}
h1,h2,figcaption,summary{break-after:avoid}
.card{padding:.3rem .6rem;min-width:0}.card b{font-size:14px}
figure.chart{padding:.4rem .6rem;margin:.3rem 0 .7rem}
.bars{gap:.1rem .6rem;grid-template-columns:minmax(7rem,62%) minmax(6rem,1fr) minmax(3.5rem,auto)}
.track{height:.7rem}
th,td{padding:.12rem .35rem}
figure.chart,.cards,tr,tbody.visit{break-inside:avoid}
thead{display:table-header-group}
details{border:none;padding:0;margin:.2rem 0}
details>summary{list-style:none;font-weight:600}
details::details-content{content-visibility:visible;display:block}
}
"""

#: drill-downs are opened for printing and closed again after
SCRIPT = """
addEventListener("beforeprint",()=>{for(const d of document.querySelectorAll("details:not([open])"))
{d.dataset.shut="1";d.open=true}});
addEventListener("afterprint",()=>{for(const d of document.querySelectorAll("details[data-shut]"))
{d.open=false;delete d.dataset.shut}});
"""


def esc(text: object) -> str:
    return html.escape(str(text))


_BREAK_AFTER = re.compile(r"(?<=[/.])(?=[^/.\s])")


def ident(text: str) -> str:
    """An id, a path or a file name (``workers_comp/employer``, ``insurance.employer.name``) as
    HTML that may break after ``/`` and ``.`` and nowhere else: never in the middle of a word."""
    return "<wbr>".join(esc(part) for part in _BREAK_AFTER.split(text))


def page(title: str, lead: str, body: str, style: str = "") -> str:
    """The whole page: ``lead`` and ``body`` are HTML already; ``style`` adds the page's own."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}{style}</style><script>{SCRIPT}</script></head>"
        f'<body><h1>{esc(title)}</h1><p class="lead">{lead}</p>{body}</body></html>\n'
    )


def cards(items: Sequence[tuple[str, object, str, str]]) -> str:
    """(label, value, css class, small print) cards."""
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><b class="{css}">{esc(value)}</b>{esc(label)}'
            + (f"<small>{esc(small)}</small>" if small else "")
            + "</div>"
            for label, value, css, small in items
        )
        + "</div>"
    )


@attrs.frozen
class Series:
    key: str
    label: str


def chart(
    caption: str,
    series: Sequence[Series],
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    unit: str = "unit",
    empty: str = "Nothing to show.",
    *,
    money: bool = False,
) -> str:
    """A horizontal bar chart (stacked when a row has several series) with its legend. ``rows``
    are (label as HTML, amount per series); each bar's figure is the sum of its amounts, a count
    of ``unit``, or dollars with ``money``."""

    def said(value: Any) -> str:
        return dollars(value) if money else plural(value, unit)

    shown = [s for s in series if any(values.get(s.key) for _, values in rows)]
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="swatch s-{s.key}"></span>{esc(s.label)}</li>'
            for s in shown or series
        )
        + "</ul>"
    )
    rows = [(label, values) for label, values in rows if sum(values.values())]
    if not rows:
        return (f'<figure class="chart"><figcaption>{esc(caption)}</figcaption>{legend}'
                f'<p class="note">{esc(empty)}</p></figure>')  # fmt: skip
    peak = max(sum(values.values()) for _, values in rows) or 1
    cells = []
    for label, values in rows:
        segments = "".join(
            f'<span class="seg s-{s.key}" style="width:{100 * values[s.key] / peak:.2f}%" '
            f'title="{esc(s.label)}: {said(values[s.key])}"></span>'
            for s in shown
            if values.get(s.key)
        )
        cells.append(
            f'<div class="label">{label}</div><div class="track">{segments}</div>'
            f'<div class="value">{said(sum(values.values()))}</div>'
        )
    return (f'<figure class="chart"><figcaption>{esc(caption)}</figcaption>{legend}'
            f'<div class="bars">{"".join(cells)}</div></figure>')  # fmt: skip


def dollars(value: Any) -> str:
    """An amount of money as a page shows it: ``$1,234.50`` (exact to the cent)."""
    return f"${Decimal(value):,.2f}"


def per_period(
    rows: Iterable[tuple[date | None, Sequence[tuple[str, Any]]]],
) -> list[tuple[str, dict[str, Any]]]:
    """Chart rows per period: each period's (series, amount) summed over its locations."""
    sums: dict[date, dict[str, Any]] = {}
    for period, amounts in rows:
        if period is not None:
            day = sums.setdefault(period, {})
            for key, amount in amounts:
                day[key] = day.get(key, 0) + amount
    return [(esc(day.isoformat()), values) for day, values in sorted(sums.items())]


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: frozenset[int] = frozenset(),
    total: int | None = None,
    dates: frozenset[int] = frozenset(),
    widths: Sequence[str] = (),
) -> str:
    """A table whose cells are already HTML: ``numeric`` columns align right and never break,
    ``dates`` never break, every other column is text that wraps between words; row ``total``
    is the totals line. ``widths`` (CSS widths, one per column) lay the table out at fixed
    column widths: a text column then keeps its share instead of being squeezed."""

    def cell(tag: str, index: int, text: str) -> str:
        kind = "n" if index in numeric else "d" if index in dates else "t"
        return f'<{tag} class="{kind}">{text}</{tag}>'

    cols = "".join(f'<col style="width:{w}">' for w in widths)
    thead = "<tr>" + "".join(cell("th", i, esc(h)) for i, h in enumerate(head)) + "</tr>"
    body = "".join(
        ('<tr class="total">' if n == total else "<tr>")
        + "".join(cell("td", i, text) for i, text in enumerate(row))
        + "</tr>"
        for n, row in enumerate(rows)
    )
    layout = f' class="fixed"><colgroup>{cols}</colgroup' if widths else ""
    return f"<table{layout}><thead>{thead}</thead><tbody>{body}</tbody></table>"


def rule_label(name: str | None, descriptions: Mapping[str, str]) -> str:
    """A rule as people read it: its description, its id beside it."""
    if not name:
        return ""
    description = descriptions.get(name)
    if description:
        return f'{esc(description)} <span class="id">{ident(name)}</span>'
    return f'<span class="id">{ident(name)}</span>'


def held_label(message: str | None, rule: str | None, descriptions: Mapping[str, str]) -> str:
    """A hold as people read it: its message, then the rule (description, id)."""
    if rule:
        return f"held: {esc(message)} — {rule_label(rule, descriptions)}"
    return f"held: {esc(message)}"
