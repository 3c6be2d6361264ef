"""Scrub a partitioned JSON Lines export on Dask, when one machine is not enough.

Needs the ``dask`` extra (``pip install 'charge-scrubber[dask]'``). The export is a list of JSON Lines
files (the partitions, in export order); the result is the one ``RuleSet.scrub`` gives for the
files read one after the other, because rules never look beyond one patient's date of service:

1. each file is read on a worker with the JSON Lines reader (every check within the file);
2. the ids claimed by more than one file (a visit or charge sent twice, a patient or case that
   differs between files) are found with one ``foldby`` over the claims of the same ledger the
   reader uses (``scrubber.formats.ledger``), and only those come back: the later lines are
   rejected, as the reader rejects them within a file;
3. the visits are grouped by patient (rules never look beyond one patient, and the counts across
   visits and the caps per week need the patient's days in order), and each patient's days are
   scrubbed on a worker by the engine's one run (``scrubber.engine.run``), reading the
   patient's earlier visits from the history file when one is given, with the dates the export
   sends each visit on (the policy for a visit sent again needs them all: a visit may come back
   under another patient);
4. ``collect`` merges the days by their place in the export and numbers the audit
   (``scrubber.engine.merge``), and, with a history, records the scrub's visits in it in one
   transaction, taken before the workers start and committed once everything is merged.

Workers load the rules themselves from ``rules`` (a folder or files they can all read, the same
content as the client's: a digest of the files travels with every task and a worker whose copy
differs refuses to scrub), so nothing compiled has to be pickled.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.engine.day import DayVisit, GroupOutcome
from scrubber.engine.merge import merge
from scrubber.engine.ruleset import RuleSet
from scrubber.engine.run import Run, by_patient
from scrubber.errors import ExportReadError, ScrubberError, UsageError
from scrubber.formats.convert import converter
from scrubber.formats.json_lines import numbered_lines
from scrubber.formats.jsoncodec import json_default
from scrubber.formats.ledger import Claim, Place, claims_of_line, first_of
from scrubber.model.records import LineRecord, Rejected
from scrubber.model.results import ScrubResult
from scrubber.resources import bundled_rules_dir

if TYPE_CHECKING:
    from dask.bag import Bag

    from scrubber.history.store import HistoryStore

__all__ = ["PartitionedScrub", "collect", "scrub_partitions"]

#: a line's place in the whole export: (file index, line number), compared as one integer
_LINE_BITS = 40


@attrs.frozen
class _Line:
    """A line read from one partition, with its place in the export."""

    order: int
    place: Place
    record: LineRecord | Rejected


@attrs.frozen
class PartitionedScrub:
    """The lazy scrub: ``outcomes`` (one ``GroupOutcome`` a patient-day) and ``rejected`` (lines
    that could not be read or contradict another line, with their place), both Dask bags;
    ``history``: the history file the workers read and ``collect`` records the scrub in."""

    outcomes: Bag
    rejected: Bag
    history: str | None = None

    def collect(self, **compute: Any) -> ScrubResult:
        """Compute both bags (``compute`` goes to ``dask.compute``: ``scheduler=...``) and merge
        them into one result, byte for byte the single-machine one (rejected paths name their
        file). With a history, the scrub's visits are recorded in it once all is merged.

        With no scheduler given and none configured (no ``dask.distributed`` client, no
        ``dask.config.set(scheduler=...)``), the tasks run in this process (``sync``): a bag's
        own default, a pool of processes, pickles every line and outcome between processes and
        took 184 s where the command line took 15.5 s on 2 cores (20,000 visits,
        ``bench/dask_bench.py``, issue 29); ``sync`` took 24.8 s. A cluster is used as before."""
        import dask

        chosen = "scheduler" in compute or "get" in compute
        if not chosen and dask.config.get("scheduler", None) is None:
            compute["scheduler"] = "sync"

        if self.history is None:
            outcomes, rejected = dask.compute(self.outcomes, self.rejected, **compute)
            return collect(outcomes, rejected)
        from scrubber.history.store import HistoryStore

        with HistoryStore.open(self.history) as store, store.session():
            outcomes, rejected = dask.compute(self.outcomes, self.rejected, **compute)
            store.record(fact for outcome in outcomes for fact in outcome.facts)
            return collect(outcomes, rejected)


def scrub_partitions(
    paths: Sequence[str | Path],
    rules: str | Path | Sequence[str | Path] | None = None,
    *,
    history: str | Path | None = None,
) -> PartitionedScrub:
    """Build the scrub of the JSON Lines files ``paths`` (in export order) with the rules in
    ``rules`` (the bundled rules by default), and the history file ``history`` (which every
    worker must be able to read). Nothing runs until ``collect`` or a compute."""
    try:
        import dask.bag as db
        from dask.delayed import delayed
    except ImportError:
        raise UsageError(
            "scrubbing on Dask needs the dask extra: pip install 'charge-scrubber[dask]'"
        ) from None
    files = [str(path) for path in paths]
    if not files:
        raise UsageError("no JSON Lines files to scrub")
    rule_paths = _rule_paths(rules)
    digest = _digest(rule_paths)
    _rules(rule_paths, digest)  # a mistake in the rules is reported here, not on a worker
    history_path = None
    if history is not None:
        from scrubber.history.store import HistoryStore

        history_path = str(Path(history).resolve())
        HistoryStore.open(history_path).close()  # refused here, or created for the workers
    lines = db.from_delayed([delayed(_read)(path, index) for index, path in enumerate(files)])
    conflicts = (
        lines.map(_claims)
        .flatten()
        .foldby(_claim_key, _first_claim, None, _merge_claims, None)
        .filter(lambda item: item[1][2])
    )
    checked = lines.map_partitions(_reject_conflicts, conflicts=_as_dict(conflicts))
    accepted = checked.filter(lambda line: isinstance(line.record, LineRecord))
    # Every visit's date, for the policy for a visit sent again (read only with a history).
    resent = _as_dict(accepted.map(_sent_on)) if history_path is not None else None
    # The history is opened once per worker and scrub: a new scrub reads the file anew.
    opened = (history_path, uuid.uuid4().hex) if history_path is not None else None
    outcomes = (
        accepted.groupby(_patient_of, shuffle="tasks")
        .map(_scrub_patient, rule_paths, digest, opened, resent=resent)
        .flatten()
    )
    rejected = checked.filter(lambda line: isinstance(line.record, Rejected)).map(
        lambda line: (line.order, line.record)
    )
    return PartitionedScrub(outcomes, rejected, history_path)


def collect(
    outcomes: Iterable[GroupOutcome], rejected: Iterable[tuple[int, Rejected]] = ()
) -> ScrubResult:
    """Merge group outcomes (and placed rejections) into one result in export order."""
    return merge(outcomes, (record for _, record in sorted(rejected, key=lambda item: item[0])))


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
            return [
                _Line(index << _LINE_BITS | number, Place(name, number), record)
                for number, record in numbered_lines(text, name)
            ]
    except OSError as exc:
        raise ExportReadError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ExportReadError(path, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def _fingerprint(value: Any) -> int:
    """A digest of a record that is the same in every process (``hash`` is not)."""
    text = json.dumps(converter.unstructure(value), sort_keys=True, default=json_default)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _line_claims(line: _Line) -> list[Claim]:
    record = line.record
    if not isinstance(record, LineRecord):
        return []
    return claims_of_line(record.patient, record.case, record.visit, line.place, _fingerprint)


#: ((kind, id), (order of the line, the claim))
_Placed = tuple[tuple[str, str], tuple[int, Claim]]


def _claims(line: _Line) -> list[_Placed]:
    return [((c.kind, c.id), (line.order, c)) for c in _line_claims(line)]


def _claim_key(claim: _Placed) -> tuple[str, str]:
    return claim[0]


#: the first claim on an id (the line's order, the claim) and whether another contradicts it
_Fold = tuple[int, Claim, bool] | None


def _first_claim(fold: _Fold, claim: _Placed) -> _Fold:
    order, placed = claim[1]
    return _merge_claims(fold, (order, placed, False))


def _merge_claims(first: _Fold, second: _Fold) -> _Fold:
    if first is None or second is None:
        return first if second is None else second
    early, late = sorted((first, second), key=lambda item: item[0])
    clash = first_of(early[1], late[1], repeats=True) is not None
    return (early[0], early[1], early[2] or late[2] or clash)


def _as_dict(pairs: Bag) -> Any:
    """A bag of (key, value) as one dictionary that every task is handed (the conflicts every
    partition checks its lines against; the dates every visit is sent on)."""
    from dask.delayed import delayed

    # Unoptimized, so that the partitions it reads are the very tasks the other steps read
    # (an optimized copy fuses its own reading of the files: each file was read twice).
    return delayed(_dict_of)(pairs.to_delayed(optimize_graph=False))


def _dict_of(partitions: list[list[tuple[Any, Any]]]) -> dict[Any, Any]:
    return {key: value for partition in partitions for key, value in partition}


def _sent_on(line: _Line) -> tuple[str, Any]:
    record = line.record
    assert isinstance(record, LineRecord)
    return record.visit.id, record.visit.date_of_service


def _reject_conflicts(lines: Iterable[_Line], conflicts: dict[tuple[str, str], Any]) -> list[_Line]:
    return [_checked(line, conflicts) for line in lines]


def _checked(line: _Line, conflicts: dict[tuple[str, str], Any]) -> _Line:
    record = line.record
    if not isinstance(record, LineRecord) or not conflicts:
        return line
    errors = []
    for claim in _line_claims(line):
        first = conflicts.get((claim.kind, claim.id))
        if first is None or first[0] == line.order:
            continue
        conflict = first_of(first[1], claim, repeats=True)
        if conflict is not None:
            errors.append(conflict.message())
    if not errors:
        return line
    return attrs.evolve(line, record=Rejected(str(line.place), record.visit.id, tuple(errors)))


def _patient_of(line: _Line) -> str:
    record = line.record
    assert isinstance(record, LineRecord)
    return record.patient.id


#: the history each worker process has open: (path, the scrub it was opened for) and the store
_OPEN: dict[tuple[str, str], HistoryStore] = {}


def _history(opened: tuple[str, str]) -> HistoryStore:
    """The history file, read-only, once per worker process and scrub: a later scrub (after
    the file was deleted and begun anew, say) opens it again, and the store of an earlier scrub
    is closed."""
    store = _OPEN.get(opened)
    if store is None:
        from scrubber.history.store import HistoryStore

        for old in [key for key in _OPEN if key != opened]:
            _OPEN.pop(old).close()
        store = _OPEN[opened] = HistoryStore.open(opened[0], read_only=True)
    return store


def _scrub_patient(
    group: tuple[str, list[_Line]],
    rule_paths: tuple[str, ...],
    digest: str,
    opened: tuple[str, str] | None,
    resent: dict[str, Any] | None = None,
) -> list[GroupOutcome]:
    patient_id, lines = group
    visits = []
    for line in lines:
        record = line.record
        assert isinstance(record, LineRecord)
        visits.append(DayVisit(line.order, record.patient, record.case, record.visit))
    rules = _rules(rule_paths, digest)
    store = _history(opened) if opened is not None else None
    run = Run(rules.program, store)
    if resent is not None:
        run.resent = resent
    else:
        run.send(visits)
    return run.patient(patient_id, by_patient(visits)[patient_id].values())
