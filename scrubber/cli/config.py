"""Settings a project keeps in a file instead of repeating them on every command line.

A ``scrubber.toml`` in the current folder, else the ``[tool.scrubber]`` table of a
``pyproject.toml`` there, may set:

```toml
rules = ["payer_rules", "local_rules"]   # a list of folders (or files), or one
cache-dir = ".cache/scrubber"
history = "clinic.history"
fail-on = ["rejected", "held"]          # a list, or one comma-separated string
x12-default-role = "PT"                 # the role of an 837P claim that names no taxonomy
```

Paths are relative to the file's folder. Options given on the command line win.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import attrs

from scrubber.errors import UsageError
from scrubber.model.records import ProviderRole

__all__ = ["FAIL_ON", "ROLES", "Config", "load_config", "parse_fail_on", "parse_role", "shown"]

#: what may make ``scrub`` exit 1, besides "none"
FAIL_ON = ("rejected", "held", "warned", "changed")
_KEYS = ("rules", "cache-dir", "history", "fail-on", "x12-default-role")
#: the roles a provider may have (DESIGN §3), for ``x12-default-role``
ROLES = tuple(role.value for role in ProviderRole)


@attrs.frozen
class Config:
    #: where the settings came from (for messages), or None without a file
    source: str | None = None
    rules: tuple[str, ...] = ()
    cache_dir: str | None = None
    history: str | None = None
    fail_on: frozenset[str] | None = None
    #: the role of an 837P claim that names no taxonomy (DESIGN §9)
    x12_default_role: ProviderRole | None = None


def shown(value: Any) -> str:
    """A settings value as it is written in TOML (``3``, ``true``, ``["held", 1]``), never as a
    Python value (``True``, ``['held', 1]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {shown(item)}" for key, item in value.items()) + "}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _kind(value: Any) -> str:
    """What a TOML value is, in words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date | time):
        return "a date or time"
    return "text"


def parse_fail_on(value: Any, where: str) -> frozenset[str]:
    """``rejected,held`` (or a list of them); ``none`` alone means never. Anything else, of any
    type, is a ``UsageError`` of one line."""
    choices = ", ".join(("none", *FAIL_ON))
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        items = list(value)
    else:
        raise UsageError(
            f"{where}: fail-on must be a list of {choices}, or one comma-separated string of "
            f"them; got {_kind(value)}: {shown(value)}"
        )
    words = [item.strip() for item in items if item.strip()]
    unknown = [w for w in words if w not in (*FAIL_ON, "none")]
    if unknown or not words:
        what = f"unknown {', '.join(shown(w) for w in unknown)}" if unknown else "nothing"
        raise UsageError(f"{where}: fail-on takes {choices} (comma-separated); got {what}")
    others = list(dict.fromkeys(w for w in words if w != "none"))
    if "none" in words and others:
        raise UsageError(
            f"{where}: 'none' cannot be combined with other values ({', '.join(others)}): "
            "give it alone to never fail, or give only the others"
        )
    return frozenset(w for w in words if w != "none")


def parse_role(value: Any, where: str) -> ProviderRole:
    """A provider role as the settings or the command line give it (``PT``, ``other``)."""
    if not isinstance(value, str) or value not in ROLES:
        shown = json.dumps(value, ensure_ascii=False, default=str)  # as TOML writes it
        raise UsageError(f"{where}: x12-default-role takes one of {', '.join(ROLES)}; got "
                         f"{shown}")  # fmt: skip
    return ProviderRole(value)


def load_config(folder: Path | None = None) -> Config:
    """The settings of ``scrubber.toml`` or ``pyproject.toml`` in ``folder`` (the current one)."""
    folder = folder or Path.cwd()
    own = folder / "scrubber.toml"
    project = folder / "pyproject.toml"
    if own.is_file():
        table = _read(own)
        where = str(own)
    elif project.is_file():
        tool = _read(project).get("tool", {})
        if not isinstance(tool, dict):
            raise UsageError(f"{project}: tool must be a table; got {_kind(tool)}: {shown(tool)}")
        found = tool.get("scrubber")
        where = f"{project} [tool.scrubber]"
        if found is None:
            return Config()
        if not isinstance(found, dict):
            raise UsageError(
                f"{project}: tool.scrubber must be a table of settings; got {_kind(found)}: "
                f"{shown(found)}"
            )
        table = found
    else:
        return Config()
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise UsageError(
            f"{where}: unknown setting {', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    base = own.parent if own.is_file() else project.parent
    return Config(
        source=where,
        rules=tuple(str(base / p) for p in _paths(table.get("rules"), "rules", where)),
        cache_dir=_path(table.get("cache-dir"), "cache-dir", where, base),
        history=_path(table.get("history"), "history", where, base),
        fail_on=parse_fail_on(table["fail-on"], where) if "fail-on" in table else None,
        x12_default_role=(
            parse_role(table["x12-default-role"], where) if "x12-default-role" in table else None
        ),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the settings ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def _paths(value: Any, key: str, where: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise UsageError(
            f"{where}: {key} must be a folder or a list of folders (as text, e.g. "
            f'{key} = ["payer_rules"]); got {_kind(value)}: {shown(value)}'
        )
    return items


def _path(value: Any, key: str, where: str, base: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise UsageError(
            f'{where}: {key} must be a path (as text, e.g. {key} = "{_EXAMPLES[key]}"); got '
            f"{_kind(value)}: {shown(value)}"
        )
    return str(base / value)


_EXAMPLES = {"cache-dir": ".cache/scrubber", "history": "clinic.history"}
