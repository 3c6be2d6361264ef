"""Scrub a partitioned JSON Lines export on Dask, when one machine is not enough.

Needs the ``dask`` extra (``pip install 'scrubber[dask]'``). The export is a list of JSON Lines
files (the partitions, in export order); the result is the one ``RuleSet.scrub`` gives for the
files read one after the other, because rules never look beyond one patient's date of service:

1. each file is read on a worker with the JSON Lines reader (every check within the file);
2. the ids claimed by more than one file (a visit or charge sent twice, a patient or case that
   differs between files) are found with one ``foldby``, and only those come back: the later
   lines are rejected, as the reader rejects them within a file;
3. the visits are grouped by patient and date of service and each group is scrubbed on a worker
   (``RuleSet.scrub_group``);
4. ``collect`` merges the groups by their place in the export and numbers the audit.

Workers load the rules themselves from ``rules`` (a folder or files they can all read, the same
content as the client's: a digest of the files travels with every task and a worker whose copy
differs refuses to scrub), so nothing compiled has to be pickled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.audit import AuditEntry, HeldVisit, ScrubResult
from scrubber.engine.ruleset import GroupOutcome, RuleSet
from scrubber.engine.state import AuditKey
from scrubber.errors import ExportReadError, ScrubberError, UsageError
from scrubber.io import (
    LineRecord,
    charge_duplicates,
    converter,
    differs_message,
    duplicate_message,
    iter_jsonl,
    json_default,
)
from scrubber.model import Rejected, Visit
from scrubber.resources import bundled_rules_dir

if TYPE_CHECKING:
    from dask.bag import Bag

__all__ = ["PartitionedScrub", "collect", "scrub_partitions"]

#: a line's place in the whole export: (file index, line number), compared as one integer
_LINE_BITS = 40


@attrs.frozen
class _Line:
    """A line read from one partition, with its place in the export."""

    order: int
    where: str  # "part-3.jsonl: line 12"
    record: LineRecord | Rejected


@attrs.frozen
class PartitionedScrub:
    """The lazy scrub: ``outcomes`` (one ``GroupOutcome`` a patient-day) and ``rejected`` (lines
    that could not be read or contradict another line, with their place), both Dask bags."""

    outcomes: Bag
    rejected: Bag

    def collect(self, **compute: Any) -> ScrubResult:
        """Compute both bags (``compute`` goes to ``dask.compute``: ``scheduler=...``) and merge
        them into one result, byte for byte the single-machine one (rejected paths name their
        file)."""
        import dask

        outcomes, rejected = dask.compute(self.outcomes, self.rejected, **compute)
        return collect(outcomes, rejected)


def scrub_partitions(
    paths: Sequence[str | Path], rules: str | Path | Sequence[str | Path] | None = None
) -> PartitionedScrub:
    """Build the scrub of the JSON Lines files ``paths`` (in export order) with the rules in
    ``rules`` (the bundled rules by default). Nothing runs until ``collect`` or a compute."""
    try:
        import dask.bag as db
        from dask.delayed import delayed
    except ImportError:
        raise UsageError(
            "scrubbing on Dask needs the dask extra: pip install 'scrubber[dask]'"
        ) from None
    files = [str(path) for path in paths]
    if not files:
        raise UsageError("no JSON Lines files to scrub")
    rule_paths = _rule_paths(rules)
    digest = _digest(rule_paths)
    _rules(rule_paths, digest)  # a mistake in the rules is reported here, not on a worker
    lines = db.from_delayed([delayed(_read)(path, index) for index, path in enumerate(files)])
    conflicts = (
        lines.map(_claims)
        .flatten()
        .foldby(_claim_key, _first_claim, None, _merge_claims, None)
        .filter(lambda item: item[1][2])
    )
    checked = lines.map_partitions(_reject_conflicts, conflicts=_as_dict(conflicts))
    accepted = checked.filter(lambda line: isinstance(line.record, LineRecord))
    outcomes = accepted.groupby(_patient_day, shuffle="tasks").map(_scrub_group, rule_paths, digest)
    rejected = checked.filter(lambda line: isinstance(line.record, Rejected)).map(
        lambda line: (line.order, line.record)
    )
    return PartitionedScrub(outcomes, rejected)


def collect(
    outcomes: Iterable[GroupOutcome], rejected: Iterable[tuple[int, Rejected]] = ()
) -> ScrubResult:
    """Merge group outcomes (and placed rejections) into one result in export order."""
    billed: list[tuple[int, Visit]] = []
    held: list[tuple[int, HeldVisit]] = []
    audit: list[tuple[AuditKey, AuditEntry]] = []
    for outcome in outcomes:
        billed.extend(outcome.billed)
        held.extend(outcome.exceptions)
        audit.extend(outcome.audit)
    audit.sort(key=lambda item: item[0])
    return ScrubResult(
        tuple(visit for _, visit in sorted(billed, key=lambda item: item[0])),
        tuple(visit for _, visit in sorted(held, key=lambda item: item[0])),
        tuple(record for _, record in sorted(rejected, key=lambda item: item[0])),
        tuple(entry._replace(seq=n) for n, (_, entry) in enumerate(audit, start=1)),
    )


# -- the tasks (module-level functions, so any Dask scheduler can ship them) --


def _rule_paths(rules: str | Path | Sequence[str | Path] | None) -> tuple[str, ...]:
    if rules is None:
        return (str(bundled_rules_dir()),)
    if isinstance(rules, str | Path):
        return (str(rules),)
    return tuple(str(path) for path in rules)


def _digest(rule_paths: tuple[str, ...]) -> str:
    """The content of the rule files and tables, so a worker never scrubs with other rules."""
    digest = hashlib.sha256()
    for root in rule_paths:
        base = Path(root)
        if not base.exists():
            raise UsageError(f"{root}: no such rules file or folder")
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for path in files:
            digest.update(str(path.relative_to(base) if base.is_dir() else path.name).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def _rules(rule_paths: tuple[str, ...], digest: str) -> RuleSet:
    from scrubber.load import load_rules

    if _digest(rule_paths) != digest:
        raise ScrubberError(
            f"the rules at {', '.join(rule_paths)} on this worker differ from the client's"
        )
    return load_rules(list(rule_paths))


def _read(path: str, index: int) -> list[_Line]:
    name = Path(path).name
    try:
        with open(path, encoding="utf-8-sig") as text:
            return _placed_lines(iter_jsonl(text, source=name), name, index)
    except OSError as exc:
        raise ExportReadError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ExportReadError(path, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def _placed_lines(records: Iterable[LineRecord | Rejected], name: str, index: int) -> list[_Line]:
    lines = []
    for read in records:
        number = read.line if isinstance(read, LineRecord) else _line_number(read)
        record: LineRecord | Rejected = read
        if isinstance(read, Rejected):
            errors = tuple(_in_file(error, name) for error in read.errors)
            record = Rejected(f"{name}: {read.path}", read.id, errors)
        lines.append(_Line(index << _LINE_BITS | number, f"{name}: line {number}", record))
    return lines


def _in_file(error: str, name: str) -> str:
    """A reader's message with its places (its own line, an earlier one) naming the file."""
    for earlier in ("(first at line ", "differs from the one on line "):
        error = error.replace(earlier, earlier.replace("line ", f"{name}: line "))
    return f"{name}: {error}"


