"""Readers and writers: the EMR export (its formats in one registry, ``scrubber.formats.registry``:
JSON, JSON Lines, X12 837P), scrub results and the audit trail.

Formats turn bytes into the records of ``scrubber.model`` and back; they never run rules.
"""

from scrubber.formats.emr import (
    ExportFormat,
    dumps_export,
    export_document,
    iter_jsonl,
    parse_export,
    read_export,
    write_export,
)
from scrubber.formats.results import dumps_audit, dumps_result, read_result, result_document

__all__ = [
    "ExportFormat",
    "dumps_audit",
    "dumps_export",
    "dumps_result",
    "export_document",
    "iter_jsonl",
    "parse_export",
    "read_export",
    "read_result",
    "result_document",
    "write_export",
]
