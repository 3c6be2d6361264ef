"""Reading the ``warnings`` of a written scrub result (DESIGN §15) back into ``VisitWarning``s.

Apart from ``scrubber.formats.results`` (which holds the other sections) for size only; that
module hands in its structuring and its test of a plain value, so nothing here imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import attrs

from scrubber.formats.convert import shown
from scrubber.model.results import VisitWarning

__all__ = ["read_warnings"]


@attrs.frozen
class _Warning:
    visit_id: str
    patient_id: str
    date_of_service: date
    rule: str
    source: str
    message: str
    description: str = ""
    values: dict[str, Any] = attrs.Factory(dict)


def read_warnings(
    document: dict[str, Any],
    typed: Callable[[list[Any], Any, str], tuple[Any, ...]],
    plain: Callable[[Any], bool],
    problems: list[str],
) -> tuple[VisitWarning, ...]:
    """The warnings of a result document (none in a result written before warnings existed);
    each problem, with its path, goes to ``problems``."""
    raw = document.get("warnings", [])
    if not isinstance(raw, list):
        problems.append(f"result.warnings: expected a list, got {shown(raw)}")
        raw = []
    flagged: tuple[_Warning, ...] = typed(raw, _Warning, "result.warnings")
    for index, warning in enumerate(flagged):
        for path, value in warning.values.items():
            if not plain(value):
                problems.append(
                    f"result.warnings[{index}].values.{path}: expected text, a number, a list "
                    f"of text or null, got {shown(value)}"
                )
    return tuple(
        VisitWarning(w.visit_id, w.patient_id, w.date_of_service, w.rule, w.source, w.message,
                     w.description, tuple((p, tuple(v) if isinstance(v, list) else v)
                                          for p, v in w.values.items()))
        for w in flagged
    )  # fmt: skip
