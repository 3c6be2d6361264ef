"""The hand-written floor: what a plain Python script doing scrubber's job on five rules costs.

Run: python bench/floor.py EXPORT.json RESULT.json [--records]
Reads an EMR export with orjson, the cyclic collector paused, applies the five rules of
``FIVE_RULES`` (the same file ``bench/cli_bench.py`` hands the command line) and writes the same
result document the command line writes (billed visits, held visits with their reasons, the
audit trail in order, 2-space indents). It validates nothing, keeps no history, explains
nothing: it is the lower bound the command line is measured against (issue 29), not a scrubber.
With ``--records`` it also builds scrubber's public records from the document, with no check
(``records``): the least a scrubber whose API hands out those records pays on top.

The five rules, one per common action kind (from the bundled rules, on the sample's payers):

1. ``any/no-bill``: drop the codes that never flow (NORCM, NC001);
2. ``any/placeholder-provider``: hold a visit whose provider is an aide or a student;
3. ``medicare/estim``: replace 97014 with G0283;
4. ``medicare/gp``: add GP to therapy codes when the provider is a PT or PTA;
5. ``medicare/evals-once``: at most one unit of evaluation per visit.
"""

# ruff: noqa: E501, PLR0917
# (one rule a statement, as a hand-written script would be; the audit entry is built in one call)

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import orjson

#: the five rules as scrubber's language writes them (bench/cli_bench.py runs the CLI on them)
FIVE_RULES = """\
codeset therapy = 97032 97033 97034 97035 97036 97110 97112 97113 97116 97124 97140 97530 97535 97542
    97750 97760 97761 97763 97010..97028 G0283 97150 97161 97162 97163 97164
codeset evals = 97161 97162 97163 97164

payer medicare "Medicare Part B" when insurance.class = "medicare"

rules any {
    rule no-bill "Codes that never flow to billing":
        drop NORCM NC001
    rule placeholder-provider "A note must be finalized by an authorized provider":
        hold "Note Not Finalized by an Authorized Provider" when provider.role in ["aide", "student"]
}

rules medicare {
    rule estim "Medicare does not pay 97014: unattended e-stim is billed as G0283":
        replace 97014 with G0283
    rule gp "PT services carry GP":
        add modifier GP to therapy when provider.role in ["PT", "PTA"]
    rule evals-once "One evaluation per visit":
        limit total of evals to 1 unit per visit
}
"""

NEVER = frozenset({"NORCM", "NC001"})
EVALS = frozenset({"97161", "97162", "97163", "97164"})
TIMED = "97032 97033 97034 97035 97036 97110 97112 97113 97116 97124 97140 97530 97535 97542"
THERAPY = frozenset(f"{TIMED} 97750 97760 97761 97763 G0283 97150 {' '.join(EVALS)}".split()) | {
    f"970{n:02d}" for n in range(10, 29)
}
#: where each rule is written in the rule file the CLI is given (its audit entries say so)
SOURCE = {
    "no-bill": "five/five.rules:9:9",
    "placeholder-provider": "five/five.rules:11:9",
    "estim": "five/five.rules:16:9",
    "gp": "five/five.rules:18:9",
    "evals-once": "five/five.rules:20:9",
    "no-charges": "scrubber",
}
HOLD = "Note Not Finalized by an Authorized Provider"
HOLD_WHY = "A note must be finalized by an authorized provider"
ESTIM_WHY = "Medicare does not pay 97014: unattended e-stim is billed as G0283"


def _moving(units: int) -> str:
    return "1 unit moves with it" if units == 1 else f"{units} units move with it"


