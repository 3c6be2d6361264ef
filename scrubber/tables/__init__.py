"""Tables that rules load: unit caps (MUE), procedure-to-procedure pairs (PTP) and amounts
per unit (a charge master, a fee schedule: ``prices``).

``sources`` reads what a table path names (a file, a ZIP archive, a folder, a workbook) into
parts; ``rows`` numbers their rows and finds each part's header; ``units`` and ``pairs`` read
the layouts (hand-written CSV, the CMS files as published); ``pair_index`` holds 1.8 million
pairs compactly; ``cache`` keeps compiled PTP tables between runs; ``loader`` finds tables for
the rule checker, inside the rules folder only; ``inspect`` summarises a table for a person.
"""

from scrubber.tables.cache import TableCache
from scrubber.tables.inspect import TableSummary, inspect_table
from scrubber.tables.loader import TableLoader
from scrubber.tables.pairs import PairTable, load_pair_table
from scrubber.tables.prices import PriceTable, load_price_table
from scrubber.tables.problems import TableError, TableProblem
from scrubber.tables.units import CapScope, UnitCap, UnitTable, load_unit_table

__all__ = [
    "CapScope",
    "PairTable",
    "PriceTable",
    "TableCache",
    "TableError",
    "TableLoader",
    "TableProblem",
    "TableSummary",
    "UnitCap",
    "UnitTable",
    "inspect_table",
    "load_pair_table",
    "load_price_table",
    "load_unit_table",
]
