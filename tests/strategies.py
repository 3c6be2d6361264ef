"""The test suite uses the public strategies of ``scrubber.testing``."""

from scrubber.testing import (
    RECORDS,
    batches,
    document_of,
    documents_with_bad_records,
    history_batches,
    rule_batches,
    rule_texts,
)

__all__ = [
    "RECORDS",
    "batches",
    "document_of",
    "documents_with_bad_records",
    "history_batches",
    "rule_batches",
    "rule_texts",
]
