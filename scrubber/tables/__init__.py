"""Tables that rules load: unit caps (MUE) and procedure-to-procedure pairs (PTP).

``units`` and ``pairs`` read the layouts (hand-written CSV, the CMS files), ``pair_index`` holds
1.8 million pairs compactly, ``cache`` keeps compiled PTP tables between runs, and ``loader``
finds tables for the rule checker, inside the rules folder only.
"""

from scrubber.tables.cache import TableCache
from scrubber.tables.loader import TableLoader
from scrubber.tables.pairs import PairTable, load_pair_table
from scrubber.tables.rows import TableError, TableProblem
from scrubber.tables.units import CapScope, UnitCap, UnitTable, load_unit_table

__all__ = [
    "CapScope",
    "PairTable",
    "TableCache",
    "TableError",
    "TableLoader",
    "TableProblem",
    "UnitCap",
    "UnitTable",
    "load_pair_table",
    "load_unit_table",
]
