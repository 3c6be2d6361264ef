"""pyx12's 837P 5010 validator, as the tests use it: the problems it finds in an interchange."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document

__all__ = ["x12_problems"]


def _collect(node: Any, where: str, found: list[str]) -> None:
    if isinstance(node, dict):
        here = node.get("seg_id") or where
        for error in node.get("errors") or ():
            found.append(f"{here}: {error.get('err_str')} ({error.get('err_val')!r})")
        for value in node.values():
            _collect(value, here, found)
    elif isinstance(node, list):
        for item in node:
            _collect(item, where, found)


def x12_problems(path: Path) -> list[str]:
    """Every error pyx12 reports for the interchange at ``path`` (empty: accepted)."""
    logging.disable(logging.CRITICAL)
    try:
        report = io.StringIO()
        accepted = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=str(path), fd_997=io.StringIO(),
            fd_html=None, fd_json=report,
        )  # fmt: skip
    finally:
        logging.disable(logging.NOTSET)
    found: list[str] = []
    _collect(json.loads(report.getvalue() or "{}"), "", found)
    if not accepted and not found:
        found.append("rejected without a reason given")
    return found
