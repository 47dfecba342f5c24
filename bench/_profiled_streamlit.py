"""`streamlit run` with every script run profiled (cProfile), for bench_class.py --profile.

A script runs in a thread of its own (ScriptRunner._run_script), which a process-wide cProfile
started in the main thread does not see: each run gets a Profile of its own, timed by the thread's
CPU time (time.thread_time: with many threads and the GIL, wall time would count the waits); every
few seconds the runs finished since are added into one pstats.Stats (and dropped: thousands of
Profiles kept and merged again each time grew to 1.8 GB and a core), written to the file named by
LRVIZ_PROFILE_OUT, with, per kind of run (full, fragment), their number, wall and CPU seconds in
LRVIZ_PROFILE_OUT.json. What runs outside a script run (the
server's event loop: sending the ForwardMsgs, the websocket) is not in it.

    LRVIZ_PROFILE_OUT=/tmp/runs.prof python bench/_profiled_streamlit.py run app.py [options]
"""

import cProfile
import json
import os
import pstats
import sys
import threading
import time

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

OUT = os.environ["LRVIZ_PROFILE_OUT"]
_lock = threading.Lock()
_done = []            # (Profile, kind, wall s, CPU s) of each finished run
_original = script_runner.ScriptRunner._run_script


def _profiled(self, rerun_data):
    kind = "fragment" if rerun_data.fragment_id_queue else "full"
    prof = cProfile.Profile(time.thread_time)
    t0, c0 = time.perf_counter(), time.thread_time()
    prof.enable()
    try:
        return _original(self, rerun_data)
    finally:
        prof.disable()
        with _lock:
            _done.append((prof, kind, time.perf_counter() - t0, time.thread_time() - c0))


def _writer():
    stats, summary = None, {}
    while True:
        time.sleep(3)
        with _lock:
            runs = list(_done)
            _done.clear()
        if not runs:
            continue
        for prof, kind, wall, cpu in runs:
            if stats is None:
                stats = pstats.Stats(prof)
            else:
                stats.add(prof)
            s = summary.setdefault(kind, {"runs": 0, "wall": 0.0, "cpu": 0.0})
            s["runs"] += 1
            s["wall"] += wall
            s["cpu"] += cpu
        stats.dump_stats(OUT + ".tmp")
        os.replace(OUT + ".tmp", OUT)
        with open(OUT + ".json", "w") as f:
            json.dump(summary, f)


script_runner.ScriptRunner._run_script = _profiled
threading.Thread(target=_writer, daemon=True).start()
sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(cli.main())
