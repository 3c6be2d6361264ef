"""How reports say a count: ``1 visit``, ``2 visits``, ``0 units``. One place, so that no report
says "1 rejected records"."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` and the word, singular for exactly one (``words`` when the plural is not the
    word with an ``s``: ``plural(2, "is", "are")``)."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {words if words is not None else word + 's'}"
