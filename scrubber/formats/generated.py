"""A reader generated from the records' fields for the records an export is made of: it reads a
good record in one flat function per class, and refuses anything it is not sure of.

Why: structuring was the largest share of a scrub (docs/performance.md, issue 29): cattrs'
functions call one hook per field, and each hook is a Python call. The generated function checks
each field inline (``type(v) is str``, a code's pattern, a whole number's bounds, a date by a
memo of the dates already read) and builds the record.

It decides nothing on its own: whatever it does not accept (a wrong type, a bad code, a missing
field, a float that may be money, text that is not plain) raises, and ``convert.structure``
reads the record again with the detailed converter, which says why with the exact path, or
accepts it. So every rejection message is the converter's, as before; a record this reader
accepts is one the converter accepts, equal field by field (a property test checks both).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

import attrs

__all__ = ["SHARED_VALUES", "FieldRules", "generate_readers"]

_NONE = type(None)


class _Missing:
    """The marker of a key the record does not have (``None`` is a value)."""


_MISSING = _Missing()


@attrs.frozen
class FieldRules:
    """What the converter does to fields, handed over by ``convert`` so that both agree: JSON
    names, fields never read, bounds of whole numbers, code patterns, and the hooks of the few
    values this reader leaves to the converter's own functions (dates, amounts)."""

    renames: dict[type, dict[str, str]]
    not_in_json: dict[type, tuple[str, ...]]
    count_limits: dict[tuple[type, str], int]
    default_count_limit: int
    codes: dict[tuple[type, str], re.Pattern[str]]
    code_lists: dict[tuple[type, str], re.Pattern[str]]
    date_pattern: re.Pattern[str]
    amount: Callable[[Any, type], Decimal]
    #: fields whose values repeat from record to record (codes, a visit's place): one object a
    #: value is kept, not one a record (issue 29: a large export's records in memory)
    shared: frozenset[tuple[type, str]] = frozenset()


#: how many distinct values the shared fields remember, at most (a bounded memo, as for dates:
#: a few hundred codes and places in practice)
SHARED_VALUES = 1 << 16


def _shared(v: str) -> list[str]:
    """The value read so far, or this one kept as it (while the memo has room)."""
    return [
        f"_found = _shared.get({v})",
        "if _found is not None:",
        f"    {v} = _found",
        "elif len(_shared) < _SHARED_MAX:",
        f"    _shared[{v}] = {v}",
    ]


def _inline(
    owner: type,
    name: str,
    kind: Any,
    *,
    v: str,
    index: int,
    names: dict[str, Any],
    rules: FieldRules,
) -> list[str] | None:
    """The checks of a plain field written out in the reading function (a call per field was
    most of the reading's time), or None for a field read by a function of its own."""
    share = _shared(v) if (owner, name) in rules.shared else []
    if (owner, name) in rules.codes:
        names[f"_m{index}"] = rules.codes[owner, name].fullmatch
        return [f"if type({v}) is not str or _m{index}({v}) is None:", "    raise _Refused",
                *share]  # fmt: skip
    if (owner, name) in rules.code_lists:
        names[f"_m{index}"] = rules.code_lists[owner, name].fullmatch
        return [
            f"if type({v}) is not list:",
            "    raise _Refused",
            f"for _item in {v}:",
            f"    if type(_item) is not str or _m{index}(_item) is None:",
            "        raise _Refused",
            f"{v} = tuple({v})",
            *share,
        ]
    args = get_args(kind)
    is_optional = get_origin(kind) in (Union, type(int | None)) and _NONE in args
    base = next(a for a in args if a is not _NONE) if is_optional else kind
    guard = f"{v} is not None and " if is_optional else ""
    if base is str:
        return [
            f"if {guard}type({v}) is not str:",
            "    raise _Refused",
            f"if {guard}not {v}.isascii():",
            f"    {v}.encode('utf-8')",  # a lone surrogate raises: the converter says so
            *(share if not is_optional else []),
        ]
    if base is int:
        limit = rules.count_limits.get((owner, name), rules.default_count_limit)
        return [
            f"if {guard}(type({v}) is not int or {v} < 0 or {v} > {limit}):",
            "    raise _Refused",
        ]
    if base is bool and not is_optional:
        return [f"if type({v}) is not bool:", "    raise _Refused"]
    return None


class _Refused(Exception):
    """This reader is not sure of a value: the converter reads the record again."""


