"""Running one probe in a child process with a time and a memory limit, so that an input that
aborts, exhausts memory or hangs is a finding the harness reports, not the end of the harness.

The child is forked (it inherits the parent's imports and caches: no start-up cost beyond the
fork), limits its own address space to what it already has plus ``memory`` bytes
(``resource.setrlimit(RLIMIT_AS)``) and its CPU time to ``seconds``, runs the probe and sends back
what happened. The parent waits a little longer than ``seconds`` of wall time, then kills it.
A child killed by a signal (SIGABRT from a Rust allocation that failed, SIGKILL, SIGXCPU),
one that exceeded its memory (``MemoryError``), or one that raised, is an ``AssertionError``
naming what happened.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["CHILD_MEMORY", "CHILD_SECONDS", "in_child"]

#: what a probe may add to the address space the harness already has
CHILD_MEMORY = 1 << 30
#: CPU seconds of one probe in a child (the harness's own limit, ``PROBE_SECONDS``, is 20)
CHILD_SECONDS = 20


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(
    probe: Callable[[Any], str], drawn: Any, out: Connection, memory: int, seconds: int
) -> None:
    try:
        limit = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        out.send(("ok", probe(drawn)))
    except BaseException as exc:  # everything is reported to the parent, which judges
        frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
        out.send(("raised", f"{type(exc).__name__}: {exc}"[:2000], "".join(frames)[-3000:]))
    finally:
        out.close()


def in_child(
    probe: Callable[[Any], str],
    drawn: Any,
    *,
    memory: int = CHILD_MEMORY,
    seconds: int = CHILD_SECONDS,
) -> str:
    """``probe(drawn)`` in a forked child under the limits; what it returned, or an
    ``AssertionError`` saying how it failed."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(probe, drawn, send, memory, seconds))
    child.start()
    send.close()
    try:
        return _answer(child, receive, seconds)
    except BaseException:
        child.kill()  # the harness's own time limit, or a finding: no child is left running
        child.join()
        raise


def _answer(child: Any, receive: Connection, seconds: int) -> str:
    try:
        if not receive.poll(seconds * 1.5 + 5):
            child.kill()
            child.join()
            raise AssertionError(f"the probe still ran after {seconds * 1.5 + 5:g} s (a hang)")
        try:
            answer = receive.recv()
        except EOFError:
            answer = None
    finally:
        receive.close()
    child.join(30)
    if child.exitcode is None:
        child.kill()
        child.join()
    if answer is None:
        code = child.exitcode or 0
        died = signal.Signals(-code).name if code < 0 else f"exit {code}"
        raise AssertionError(f"the child died ({died}): an abort, the memory limit or a crash")
    if answer[0] == "raised":
        raise AssertionError(f"{answer[1]}\n{answer[2]}")
    return str(answer[1])
