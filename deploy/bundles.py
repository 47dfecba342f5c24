"""Streamlit's script and style bundles, gzipped once, for the deploy recipe (issue 23, page weight).

Streamlit serves its own bundles (/static/js/*.js, /static/css/*.css: 80 % of a phone's cold page
load) uncompressed, on purpose: it leaves compression to the proxy in front. HAProxy's gzip
(libslz, in Debian's build and in the official image) makes them ~47 % of their size; gzip -9
makes them ~32 %, once, here. This writes static/_bundles/<js|css>/<name>.gz beside the app
(served by the replica's own static route, server.enableStaticServing); deploy/haproxy.cfg sends a
browser that takes gzip there, with Content-Encoding: gzip. The bundles' names carry a hash of
their content, so a file written here is valid for as long as that name exists.

    python deploy/bundles.py          # the Dockerfile runs it; tests and bench/ run ensure()

Rewrites nothing already up to date; removes what the installed Streamlit no longer has.
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "_bundles"
KINDS = ("js", "css")


def source():
    """The installed Streamlit's static/static folder (its /static/ route)."""
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static"


def ensure(out=OUT, src=None, level=9):
    """Write out/<kind>/<name>.gz for every src/<kind>/<name> (kind in KINDS) that lacks one.
    Returns the number of files written."""
    src = Path(src) if src else source()
    written, wanted = 0, set()
    for kind in KINDS:
        (out / kind).mkdir(parents=True, exist_ok=True)
        for f in sorted((src / kind).glob(f"*.{kind}")):
            target = out / kind / (f.name + ".gz")
            wanted.add(target)
            if target.exists() and target.stat().st_mtime >= f.stat().st_mtime:
                continue
            tmp = target.with_suffix(f".gz.{os.getpid()}")
            # mtime=0: the same bytes on every build
            tmp.write_bytes(gzip.compress(f.read_bytes(), compresslevel=level, mtime=0))
            tmp.replace(target)
            written += 1
        for stale in set((out / kind).glob("*.gz")) - wanted:
            stale.unlink(missing_ok=True)       # (another process may have been first)
    if not wanted:
        raise SystemExit(f"no Streamlit bundles under {src}: is streamlit installed?")
    return written


if __name__ == "__main__":
    n = ensure(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"{n} bundles gzipped into {OUT}")
