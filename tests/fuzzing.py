"""scrubber's own fuzz harness: what is fed in, and what must hold whatever it is.

The targets, each a hypothesis strategy of inputs and a probe that raises when a promise breaks:

- **rule texts**: strings drawn from the lark grammar itself (``from_lark``, both raw and with
  words spaced so that more of them parse), and the bundled rule and test files with a few
  mutations. The checker must answer with errors, never raise; every error names its file and
  line; a text that checks clean must scrub the sample keeping the conservation invariant, run
  its tests, and format to a fixed point.
- **exports**: the sample export, as JSON or JSON Lines, damaged at the level of JSON values
  (hostile numbers, text, nesting 1,100 deep, lone surrogates, SSNs as numbers) or of bytes.
  Reading must reject with ``ExportReadError`` or read; what is read must scrub conserving
  units, write a result that reads back, balance and explain; no full SSN in anything shown.
- **results**: a scrub result damaged the same ways. ``read_result`` must refuse with one
  ``ExportReadError`` or give a result that balances.
- **command line**: ``scrub`` (of exports and of 837P interchanges), ``check``, ``fmt``,
  ``test``, ``balance``, ``explain``, ``reconcile``, ``worklist`` run in process on such files:
  the exit code is 0, 1 or 2 and nothing escapes ``main``.
- **tables**: the CMS files as published, in archives and workbooks, damaged.
- **interchanges**: the golden 837P interchanges (and one holding an SSN), and interchanges
  composed of generated claims (``scrubber.testing.interchanges``), damaged at the level
  of segments (dropped, doubled, moved, an element changed) or of bytes. Reading must refuse
  with ``X12Error`` or read; what is read must scrub conserving units, and the billed
  interchange written from it must read back with exactly the billed units; no full SSN in any
  message.

Every probe runs under a time limit, so a hang is a finding too. The test suite runs each target
with a small budget (``tests/test_fuzz.py``); ``bench/fuzz.py`` runs a long one and prints what
it tried and what it found.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import signal
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import attrs
import fuzz_x12
import openpyxl
from engine_helpers import check_conservation, units_by_claim
from fuzz_billing import billing_reports, probe_billing
from fuzz_history import history_files, probe_history
from fuzz_outputs import hostile_exports, probe_csv_outputs, probe_shown_outputs
from fuzz_workbooks import probe_workbook, workbooks
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark.lexer import PatternStr, TerminalDef

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.engine import RuleSet
from scrubber.errors import ExportReadError, RuleSetError
from scrubber.formats.emr import dumps_export, read_export
from scrubber.formats.results import dumps_result, read_result
from scrubber.formats.x12 import X12Error, read_x12, write_scrubbed
from scrubber.lang.check import SourceFile
from scrubber.lang.parse import parser
from scrubber.load import load_rules
from scrubber.model.records import Batch
from scrubber.reports.balance import balance
from scrubber.reports.explain import explain_visit
from scrubber.reports.render import render_csv, render_json, render_table
from scrubber.reports.ruletest import run_tests
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_billing, sample_document
from scrubber.tables.inspect import inspect_table
from scrubber.tables.loader import TableLoader
from scrubber.tables.pairs import load_pair_table
from scrubber.tables.problems import TableError
from scrubber.tables.units import load_unit_table
from scrubber.testing import interchanges as composed_interchanges

__all__ = [
    "TARGETS",
    "Hang",
    "Target",
    "grammar_texts",
    "no_ssn",
    "time_limit",
]

#: seconds one probe may take; the slowest legitimate probe (a CLI scrub) takes well under one
PROBE_SECONDS = 20.0


class Hang(Exception):
    """A probe still running after its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``Hang`` in the probe when it runs longer than ``seconds`` (main thread only)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- shared fixtures: the bundled rules, the sample, a folder to write in ----------------------


@cache
def workdir() -> Path:
    """A folder for the run, with a copy of the bundled rules (mutated files are checked beside
    the real ones, and their tables are found)."""
    root = Path(tempfile.mkdtemp(prefix="scrubber-fuzz-"))
    shutil.copytree(bundled_rules_dir(), root / "rules")
    return root


