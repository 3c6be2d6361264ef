"""pyx12's 837P 5010 validator, as the tests use it: every problem it finds in an interchange.

pyx12 tells a problem in three places, and each is counted here:

- the JSON error report (``fd_json``): errors it attaches to interchanges, groups, transaction
  sets and segments;
- its log: some problems are only logged, never put in the report (an interchange without a
  functional group is "Mandatory loop GS_LOOP missing" in the log and nowhere else);
- the acknowledgment it builds (a 999 for 5010, a 997 for 4010): its error segments (IK3, IK4,
  CTX; AK3, AK4 in a 997) and any transaction set or group it does not accept (IK5, AK5, AK9
  other than ``A``).

An exception inside pyx12 (no map for the version, bytes it cannot decode) is a problem too,
never a crash of the test.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document

__all__ = ["acknowledgment_problems", "x12_problems"]


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


class _Recorder(logging.Handler):
    """Keeps what pyx12 logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


#: segments of an acknowledgment that report an error, and those whose first element says
#: whether a transaction set or group was accepted (``A``)
_ERROR_SEGMENTS = ("IK3", "IK4", "CTX", "AK3", "AK4")
_VERDICT_SEGMENTS = ("IK5", "AK5", "AK9")


def acknowledgment_problems(text: str) -> list[str]:
    """The error segments of a 999 or 997 as pyx12 writes it (its own ISA declares the
    separators), and every transaction set or group it does not accept."""
    if len(text) < 106 or not text.startswith("ISA"):
        return []
    element, terminator = text[3], text[105]
    found = []
    for raw in text.split(terminator):
        segment = raw.strip()
        elements = segment.split(element)
        refused = elements[0] in _VERDICT_SEGMENTS and elements[1:2] != ["A"]
        if elements[0] in _ERROR_SEGMENTS or refused:
            found.append(f"acknowledgment: {segment}")
    return found


def x12_problems(path: Path) -> list[str]:
    """Every problem pyx12 reports for the interchange at ``path`` (empty: accepted)."""
    logger = logging.getLogger("pyx12")
    recorder = _Recorder()
    saved = (logger.level, logger.propagate)
    logger.addHandler(recorder)
    logger.setLevel(logging.WARNING)
    logger.propagate = False  # recorded here, not printed
    report, acknowledgment = io.StringIO(), io.StringIO()
    found: list[str] = []
    # pyx12 opens a path as ASCII and leaves it open when it stops on an exception: the file
    # is opened here, as pyx12 would, and closed whatever happens.
    source = open(path, encoding="ascii")  # noqa: SIM115 - closed below
    try:
        accepted = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=source, fd_997=acknowledgment,
            fd_html=None, fd_json=report,
        )  # fmt: skip
    except Exception as exc:  # whatever pyx12 raises is a problem it found
        accepted = False
        found.append(f"pyx12 stopped: {type(exc).__name__}: {exc}")
    finally:
        source.close()
        logger.removeHandler(recorder)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    try:
        _collect(json.loads(report.getvalue() or "{}"), "", found)
    except json.JSONDecodeError:
        found.append("pyx12 wrote an unreadable error report")
    found.extend(recorder.messages)
    found.extend(acknowledgment_problems(acknowledgment.getvalue()))
    if not accepted and not found:
        found.append("rejected without a reason given")
    return found
