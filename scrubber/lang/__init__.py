"""The rule language: parse (text to AST, syntax only), check (meaning, in named stages), format,
load (files and folders).

Lark lives here and nowhere else: in ``parse`` and ``fmt``. This package module imports nothing on
its own, so that the engine can read ``scrubber.lang.ast`` without loading the parser.
"""

__all__: list[str] = []
