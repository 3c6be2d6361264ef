"""The engine: a compiled ``RuleSet`` applied to visits. It imports neither lark nor the
readers and writers of ``scrubber.formats`` (nor cattrs): it works on the records of
``scrubber.model`` and the checked AST of ``scrubber.lang``."""

from scrubber.engine.day import GroupOutcome
from scrubber.engine.merge import merge
from scrubber.engine.ruleset import RuleSet, StreamedDay
from scrubber.engine.trace import CoverageTracer, EventKind, TraceEvent, Tracer

__all__ = [
    "CoverageTracer",
    "EventKind",
    "GroupOutcome",
    "RuleSet",
    "StreamedDay",
    "TraceEvent",
    "Tracer",
    "merge",
]
