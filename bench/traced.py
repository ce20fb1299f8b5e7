"""Run a server with tracemalloc switchable from outside, for idle-memory figures.

    python -m bench.traced SCRIPT [ARGS...]     # or: python -m bench.traced -m MODULE [ARGS...]

SIGUSR1 starts tracing (1 frame: cheap, and only what is allocated from then on counts);
SIGUSR2 writes the traced bytes still alive to `$BENCH_TRACED_FILE` and stops tracing, so the
rate runs that follow pay nothing for it. With `$BENCH_TRACED_FRAMES` above 1 it also dumps a
snapshot beside that file, for `bench/ws_fanout.py --where`.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType


def _start(signum: int, frame: FrameType | None) -> None:
    tracemalloc.start(int(os.environ.get("BENCH_TRACED_FRAMES", "1")))


def _report(signum: int, frame: FrameType | None) -> None:
    out = Path(os.environ["BENCH_TRACED_FILE"])
    if not tracemalloc.is_tracing():
        out.write_text("0")
        return
    if tracemalloc.get_traceback_limit() > 1:
        tracemalloc.take_snapshot().dump(str(out.with_suffix(".snapshot")))
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    tmp = out.with_suffix(".tmp")
    tmp.write_text(str(size))
    tmp.replace(out)


def main() -> None:
    """Install the handlers, then run the server as `python` would."""
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _report)
    args = sys.argv[1:]
    if args[0] == "-m":
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
