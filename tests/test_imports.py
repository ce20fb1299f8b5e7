"""Every module of hub imports first, each in a fresh interpreter (no hidden import-order cycles).

A module that only imports because some other module happened to load first (the old
hub.live <-> hub.web.live circle) fails here. Children come from a forkserver that has loaded
third-party libraries but nothing of hub, so each child starts with no hub module at all.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Heavy third-party imports, loaded once in the forkserver rather than in every child.
PRELOAD = ["aiohttp", "aiohttp.web", "jinja2", "aiohttp_jinja2", "redis.asyncio", "aiosqlite"]


def hub_modules() -> list[str]:
    """Every module and package under hub/, by dotted name."""
    names = ["hub"]
    for info in pkgutil.walk_packages([str(ROOT / "hub")], prefix="hub."):
        names.append(info.name)
    return sorted(names)


def import_first(name: str) -> str | None:
    """Import `name` in this (fresh) process; the traceback when it fails, else None."""
    loaded = [m for m in sys.modules if m == "hub" or m.startswith("hub.")]
    if loaded:
        return f"not fresh: {loaded[:3]} already loaded"
    try:
        importlib.import_module(name)
    except Exception:
        return traceback.format_exc(limit=3)
    return None


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    names = hub_modules()
    assert "hub.web.live" in names and "hub.app" in names and len(names) > 100
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with context.Pool(2, maxtasksperchild=1) as pool:
        results = pool.map(import_first, names, chunksize=1)
    failures = {name: error for name, error in zip(names, results, strict=True) if error}
    assert not failures, "\n".join(f"{n}:\n{e}" for n, e in failures.items())
