"""The names a billing service imports from ``scrubber`` itself exist, and nothing else leaks."""

import scrubber


def test_every_public_name_resolves():
    missing = [name for name in scrubber.__all__ if not hasattr(scrubber, name)]
    assert missing == []


def test_star_import_gives_exactly_the_public_names():
    namespace: dict[str, object] = {}
    exec("from scrubber import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(scrubber.__all__)


def test_load_and_scrub_through_the_top_level_names():
    rules = scrubber.load_rules()
    batch = scrubber.parse_export({"patients": [], "cases": [], "visits": []})
    result = rules.scrub(batch)
    assert isinstance(result, scrubber.ScrubResult)
    assert result.audit == ()
