"""Where the grammar and the bundled rules are found.

In the repository they sit at the top level (``grammar/``, ``payer_rules/``) so rule authors edit
them where they expect; a built wheel carries them inside the package as ``scrubber/_data/...``.
An editable install imports the package from the source tree, where ``_data`` does not exist, so
both places are tried: the packaged copy first, then the source tree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scrubber.errors import ScrubberError

__all__ = ["bundled_rules_dir", "grammar_path", "grammar_text", "textmate_grammar_path"]

GRAMMAR_FILE = "payer_rules.lark"
TEXTMATE_FILE = "scrubber-rules.tmLanguage.json"


def _data_dir(name: str) -> Path:
    packaged = resources.files("scrubber").joinpath("_data", name)
    if packaged.is_dir():
        # A wheel is always unpacked on disk by pip, so the traversable is a real path.
        return Path(str(packaged))
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    raise ScrubberError(
        f"the bundled {name!r} folder is missing from this installation of scrubber; "
        "reinstall the package"
    )


def grammar_path() -> Path:
    """The path of the one lark grammar of the rule language."""
    return _data_dir("grammar") / GRAMMAR_FILE


def grammar_text() -> str:
    """The text of the one lark grammar of the rule language."""
    return grammar_path().read_text(encoding="utf-8")


def bundled_rules_dir() -> Path:
    """The folder of the default payer rules (and their tables)."""
    return _data_dir("payer_rules")


def textmate_grammar_path() -> Path:
    """The TextMate grammar of rule files, for editors that colour with one (editors/README.md)."""
    return _data_dir("editors") / TEXTMATE_FILE
