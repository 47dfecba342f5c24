"""A million-row upload on the page "Your data", trained to the end, with the server's memory.

Writes a CSV of `--rows` rows (two features and a target, y = 2 x1 - 3.4 x2 + 4.2 + noise),
uploads it through the real uploader in headless Chromium, trains one epoch at full speed and
samples the server's RSS all along (idle, after the upload was read, peak, after the run).
Target (issue "Your own data"): a million-row upload trains with the server under 500 MB.

    .venv/bin/python bench/bench_upload.py [--rows 1000000] [--epochs 1] [--batch-size 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import IDLE, ROOT, Server, chromium_version, launch_chromium, load_avg, repo_state  # noqa: E402
from bench_load import RssSampler  # noqa: E402

UPLOAD = "[data-testid='stFileUploaderDropzoneInput']"
LIVE = "(window.LRViz && window.LRViz.instances.data_lrviz)"


def write_csv(path, rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 2))
    y = X @ np.array([2.0, -3.4]) + 4.2 + rng.normal(0, 0.01, rows)
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", fmt="%.6g", header="x1,x2,y", comments="")
    return path.stat().st_size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=1000)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    path = Path(tempfile.mkdtemp(prefix="bench-upload-")) / "million.csv"
    size = write_csv(path, args.rows)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {chromium_version()}, "
          f"{os.cpu_count()} cores, load average {load_avg()}; {args.rows} rows ({size / 1e6:.1f} MB), "
          f"{args.epochs} epoch(s) of batch {args.batch_size}; app {repo_state(ROOT)}", flush=True)
    with Server() as srv, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(srv.url + "/")
        page.wait_for_selector(IDLE, timeout=60_000)
        idle = srv.rss_mb()
        sampler = RssSampler(srv, every=0.1)
        sampler.start()
        page.goto(srv.url + f"/data?dataset=upload&speed=0&epochs={args.epochs}"
                            f"&batch_size={args.batch_size}&lr=0.1")
        page.wait_for_selector(IDLE, timeout=60_000)
        t0 = time.perf_counter()
        page.locator(UPLOAD).set_input_files(str(path))
        train = page.get_by_role("button", name=re.compile(r"(^|\s)Train$"))
        train.wait_for(timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        t_read = time.perf_counter() - t0
        after_read = srv.rss_mb()
        t1 = time.perf_counter()
        train.click()
        page.get_by_text(f"epoch {args.epochs}, loss").wait_for(timeout=600_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        t_train = time.perf_counter() - t1
        peak = sampler.stop()
        after = srv.rss_mb()
        errors = page.locator("[data-testid='stException']").count()
        steps = page.evaluate(f"{LIVE} ? {LIVE}.state.x[{LIVE}.state.n - 1] : null")
        browser.close()
    print("\n| figure | value | target | met |\n|---|---|---|---|")
    print(f"| server RSS idle after the main page (MB) | {idle:.0f} | | |")
    print(f"| upload read, columns shown (s) | {t_read:.1f} | | |")
    print(f"| server RSS after the upload was read (MB) | {after_read:.0f} | | |")
    print(f"| Train -> end text, {steps} steps (s) | {t_train:.1f} | | |")
    met = "yes" if peak < 500 else "**no**"
    print(f"| server RSS peak, upload to end (MB) | {peak:.0f} | < 500 | {met} |")
    print(f"| server RSS after the run (MB) | {after:.0f} | | |")
    print(f"| exceptions on the page | {errors} | 0 | {'yes' if errors == 0 else '**no**'} |")


if __name__ == "__main__":
    main()