def scrub(document: dict[str, Any]) -> dict[str, Any]:
    """The five rules over every visit, in the order the command line writes its result."""
    patient_of = {case["id"]: case["patient_id"] for case in document["cases"]}
    medicare = {c["id"] for c in document["cases"] if c["insurance"]["class"] == "medicare"}
    billed: list[Any] = []
    held: list[Any] = []
    audit: list[dict[str, Any]] = []
    add = audit.append

    def entry(
        visit: Any,
        charge: Any,
        payer: str,
        payers: list[str],
        rule: str,
        action: str,
        field: str,
        before: Any,
        after: Any,
        delta: int,
        units: Any,
        message: str,
    ) -> None:
        add({
            "seq": len(audit) + 1, "visit_id": visit["id"],
            "charge_id": charge["id"] if charge is not None else None,
            "patient_id": patient_of[visit["case_id"]],
            "date_of_service": visit["date_of_service"], "payer": payer, "payers": payers,
            "location": visit["location"], "provider": visit["provider"]["id"],
            "cpt": charge["cpt"] if charge is not None else None,
            "rule": f"five/{rule}" if rule != "no-charges" else "scrubber/no-charges",
            "source": SOURCE[rule], "action": action, "field": field,
            "before": before, "after": after, "units_delta": delta, "units": units,
            "message": message,
        })  # fmt: skip

    for visit in document["visits"]:
        mcr = visit["case_id"] in medicare
        payers = ["medicare"] if mcr else []
        role = visit["provider"]["role"]
        charges = visit["charges"]
        kept = []
        for charge in charges:
            if charge["cpt"] in NEVER:
                units = charge["units"]
                entry(visit, charge, "any", payers, "no-bill", "drop", "units", units, 0, -units,
                      0, f"{charge['cpt']} never flows to billing (Codes that never flow to billing)")  # fmt: skip
            else:
                kept.append(charge)
        hold = role in ("aide", "student")
        if hold:
            entry(visit, None, "any", payers, "placeholder-provider", "hold", "visit", None, None,
                  0, None, f"visit {visit['id']} held: {HOLD} ({HOLD_WHY})")  # fmt: skip
        if mcr:
            for charge in kept:
                if charge["cpt"] == "97014":
                    entry(visit, charge, "medicare", payers, "estim", "replace", "cpt", "97014",
                          "G0283", 0, charge["units"],
                          f"97014 replaced with G0283 ({_moving(charge['units'])}) by {ESTIM_WHY}")  # fmt: skip
                    charge["cpt"] = "G0283"
            if role in ("PT", "PTA"):
                for charge in kept:
                    mods = charge["modifiers"]
                    if charge["cpt"] in THERAPY and "GP" not in mods:
                        before = list(mods)
                        mods.append("GP")
                        entry(visit, charge, "medicare", payers, "gp", "add_modifier", "modifiers",
                              before, list(mods), 0, charge["units"],
                              f"GP added to {charge['cpt']} by PT services carry GP")  # fmt: skip
            left = 1
            for charge in kept:
                if charge["cpt"] in EVALS:
                    units = charge["units"]
                    if units > left:
                        charge["units"] = left
                        entry(visit, charge, "medicare", payers, "evals-once", "limit", "units",
                              units, left, left - units, left,
                              f"{charge['cpt']} limited from {units} to {left} unit{'' if left == 1 else 's'} (1 in total per visit) by One evaluation per visit")  # fmt: skip
                    left -= charge["units"]
        if hold:
            held.append({
                "visit_id": visit["id"], "patient_id": patient_of[visit["case_id"]],
                "date_of_service": visit["date_of_service"],
                "reasons": [{"rule": "five/placeholder-provider",
                             "source": SOURCE["placeholder-provider"], "message": HOLD,
                             "description": HOLD_WHY, "values": {"provider.role": role}}],
                "charges": kept,
            })  # fmt: skip
            continue
        if not kept:
            entry(
                visit,
                None,
                payers[0] if payers else "any",
                payers,
                "no-charges",
                "drop",
                "visit",
                None,
                None,
                0,
                None,
                f"visit {visit['id']} has no charges: nothing flows to billing",
            )
            continue
        visit["charges"] = kept
        billed.append(visit)
    return {"billed": billed, "exceptions": held, "rejected": [], "audit": audit}


