"""The worklist as a page: the visits held on Billing Exceptions and the records the export could
not give, as a billing specialist works them; the held visits' table is also the "what to fix"
part of the balance page.

Every figure comes from one table, the held visits (each with its reasons) and the rejected
records: the cards count its visits, units, reasons and records, the chart's bars add up to the
reasons, and the table lists the same visits. A held visit is one block of the table (its
reasons one line each), kept on one printed page; about 15 to 20 visits fit a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scrubber.reports.pages.skeleton import (
    Series,
    cards,
    chart,
    esc,
    ident,
    page,
    table,
)
from scrubber.reports.worklist import WorkItem, shown_value
from scrubber.words import plural

__all__ = ["STYLE", "held_visits", "with_fixes", "work_section", "worklist_page"]

#: the held visits' table, laid out at fixed widths: a word never breaks for want of room
STYLE = """
table.held td{border-bottom:none;padding-top:.05rem;padding-bottom:.05rem}
table.held tbody.visit{border-top:1px solid var(--line)}
table.held th.visit{background:none;font-weight:400;padding-top:.45rem;border-bottom:none}
table.held th.visit b{font-weight:600}
table.held tbody.visit tr:last-child td{padding-bottom:.4rem}
.nw{white-space:nowrap}
table.held .val{display:block}
@media print{table.held{font-size:8.5px;line-height:1.15}table.held th.visit{padding-top:.25rem}
table.held tbody.visit tr:last-child td{padding-bottom:.2rem}
table.held .val{display:inline}table.held .val+.val::before{content:" · "}}
"""


def with_fixes(descriptions: Mapping[str, str], items: Sequence[WorkItem]) -> dict[str, str]:
    """The descriptions known, and those the held visits' reasons carry."""
    known = dict(descriptions)
    known.update({i.rule: i.fix for i in items if i.kind == "held" and i.fix != i.message})
    return known


def held_visits(items: Sequence[WorkItem]) -> dict[str, list[WorkItem]]:
    """The one table of a worklist: each held visit (in result order) with its reasons."""
    visits: dict[str, list[WorkItem]] = {}
    for item in items:
        if item.kind == "held":
            visits.setdefault(item.visit_id, []).append(item)
    return visits


def _values(item: WorkItem) -> str:
    """The values a rule read: one a line on screen, run together on paper (``STYLE``)."""
    return "".join(
        f'<span class="val"><code>{ident(path)}</code> = '
        f'<span class="v">{esc(shown_value(value))}</span></span>'
        for path, value in item.values
    )


def _visit_block(visit_id: str, reasons: list[WorkItem]) -> str:
    """One held visit: a line saying which visit, whose, where and when, then one line per
    reason (what held it, what the rule read, what to fix)."""
    first = reasons[0]
    where = (first.patient, first.payer, first.location, f"provider {first.provider}")
    head = (
        f"<b>Visit {ident(visit_id)}</b> · <span class=nw>{esc(first.date_of_service or '')}"
        f"</span> · <b>{plural(first.units, 'unit')} held</b>"
        + "".join(f" · {esc(part)}" for part in where if part.strip())
    )
    lines = [f'<tr><th class="visit" colspan="3">{head}</th></tr>']
    for item in reasons:
        reason = f'{esc(item.message)} <span class="id">{ident(item.rule)}</span>'
        lines.append(f"<tr><td>{reason}</td><td>{_values(item) or '—'}</td>"
                     f"<td>{esc(item.fix)}</td></tr>")  # fmt: skip
    return f'<tbody class="visit">{"".join(lines)}</tbody>'


def work_section(items: Sequence[WorkItem]) -> str:
    """Every held visit, one block each, the visits flagged for review, then the rejected
    records."""
    visits = held_visits(items)
    rejected = [item for item in items if item.kind == "rejected"]
    parts = []
    if visits:
        head = ("held because (rule)", "values the rule read", "to fix it")
        cols = ("30%", "39%", "auto")
        parts.append(
            '<table class="fixed held"><colgroup>'
            + "".join(f'<col style="width:{w}">' for w in cols)
            + "</colgroup><thead><tr>"
            + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead>"
            + "".join(_visit_block(visit_id, reasons) for visit_id, reasons in visits.items())
            + "</table>"
        )
    else:
        parts.append('<p class="note">No visit is held.</p>')
    warned = [item for item in items if item.kind == "warned"]
    if warned:
        parts.append("<h2>Flagged for review (billed as usual)</h2>")
        parts.append(table(
            ("visit", "date", "warning (rule)", "values the rule read", "to review"),
            [
                (ident(i.visit_id), esc(i.date_of_service or ""),
                 f'{esc(i.message)} <span class="id">{ident(i.rule)}</span>',
                 _values(i) or "—", esc(i.fix))
                for i in warned
            ],
            widths=("8em", "7em", "25%", "30%", "auto"),
        ))  # fmt: skip
    parts.append("<h2>Rejected records: fix them in the EMR and export again</h2>")
    if rejected:
        parts.append(table(
            ("record", "id", "problem"),
            [(ident(i.source), ident(i.visit_id or "no id"), esc(i.message)) for i in rejected],
            widths=("11em", "9em", "auto"),
        ))  # fmt: skip
    else:
        parts.append('<p class="note">No record was rejected.</p>')
    return "".join(parts)


def worklist_page(items: Sequence[WorkItem], descriptions: Mapping[str, str] | None = None) -> str:
    descriptions = with_fixes(descriptions or {}, items)
    visits = held_visits(items)
    reasons = [item for held in visits.values() for item in held]
    units = sum(held[0].units for held in visits.values())
    rejected = {item.source for item in items if item.kind == "rejected"}
    by_reason: dict[str, dict[str, int]] = {}
    for item in reasons:
        label = f'{esc(item.message)} <span class="id">{ident(item.rule)}</span>'
        by_reason.setdefault(label, {"held": 0})["held"] += 1
    body = cards([
        ("held visits", len(visits), "bad" if visits else "ok", f"{plural(units, 'unit')} held back"),
        ("reasons to fix", len(reasons), "", "a visit may be held for several"),
        ("rejected records", len(rejected), "bad" if rejected else "ok", "not scrubbed at all"),
        *(
            [("flagged for review", len({i.visit_id for i in items if i.kind == "warned"}), "",
              "billed as usual")]
            if any(i.kind == "warned" for i in items) else []
        ),
    ]) + chart(
        "Reasons to fix, by reason (a visit held for several reasons is under each: the bars add "
        "up to the reasons)",
        [Series("held", "held visits (billed once fixed)")],
        sorted(by_reason.items(), key=lambda item: -item[1]["held"]), unit="visit",
        empty="No visit is held.",
    ) + "<h2>Held on Billing Exceptions: what to fix</h2>" + work_section(items)  # fmt: skip
    return page(
        "Worklist: the visits to fix",
        "Every visit held on Billing Exceptions, with the values the rule read and what to fix, "
        "and every record the EMR export could not give. Fix the visit in the EMR (or release it "
        "in billing) and it flows with the next scrub.",
        body,
        style=STYLE,
    )
