"""The periods reports group days into: a day, or the week starting on a Monday."""

from __future__ import annotations

import enum
from datetime import date, timedelta

__all__ = ["Period", "period_of"]


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"


def period_of(day: date, period: Period) -> date:
    """The day itself, or the Monday of its week."""
    return day - timedelta(days=day.weekday()) if period is Period.WEEK else day
