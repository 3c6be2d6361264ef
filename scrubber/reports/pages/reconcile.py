"""The reconcile report as a page: what is unexplained first, then the visits by kind, the rows,
and each explained kind visit by visit.

Every figure comes from the report's rows and their totals (the totals are the sum of the rows):
the cards are the totals; the chart of kinds counts each visit once, under its kind, so that its
bars add up to the visits of the totals; the chart by period adds up, per period, the visits of
that period's rows; the drill-downs list the codes of each kind. Kinds are named in people's
words, their name (as the JSON and CSV write it) beside.
"""

from __future__ import annotations

from scrubber.reports.pages.skeleton import (
    Series,
    cards,
    chart,
    esc,
    ident,
    page,
    per_period,
    table,
)
from scrubber.reports.reconcile import (
    EXPLAINED,
    KIND_WORDS,
    VISIT_ORDER,
    Fact,
    Kind,
    ReconcileReport,
    ReconcileRow,
    fact_words,
)
from scrubber.words import plural

__all__ = ["reconcile_page"]

_KIND_SERIES = tuple(Series(kind.value, KIND_WORDS[kind]) for kind in VISIT_ORDER)


def _kind(kind: Kind) -> str:
    """A kind as people read it, its name beside."""
    return f'{esc(KIND_WORDS[kind])} <span class="id">{esc(kind.value)}</span>'


def _periods(fact: Fact) -> str:
    """The period each side counts the fact in: one when they agree."""
    sides = [p.isoformat() for p in (fact.emr_period, fact.billing_period) if p is not None]
    return " / ".join(dict.fromkeys(sides))


def _fact_rows(facts: list[Fact], *, what: bool = False) -> str:
    """Visits and codes, with both periods and the three sides' units; ``what`` adds the kind."""
    head = ("visit", "code", *(("what",) if what else ()), "location", "period (EMR / billing)",
            "EMR units", "expected units", "billing units")  # fmt: skip
    widths = ("6.5em", "4.5em", *(("auto",) if what else ()), "auto", "7em", "5em", "6.5em",
              "6.5em")  # fmt: skip
    start = 5 if what else 4
    return table(
        head,
        [(ident(f.visit_id), esc(f.cpt or "(visit)"), *((esc(fact_words(f)),) if what else ()),
          esc(f.location), esc(_periods(f)), str(f.emr_units), str(f.expected_units),
          str(f.billing_units)) for f in facts],
        numeric=frozenset(range(start, start + 3)), dates=frozenset({1}), widths=widths,
    )  # fmt: skip


def _pair(visits: int, units: int) -> str:
    return f"{visits} / {units}"


def _row_cells(r: ReconcileRow) -> tuple[str, ...]:
    return (
        esc(r.period.isoformat() if r.period else "TOTAL"), esc(r.location or ""), str(r.visits),
        _pair(r.emr_visits, r.emr_units), _pair(r.expected_visits, r.expected_units),
        _pair(r.billing_visits, r.billing_units),
        _pair(r.unexplained_visits, r.unexplained_units),
    )  # fmt: skip


def _unexplained(report: ReconcileReport) -> str:
    """What to look into, before anything else."""
    totals = report.totals
    if not report.unexplained:
        return ('<h2>Unexplained</h2><p class="note ok">Nothing is unexplained: every visit and '
                "code is matched or explained.</p>")  # fmt: skip
    return (
        f"<h2>Unexplained: {plural(totals.unexplained_visits, 'visit')}, "
        f"{plural(totals.unexplained_units, 'unit')} apart: look into these first</h2>"
        + _fact_rows(list(report.unexplained), what=True)
    )


