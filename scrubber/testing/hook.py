"""The "hypothesis" entry point: ``st.from_type(Charge)`` and friends draw scrubber records.

Hypothesis runs this hook while it is itself being imported, and that import may have been
started by ``scrubber.testing`` (``from scrubber.testing import batches`` as the first line of a
test suite). At that moment the strategy modules may be half imported, so this module imports
none of them and no hypothesis at its top: it registers deferred strategies, which look the real
ones up the first time something is drawn, when every module is complete.
"""

from __future__ import annotations

from typing import Any

from scrubber.model.records import (
    Address,
    Batch,
    Case,
    Charge,
    Employer,
    Guarantor,
    Insurance,
    Patient,
    Phone,
    Provider,
    Visit,
)

__all__ = ["REGISTERED", "setup_hook"]

#: every type registered with ``st.from_type``
REGISTERED: tuple[type, ...] = (
    *(Address, Phone, Guarantor, Employer, Insurance, Provider),
    *(Patient, Case, Charge, Visit, Batch),
)


def _deferred(record: type) -> Any:
    """A strategy for ``record`` that finds the real one when first drawn."""
    from hypothesis import strategies as st

    def strategy() -> Any:
        from scrubber.testing.records import RECORDS, batches

        return batches() if record is Batch else RECORDS[record]

    return st.deferred(strategy)


def setup_hook() -> None:
    """Register a strategy for every record type and for ``Batch`` (valid batches)."""
    from hypothesis import strategies as st

    for record in REGISTERED:
        st.register_type_strategy(record, _deferred(record))