def _line_number(rejected: Rejected) -> int:
    return int(rejected.path.removeprefix("line "))


def _fingerprint(value: Any) -> str:
    """A digest of a record that is the same in every process (``hash`` is not)."""
    text = json.dumps(converter.unstructure(value), sort_keys=True, default=json_default)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


#: (kind, id) -> (order, detail): detail is the record's fingerprint for patients and cases,
#: the charge's index for charges
_Claim = tuple[tuple[str, str], tuple[int, str, str]]


def _claims(line: _Line) -> list[_Claim]:
    record = line.record
    if not isinstance(record, LineRecord):
        return []
    claims: list[_Claim] = [
        (("patient", record.patient.id), (line.order, line.where, _fingerprint(record.patient))),
        (("case", record.case.id), (line.order, line.where, _fingerprint(record.case))),
        (("visit", record.visit.id), (line.order, line.where, "")),
    ]
    for index, charge in enumerate(record.visit.charges):
        claims.append(
            (("charge", charge.id), (line.order, f"{line.where}: visit.charges[{index}]", ""))
        )
    return claims


def _claim_key(claim: _Claim) -> tuple[str, str]:
    return claim[0]


#: the first claim (order, where, detail) and whether any other claim contradicts it
_Fold = tuple[int, str, bool, str] | None


def _first_claim(fold: _Fold, claim: _Claim) -> _Fold:
    _, (order, where, detail) = claim
    return _merge_claims(fold, (order, where, False, detail))


def _merge_claims(first: _Fold, second: _Fold) -> _Fold:
    if first is None or second is None:
        return first if second is None else second
    early, late = sorted((first, second))
    # Two claims on one visit or charge id are a duplicate; on a patient or case, only when
    # the records differ (the same patient is sent on every line of their visits).
    clash = early[3] != late[3] or (early[3] == "" and early[0] != late[0])
    return (early[0], early[1], early[2] or late[2] or clash, early[3])


def _as_dict(conflicts: Bag) -> Any:
    """The conflicts as one dictionary, for every partition to check its lines against."""
    from dask.delayed import delayed

    return delayed(dict)(conflicts)


def _reject_conflicts(lines: Iterable[_Line], conflicts: dict[tuple[str, str], Any]) -> list[_Line]:
    return [_checked(line, conflicts) for line in lines]


def _checked(line: _Line, conflicts: dict[tuple[str, str], Any]) -> _Line:
    record = line.record
    if not isinstance(record, LineRecord) or not conflicts:
        return line

    def earlier(kind: str, record_id: str) -> str | None:
        first = conflicts.get((kind, record_id))
        return None if first is None or first[0] == line.order else str(first[1])

    errors = []
    for kind, value in (("patient", record.patient), ("case", record.case)):
        first = conflicts.get((kind, value.id))
        if first is not None and first[0] != line.order and first[3] != _fingerprint(value):
            errors.append(differs_message(line.where, kind, value.id, first[1]))
    path = f"{line.where}: visit"
    first_visit = earlier("visit", record.visit.id)
    if first_visit is not None:
        errors.append(duplicate_message(path, "visit", record.visit.id, f"{first_visit}: visit"))
    errors += charge_duplicates(record.visit, path, partial(earlier, "charge"))
    if not errors:
        return line
    return attrs.evolve(line, record=Rejected(line.where, record.visit.id, tuple(errors)))


def _patient_day(line: _Line) -> tuple[str, str]:
    record = line.record
    assert isinstance(record, LineRecord)
    return (record.patient.id, record.visit.date_of_service.isoformat())


def _scrub_group(
    group: tuple[tuple[str, str], list[_Line]], rule_paths: tuple[str, ...], digest: str
) -> GroupOutcome:
    _, lines = group
    visits = []
    for line in lines:
        record = line.record
        assert isinstance(record, LineRecord)
        visits.append((line.order, record.patient, record.case, record.visit))
    return _rules(rule_paths, digest).scrub_group(visits)
