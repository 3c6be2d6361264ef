"""``scrubber sample --format x12``: a realistic 837P a newcomer can scrub without a file of their
own (one claim per visit, NPIs with valid check digits, taxonomies), which the bundled rules bill."""

from __future__ import annotations

import re

import pytest
from engine_helpers import check_conservation
from x12_validator import x12_problems

from scrubber.cli import main
from scrubber.formats.x12 import read_x12
from scrubber.load import load_rules
from scrubber.model.records import ProviderRole
from scrubber.sample_claims import npi, npi_is_valid, sample_claims


@pytest.mark.parametrize("valid", ["1234567893", "1987654328", "1245319599"])
def test_npi_check_digits(valid):
    assert npi_is_valid(valid) and npi(valid[:9]) == valid
    wrong = valid[:9] + str((int(valid[9]) + 1) % 10)
    assert not npi_is_valid(wrong)
    assert not npi_is_valid(valid[:9]) and not npi_is_valid("12345678a3")


def test_the_sample_837p_is_realistic_and_billed_by_the_bundled_rules(tmp_path):
    path = tmp_path / "claims.x12"
    assert (
        main(["sample", "--format", "x12", "--visits", "120", "--seed", "3", "-o", str(path)]) == 0
    )
    text = path.read_text(encoding="utf-8")
    assert x12_problems(path) == []
    batch, _ = read_x12(text)
    assert batch.rejected == ()
    assert len(batch.cases) == len(batch.visits) == text.count("~\nCLM*")  # one claim a visit
    npis = re.findall(r"~\nNM1\*(?:85|82)\*[12]\*[^~]*\*XX\*([^~*]*)~", text)
    assert len(npis) >= len(batch.visits) and all(npi_is_valid(n) for n in npis), npis
    taxonomies = set(re.findall(r"~\nPRV\*(?:PE|BI)\*PXC\*([0-9A-Z]{10})~", text))
    assert taxonomies >= {"225100000X", "225200000X"}
    assert {v.provider.role for v in batch.visits} <= {ProviderRole.PT, ProviderRole.PTA,
                                                       ProviderRole.OT}  # fmt: skip
    assert all(c.amount and c.amount > 0 for v in batch.visits for c in v.charges)
    result = load_rules().scrub(batch)
    check_conservation(batch, result)
    assert len(result.billed) > len(batch.visits) * 0.8  # an 837P is not held for policy dates
    assert {e.rule for e in result.audit} >= {"medicare/gp"}


def test_the_sample_as_claims_matches_the_exports_visits():
    claims = sample_claims(80, 5)
    assert claims.visits and all(v.charges for v in claims.visits)
    assert not any(c.cpt in ("NORCM", "NC001") for v in claims.visits for c in v.charges)


def test_malformed_records_are_for_json_samples(capsys):
    assert main(["sample", "--format", "x12", "--malformed", "2"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