@cache
def bundled_texts() -> dict[str, str]:
    folder = workdir() / "rules"
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted([*folder.glob("*.rules"), *folder.glob("*.test")])
    }


@cache
def bundled_sources() -> dict[str, SourceFile]:
    return {source.path.name: source for source in LANGUAGE.sources([workdir() / "rules"])}


@cache
def table_loader() -> TableLoader:
    return TableLoader()


@cache
def bundled_rules() -> RuleSet:
    return load_rules(workdir() / "rules")


@cache
def sample() -> dict[str, Any]:
    """A small export with a little of everything (all payers, SSNs, a rejected record)."""
    return sample_document(24, seed=7, malformed=1, visits_per_day=6)


@cache
def sample_batch() -> Batch:
    return read_export(io.StringIO(json.dumps(sample())))


@cache
def sample_result_text() -> str:
    return dumps_result(bundled_rules().scrub(sample_batch()))


@cache
def sample_billing_text() -> str:
    return sample_billing(sample_batch(), bundled_rules().scrub(sample_batch()))


# ---- rule texts ---------------------------------------------------------------------------------

#: printable ASCII: the words of a rule file; the raw grammar strategy draws from all of Unicode
_ASCII = st.characters(codec="ascii", exclude_characters="\n\r\x0b\x0c")


def _spaced_terminal(terminal: TerminalDef) -> st.SearchStrategy[str]:
    """One word of the language with spaces around it: from_lark alone glues keywords to names,
    and such text rarely gets past the lexer to the checker."""
    if isinstance(terminal.pattern, PatternStr):
        return st.just(f" {terminal.pattern.value} ")
    words = st.from_regex(terminal.pattern.to_regexp(), fullmatch=True, alphabet=_ASCII)
    return words.map(lambda word: f" {word} ")


@cache
def grammar_texts(*, spaced: bool = False) -> st.SearchStrategy[str]:
    """Rule texts drawn from the grammar: raw (any Unicode, words often glued, so mostly syntax
    errors), or ``spaced`` (printable words with spaces around, so that more of them parse)."""
    lark = parser()
    if not spaced:
        return from_lark(lark, start="start")
    explicit = {
        terminal.name: _spaced_terminal(terminal)
        for terminal in lark.terminals
        if terminal.name not in ("WS", "COMMENT")
    }
    return from_lark(lark, start="start", explicit=explicit)


#: fragments a mutation may insert: the language's own words and the inputs that broke it before
RULE_SNIPPETS = (
    "rule", "rules", "codeset", "payer", "test", "when", "unless", "not", "and", "or", "{", "}",
    "(", ")", ":", "=", "..", '"', "#", "/", "\n", "\t", "\r\n", "\x00", "\ud800", "\u2028",
    "\ufeff", "é", "limit 97110 to 1 units per day", "limit total of timed to 4 units per week",
    "deny by table \"../../etc/passwd\"", 'limit by table "/dev/zero"',
    'deny by table "tables/medicare_ptp.csv" per day', "hold \"x\" for any",
    "set claim.x to 1", "visit.date_of_service >= 2026-02-30", "patient.first_name matches /(a|a)+$/",
    "patient.first_name matches /a{99999999999}/", "patient.first_name matches /(?=a)a/",
    "patient.first_name matches /(a)\\1/", "patient.first_name matches /[/", "not " * 900,
    "(" * 200, ")" * 200, "99999999999999999999", "-1", "2026-13-45", "9999-12-31", "x" * 5000,
    "effective 2026-01-01 through 2025-01-01", "unless modifier 59 XU", "per year", "per month",
    "visit.treatment_day > 10", "case.authorization_visits", "expect 97110 units 99999999999",
    "charge 97110 units 1 minutes 99999999999",
)  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn, text: str, snippets: tuple[str, ...]) -> str:
    """``text`` after one to four edits: a span cut, doubled or moved, a snippet put in, a
    number grown, the end cut off, one character changed."""
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        at = draw(st.integers(0, size))
        end = draw(st.integers(at, min(size, at + 200)))
        edit = draw(st.sampled_from(("cut", "double", "insert", "number", "truncate", "char")))
        if edit == "cut":
            text = text[:at] + text[end:]
        elif edit == "double":
            text = text[:end] + text[at:end] + text[end:]
        elif edit == "insert":
            text = text[:at] + draw(st.sampled_from(snippets)) + text[at:]
        elif edit == "number":
            grown = re.sub(r"\d+", lambda digits: digits.group() + "0" * 12, text[at:end], count=1)
            text = text[:at] + grown + text[end:]
        elif edit == "truncate":
            text = text[:at]
        else:
            text = text[:at] + draw(st.characters()) + text[at + 1 :]
    return text


