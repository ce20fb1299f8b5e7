"""Benchmark the home page with 10,000 rooms on Chromium under Fast 3G: time to the first room card.

python bench/home.py [--rooms 10000] [--runs 3]

Starts a demo hub (`python run.py serve`, its simulator generating the rooms, the demo sync
mirroring them), then opens / in headless Chromium (Debian's, /usr/bin/chromium) with the
network throttled through CDP `Network.emulateNetworkConditions` to DevTools' Fast 3G preset
(562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up) and the cache disabled. It prints, per run,
the time from navigation start to the first `.room-card` in the document and to the first
contentful paint, and the bytes the page transferred. The target is under 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.roomlist import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Chrome DevTools' "Fast 3G" preset.
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
# Runs before the page's own scripts: notes when the parser (or a script) adds the first card.
FIRST_CARD = """
new MutationObserver((_, observer) => {
  if (document.querySelector('.room-card')) {
    window.__firstCard = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


async def one_run(url: str) -> tuple[float, float, int]:
    """(ms to the first card, ms to first contentful paint, bytes received) for one cold load."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            await cdp.send("Network.emulateNetworkConditions", FAST_3G)
            received = 0

            def count(event: dict[str, object]) -> None:
                nonlocal received
                length = event.get("encodedDataLength", 0)
                received += int(length) if isinstance(length, int | float) else 0

            cdp.on("Network.loadingFinished", count)
            await page.add_init_script(FIRST_CARD)
            await page.goto(url, wait_until="load", timeout=60_000)
            await page.wait_for_function("() => window.__firstCard !== undefined")
            first = float(await page.evaluate("window.__firstCard"))
            fcp = float(
                await page.evaluate(
                    "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0"
                )
            )
            return first, fcp, received
        finally:
            await browser.close()


async def main(args: argparse.Namespace) -> None:
    """Start the demo hub, load its home page `runs` times, print the figures."""
    with tempfile.TemporaryDirectory(prefix="hub-home-") as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_DEMO="1",
            HUB_DEMO_ROOMS=str(args.rooms),
            HUB_DATA_DIR=tmp,
            HUB_PORT=str(port),
            HUB_LIVE_DAILY_QUOTA="100000",
            HUB_LOG_LEVEL="WARNING",
        )
        hub = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run.py"),
            "serve",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_for(url, args.rooms, within=300)
            print(f"{args.rooms} rooms; Chromium, Fast 3G (562.5 ms, 1.44 Mbit/s), cache off\n")
            print(f"{'run':<5}{'first card ms':>15}{'FCP ms':>10}{'KB received':>13}")
            firsts = []
            for run in range(1, args.runs + 1):
                first, fcp, received = await one_run(url + "/")
                firsts.append(first)
                print(f"{run:<5}{first:>15.0f}{fcp:>10.0f}{received / 1024:>13.1f}")
            print(f"\nmedian time to the first room card: {statistics.median(firsts):.0f} ms")
            print("target: under 1500 ms (issue 17)")
        finally:
            hub.terminate()
            await hub.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000, help="demo rooms (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="cold page loads (default 3)")
    asyncio.run(main(parser.parse_args()))
