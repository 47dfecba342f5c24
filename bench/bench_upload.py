"""A million-row upload on the page "Your data", trained to the end, with the server's memory;
or (--worst) the files within the caps that make the reader use the most memory.

Default: writes a CSV of `--rows` rows (two features and a target, y = 2 x1 - 3.4 x2 + 4.2 +
noise), uploads it through the real uploader in headless Chromium, trains one epoch at full speed
and samples the server's RSS all along (idle, after the upload was read, peak, after the run).
Target (issue "Your own data"): a million-row upload trains with the server under 500 MB.

--worst (issue 19 "Hardening"): for each file of worst_files() (lone-CR line ends, sparse rows,
64 KB lines of text, 100 columns of quoted text, each at the caps) and the lone-CR flood that
once became a 168 MB table: core.userdata.read_table alone in a child process (its peak RSS
above the file's own bytes, against READ_BUDGET_MB), and the same file uploaded to a fresh
server (its RSS growth from before the upload to the peak: Streamlit's own copies of the upload
included). Medians of --repeat runs.

    .venv/bin/python bench/bench_upload.py [--rows 1000000] [--epochs 1] [--batch-size 1000]
    .venv/bin/python bench/bench_upload.py --worst [--repeat 3] [--only "bare CR"]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


# ---- the worst files within the limits (--worst) --------------------------------------------

def worst_files(limit=None):
    """{name: bytes}: for each way a file can make the reader use memory, the biggest that is
    still read (or refused only at the end): a lone CR for every line end, sparse rows, lines at
    the length limit, the most columns of text, in quotes. Each within core.userdata's caps."""
    from core.userdata import MAX_BYTES, MAX_CELLS, MAX_COLS, MAX_LINE_BYTES, MAX_ROWS
    limit = (limit or MAX_BYTES) - 1000
    rng = np.random.default_rng(0)
    files = {}
    # a lone CR ends every line (one LF too, so the file mixes them): a million rows of ten
    # 9-character numbers, MAX_CELLS cells, just under the size limit
    cols = MAX_CELLS // MAX_ROWS
    rows = min(MAX_ROWS, (limit - 200) // (10 * cols))
    nums = rng.integers(10_000_000, 99_999_999, size=(rows, cols)).astype("U8")
    body = "\r".join(",".join(f"{v}.5"[:9] for v in r) for r in nums.tolist())
    files["bare CR line ends"] = (",".join(f"x{j}" for j in range(cols)) + "\n" + body + "\r").encode()
    # sparse: the most columns, one number a row, every other cell empty (8 bytes each as NaN)
    rows = MAX_CELLS // MAX_COLS - 1
    files["sparse rows"] = (",".join(f"x{j}" for j in range(MAX_COLS)) + "\n"
                            + ("1,2" + "," * (MAX_COLS - 2) + "\n") * rows).encode()
    # lines at the length limit: two columns of numbers and long unique text cells
    width = (MAX_LINE_BYTES - 100) // (MAX_COLS - 2) - 1
    def line(i):
        return f"{i},{i % 7}," + ",".join(f"{i:08d}{j:03d}" + "t" * (width - 11)
                                                   for j in range(MAX_COLS - 2))
    rows = min(limit // MAX_LINE_BYTES - 2, MAX_CELLS // MAX_COLS - 1)
    files["64 KB lines of text"] = ("\n".join([",".join(f"c{j}" for j in range(MAX_COLS))]
                                              + [line(i) for i in range(rows)]) + "\n").encode()
    # the most cells of text: unique 8-character words in quotes (the csv module counts them)
    rows = MAX_CELLS // MAX_COLS - 1
    words = [f'"w{i:06d}"' for i in range(rows)]
    files["text in quotes, 100 columns"] = (
        ",".join(f"c{j}" for j in range(MAX_COLS)) + "\n"
        + "\n".join(f"{i},{i % 7}," + ",".join([words[i]] * (MAX_COLS - 2)) for i in range(rows))
        + "\n").encode()
    return files


def reader_peak(path):
    """(result, peak MB above the file's bytes, seconds) of read_table on the file at path, in a
    child process (VmHWM reset after the file is in memory)."""
    child = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from core.userdata import DataError, read_table
        def status(key):
            return next(int(ln.split()[1]) for ln in open("/proc/self/status")
                        if ln.startswith(key)) * 1024 / 1e6    # MB
        raw = open({str(path)!r}, "rb").read()
        base = status("VmRSS:")
        open("/proc/self/clear_refs", "w").write("5")
        t0 = time.perf_counter()
        try:
            t = read_table(raw)
            result = f"{{t.rows}} x {{len(t.numeric)}} numbers"
        except DataError as exc:
            result = "refused: " + exc.problem.code
        print(f"{{status('VmHWM:') - base:.1f}}|{{time.perf_counter() - t0:.2f}}|{{result}}")
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    peak, seconds, result = out.stdout.strip().split("|")
    return result, float(peak), float(seconds)


def server_growth(pw, path):
    """(RSS before the upload, growth to the peak while it is read, MB) on a fresh server."""
    with Server() as srv:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(srv.url + "/")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.goto(srv.url + "/data?dataset=upload")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.locator(UPLOAD).wait_for(state="attached")
        before = srv.rss_mb()
        sampler = RssSampler(srv, every=0.05)
        sampler.start()
        page.locator(UPLOAD).set_input_files(str(path))
        page.wait_for_selector("[data-testid='stAlertContentError'], [data-testid='stDataFrame']",
                               timeout=600_000)
        page.wait_for_selector(IDLE, timeout=600_000)
        peak = sampler.stop()
        errors = page.locator("[data-testid='stException']").count()
        browser.close()
    assert errors == 0, f"{errors} exceptions on the page"
    return before, peak - before


def worst(repeat, only=None):
    from playwright.sync_api import sync_playwright

    from core.userdata import READ_BUDGET_MB
    folder = Path(tempfile.mkdtemp(prefix="bench-worst-"))
    files = worst_files()
    wide = ",".join(f"c{j}" for j in range(100)) + "\n" + ",".join("1" * 100) + "\n"
    files["lone-CR flood, 400 kB (refused)"] = wide.encode() + b"2\r" * 200_000
    if only:
        files = {name: raw for name, raw in files.items() if only in name}
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {chromium_version()}, "
          f"{os.cpu_count()} cores, load average {load_avg()}; medians of {repeat}; app {repo_state(ROOT)}",
          flush=True)
    rows = []
    with sync_playwright() as pw:
        for k, (name, raw) in enumerate(files.items()):
            path = folder / f"worst{k}.csv"
            path.write_bytes(raw)
            del raw
            reads = [reader_peak(path) for _ in range(repeat)]
            grown = [server_growth(pw, path) for _ in range(repeat)]
            rows.append((name, path.stat().st_size / 1e6, reads[0][0],
                         statistics.median(r[1] for r in reads), statistics.median(r[2] for r in reads),
                         statistics.median(g[0] for g in grown), statistics.median(g[1] for g in grown)))
            print(f"  {name}: reader {[round(r[1]) for r in reads]} MB, "
                  f"server +{[round(g[1]) for g in grown]} MB", flush=True)
            path.unlink()
    print(f"\n| file (MB) | read as | reader's peak above the file (MB) | read (s) | server RSS "
          f"before (MB) | server growth to the peak (MB) | reader within {READ_BUDGET_MB} MB |")
    print("|---|---|---|---|---|---|---|")
    for name, size, result, peak, seconds, before, growth in rows:
        met = "yes" if peak <= READ_BUDGET_MB else "**no**"
        print(f"| {name} ({size:.1f}) | {result} | {peak:.0f} | {seconds:.1f} | {before:.0f} | "
              f"{growth:.0f} | {met} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--worst", action="store_true", help="the worst files within the caps (see above)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="--worst: only the files whose name holds this text")
    args = ap.parse_args()
    if args.worst:
        return worst(args.repeat, args.only)
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
