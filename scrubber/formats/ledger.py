"""The one rule for ids across records: who was first, and what contradicts it.

A charge id sent twice is a charge billed twice; a visit id sent twice is a visit billed twice; a
patient or case sent twice in a document is ambiguous, and one sent on several lines of a JSON
Lines export (as every line carries its patient and case) must be the same each time, since
billing cannot know which of two versions is right. Every reader asks this module: the document
reader, the JSON Lines reader, and the Dask path across files (``scrubber.distributed``), which
computes the same claims on its workers and folds them.

A ``Claim`` says "this record, with this id, stands here"; a ``Conflict`` pairs a claim with the
place of the first claim it contradicts, and words the message. Places are structured
(``Place``), so a message names a file, a line and a path without any string being parsed back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, NamedTuple

import attrs

from scrubber.formats.compact_ids import CompactIds
from scrubber.model.records import Case, Patient, Visit

__all__ = [
    "Claim", "Conflict", "Ledger", "Place", "claims_of_line", "claims_of_visit", "fingerprint",
    "first_of",
]  # fmt: skip

Kind = Literal["patient", "case", "visit", "charge"]
_LOW32 = (1 << 32) - 1


class Place(NamedTuple):
    """Where a record stands: a file (when several are read as one export), a line of JSON
    Lines, and a path inside it (``visits[3]``, ``visit.charges[0]``). A tuple: readers make one
    or two per record, so it must be cheap."""

    file: str | None = None
    line: int | None = None
    path: str = ""

    def __str__(self) -> str:
        parts = [self.file, f"line {self.line}" if self.line is not None else None, self.path]
        return ": ".join(part for part in parts if part)

    def child(self, path: str) -> Place:
        """A place inside this one: ``visits[3]`` + ``.id``, or ``line 5`` + ``visit``."""
        if not self.path:
            return Place(self.file, self.line, path.lstrip("."))
        joined = self.path + path if path[:1] in (".", "[") else f"{self.path}.{path}"
        return Place(self.file, self.line, joined)


class Claim(NamedTuple):
    """A claim: "this record, with this id, stands here". A charge names its visit's place and its
    index; its own place is made only when a message needs it."""

    kind: Kind
    id: str
    #: the place of the record (for a charge: of its visit)
    at: Place
    #: a digest of the whole record, for kinds that may repeat on several lines (0 otherwise)
    fingerprint: int = 0
    #: a charge's index among its visit's charges (-1 for other kinds)
    charge: int = -1

    @property
    def place(self) -> Place:
        return self.at if self.charge < 0 else self.at.child(f".charges[{self.charge}]")


@attrs.frozen
class Conflict:
    """``claim`` contradicts the first claim on its id, which stood at ``first``."""

    claim: Claim
    first: Place
    #: "duplicate": the id may appear once; "differs": it repeats with another record
    how: Literal["duplicate", "differs"]

    def message(self) -> str:
        """The conflict, starting with the place of the record that contradicts."""
        place = self.claim.place if self.how == "differs" else self.claim.place.child(".id")
        return f"{place}: {self.words()}"

    def words(self) -> str:
        """The conflict without the contradicting record's place (a reader that names the
        place its own way: an 837P's segment)."""
        claim = self.claim
        if self.how == "differs":
            return f'{claim.kind} "{claim.id}" differs from the one on {self.first}'
        return f'duplicate {claim.kind} id "{claim.id}" (first at {self.first})'


def first_of(earlier: Claim, later: Claim, repeats: bool) -> Conflict | None:
    """How ``later`` contradicts ``earlier`` (same kind and id), or None. With ``repeats``, a
    patient or case may stand again if it is the same record."""
    if repeats and later.kind in ("patient", "case"):
        if later.fingerprint == earlier.fingerprint:
            return None
        # "differs from the one on line 2": the line names where the record stood (a place
        # without a line, such as an 837P's segment, is named whole)
        first = earlier.place._replace(path="") if earlier.place.line is not None else earlier.place
        return Conflict(later, first, "differs")
    return Conflict(later, earlier.place, "duplicate")


def fingerprint(record: Any) -> int:
    """A 32-bit digest of a whole record, for kinds that may stand again (two different
    records share one with a chance of one in four billion)."""
    return hash(record) & _LOW32


def claims_of_line(
    patient: Patient,
    case: Case,
    visit: Visit,
    place: Place,
    fingerprint: Callable[[Any], int] = hash,
) -> list[Claim]:
    """The claims of one JSON Lines record: its patient and case (which may repeat, so with a
    32-bit fingerprint: two different records share one with a chance of one in four billion),
    its visit and each of its charges."""
    visit_place = place.child("visit")
    return [
        Claim("patient", patient.id, place.child("patient"), fingerprint(patient) & _LOW32),
        Claim("case", case.id, place.child("case"), fingerprint(case) & _LOW32),
        Claim("visit", visit.id, visit_place),
        *(
            Claim("charge", charge.id, visit_place, charge=index)
            for index, charge in enumerate(visit.charges)
        ),
    ]