@st.composite
def rule_files(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text): from the grammar, or a bundled file mutated."""
    how = draw(st.sampled_from(("grammar", "spaced", "bundled", "bundled")))
    if how in ("grammar", "spaced"):
        return "fuzz.rules", draw(grammar_texts(spaced=how == "spaced"))
    name = draw(st.sampled_from(sorted(bundled_texts())))
    return name, draw(_mutated(bundled_texts()[name], RULE_SNIPPETS))


def probe_rules(name: str, text: str) -> str:
    """Check ``text`` as the file ``name`` of the bundled rule folder (in place of the bundled
    file of that name); what checks clean must scrub, test and format. Returns what happened."""
    folder = workdir() / "rules"
    others = [source for file, source in bundled_sources().items() if file != name]
    mutated = LANGUAGE.text_source(text, name, folder)
    report = LANGUAGE.check([*others, mutated], table_loader())
    for error in report.errors:
        shown = str(error)
        assert shown.startswith(f"{error.file}:{error.line}:"), shown
        assert "Traceback" not in shown
    if report.rules is None:
        return "refused: " + ", ".join(sorted({error.code for error in report.errors}))
    rules = RuleSet.compile(report.rules)
    batch = sample_batch()
    check_conservation(batch, rules.scrub(batch))
    run_tests(report.rules, rules)
    try:
        formatted = LANGUAGE.format(text, name)
    except RuleSetError:
        return "checked clean, scrubbed, tested (not formatted: an error in another file)"
    assert LANGUAGE.format(formatted, name) == formatted, "fmt is not at a fixed point"
    return "checked clean, scrubbed, tested, formatted"


# ---- exports and results: damage at the level of values and of bytes ----------------------------

#: a placeholder drawn as a value, replaced in the JSON text by what json.dumps cannot write
_RAW = "\x00raw:{}\x00"
_RAW_VALUES = (
    "[" * 1100 + "]" * 1100,
    '{"a":' * 1100 + "1" + "}" * 1100,
    "1e999",
    "-0",
    "1" * 5000,
    "NaN",
    '"\\ud800"',
    '"V1\\udfff"',
    '"\\u0000"',
)
HOSTILE_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 999, 1000, 1440, 1441, 99_999, 100_000, 10**30, -(10**30),
    1.5, 0.1, 1e308, "", " ", "x" * 2000, "\u2028", "\ud800", "=HYPERLINK(\"x\")", "123-45-6789",
    123456789, "123456789", "2026-02-30", "2026-02-28T10:00:00", "9999-12-31", "0001-01-01",
    "97110", "KX", "medicare", [], {}, [None], {"": None},
    *(_RAW.format(n) for n in range(len(_RAW_VALUES))),
)  # fmt: skip


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


@st.composite
def _damaged_document(draw: st.DrawFn, document: Any) -> Any:
    """A deep copy of ``document`` with one to three values replaced, deleted or doubled."""
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        # Half the edits land in a charge: the values the engine counts are where it matters.
        charges = [p for p in paths if "charges" in p[:-1]]
        path = draw(st.sampled_from(charges if charges and draw(st.booleans()) else paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        edit = draw(st.sampled_from(("replace", "replace", "delete", "double")))
        if edit == "replace":
            parent[last] = draw(st.sampled_from(HOSTILE_VALUES))
        elif edit == "delete":
            del parent[last]
        elif isinstance(parent, list):
            parent.insert(last, parent[last])
        else:
            parent[f"{last}_"] = parent[last]
    return document


def _json_text(document: Any, *, ascii_only: bool) -> str:
    text = json.dumps(document, ensure_ascii=ascii_only)
    for index, raw in enumerate(_RAW_VALUES):
        text = text.replace(json.dumps(_RAW.format(index), ensure_ascii=ascii_only), raw)
    return text


@st.composite
def _damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(("flip", "insert", "cut", "truncate", "bom", "crlf")))
        if edit == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif edit == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif edit == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif edit == "truncate":
            data = data[:at]
        elif edit == "bom":
            data = b"\xef\xbb\xbf" + data
        else:
            data = data.replace(b"\n", b"\r\n")
    return data


def _ssns(document: Any) -> frozenset[str]:
    """The SSNs of ``document`` (text or number) that appear nowhere else in it: none of them
    may be shown whole."""
    found: set[str] = set()

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            kept = {}
            for key, value in node.items():
                digits = re.sub(r"\D", "", str(value)) if key == "ssn" else ""
                if len(digits) == 9:
                    found.add(digits)
                else:
                    kept[key] = walk(value)
            return kept
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    rest = re.sub(r"\D", "", json.dumps(walk(document)))
    return frozenset(ssn for ssn in found if ssn not in rest)


@attrs.frozen
class Damaged:
    """Bytes to read, and the SSNs they hold that must never be shown whole."""

    data: bytes
    suffix: str
    ssns: frozenset[str] = frozenset()


@st.composite
def exports(draw: st.DrawFn) -> Damaged:
    """The sample export damaged: as JSON or JSON Lines, in its values or in its bytes."""
    jsonl = draw(st.booleans())
    suffix = ".jsonl" if jsonl else ".json"
    if draw(st.booleans()):
        text = dumps_export(sample_batch(), "jsonl" if jsonl else "json")
        return Damaged(draw(_damaged_bytes(text.encode())), suffix)
    if jsonl:
        lines = [json.loads(line) for line in dumps_export(sample_batch(), "jsonl").splitlines()]
        damaged = draw(_damaged_document(lines))
        ascii_only = draw(st.booleans())
        text = "\n".join(_json_text(line, ascii_only=ascii_only) for line in damaged)
    else:
        damaged = draw(_damaged_document(sample()))
        text = _json_text(damaged, ascii_only=draw(st.booleans()))
    return Damaged(text.encode("utf-8", "surrogatepass"), suffix, _ssns(damaged))


@st.composite
def results(draw: st.DrawFn) -> Damaged:
    """A scrub result of the sample damaged in its values or its bytes."""
    text = sample_result_text()
    if draw(st.booleans()):
        return Damaged(draw(_damaged_bytes(text.encode())), ".json")
    damaged = draw(_damaged_document(json.loads(text)))
    return Damaged(
        _json_text(damaged, ascii_only=draw(st.booleans())).encode("utf-8", "surrogatepass"),
        ".json",
    )


def _written(damaged: Damaged) -> Path:
    path = workdir() / f"input{damaged.suffix}"
    path.write_bytes(damaged.data)
    return path


_NUMBERS = re.compile(r"\d{3}-\d{2}-\d{4}|\d+")


def no_ssn(ssns: frozenset[str], *texts: str) -> None:
    """None of ``ssns`` stands whole in ``texts`` (as nine digits, or written 123-45-6789)."""
    for text in texts:
        shown = {number.replace("-", "") for number in _NUMBERS.findall(text)}
        leaked = ssns & shown
        assert not leaked, f"a full SSN is shown: {sorted(leaked)}"


def probe_export(damaged: Damaged) -> str:
    """Read the damaged export; what is read must scrub, write, read back, balance, explain."""
    try:
        batch = read_export(_written(damaged))
    except ExportReadError as exc:
        no_ssn(damaged.ssns, str(exc))
        return "refused as a whole"
    result = bundled_rules().scrub(batch)
    check_conservation(batch, result)
    text = dumps_result(result)
    again = read_result(io.StringIO(text))
    assert dumps_result(again) == text, "a written result does not read back the same"
    report = balance(batch, result)
    shown = [text, render_table(report), render_json(report), render_csv(report)]
    shown += [str(rejected.errors) for rejected in batch.rejected]
    for visit_id in sorted({v.id for v in batch.visits} | {r.id for r in batch.rejected if r.id})[
        :3
    ]:
        shown.extend(explain_visit(bundled_rules(), batch, visit_id))
    no_ssn(damaged.ssns, *shown)
    return "read with rejected records" if batch.rejected else "read whole"


def probe_result(damaged: Damaged) -> str:
    """Read the damaged result: one ``ExportReadError``, or a result that balances."""
    try:
        result = read_result(_written(damaged))
    except ExportReadError as exc:
        assert "\n" not in str(exc), "a result's problem is one line"
        return "refused"
    report = balance(sample_batch(), result)
    render_table(report)
    render_json(report)
    render_csv(report)
    return "read and balanced"


# ---- tables: the CMS files as published, in archives and workbooks, damaged ---------------------

_TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"


@cache
def _table_files() -> dict[str, bytes]:
    """The published shapes: the MUE CSV, the four PTP parts, a ZIP of them, a workbook."""
    parts = {p.name: p.read_bytes() for p in sorted((_TABLES / "ptp_published").glob("*.txt"))}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    book = io.BytesIO()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with (_TABLES / "mue_published.csv").open(encoding="utf-8", newline="") as published:
        for row in csv.reader(published):
            sheet.append(row)
    workbook.save(book)
    return {
        "mue.csv": (_TABLES / "mue_published.csv").read_bytes(),
        "ptp.txt": next(iter(parts.values())),
        "ptp.zip": archive.getvalue(),
        "mue.xlsx": book.getvalue(),
    }


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes): a published table file, an archive or a workbook, damaged in its
    bytes (for an archive, maybe inside a member: rebuilt so that it still opens)."""
    name = draw(st.sampled_from(sorted(_table_files())))
    data = _table_files()[name]
    if name == "ptp.zip" and draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
        target = draw(st.sampled_from(sorted(members)))
        members[target] = draw(_damaged_bytes(members[target]))
        if draw(st.booleans()):
            members[
                draw(st.sampled_from(["../x.txt", "/abs.txt", "a/b.csv", "x.pdf", "y.xlsx"]))
            ] = b"x"
        rebuilt = io.BytesIO()
        with zipfile.ZipFile(rebuilt, "w") as out:
            for member, content in members.items():
                out.writestr(member, content)
        return name, rebuilt.getvalue()
    return name, draw(_damaged_bytes(data))