def _explained(report: ReconcileReport) -> str:
    """Each explained kind but matched, visit by visit: its codes, and how many visits count
    under it (a visit counts under one kind, the codes of a billed visit may be of another)."""
    kind_visits = {kind: visits for kind, visits, _ in report.totals.kinds}
    drills = []
    for kind in VISIT_ORDER:
        facts = [fact for fact in report.facts if fact.kind is kind]
        if not facts or kind is Kind.MATCHED or kind not in EXPLAINED:
            continue
        visits = len({f.visit_id for f in facts})
        counted = kind_visits.get(kind, 0)
        apart = (
            ""
            if counted == visits
            else f" ({plural(counted, 'visit')} counted under this kind, the others under "
            "another kind of their codes)"
        )
        drills.append(f"<details><summary>{_kind(kind)}: {plural(len(facts), 'code')} of "
                      f"{plural(visits, 'visit')}{apart}</summary>{_fact_rows(facts)}</details>")  # fmt: skip
    return "".join(drills) or '<p class="note">Everything else matched.</p>'


def reconcile_page(report: ReconcileReport) -> str:
    totals = report.totals
    bad = totals.unexplained_visits or report.billing_rejected
    summary = cards([
        ("unexplained visits / units", f"{totals.unexplained_visits} / {totals.unexplained_units}",
         "bad" if totals.unexplained_visits else "ok", "missing, extra, or units apart"),
        ("expected visits / units", f"{totals.expected_visits} / {totals.expected_units}", "",
         "what the scrub result bills"),
        ("in billing: visits / units", f"{totals.billing_visits} / {totals.billing_units}", "",
         "billing's charge report"),
        ("billing lines not read", len(report.billing_rejected),
         "bad" if report.billing_rejected else "ok", "fix the report and run again"),
    ])  # fmt: skip
    order = {kind: n for n, kind in enumerate(VISIT_ORDER)}
    kinds = chart(
        f"Visits by kind: each of the {plural(totals.visits, 'visit')} once, under the first kind "
        "of its codes in this order",
        _KIND_SERIES,
        [(_kind(kind), {kind.value: visits})
         for kind, visits, _ in sorted(totals.kinds, key=lambda k: order[k[0]])],
        unit="visit",
    )  # fmt: skip
    by_period = chart(
        f"Visits by {report.period.value} and kind (the visits of the rows below)",
        _KIND_SERIES,
        per_period((row.period, [(k.value, n) for k, n, _ in row.kinds]) for row in report.rows),
        unit="visit",
    )  # fmt: skip
    rows = table(
        ("period", "location", "visits", "EMR visits / units", "expected visits / units",
         "billing visits / units", "unexplained visits / units"),
        [_row_cells(r) for r in (*report.rows, totals)],
        numeric=frozenset(range(2, 7)), total=len(report.rows), dates=frozenset({0}),
    )  # fmt: skip
    crossing = ""
    if report.crossings:
        names = ", ".join(sorted({esc(fact.visit_id) for fact in report.crossings}))
        crossing = (f'<p class="note">Late imports that cross a week boundary (the weekly totals '
                    f"differ by them): {names}.</p>")  # fmt: skip
    rejected = ""
    if report.billing_rejected:
        rejected = "<h2>Billing lines not read</h2>" + table(
            ("line", "problem"),
            [(str(r.line), esc("; ".join(r.errors))) for r in report.billing_rejected],
            numeric=frozenset({0}),
        )
    by = "date of service" if report.by.value == "date_of_service" else "created date"
    body = (
        f"{summary}{_unexplained(report)}{rejected}<h2>Kinds</h2>{kinds}{by_period}{crossing}"
        f"<h2>Rows: per {report.period.value} and location</h2>{rows}"
        f"<h2>Each explained kind, visit by visit</h2>{_explained(report)}"
    )
    status = "Nothing is unexplained." if not bad else "Some visits are unexplained: see below."
    return page(
        f"Reconcile by {by}, per {report.period.value}: the scrub result against billing",
        "Every visit and code of the export and of billing's charge report, on one kind: "
        "matched, or explained (held, released, imported late, not flowing), or unexplained "
        f"(missing in billing, extra in billing, units apart). {status}",
        body,
    )
