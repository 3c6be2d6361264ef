"""What a table holds, in a billing specialist's words: ``scrubber tables inspect PATH``.

CMS changes its files now and then (a notice grows, a header cell gains a line break, a quarter
comes in five parts instead of four). Before pointing the rules at a new quarter, a specialist
should see that it was read right: which kind of table and layout were found, the parts, how
many rows and codes, the dates its edits take effect and end, and its indicators.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs

from scrubber.tables.pair_index import NEVER
from scrubber.tables.pairs import HEADERS as PAIR_HEADERS
from scrubber.tables.pairs import LAYOUTS as PAIR_LAYOUTS
from scrubber.tables.pairs import PairTable, pair_table
from scrubber.tables.prices import HEADERS as PRICE_HEADERS
from scrubber.tables.prices import LAYOUTS as PRICE_LAYOUTS
from scrubber.tables.prices import PriceTable, price_table
from scrubber.tables.problems import TableError, TableProblem
from scrubber.tables.rows import HEAD_LINES, numbered_rows
from scrubber.tables.sources import Part, open_source
from scrubber.tables.units import EXPECTED as UNIT_EXPECTED
from scrubber.tables.units import HEADERS as UNIT_HEADERS
from scrubber.tables.units import LAYOUTS as UNIT_LAYOUTS
from scrubber.tables.units import UnitTable, unit_table

__all__ = [
    "TableSummary",
    "inspect_table",
    "inspect_tables",
    "render_summary",
    "summary_document",
]

TableKindName = Literal["unit", "pair", "price"]
_KIND_WORDS = {
    "unit": "unit caps (medically unlikely edits, MUE)",
    "pair": "procedure-to-procedure edits (PTP)",
    "price": "amounts per unit (a charge master or a fee schedule)",
}
_LAYOUT_WORDS = {"unit": UNIT_LAYOUTS, "pair": PAIR_LAYOUTS, "price": PRICE_LAYOUTS}
_INDICATOR_WORDS = {
    ("unit", "1"): "per claim line",
    ("unit", "2"): "per day, policy",
    ("unit", "3"): "per day, clinical",
    ("pair", "0"): "no bypass modifier",
    ("pair", "1"): "a bypass modifier allowed",
    ("pair", "9"): "not applicable",
}


@attrs.frozen
class TableSummary:
    """What ``tables inspect`` reports; dates are None where the layout has none."""

    path: str
    kind: TableKindName
    layout: str
    parts: tuple[str, ...]
    #: data rows read (for a PTP table, one per edit period)
    rows: int
    #: unit tables: the codes capped; PTP tables: the distinct (column 1, column 2) pairs
    codes: int
    column1_codes: int | None = None
    column2_codes: int | None = None
    #: unit tables: the smallest and largest cap
    units: tuple[int, int] | None = None
    #: amount tables: the smallest and largest amount per unit
    amounts: tuple[Decimal, Decimal] | None = None
    #: indicator as written -> rows (MUE adjudication indicator, PTP modifier indicator)
    indicators: dict[str, int] = attrs.Factory(dict)
    #: earliest and latest effective date written (PTP, CMS layout)
    effective: tuple[date, date] | None = None
    #: rows with a deletion date, and the earliest and latest of those dates
    deleted_rows: int | None = None
    deleted: tuple[date, date] | None = None
    #: the day ``in_effect`` counts for, and the pairs with an edit in effect on it
    on: date | None = None
    in_effect: int | None = None


def _kind_of(part: Part) -> TableKindName:
    return _kind_and_layout(part)[0]


def _kind_and_layout(part: Part) -> tuple[TableKindName, str]:
    """The kind of table a part is and its layout, from the header found among its first rows."""
    everything = [looks for _, looks, _ in (*UNIT_HEADERS, *PAIR_HEADERS, *PRICE_HEADERS)]
    rows = numbered_rows(part, lambda row: any(looks(row) for looks in everything))
    head = [row for _, (_, row) in zip(range(HEAD_LINES), rows, strict=False)]
    for index, row in enumerate(head):
        for kind, headers in (
            ("unit", UNIT_HEADERS), ("pair", PAIR_HEADERS), ("price", PRICE_HEADERS),
        ):  # fmt: skip
            for name, looks, within in headers:
                if row and index < within and looks(row):
                    return kind, name  # type: ignore[return-value]  # "unit", "pair", "price"
    raise TableError([
        TableProblem(1, 1, f"not a unit-cap, PTP or amount table: {UNIT_EXPECTED}, a PTP header "
                     '"column1,column2,modifier_indicator" or "Column 1, Column 2, ...", or "code,amount"', part.label)
    ])  # fmt: skip


def _day(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


def inspect_table(
    path: Path, *, kind: TableKindName | None = None, on: date | None = None
) -> TableSummary:
    """Read the table at ``path`` (file, archive or folder) and summarise it. ``kind`` is found
    from the header when not given; ``on`` (default today) is the day ``in_effect`` counts for.
    Raises ``TableError`` with every problem when the table cannot be read."""
    source = open_source(path)
    parts = source.parts()
    kind = kind or _kind_of(parts[0])
    if kind == "unit":
        return _unit_summary(unit_table(source, parts))
    if kind == "price":
        return _price_summary(price_table(source, parts))
    return _pair_summary(pair_table(source, parts=parts), on or date.today())


def inspect_tables(
    path: Path, *, kind: TableKindName | None = None, on: date | None = None
) -> list[tuple[Path, TableSummary | TableError]]:
    """Every table ``path`` holds, each summarised or with its problems: one table (a file, an
    archive, a folder of the parts of one table), or, for a folder whose files are tables of
    different kinds or layouts (such as the bundled ``payer_rules/tables/``), each of its
    files on its own."""
    source = open_source(path)
    if source.kind != "folder":
        return [(path, _inspected(path, kind, on))]
    files: dict[str, set[tuple[str, str] | None]] = {}
    for part in source.parts():
        name = part.label.split(":", 1)[0]
        try:
            found: tuple[str, str] | None = _kind_and_layout(part)
        except TableError:
            found = None
        files.setdefault(name, set()).add(found)
    layouts = set().union(*files.values())
    if len(files) == 1 or (len(layouts) == 1 and None not in layouts):
        return [(path, _inspected(path, kind, on))]
    return [(path / name, _inspected(path / name, kind, on)) for name in files]


def _inspected(
    path: Path, kind: TableKindName | None, on: date | None
) -> TableSummary | TableError:
    try:
        return inspect_table(path, kind=kind, on=on)
    except TableError as exc:
        return exc


def _unit_summary(table: UnitTable) -> TableSummary:
    caps = table.caps.values()
    units = [cap.units for cap in caps]
    indicators = Counter(cap.indicator for cap in caps if cap.indicator)
    return TableSummary(
        table.path, "unit", table.layout, table.parts, len(table.caps), len(table.caps),
        units=(min(units), max(units)) if units else None, indicators=dict(sorted(indicators.items())),
    )  # fmt: skip


def _price_summary(table: PriceTable) -> TableSummary:
    amounts = list(table.prices.values())
    return TableSummary(
        table.path, "price", "amounts", table.parts, len(table), len(table.codes),
        amounts=(min(amounts), max(amounts)) if amounts else None,
    )  # fmt: skip


def _pair_summary(table: PairTable, on: date) -> TableSummary:
    day = on.year * 10000 + on.month * 100 + on.day
    indicators: Counter[str] = Counter()
    effective: list[int] = []
    deleted: list[int] = []
    deleted_rows = in_effect = 0
    for periods, pairs in table.index.period_counts().items():
        if any(start <= day < end for start, end, _ in periods):
            in_effect += pairs
        for start, end, indicator in periods:
            indicators[indicator] += pairs
            if start:
                effective.append(start)
            if end != NEVER:
                deleted.append(end)
                deleted_rows += pairs
    cms = table.layout == "cms"
    return TableSummary(
        table.path, "pair", table.layout, table.parts, table.rows, len(table.index),
        column1_codes=len(table.index.column1_codes()), column2_codes=len(table.column2_codes),
        indicators=dict(sorted(indicators.items())),
        effective=(_day(min(effective)), _day(max(effective))) if effective else None,
        deleted_rows=deleted_rows if cms else None,
        deleted=(_day(min(deleted)), _day(max(deleted))) if deleted else None,
        on=on, in_effect=in_effect,
    )  # fmt: skip


def render_summary(summary: TableSummary) -> str:
    """The summary as plain lines for a terminal."""
    kind = summary.kind
    parts = [label for label in summary.parts if label]
    lines = [
        f"{summary.path}: {_KIND_WORDS[kind]}, {_LAYOUT_WORDS[kind][summary.layout]}",
        f"  parts: {len(summary.parts)}" + (f" ({', '.join(parts)})" if parts else ""),
        f"  rows: {summary.rows:,}",
    ]
    if kind == "price":
        lines.append(f"  codes: {summary.codes:,}")
        if summary.amounts:
            lines.append(f"  amounts per unit: from {summary.amounts[0]} to {summary.amounts[1]}")
    elif kind == "unit":
        lines.append(f"  codes: {summary.codes:,}")
        if summary.units:
            lines.append(f"  units: from {summary.units[0]:,} to {summary.units[1]:,}")
    else:
        lines.append(
            f"  pairs: {summary.codes:,} ({summary.column1_codes:,} column 1 codes, "
            f"{summary.column2_codes:,} column 2 codes)"
        )
        if summary.effective:
            first, last = summary.effective
            lines.append(f"  effective dates: from {first.isoformat()} to {last.isoformat()}")
        if summary.deleted_rows is not None:
            span = (
                f" (from {summary.deleted[0].isoformat()} to {summary.deleted[1].isoformat()})"
                if summary.deleted
                else ""
            )
            lines.append(f"  rows with a deletion date: {summary.deleted_rows:,}{span}")
        if summary.on is not None and summary.in_effect is not None:
            lines.append(f"  pairs in effect on {summary.on.isoformat()}: {summary.in_effect:,}")
    if summary.indicators:
        name = "adjudication indicator" if kind == "unit" else "modifier indicator"
        shown = ", ".join(
            f"{value} ({_INDICATOR_WORDS.get((kind, value), '?')}): {count:,}"
            for value, count in summary.indicators.items()
        )
        lines.append(f"  {name}: {shown}")
    return "\n".join(lines) + "\n"


def summary_document(summary: TableSummary) -> dict[str, Any]:
    """The summary as JSON-ready values (dates as YYYY-MM-DD)."""
    document = attrs.asdict(summary, recurse=False)
    for name in ("effective", "deleted"):
        span = document[name]
        document[name] = None if span is None else [day.isoformat() for day in span]
    document["on"] = summary.on.isoformat() if summary.on else None
    document["units"] = list(summary.units) if summary.units else None
    document["amounts"] = [str(a) for a in summary.amounts] if summary.amounts else None
    document["parts"] = list(summary.parts)
    return document