def probe_table(drawn: tuple[str, bytes]) -> str:
    """Load the damaged table both ways and inspect it: a ``TableError`` whose every problem
    has a place, or a table."""
    name, data = drawn
    path = workdir() / "tables" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    outcomes = []
    for load in (load_unit_table, load_pair_table, inspect_table):
        try:
            load(path)
            outcomes.append("read")
        except TableError as exc:
            assert exc.problems and all(p.line >= 1 and p.column >= 1 for p in exc.problems)
            outcomes.append("refused")
    return f"{name}: unit {outcomes[0]}, pair {outcomes[1]}, inspect {outcomes[2]}"


# ---- interchanges: 837P claims, damaged ---------------------------------------------------------

_X12 = Path(__file__).resolve().parent / "golden" / "x12"
#: an SSN that only REF*SY holds (added to the dependent's interchange)
X12_SSN = "912345678"


@cache
def _interchanges() -> dict[str, str]:
    found = {p.parent.name: p.read_bytes().decode() for p in sorted(_X12.glob("*/input.x12"))}
    found["ssn"] = (
        found["dependent_patient"]
        .replace("DMG*D8*20120304*F~\n", f"DMG*D8*20120304*F~\nREF*SY*{X12_SSN}~\n")
        .replace("SE*36*", "SE*37*")
    )
    return found


