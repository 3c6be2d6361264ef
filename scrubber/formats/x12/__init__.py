"""ASC X12 837P (005010X222A1) in and out (DESIGN §9): an interchange read into the records of
an EMR export, the scrubbed interchange written back, and records composed as an 837P."""

from scrubber.formats.x12.compose import compose_837p
from scrubber.formats.x12.reader import ClaimPlace, Interchange, LinePlace, read_x12
from scrubber.formats.x12.segments import Delimiters, Segment, X12Error, looks_like_x12
from scrubber.formats.x12.writer import write_scrubbed

__all__ = [
    "ClaimPlace",
    "Delimiters",
    "Interchange",
    "LinePlace",
    "Segment",
    "X12Error",
    "compose_837p",
    "looks_like_x12",
    "read_x12",
    "write_scrubbed",
]
