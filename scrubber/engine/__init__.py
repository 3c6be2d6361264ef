"""The engine: a compiled ``RuleSet`` applied to a batch. It never imports lark."""

from scrubber.engine.ruleset import GroupOutcome, RuleSet, StreamedDay

__all__ = ["GroupOutcome", "RuleSet", "StreamedDay"]