@cache
def claims_rules() -> RuleSet:
    return load_rules(_X12 / "rules")


_ELEMENT_VALUES = ("", "0", "-1", "2.5", "1e999", "NaN", "99999999", "HC", "HC:", "UN", "MJ",
                   "D8", "RD8", "20260231", "20260302-20260309", "18", "ZZ", "ABK:", "1:9",
                   "\u2028", "\x00", "*", ":", "~", "^")  # fmt: skip


@st.composite
def _damaged_segments(draw: st.DrawFn, text: str) -> str:
    segments = text.split("~\n")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(segments) - 1))
        edit = draw(st.sampled_from(("drop", "double", "move", "element")))
        if edit == "drop" and len(segments) > 1:
            del segments[at]
        elif edit == "double":
            segments.insert(at, segments[at])
        elif edit == "move":
            segments.insert(draw(st.integers(0, len(segments) - 1)), segments.pop(at))
        else:
            elements = segments[at].split("*")
            index = draw(st.integers(0, len(elements)))
            value = draw(st.sampled_from(_ELEMENT_VALUES) | st.text(max_size=6))
            elements[index : index + 1] = [value]
            segments[at] = "*".join(elements)
    if draw(st.booleans()):  # recount SE01, so that the damage reaches the claims
        start = None
        for at, segment in enumerate(segments):
            if segment.startswith("ST*"):
                start = at
            elif segment.startswith("SE*") and start is not None:
                elements = segment.split("*")
                segments[at] = "*".join([elements[0], str(at - start + 1), *elements[2:]])
    return "~\n".join(segments)


