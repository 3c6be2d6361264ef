"""The rule language: parse (text to AST), check (meaning), load (files and folders).

Lark lives here and nowhere else. This module imports nothing on its own, so that the engine can
use ``scrubber.dsl.ast`` without loading the parser; the entry points are in ``parse``,
``check`` and ``load``.
"""

__all__: list[str] = []
