"""The files a command writes, all or none.

Every output goes to a temporary file beside its target and is renamed over it only when every
output of the run is complete: a run that fails (exit 2) leaves none of its output files behind,
and never half of one. Output paths are checked before anything is read: an output that is an
input of the same run (``scrub e.json -o e.json``) or two outputs on one path are refused. An
output that cannot be written is one line and exit 2. Standard output (``-``) is written when the
run is complete, too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from scrubber.errors import UsageError

__all__ = ["Outputs"]


def _same(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)  # read the umask: the command line is one process of its own
        os.umask(mask)
        return 0o666 & ~mask


class Outputs:
    """The outputs of one command: ``add`` each before reading anything, write through
    ``open``, then ``commit`` (or ``discard`` when the run fails)."""

    def __init__(self, command: str, inputs: Iterable[str | Path | None] = ()) -> None:
        self.command = command
        self._inputs = [Path(p) for p in inputs if p is not None and str(p) != "-"]
        self._targets: dict[str, Path | None] = {}
        self._files: dict[str, IO[str]] = {}
        self._temps: dict[str, Path] = {}
        self._devices: dict[str, IO[str]] = {}
        self._committed: list[Path] = []
        #: files to remove when the run is complete (outputs that have nothing to hold)
        self._removed: list[Path] = []

    def add(self, target: str, what: str) -> None:
        """Claim ``target`` (``-``: standard output); refused when it is an input of the run or
        another output, or when its folder cannot take a file."""
        if target == "-":
            if "-" in self._targets:
                raise UsageError(f"scrubber {self.command}: two outputs on standard output")
            self._targets["-"] = None
            return
        path = Path(target)
        for known, other in self._targets.items():
            if other is not None and _same(other, path):
                raise UsageError(
                    f"scrubber {self.command}: {what} and {known} are the same file ({target})"
                )
        for given in self._inputs:
            if _same(given, path):
                raise UsageError(
                    f"scrubber {self.command}: {what} {target} is an input of this run: "
                    "it would be overwritten"
                )
        if path.is_dir():
            raise UsageError(f"scrubber {self.command}: {what} {target} is a folder")
        if path.exists() and not path.is_file():
            # A device or a pipe (-o /dev/null): it cannot be replaced, so it is written to
            # when the run is complete, like standard output.
            self._targets[target] = path
            self._devices[target] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._files[target] = self._devices[target]
            return
        try:
            handle, temporary = tempfile.mkstemp(
                dir=path.parent if str(path.parent) else ".",
                prefix=f".{path.name}.",
                suffix=".part",
            )
        except OSError as exc:
            raise UsageError(
                f"scrubber {self.command}: cannot write {what} {target} ({exc.strerror or exc})"
            ) from None
        self._targets[target] = path
        self._temps[target] = Path(temporary)
        self._files[target] = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def open(self, target: str) -> IO[str]:
        """Where to write ``target`` (a temporary file, or a buffer for standard output)."""
        if target not in self._files:
            if target != "-" or "-" not in self._targets:
                raise KeyError(target)  # pragma: no cover - a command writes what it added
            # held until commit or discard, which close it
            self._files["-"] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        return self._files[target]

    def write(self, target: str, text: str) -> None:
        self.write_with(target, lambda out: out.write(text))

    def write_with(self, target: str, write: Callable[[IO[str]], object]) -> None:
        """Let ``write`` write ``target`` part by part (a result too large to hold as one
        text); a failed write is one line and exit 2, as with ``write``."""
        try:
            write(self.open(target))
        except OSError as exc:
            raise UsageError(
                f"scrubber {self.command}: cannot write {target} ({exc.strerror or exc})"
            ) from None

    def remove(self, target: str) -> None:
        """Write nothing to ``target``, and remove what is at that path when the run is
        complete (an 837P with nothing billed: yesterday's claims must not be sent again)."""
        handle = self._files.pop(target, None)
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        temporary = self._temps.pop(target, None)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        self._devices.pop(target, None)
        path = self._targets.get(target)
        if path is not None and path.is_file():
            self._removed.append(path)

    def commit(self) -> None:
        """Put every output in place (standard output last)."""
        try:
            for path in self._removed:
                path.unlink(missing_ok=True)
            for target, handle in self._files.items():
                handle.flush()
                if target != "-" and target not in self._devices:
                    os.fsync(handle.fileno())
                    handle.close()
            for target, temporary in self._temps.items():
                # A temporary file is private (0600); the output gets the mode a file written
                # in place would have: the one it replaces, else what the umask allows.
                os.chmod(temporary, _mode_for(Path(target)))
                os.replace(temporary, target)
                self._committed.append(Path(target))
        except OSError as exc:
            self.discard()
            raise UsageError(
                f"scrubber {self.command}: cannot write the outputs ({exc.strerror or exc})"
            ) from None
        self._temps = {}
        for target, spool in self._devices.items():
            self._files.pop(target, None)
            spool.seek(0)
            try:
                with open(target, "w", encoding="utf-8", newline="") as device:
                    shutil.copyfileobj(spool, device)
            except OSError as exc:
                raise UsageError(
                    f"scrubber {self.command}: cannot write {target} ({exc.strerror or exc})"
                ) from None
            finally:
                spool.close()
        self._devices = {}
        out = self._files.pop("-", None)
        if out is not None:
            out.seek(0)
            shutil.copyfileobj(out, sys.stdout)
            out.close()

    def discard(self) -> None:
        """Remove every temporary file, and the outputs already put in place by this run."""
        for handle in self._files.values():
            with contextlib.suppress(OSError):
                handle.close()
        for temporary in self._temps.values():
            temporary.unlink(missing_ok=True)
        self._devices = {}
        for placed in self._committed:
            placed.unlink(missing_ok=True)
        self._temps, self._files, self._committed = {}, {}, []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is not None:
            self.discard()