@st.composite
def interchanges(draw: st.DrawFn) -> str:
    """A golden interchange, or one composed of generated claims, damaged in its segments or
    its bytes (decoded leniently, as a file is read)."""
    if draw(st.booleans()):
        text = _interchanges()[draw(st.sampled_from(sorted(_interchanges())))]
    else:
        text = draw(composed_interchanges())
    if draw(st.booleans()):
        return draw(_damaged_segments(text))
    return draw(_damaged_bytes(text.encode())).decode("utf-8", "replace")


def probe_interchange(text: str) -> str:
    """Read the damaged interchange; what is read must scrub and be written as an interchange
    that reads back with the billed units and nothing rejected."""
    try:
        batch, interchange = read_x12(text)
    except X12Error as exc:
        assert "\n" not in str(exc), "an interchange's problem is one line"
        no_ssn(frozenset({X12_SSN}), str(exc))
        return "refused as a whole"
    errors = [e for r in batch.rejected for e in r.errors]
    assert not any("\n" in e for e in errors), "a rejected claim's problem is one line"
    no_ssn(frozenset({X12_SSN}), *errors)
    result = claims_rules().scrub(batch)
    check_conservation(batch, result)
    billed = write_scrubbed(interchange, result)
    if not result.billed:  # nothing billed: no interchange at all (DESIGN §9)
        assert billed == "", "an interchange written without a billed claim"
        return "read, nothing billed"
    again, _ = read_x12(billed)
    assert again.rejected == (), f"the billed interchange has rejected claims: {again.rejected}"
    assert units_by_claim(again.visits) == units_by_claim(result.billed), "units lost"
    return "read with rejected claims" if batch.rejected else "read whole"


# ---- the command line ---------------------------------------------------------------------------


@attrs.frozen
class Command:
    """A command line to run, after writing its input files into the work folder."""

    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]
    ssns: frozenset[str] = frozenset()


