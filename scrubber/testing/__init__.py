"""Hypothesis strategies for scrubber's records, batches and rule sets, for downstream test suites.

```python
from hypothesis import given, strategies as st
from scrubber import Charge
from scrubber.testing import batches

@given(st.from_type(Charge))        # registered for every record type when hypothesis loads
def test_my_export_code(charge): ...

@given(batches())                   # valid batches: unique ids, every reference resolves
def test_my_billing_import(batch): ...
```

Needs hypothesis (``pip install 'charge-scrubber[test]'``); importing ``scrubber`` alone never
does. The strategies live in one module per thing they draw: ``records`` (records and valid
batches), ``claims`` (what an X12 837P carries), ``documents`` (exports with unreadable records),
``rules`` (rule text); ``hook`` is hypothesis's entry point. Every name is re-exported here.
"""

from __future__ import annotations

# Bound before hypothesis is first imported below: an installation whose metadata still names
# the entry point "scrubber.testing:_hypothesis_setup_hook" finds it while this module is half
# imported (hypothesis runs its entry points during its own import).
from scrubber.testing.hook import setup_hook as _hypothesis_setup_hook  # noqa: F401

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - exercised in a subprocess without hypothesis
    raise ImportError(
        "scrubber.testing needs hypothesis: pip install 'charge-scrubber[test]'"
    ) from None

from scrubber.testing.claims import claim_batches, interchanges
from scrubber.testing.documents import CORRUPTIONS, document_of, documents_with_bad_records
from scrubber.testing.records import (
    RECORDS,
    addresses,
    batches,
    cases,
    charges,
    employers,
    guarantors,
    insurances,
    patients,
    phones,
    providers,
    visits,
)
from scrubber.testing.records import (
    amounts as amounts,
)
from scrubber.testing.records import (
    codes as codes,
)
from scrubber.testing.records import (
    counts as counts,
)
from scrubber.testing.records import (
    dates as dates,
)
from scrubber.testing.records import (
    modifiers as modifiers,
)
from scrubber.testing.records import (
    optional_dates as optional_dates,
)
from scrubber.testing.records import (
    optional_text as optional_text,
)
from scrubber.testing.records import (
    raw_text as raw_text,
)
from scrubber.testing.rules import (
    CHANGING_LINE_CONDITIONS as CHANGING_LINE_CONDITIONS,
)
from scrubber.testing.rules import (
    COUNT_CONDITIONS as COUNT_CONDITIONS,
)
from scrubber.testing.rules import (
    HISTORY_DAYS as HISTORY_DAYS,
)
from scrubber.testing.rules import (
    MUE_TABLE as MUE_TABLE,
)
from scrubber.testing.rules import (
    PTP_TABLE as PTP_TABLE,
)
from scrubber.testing.rules import (
    RULE_CODES,
    history_batches,
    rule_batches,
    rule_lines,
    rule_texts,
)
from scrubber.testing.rules import (
    RULE_DAYS as RULE_DAYS,
)
from scrubber.testing.rules import (
    RULES_HEADER as RULES_HEADER,
)
from scrubber.testing.rules import (
    STABLE_LINE_CONDITIONS as STABLE_LINE_CONDITIONS,
)
from scrubber.testing.rules import (
    VISIT_CONDITIONS as VISIT_CONDITIONS,
)

# Names imported "as" themselves were public before the strategies were split into modules,
# outside __all__: they stay importable from here.
__all__ = [
    "CORRUPTIONS",
    "RECORDS",
    "RULE_CODES",
    "addresses",
    "batches",
    "cases",
    "charges",
    "claim_batches",
    "document_of",
    "documents_with_bad_records",
    "employers",
    "guarantors",
    "history_batches",
    "insurances",
    "interchanges",
    "patients",
    "phones",
    "providers",
    "rule_batches",
    "rule_lines",
    "rule_texts",
    "visits",
]
