"""The impact page in a real browser, as the other reports (``test_report_browser``): headless
Chromium lays it out at a desktop and a narrow width with nothing overflowing, and renders it
to PNG."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from test_report_browser import CHECK, _chromium

from scrubber.actions import LANGUAGE
from scrubber.engine.ruleset import RuleSet
from scrubber.history.store import HistoryStore
from scrubber.reports.impact import impact
from scrubber.reports.impact_output import impact_html
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_batch

CAP = 'limit timed to 2 units per day when provider.role != "other"'


def _page(tmp_path: Path) -> str:
    folder = tmp_path / "after"
    shutil.copytree(bundled_rules_dir(), folder)
    rules = folder / "commercial.rules"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(CAP, CAP.replace("to 2", "to 1")),
        encoding="utf-8",
    )
    before = RuleSet.compile(LANGUAGE.load_checked([bundled_rules_dir()]), stores=HistoryStore)
    after = RuleSet.compile(LANGUAGE.load_checked([folder]), stores=HistoryStore)
    return impact_html(impact(before, after, [sample_batch(80, 1)]))


@pytest.mark.parametrize("width", [1280, 760])
def test_the_impact_page_lays_out_without_overflow(tmp_path, width):
    page = tmp_path / "impact.html"
    text = _page(tmp_path)
    assert "commercial/two-a-day" in text
    page.write_text(text.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    run = _chromium(f"--window-size={width},1000", "--virtual-time-budget=5000", "--dump-dom",
                    page.as_uri())  # fmt: skip
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', run.stdout, re.S)
    assert found, f"Chromium did not run the check: {run.stderr[-2000:]}"
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")
                        .replace("&lt;", "<").replace("&gt;", ">"))  # fmt: skip
    assert report["problems"] == []
    # the totals and the table of visits are on the page as laid out
    assert re.search(r'id="changed">changed<b>\d+</b>', run.stdout)


def test_the_impact_page_renders_to_png(tmp_path):
    page = tmp_path / "impact.html"
    page.write_text(_page(tmp_path), encoding="utf-8")
    png = tmp_path / "impact.png"
    run = _chromium("--window-size=1280,1600", f"--screenshot={png}", page.as_uri())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", run.stderr[-2000:]