def records(document: dict[str, Any]) -> list[Any]:
    """The public records (scrubber's attrs classes) built from the document with no check at
    all: what any scrubber pays whose API hands out those records, as issue 29 requires ("the
    public record types stay attrs records"). A lower bound: dates and enums by a memo, nested
    records the sample never has (guarantors, employers) left out."""
    from datetime import date

    from scrubber.model import records as r

    days: dict[str, date] = {}

    def day(text: str | None) -> date | None:
        if text is None:
            return None
        found = days.get(text)
        if found is None:
            found = days[text] = date.fromisoformat(text)
        return found

    roles, notes = {m.value: m for m in r.ProviderRole}, {m.value: m for m in r.NoteType}
    classes, causes = {m.value: m for m in r.InsuranceClass}, {m.value: m for m in r.RelatedCause}
    built: list[Any] = []
    keep = built.append
    for p in document["patients"]:
        keep(r.Patient(p["id"], p["first_name"], p["last_name"], day(p["birth_date"]), p["middle_initial"], p["ssn"],
                       tuple(r.Address(a["type"], a["line1"], a["city"], a["state"], a["postal_code"], a["primary"], a["line2"]) for a in p["addresses"]),
                       tuple(r.Phone(f["number"], f["primary"], f["type"], f["extension"]) for f in p["phones"])))  # fmt: skip
    for c in document["cases"]:
        i = c["insurance"]
        insurance = r.Insurance(i["payer_id"], classes[i["class"]], i["subscriber_id"], day(i["policy_start"]),
                                day(i["policy_end"]), i["claim_number"], i["insured_is_patient"])  # fmt: skip
        keep(r.Case(c["id"], c["patient_id"], insurance, causes[c["related_cause"]], day(c["injury_date"]),
                    c["accident_state"], c["authorization_required"], c["authorization_number"], None,
                    c["authorization_visits"], day(c["authorization_start"]), day(c["authorization_end"]),
                    day(c["plan_of_care_start"]), day(c["plan_of_care_end"])))  # fmt: skip
    for v in document["visits"]:
        charges = tuple(r.Charge(x["id"], x["cpt"], x["units"], x["minutes"], tuple(x["modifiers"]),
                                 tuple(x["diagnosis_codes"])) for x in v["charges"])  # fmt: skip
        provider = v["provider"]
        keep(r.Visit(v["id"], v["case_id"], day(v["date_of_service"]), v["location"],
                     r.Provider(provider["id"], roles[provider["role"]]), notes[v["note_type"]], charges,
                     day(v["finalized_on"])))  # fmt: skip
    return built


def run(source: str | Path, target: str | Path, *, with_records: bool = False) -> None:
    """The floor; ``with_records``: the public records built too (``records``), kept until the
    result is written, as a scrubber keeps them."""
    gc.disable()
    document = orjson.loads(Path(source).read_bytes())
    kept = records(document) if with_records else []
    Path(target).write_bytes(orjson.dumps(scrub(document), option=orjson.OPT_INDENT_2) + b"\n")
    del kept


def timed_sample(lines: int) -> None:
    """``--lines N``: the floor alone on a sample export of about N lines, timed."""
    import json
    import tempfile
    import time

    from common import machine

    from scrubber.sample import sample_document

    print(machine())
    document = sample_document(max(1, round(lines / 2.23)), seed=11, visits_per_day=400)
    with tempfile.TemporaryDirectory() as folder:
        export, result = Path(folder) / "export.json", Path(folder) / "result.json"
        export.write_text(json.dumps(document, indent=2), encoding="utf-8")
        start = time.perf_counter()
        run(export, result)
        took = time.perf_counter() - start
    charges = sum(len(v["charges"]) for v in document["visits"])
    print(f"input: {len(document['visits']):,} visits, {charges:,} charge lines")
    print(f"floor (in this process, imports not counted): {took:.2f} s")


if __name__ == "__main__":
    if len(sys.argv) in {3, 4} and sys.argv[1] != "--lines":
        run(sys.argv[1], sys.argv[2], with_records=sys.argv[3:] == ["--records"])
    elif len(sys.argv) == 3:
        timed_sample(int(sys.argv[2]))
    else:
        raise SystemExit("usage: floor.py EXPORT.json RESULT.json [--records] | floor.py --lines N")