def generate_readers(
    classes: tuple[type, ...], rules: FieldRules
) -> dict[type, Callable[[Any], Any]]:
    """One reading function per attrs class reachable from ``classes``."""
    readers: dict[type, Callable[[Any], Any]] = {}
    dates: dict[str, date] = {}
    shared: dict[Any, Any] = {}

    def read_date(value: Any) -> date:
        found = dates.get(value) if type(value) is str else None
        if found is None:
            if type(value) is not str or not rules.date_pattern.fullmatch(value):
                raise _Refused
            found = date.fromisoformat(value)
            if len(dates) < 100_000:  # dates of service and of birth: a bounded set
                dates[value] = found
        return found

    def optional_date(value: Any) -> date | None:
        return None if value is None else read_date(value)

    def amount(value: Any) -> Decimal:
        return rules.amount(value, Decimal)

    def optional_amount(value: Any) -> Decimal | None:
        return None if value is None else rules.amount(value, Decimal)

    def enum_reader(cls: type[enum.Enum]) -> Callable[[Any], Any]:
        members = {str(member.value): member for member in cls}

        def read(value: Any) -> Any:
            if type(value) is not str:
                raise _Refused
            return members[value]

        return read

    def records(element: type) -> Callable[[Any], tuple[Any, ...]]:
        read_one = reader(element)

        def read(value: Any) -> tuple[Any, ...]:
            if type(value) is not list:
                raise _Refused
            return tuple([read_one(item) for item in value])

        return read

    def optional(read_one: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def read(value: Any) -> Any:
            return None if value is None else read_one(value)

        return read

    def field_reader(owner: type, name: str, kind: Any) -> Callable[[Any], Any]:
        args = get_args(kind)
        is_optional = get_origin(kind) in (Union, type(int | None)) and _NONE in args
        base = next(a for a in args if a is not _NONE) if is_optional else kind
        if base is date:
            return optional_date if is_optional else read_date
        if base is Decimal:
            return optional_amount if is_optional else amount
        if isinstance(base, type) and issubclass(base, enum.Enum) and not is_optional:
            return enum_reader(base)
        if get_origin(base) is tuple and get_args(base)[1:] == (Ellipsis,) and not is_optional:
            return records(get_args(base)[0])
        if attrs.has(base):
            return optional(reader(base)) if is_optional else reader(base)
        raise TypeError(f"no generated reader for {owner.__name__}.{name}: {kind!r}")

    def reader(cls: type) -> Callable[[Any], Any]:
        if cls in readers:
            return readers[cls]
        fields = attrs.fields(attrs.resolve_types(cls))
        renames = rules.renames.get(cls, {})
        skipped = rules.not_in_json.get(cls, ())
        names: dict[str, Any] = {
            "_cls": cls, "_Refused": _Refused, "_MISSING": _MISSING, "_shared": shared,
            "_SHARED_MAX": SHARED_VALUES,
        }  # fmt: skip
        lines = ["def read(raw):", "    if type(raw) is not dict:", "        raise _Refused"]
        arguments = []
        for index, field in enumerate(fields):
            if not field.init:
                continue
            if field.name in skipped:
                names[f"_d{index}"] = field.default
                arguments.append(f"_d{index}")
                continue
            key = renames.get(field.name, field.name)
            v = f"v{index}"
            check = _inline(cls, field.name, field.type, v=v, index=index, names=names, rules=rules)
            if check is None:
                names[f"_r{index}"] = field_reader(cls, field.name, field.type)
                check = [f"{v} = _r{index}({v})"]
            if field.default is attrs.NOTHING:
                lines.append(f"    {v} = raw[{key!r}]")
                lines.extend(f"    {line}" for line in check)
            else:
                names[f"_d{index}"] = field.default
                lines.append(f"    {v} = raw.get({key!r}, _MISSING)")
                lines.append(f"    if {v} is _MISSING:")
                lines.append(f"        {v} = _d{index}")
                lines.append("    else:")
                lines.extend(f"        {line}" for line in check)
            arguments.append(f"v{index}")
        lines.append(f"    return _cls({', '.join(arguments)})")
        exec(compile("\n".join(lines), f"<generated reader of {cls.__name__}>", "exec"), names)
        read: Callable[[Any], Any] = names["read"]
        readers[cls] = read
        return read

    for cls in classes:
        reader(cls)
    return readers
