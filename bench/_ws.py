"""A Streamlit session over its websocket (/_stcore/stream), speaking as a browser does: BackMsgs
out (recorded once from a real Chromium, see bench_load.record_backmsgs), every ForwardMsg read and
parsed, a fragment's timed re-runs (st.fragment(run_every=...)) answered like the frontend does.
It draws nothing: N of them measure the server, not N pages on the same cores.

    async with WsSession(url, frame=lambda fid: raw) as s:
        await s.run(load_msg)               # sends, waits for the run's script_finished
        s.watch(lambda t, typ, m, raw: ...)  # every later ForwardMsg, with its arrival time
"""

from __future__ import annotations

import asyncio
import base64
import time

SESSION_TIMEOUT = 180


def ws_url(url):
    return url.replace("http", "ws", 1) + "/_stcore/stream"


class WsSession:
    """One session. `frame(fragment_id)` gives the raw BackMsg of that fragment's timed re-run as
    this session's browser would send it (None: the session sends none). Counters: bytes, msgs,
    frames (timed re-runs sent), runs (script_finished by status name); error: the first exception
    element or Traceback seen, or the connection's failure."""

    def __init__(self, url, headers=None, frame=None, timeout=SESSION_TIMEOUT):
        self.url, self.headers, self.frame, self.timeout = url, headers, frame, timeout
        self.ws = None
        self.bytes = self.msgs = self.frames = 0
        self.runs = {}
        self.error = None
        self._timers = {}            # fragment id -> (task, interval)
        self._watchers = []
        self._waiters = []           # (predicate, future)
        self._reader = None

    async def __aenter__(self):
        import websockets
        self.loop = asyncio.get_running_loop()
        self.ws = await websockets.connect(ws_url(self.url), subprotocols=["streamlit"], max_size=None,
                                           open_timeout=60, ping_interval=None,
                                           additional_headers=self.headers)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):
        for task, _ in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    def watch(self, fn):
        """fn(t, typ, m, raw) for every ForwardMsg from now on (t: loop time of its arrival)."""
        self._watchers.append(fn)

    async def send(self, raw):
        """Send a BackMsg; returns the loop time just before it left."""
        t = self.loop.time()
        await self.ws.send(raw)
        return t

    def expect(self, pred):
        """A future resolved with (t, m) by the first later ForwardMsg for which pred(typ, m, raw)."""
        fut = self.loop.create_future()
        self._waiters.append((pred, fut))
        return fut

    async def wait(self, fut, timeout=None):
        return await asyncio.wait_for(fut, timeout or self.timeout)

    async def run(self, raw, timeout=None):
        """Send a rerun_script BackMsg and wait for its run to end (a full run: FINISHED_SUCCESSFULLY;
        a fragment's: FINISHED_FRAGMENT_RUN_SUCCESSFULLY). Returns (t sent, t finished)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        m = BackMsg()
        m.ParseFromString(raw)
        want = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY if m.rerun_script.fragment_id \
            else ForwardMsg.FINISHED_SUCCESSFULLY
        fut = self.expect(lambda typ, f, _: typ == "script_finished" and f.script_finished == want)
        t0 = await self.send(raw)
        t1, _ = await self.wait(fut, timeout)
        return t0, t1

    # --- reading --------------------------------------------------------------------------------

    async def _read(self):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        try:
            async for raw in self.ws:
                t = self.loop.time()
                self.bytes += len(raw)
                self.msgs += 1
                m = ForwardMsg()
                m.ParseFromString(raw)
                typ = m.WhichOneof("type")
                self._auto_rerun(typ, m)
                if typ == "delta" and m.delta.WhichOneof("type") == "new_element" \
                        and m.delta.new_element.WhichOneof("type") == "exception":
                    self.error = self.error or m.delta.new_element.exception.message[:200]
                elif b"Traceback" in raw:
                    self.error = self.error or "Traceback in a message"
                if typ == "script_finished":
                    name = ForwardMsg.ScriptFinishedStatus.Name(m.script_finished)
                    self.runs[name] = self.runs.get(name, 0) + 1
                for fn in self._watchers:
                    fn(t, typ, m, raw)
                keep = []
                for pred, fut in self._waiters:
                    if fut.done():
                        continue
                    if pred(typ, m, raw):
                        fut.set_result((t, m))
                    else:
                        keep.append((pred, fut))
                self._waiters = keep
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # a closed connection: report it, never hang the waiters
            self.error = self.error or f"{type(exc).__name__}: {exc}"[:200]
        for _, fut in self._waiters:
            if not fut.done():
                fut.set_exception(ConnectionError(self.error or "websocket closed"))

    def _auto_rerun(self, typ, m):
        """The frontend's timers: an auto_rerun message starts one per fragment (re-sent every
        interval until stop_auto_rerun); a full run's start drops them all."""
        if typ == "new_session" and not m.metadata.run.fragment_ids:
            for task, _ in self._timers.values():
                task.cancel()
            self._timers.clear()
        elif typ == "auto_rerun" and self.frame is not None:
            fid, interval = m.auto_rerun.fragment_id, m.auto_rerun.interval
            if fid in self._timers and self._timers[fid][1] == interval:
                return
            if fid in self._timers:
                self._timers.pop(fid)[0].cancel()
            self._timers[fid] = (asyncio.create_task(self._every(fid, interval)), interval)
        elif typ == "stop_auto_rerun":
            for fid in m.stop_auto_rerun.fragment_ids:
                if fid in self._timers:
                    self._timers.pop(fid)[0].cancel()

    async def _every(self, fragment_id, interval):
        raw = self.frame(fragment_id)
        if raw is None:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                await self.ws.send(raw)
            except Exception:   # closed: the reader reports it
                return
            self.frames += 1


def sent_frames(ctx, page, clock=time.monotonic):
    """A list that fills with (clock(), raw) of every binary websocket frame `page` sends (CDP):
    the BackMsgs a real Chromium sent, for a bench to replay."""
    sent = []
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")

    def on_sent(ev):
        r = ev["response"]
        if r["opcode"] == 2:
            sent.append((clock(), base64.b64decode(r["payloadData"])))
    cdp.on("Network.webSocketFrameSent", on_sent)
    return sent