def claims_of_visit(visit: Visit, place: Place) -> list[Claim]:
    return [
        Claim("visit", visit.id, place),
        *(
            Claim("charge", charge.id, place, charge=index)
            for index, charge in enumerate(visit.charges)
        ),
    ]


class _ExactStore:
    """Accepted claims in a dictionary: for a document, which is in memory anyway."""

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], Claim] = {}

    def get(self, kind: Kind, record_id: str) -> Claim | None:
        return self._claims.get((kind, record_id))

    def add(self, claim: Claim) -> None:
        self._claims.setdefault((claim.kind, claim.id), claim)


class _PlaceStore:
    """Accepted claims of a document, where no record may stand twice (so no fingerprint is
    kept): for each id the place of its record, already made by the reader, and a charge's
    index when it is not the first (issue 29: a claim kept whole cost about 250 bytes a charge
    line while a large export was read)."""

    def __init__(self) -> None:
        self._places: dict[str, dict[str, Place]] = {
            kind: {} for kind in ("patient", "case", "visit", "charge")
        }
        self._charges: dict[str, int] = {}

    def get(self, kind: Kind, record_id: str) -> Claim | None:
        place = self._places[kind].get(record_id)
        if place is None:
            return None
        if kind == "charge":
            return Claim(kind, record_id, place, charge=self._charges.get(record_id, 0))
        return Claim(kind, record_id, place)

    def add(self, claim: Claim) -> None:
        places = self._places[claim.kind]
        if claim.id in places:
            return
        places[claim.id] = claim.at
        if claim.charge > 0:
            self._charges[claim.id] = claim.charge


class _CompactStore:
    """Accepted claims of a JSON Lines stream in a few bytes each (``CompactIds``), so memory
    stays flat over weeks of days: for a patient or case its first line and a 32-bit
    fingerprint (a contradicting record has one chance in four billion to share it), for a
    visit its line, for a charge its line and index."""

    def __init__(self, file: str | None) -> None:
        self._file = file
        self._ids = {kind: CompactIds() for kind in ("patient", "case", "visit", "charge")}

    def get(self, kind: Kind, record_id: str) -> Claim | None:
        packed = self._ids[kind].get(record_id)
        if packed is None:
            return None
        if kind == "charge":
            visit = Place(self._file, packed >> 16, "visit")
            return Claim(kind, record_id, visit, charge=packed & 0xFFFF)
        if kind == "visit":
            return Claim(kind, record_id, Place(self._file, packed, "visit"))
        return Claim(kind, record_id, Place(self._file, packed >> 32), packed & _LOW32)

    def add(self, claim: Claim) -> None:
        ids, line = self._ids[claim.kind], claim.at.line or 0
        if ids.get(claim.id) is not None:
            return
        if claim.kind == "charge":
            ids.add(claim.id, line << 16 | min(claim.charge, 0xFFFF))
        elif claim.kind == "visit":
            ids.add(claim.id, line)
        else:
            ids.add(claim.id, min(line, _LOW32) << 32 | claim.fingerprint)


class Ledger:
    """The claims accepted so far, and the ids of rejected records (so that a case whose
    patient was rejected says so, rather than "no such patient").

    ``repeats``: patients and cases may stand again when they are the same record (JSON Lines).
    ``compact``: keep claims in a few bytes each (a stream of unbounded length).
    """

    def __init__(self, *, repeats: bool, compact: bool = False, file: str | None = None) -> None:
        self.repeats = repeats
        self._store: _ExactStore | _PlaceStore | _CompactStore = (
            _CompactStore(file) if compact else _ExactStore() if repeats else _PlaceStore()
        )
        self._rejected: dict[tuple[str, str], Place] = {}

    def conflicts(self, claims: Sequence[Claim]) -> list[Conflict]:
        """What ``claims`` contradict: the accepted claims, and each other (a charge id twice
        in one visit)."""
        found: list[Conflict] = []
        here: dict[tuple[str, str], Claim] = {}
        for claim in claims:
            earlier = here.get((claim.kind, claim.id)) or self._store.get(claim.kind, claim.id)
            if earlier is not None:
                conflict = first_of(earlier, claim, self.repeats)
                if conflict is not None:
                    found.append(conflict)
            here.setdefault((claim.kind, claim.id), claim)
        return found

    def accept(self, claims: Iterable[Claim]) -> None:
        for claim in claims:
            self._store.add(claim)

    def reject(self, kind: Kind, record_id: str | None, place: Place) -> None:
        """Remember a record that was rejected (by its raw id, when it had one)."""
        if record_id is not None and self._store.get(kind, record_id) is None:
            self._rejected.setdefault((kind, record_id), place)

    def reference_problem(self, kind: Kind, record_id: str, at: Place) -> str | None:
        """Why ``at`` cannot refer to the ``kind`` with this id, or None when it can."""
        if self._store.get(kind, record_id) is not None:
            return None
        rejected = self._rejected.get((kind, record_id))
        if rejected is not None:
            return f'{at}: {kind} "{record_id}" was rejected ({rejected})'
        return f'{at}: no {kind} with id "{record_id}" in the export'
