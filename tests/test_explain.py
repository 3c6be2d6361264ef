"""scrubber explain: every rule of the visit's payers, in order, with what it did or why not."""

from pathlib import Path

from engine_helpers import batch_of, charge, rules_from

from scrubber.cli import main
from scrubber.dsl.load import load_checked
from scrubber.explain import explain_visit

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json"


def _explain(tmp_path, text, batch, visit="V1"):
    rules = rules_from(tmp_path, text)
    checked = load_checked([tmp_path / "rules"])
    return explain_visit(checked, rules, batch, visit)


def test_each_kind_of_reason(tmp_path):
    text = (
        'payer medicare "Medicare" when insurance.class = "medicare"\n'
        'payer wc "WC" when insurance.class = "workers_comp"\n'
        "rules medicare {\n"
        " rule cap: limit 97110 to 1 unit per day\n"
        " rule roomy: limit 97140 to 9 units per day\n"
        " rule kx: add modifier KX to 97110 when case.therapy_ytd_amount > 2480.00\n"
        " rule estim: replace 97014 with G0283\n"
        "}\n"
        "rules medicare effective 2025-01-01 through 2025-12-31 {\n rule old: drop 97110\n}\n"
        "rules wc {\n rule wc-only: drop 97110\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 3), charge("97140", 1)]})
    lines = _explain(tmp_path, text, batch)
    assert lines[0].startswith("Visit V1 of patient P1 on 2026-03-02 at Main St: payers medicare;")
    joined = "\n".join(lines)
    assert (
        "test/cap (rules/test.rules:4:12): applied, 97110 limited from 3 to 1 units per day"
        in joined
    )
    assert "[units: 3 -> 1]" in joined
    assert (
        "test/roomy (rules/test.rules:5:14): did nothing, the units were within the cap." in joined
    )
    assert ("test/kx (rules/test.rules:6:11): did nothing, its condition is false: "
            "case.therapy_ytd_amount > 2480.00 is false (case.therapy_ytd_amount is 100.00).") in joined  # fmt: skip
    assert (
        "test/estim (rules/test.rules:7:14): did nothing, no line of the visit has a code it selects"
        in joined
    )
    assert (
        "test/old (rules/test.rules:10:12): skipped, not in effect on 2026-03-02 (from 2025-01-01 to 2025-12-31)."
        in joined
    )
    assert ('test/wc-only (rules/test.rules:13:16): skipped, the visit does not belong to payer wc '
            '(insurance.class = "workers_comp" is false (insurance.class is "medicare")).') in joined  # fmt: skip
    assert len(lines) == 1 + 6


def test_explain_on_the_sample_names_every_rule(capsys):
    assert main(["explain", str(EXAMPLE), "--visit", "V23"]) == 0
    out = capsys.readouterr().out.splitlines()
    checked = load_checked()
    rules = [f"{f.stem}/{r.id}" for f in checked.files for b in f.blocks for r in b.rules]
    assert len(out) == 1 + len(rules)
    for line, name in zip(out[1:], rules, strict=True):
        assert f" {name} (" in line
        assert any(word in line for word in ("applied,", "did nothing,", "skipped,"))


def test_a_rejected_visit_is_explained_and_an_unknown_one_is_a_usage_error(capsys):
    assert main(["explain", str(EXAMPLE), "--visit", "V28"]) == 0
    assert "was rejected" in capsys.readouterr().out
    assert main(["explain", str(EXAMPLE), "--visit", "NOPE"]) == 2
    assert "no visit 'NOPE'" in capsys.readouterr().err
