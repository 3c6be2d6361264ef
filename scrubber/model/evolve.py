"""A copy of a frozen record with some fields changed: ``attrs.evolve`` without its generic path.

Why: a scrub copies a charge line at every change and a visit at the end of every day
(issue 29): ``attrs.evolve`` looks the class's fields up, builds a dictionary of every field and
passes it by keyword, several microseconds a copy. Here each class gets a function generated
once, with the changed fields as keyword arguments and the others read straight from the
record. Only for records whose fields all go through ``__init__`` under their own names and have
no validators or converters (the records of ``scrubber.model``); anything else is left to
``attrs.evolve``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["evolve"]

_R = TypeVar("_R")
_KEEP = object()
_COPIERS: dict[type, Callable[..., Any]] = {}


def _copier(cls: type) -> Callable[..., Any]:
    fields = attrs.fields(cls)
    plain = all(
        f.init and f.alias == f.name and f.validator is None and f.converter is None for f in fields
    )
    if not plain:
        return attrs.evolve
    names = [f.name for f in fields]
    source = (
        f"def copy(r, *, {', '.join(f'{n}=_KEEP' for n in names)}):\n"
        f"    return _cls({', '.join(f'r.{n} if {n} is _KEEP else {n}' for n in names)})\n"
    )
    namespace: dict[str, Any] = {"_cls": cls, "_KEEP": _KEEP}
    exec(compile(source, f"<copy of {cls.__name__}>", "exec"), namespace)
    copy: Callable[..., Any] = namespace["copy"]
    return copy


def evolve(record: _R, **changes: Any) -> _R:
    """``attrs.evolve(record, **changes)``, the same record, built faster."""
    cls = type(record)
    copy = _COPIERS.get(cls)
    if copy is None:
        copy = _COPIERS[cls] = _copier(cls)
    return copy(record, **changes)  # type: ignore[no-any-return]