@st.composite
def commands(draw: st.DrawFn) -> Command:
    folder = workdir()
    out = str(folder / "out")
    which = draw(st.sampled_from(
        ("scrub", "scrub x12", "check", "fmt", "test", "balance", "explain", "reconcile",
         "worklist")
    ))  # fmt: skip
    if which == "scrub x12":
        data = draw(interchanges()).encode("utf-8", "surrogatepass")
        claims = str(folder / "cli/claims.x12")
        return Command(
            ("scrub", claims, "--rules", str(_X12 / "rules"), "-o", f"{out}.x12", "--result",
             f"{out}.result.json", "--audit", f"{out}.audit.csv"),
            (("cli/claims.x12", data),), frozenset({X12_SSN}),
        )  # fmt: skip
    if which in ("check", "fmt", "test"):
        name, text = draw(rule_files())
        data = text.encode("utf-8", "surrogatepass")
        target = f"cli/{name}"
        argv: tuple[str, ...] = {
            "check": ("check", str(folder / target)),
            "fmt": ("fmt", "--check", str(folder / target)),
            "test": ("test", str(folder / "cli")),
        }[which]
        return Command(argv, ((target, data),))
    export = draw(exports())
    files = [(f"cli/export{export.suffix}", export.data)]
    ssns = export.ssns
    exported = str(folder / files[0][0])
    if which == "scrub":
        fmt = draw(st.sampled_from(("json", "jsonl", "csv")))
        return Command(
            ("scrub", exported, "-o", out, "--audit", f"{out}.audit.{fmt}",
             "--fail-on", draw(st.sampled_from(("none", "held", "rejected")))),
            tuple(files), ssns,
        )  # fmt: skip
    if which in ("reconcile", "worklist"):
        files.append(("cli/result.json", sample_result_text().encode()))
        argv = (which, exported, str(folder / "cli/result.json"))
        if which == "reconcile":
            billing = draw(_damaged_bytes(sample_billing_text().encode()))
            files.append(("cli/billing.csv", billing))
            argv = (*argv, str(folder / "cli/billing.csv"))
        view = draw(st.sampled_from(("table", "csv", "json", "html")))
        return Command((*argv, "--format", view), tuple(files), ssns)
    if which == "explain":
        visit = draw(st.sampled_from(["V1", "V4", "V20", "nope", "", "\u2028"]))
        return Command(("explain", exported, "--visit", visit), tuple(files), ssns)
    result = draw(results())
    files.append(("cli/result.json", result.data))
    view = draw(st.sampled_from(("table", "json", "csv")))
    return Command(
        ("balance", exported, str(folder / "cli/result.json"), "--format", view),
        tuple(files), ssns,
    )  # fmt: skip


def probe_command(command: Command) -> str:
    """Run the command in process: exit 0, 1 or 2, and nothing escapes ``main``."""
    folder = workdir()
    shutil.rmtree(folder / "cli", ignore_errors=True)
    (folder / "cli").mkdir()
    for old in folder.glob("out*"):
        old.unlink()
    if command.argv[0] == "test":
        for name in bundled_texts():
            shutil.copy(folder / "rules" / name, folder / "cli" / name)
        shutil.copytree(folder / "rules" / "tables", folder / "cli" / "tables")
    for name, data in command.files:
        (folder / name).write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(command.argv))
    assert code in (0, 1, 2), f"exit {code}: {err.getvalue()[-500:]}"
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if code == 2:
        assert err.getvalue().strip(), "exit 2 says why"
    # The billed 837P is the claim itself, SSN (REF*SY) included, as received: the only output
    # that may hold one.
    written = [
        p.read_text("utf-8", "replace")
        for p in folder.glob("out*")
        if p.is_file() and p.suffix != ".x12"
    ]
    no_ssn(command.ssns, out.getvalue(), err.getvalue(), *written)
    return f"{command.argv[0]}: exit {code}"


# ---- the targets --------------------------------------------------------------------------------


@attrs.frozen
class Target:
    name: str
    inputs: Callable[[], st.SearchStrategy[Any]]
    #: checks the promises on one input; returns what happened (a line of the bench's report)
    probe: Callable[[Any], str]


TARGETS = (
    Target("rule texts", rule_files, lambda drawn: probe_rules(*drawn)),
    Target("exports", exports, probe_export),
    Target("results", results, probe_result),
    Target("command line", commands, probe_command),
    Target("tables", tables, probe_table),
    Target("interchanges", interchanges, probe_interchange),
    Target("interchange files", fuzz_x12.interchange_files, fuzz_x12.probe_interchange_file),
    Target("encodings", fuzz_x12.encoded_files, fuzz_x12.probe_encoded_file),
    Target("hostile numbers", fuzz_x12.hostile_numbers, fuzz_x12.probe_hostile_numbers),
    Target("history files", history_files, probe_history),
    Target("billing reports", billing_reports, probe_billing),
    Target("CSV outputs", hostile_exports, probe_csv_outputs),
    Target("terminal and HTML outputs", hostile_exports, probe_shown_outputs),
    Target("workbooks", workbooks, probe_workbook),
)
