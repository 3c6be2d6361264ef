"""The language server for rule authors (``scrubber lsp``): checker problems as diagnostics
while typing, hover, go to definition, completion, formatting and semantic tokens, over the
Language Server Protocol (pygls, the ``lsp`` extra).

The top layer, beside the command line: it parses, checks and formats only through
``scrubber.actions.LANGUAGE`` and loads no engine module. One module per feature:
``positions`` (the three ways of counting places), ``folder`` (a rules folder checked as one),
``tables`` (tables kept between keystrokes), ``syntax`` (words and what the grammar takes),
``names``, ``diagnostics``, ``hover``, ``definition``, ``completion``, ``formatting``,
``tokens``, and ``server`` (the wiring).
"""

from __future__ import annotations

__all__: list[str] = []
