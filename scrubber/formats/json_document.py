"""The JSON export document: three lists, patients, cases and visits (DESIGN §3). Read in
order (cases refer to patients read before them, visits to cases), each id checked by the one
ledger (``scrubber.formats.ledger``); a bad record is rejected with its path, the rest is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, TypeVar

from scrubber.errors import ExportReadError
from scrubber.formats.convert import (
    InexactNumber,
    converter,
    raw_id,
    shown,
    structure,
    with_fast_parse,
)
from scrubber.formats.input import InputFormat, Read, ReadOptions
from scrubber.formats.json_pieces import PIECE_CHARS, NotPlain, Piece, iter_pieces
from scrubber.formats.jsoncodec import dumps_json, json_default, loads_exact, loads_fast
from scrubber.formats.ledger import Claim, Ledger, Place, claims_of_visit
from scrubber.model.records import Batch, Case, Patient, Rejected, Visit

__all__ = ["FORMAT", "dumps_document", "export_document", "parse_export"]

_T = TypeVar("_T")


def parse_export(document: Any, source: str = "export") -> Batch:
    """Build a batch from an already decoded JSON export.

    Raises ``ExportReadError`` only when the document as a whole is not an export; every bad
    record is returned in ``Batch.rejected`` instead.
    """
    if not isinstance(document, dict):
        raise ExportReadError(
            source,
            f"expected a JSON object with patients, cases and visits, got {shown(document)}",
        )
    for key in ("patients", "cases", "visits"):
        if key not in document:
            raise ExportReadError(source, f'the export has no "{key}" list')
        if not isinstance(document[key], list):
            raise ExportReadError(source, f'"{key}" must be a list, got {shown(document[key])}')
    reader = _DocumentReader()
    patients = reader.records(document["patients"], "patients", Patient, reader.patient_claims)
    cases = reader.records(document["cases"], "cases", Case, reader.case_claims)
    visits = reader.records(document["visits"], "visits", Visit, reader.visit_claims)
    return Batch(tuple(patients), tuple(cases), tuple(visits), tuple(reader.rejected))


class _DocumentReader:
    """Reads the three lists of a document in order: cases refer to patients read before them,
    visits to cases; ids are checked by the ledger."""

    def __init__(self) -> None:
        self.ledger = Ledger(repeats=False)
        self.rejected: list[Rejected] = []

    def patient_claims(self, patient: Patient, place: Place) -> tuple[list[Claim], list[str]]:
        return [Claim("patient", patient.id, place)], []

    def case_claims(self, case: Case, place: Place) -> tuple[list[Claim], list[str]]:
        problem = self.ledger.reference_problem(
            "patient", case.patient_id, place.child(".patient_id")
        )
        return [Claim("case", case.id, place)], [problem] if problem else []

    def visit_claims(self, visit: Visit, place: Place) -> tuple[list[Claim], list[str]]:
        problem = self.ledger.reference_problem("case", visit.case_id, place.child(".case_id"))
        return claims_of_visit(visit, place), [problem] if problem else []

    #: each list's records and the method that claims their ids, in the order they are read
    #: (names, not bound methods: a reader that held its own methods would be a reference
    #: cycle, freed only by the collector, which bulk reading pauses)
    KINDS: ClassVar[dict[str, tuple[type[Any], str]]] = {
        "patients": (Patient, "patient_claims"),
        "cases": (Case, "case_claims"),
        "visits": (Visit, "visit_claims"),
    }

    def records(
        self,
        raws: list[Any],
        name: str,
        cls: type[_T],
        claims_of: Callable[[_T, Place], tuple[list[Claim], list[str]]],
    ) -> list[_T]:
        kept: list[_T] = []
        self.read_from(raws, start=0, first=0, name=name, cls=cls, claims_of=claims_of, kept=kept)
        return kept

    def read_from(
        self,
        raws: list[Any],
        *,
        start: int,
        first: int,
        name: str,
        cls: type[_T],
        claims_of: Callable[[_T, Place], tuple[list[Claim], list[str]]],
        kept: list[_T],
    ) -> None:
        """Read ``raws[start:]``, the elements of the list ``name`` numbered from ``first``,
        into ``kept`` or ``rejected``, one each, in order (so that after an ``InexactNumber``
        the two say how many were read)."""
        kind = name[:-1]
        for index in range(start, len(raws)):
            raw = raws[index]
            place = Place(path=f"{name}[{first + index}]")
            record = structure(raw, cls, str(place))
            if not isinstance(record, list):
                claims, problems = claims_of(record, place)
                conflicts = self.ledger.conflicts(claims)
                errors = [c.message() for c in conflicts if c.claim.kind == kind]
                errors += problems + [c.message() for c in conflicts if c.claim.kind != kind]
                if not errors:
                    self.ledger.accept(claims)
                    kept.append(record)
                    continue
                record = errors
            self.rejected.append(Rejected(str(place), raw_id(raw), tuple(record)))
            self.ledger.reject(kind, raw_id(raw), place)  # type: ignore[arg-type]

    def read_piece(self, name: str, piece: Piece, kept: list[Any]) -> None:
        """A piece of the list ``name``, its records into ``kept``: a record that meets a float
        standing for exact digits is read again, with the rest of the piece, from the piece's
        text parsed exactly (what reading the whole document again did)."""
        cls, method = self.KINDS[name]
        claims_of = getattr(self, method)
        before = len(kept) + len(self.rejected)
        read = partial(self.read_from, first=piece.first, name=name, cls=cls,
                       claims_of=claims_of, kept=kept)  # fmt: skip
        try:
            with_fast_parse(piece.fast, partial(read, piece.items, start=0))
            return
        except InexactNumber:
            start = len(kept) + len(self.rejected) - before
        with_fast_parse(False, partial(read, piece.exact(), start=start))


def _read(text: str, name: str, options: ReadOptions) -> Read:
    if not text or text.isspace():
        raise ExportReadError(name, "the export is empty: nothing to scrub")
    try:
        batch = _read_in_pieces(text)
    except NotPlain:
        batch = _read_whole(text, name)
    if not (batch.patients or batch.cases or batch.visits or batch.rejected):
        raise ExportReadError(name, "the export holds no records (its patients, cases and "
                              "visits are empty lists): nothing to scrub")  # fmt: skip
    return Read(batch, FORMAT)


def _read_in_pieces(text: str, size: int = PIECE_CHARS) -> Batch:
    """The export read a piece of each list at a time (``json_pieces``): the records are built
    while only a piece's tree is held. Raises ``NotPlain`` for a document of another shape (or
    not JSON), which is read whole instead."""
    reader = _DocumentReader()
    kept: dict[str, list[Any]] = {name: [] for name in reader.KINDS}
    for name, piece in iter_pieces(text, tuple(reader.KINDS), size):
        reader.read_piece(name, piece, kept[name])
    return Batch(
        tuple(kept["patients"]), tuple(kept["cases"]), tuple(kept["visits"]),
        tuple(reader.rejected),
    )  # fmt: skip


def _read_whole(text: str, name: str) -> Batch:
    """The export parsed whole, then read: what says why a document is not an export."""
    try:
        document, fast = loads_fast(text)
        return with_fast_parse(fast, partial(parse_export, document, name))
    except InexactNumber:
        return parse_export(loads_exact(text), name)
    except ValueError as exc:
        raise ExportReadError(name, f"not valid JSON: {exc}") from None


def dumps_document(batch: Batch, indent: int | None = 2) -> str:
    """The export as a JSON document (two spaces of indent unless told otherwise)."""
    document = export_document(batch)
    if indent == 2:
        return dumps_json(document) + "\n"
    return json.dumps(document, ensure_ascii=False, indent=indent, default=json_default) + "\n"


def export_document(batch: Batch) -> dict[str, Any]:
    """The batch as the JSON export document, ready for ``json.dumps``."""
    return {
        "patients": converter.unstructure(batch.patients, tuple[Patient, ...]),
        "cases": converter.unstructure(batch.cases, tuple[Case, ...]),
        "visits": converter.unstructure(batch.visits, tuple[Visit, ...]),
    }


FORMAT = InputFormat(
    name="json",
    what="a JSON document with patients, cases and visits",
    read=_read,
    dumps=dumps_document,
    suffixes=(".json",),
)
