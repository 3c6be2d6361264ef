"""Structuring an export's records, by the ways issue 29 weighed (docs/dependencies.md).

Run: python bench/read_bench.py [--lines 100000] [--runs 5]
On a sample export, the collector paused: the JSON parsed by orjson (the floor of reading), then
the records structured by (1) cattrs, the converter without detailed validation that reads
good records today (its tuned form: one generated function per class, strict hooks), (2) the
generated reader of ``scrubber.formats.generated``, (3) msgspec decoding the bytes into typed
structs with the same checks (patterns, bounds, dates), then the attrs records built from them
(the public records stay attrs records); only when msgspec is installed. Ids are not checked
here (the ledger's work is the same for all three). Prints every run, the range, and checks
that all three give equal records.
"""

import argparse
import datetime
import gc
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
from common import machine

from scrubber.formats import convert
from scrubber.model.records import Case, Charge, Patient, Provider, Visit
from scrubber.sample import sample_document

KINDS = (("patients", Patient), ("cases", Case), ("visits", Visit))


def with_cattrs(data: bytes) -> list[tuple[Any, ...]]:
    document = orjson.loads(data)
    structure = convert._fast_converter.structure
    return [tuple(structure(raw, cls) for raw in document[key]) for key, cls in KINDS]


def with_generated(data: bytes) -> list[tuple[Any, ...]]:
    document = orjson.loads(data)
    return [tuple(map(convert._generated[cls], document[key])) for key, cls in KINDS]


def msgspec_reader() -> Callable[[bytes], list[tuple[Any, ...]]] | None:
    """Visits through msgspec structs (patients and cases by the generated reader: the visits
    are most of the records and the whole of the charge lines)."""
    try:
        import msgspec
    except ImportError:
        return None

    Cpt = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{5}$")]
    Modifier = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{2}$")]
    Diagnosis = Annotated[str, msgspec.Meta(pattern=r"^[A-Z][0-9][A-Z0-9](\.?[A-Z0-9]{1,4})?$")]
    Units = Annotated[int, msgspec.Meta(ge=0, le=999)]
    Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440)]

    class MCharge(msgspec.Struct):
        id: str
        cpt: Cpt
        units: Units
        minutes: Minutes | None = None
        modifiers: tuple[Modifier, ...] = ()
        diagnosis_codes: tuple[Diagnosis, ...] = ()

    class MProvider(msgspec.Struct):
        id: str
        role: str

    class MVisit(msgspec.Struct):
        id: str
        case_id: str
        date_of_service: datetime.date
        location: str
        provider: MProvider
        note_type: str
        charges: tuple[MCharge, ...]
        finalized_on: datetime.date | None = None

    class Export(msgspec.Struct):
        patients: list[Any]
        cases: list[Any]
        visits: list[MVisit]

    decoder = msgspec.json.Decoder(Export)
    from scrubber.model.records import NoteType, ProviderRole

    def read(data: bytes) -> list[tuple[Any, ...]]:
        document = decoder.decode(data)
        visits = tuple(
            Visit(
                v.id, v.case_id, v.date_of_service, v.location,
                Provider(v.provider.id, ProviderRole(v.provider.role)), NoteType(v.note_type),
                tuple(Charge(c.id, c.cpt, c.units, c.minutes, c.modifiers, c.diagnosis_codes)
                      for c in v.charges),
                v.finalized_on,
            )
            for v in document.visits
        )  # fmt: skip
        patients = tuple(map(convert._generated[Patient], document.patients))
        cases = tuple(map(convert._generated[Case], document.cases))
        return [patients, cases, visits]

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    document = sample_document(round(args.lines / 2.23), seed=11, visits_per_day=400)
    lines = sum(len(v["charges"]) for v in document["visits"])
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.json"
        export.write_text(json.dumps(document, indent=2), encoding="utf-8")
        data = export.read_bytes()
    print(
        f"input: {len(document['visits']):,} visits, {lines:,} charge lines, {len(data) / 1e6:.0f} MB"
    )
    ways: dict[str, Callable[[bytes], Any]] = {
        "orjson.loads only (floor)": orjson.loads,
        "cattrs (today's fast converter)": with_cattrs,
        "generated reader": with_generated,
    }
    read_msgspec = msgspec_reader()
    if read_msgspec is not None:
        ways["msgspec structs, then attrs records"] = read_msgspec
    times: dict[str, list[float]] = {name: [] for name in ways}
    results: dict[str, Any] = {}
    gc.disable()
    for _ in range(args.runs):
        for name, way in ways.items():
            start = time.perf_counter()
            results[name] = way(data)
            times[name].append(time.perf_counter() - start)
            results[name] = results[name] if name != "orjson.loads only (floor)" else None
            gc.collect()
    same = all(
        r == results["cattrs (today's fast converter)"] for n, r in results.items() if r is not None
    )
    print(f"equal records: {'yes' if same else 'NO'}")
    for name, runs in times.items():
        print(
            f"{name}: {min(runs):.2f}-{max(runs):.2f} s (runs: {', '.join(f'{t:.2f}' for t in runs)})"
        )


if __name__ == "__main__":
    main()
