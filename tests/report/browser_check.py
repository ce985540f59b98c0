#!/usr/bin/env python3
"""Opens an HTML report in headless Chromium and checks it as a reader would see it.

Speaks the DevTools protocol over Chromium's --remote-debugging-pipe (file descriptors 3
and 4, NUL-separated JSON), so it needs nothing but Python's standard library and Debian's
chromium package. Fails (exit 3) on any console error, uncaught exception, failed load or
network request, or on a chart that did not draw (no SVG, empty SVG, no data marks) or that
has no table of its numbers beside it (in its <figure>, named by the chart's
aria-describedby, with at least one row of data), and saves a full-page screenshot. Exit 2
means the check itself could not run.

  browser_check.py REPORT.html --screenshot OUT.png [--expect NAME ...] [--expect-failure]
                   [--forbid SELECTOR ...] [--require SELECTOR ...] [--expect-text TEXT ...]
                   [--probe-csp]

--forbid fails when an element matching SELECTOR exists once the charts are drawn (an
attribute a script injected through the data would set); --require fails when none does
(a section or table the page must have); --expect-text fails when the text of the page's
<main> (its prose and tables, folded or not; not the charts' data) does not contain TEXT. --probe-csp then inserts an
element with an inline event handler, as injected markup would, and fails if the handler
runs: the page's Content-Security-Policy must stop it.
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-extensions", "--disable-default-apps", "--hide-scrollbars", "--mute-audio"]

CHECK_JS = r"""
(() => {
  const out = [];
  for (const el of document.querySelectorAll('.chart')) {
    const svg = el.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const marks = svg ? svg.querySelectorAll('g.role-mark > *').length : 0;
    // The chart's table: in the same figure, the element its aria-describedby names.
    const fig = el.closest('figure');
    const ref = el.getAttribute('aria-describedby');
    const data = ref ? document.getElementById(ref) : null;
    const table = data && fig && fig.contains(data) ? data.querySelector('table') : null;
    const rows = table ? Array.from(table.querySelectorAll('tr')).filter(r => r.querySelector('td')).length : 0;
    out.push({id: el.id, name: el.dataset.chart, rendered: el.dataset.rendered || null,
              svg: !!svg, width: box.width, height: box.height, marks: marks,
              canvas: el.querySelectorAll('canvas').length, table_rows: rows});
  }
  return JSON.stringify({charts: out, done: document.body.getAttribute('data-charts-done'),
                         title: document.title, height: document.documentElement.scrollHeight});
})()
"""


class Browser:
    def __init__(self, chromium, profile):
        to_child_r, self.to_child_w = os.pipe()
        self.from_child_r, from_child_w = os.pipe()

        def wire():  # in the child: commands on fd 3, replies on fd 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([chromium] + FLAGS + ["--user-data-dir=" + profile, "--remote-debugging-pipe",
                                      "about:blank"], preexec_fn=wire, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            r, _, _ = select.select([self.from_child_r], [], [], left)
            if r:
                chunk = os.read(self.from_child_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def problems_in(events, page_url):
    problems = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            problems.append("console error: " + text)
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            problems.append("uncaught exception: " + str(d.get("exception", {}).get("description", d.get("text"))))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            en = p["entry"]
            problems.append(f"browser error ({en.get('source')}): {en.get('text')} {en.get('url', '')}".strip())
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if url != page_url and not url.startswith(("data:", "blob:", "about:")):
                problems.append("network request: " + url)
        elif m == "Network.loadingFailed":
            problems.append("failed load: " + str(p.get("errorText")))
    return problems


def check(args):
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("browser_check: Chromium is not installed; run scripts/install-deps.sh (Debian package 'chromium')")
        return 2
    page_url = "file://" + os.path.abspath(args.report)
    profile = tempfile.mkdtemp(prefix="geosim-chromium-")
    b = Browser(chromium, profile)
    try:
        targets = b.call("Target.getTargets", timeout=60)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        sess = b.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            b.call(domain + ".enable", session=sess)
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=sess)
        b.call("Page.navigate", {"url": page_url}, session=sess)
        deadline = time.monotonic() + args.timeout
        state = None
        while time.monotonic() < deadline:
            r = b.call("Runtime.evaluate", {"expression": CHECK_JS, "returnByValue": True}, session=sess)
            value = r.get("result", {}).get("value")
            state = json.loads(value) if value else None
            if state and state["done"] == "1":
                break
            b.pump(0.2)
        b.pump(0.5)  # late console messages or requests
        problems = problems_in(b.events, page_url)
        for sel in args.forbid:
            r = b.call("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(sel)}) !== null",
                                            "returnByValue": True}, session=sess)
            if r.get("result", {}).get("value"):
                problems.append(f"forbidden element present: {sel} (injected markup ran)")
        for sel in args.require:
            r = b.call("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(sel)}) !== null",
                                            "returnByValue": True}, session=sess)
            if not r.get("result", {}).get("value"):
                problems.append(f"required element missing: {sel}")
        for text in args.expect_text:
            r = b.call("Runtime.evaluate", {"expression": f"document.querySelector('main').textContent.includes({json.dumps(text)})",
                                            "returnByValue": True}, session=sess)
            if not r.get("result", {}).get("value"):
                problems.append(f"expected text missing from the page: {text!r}")
        if args.probe_csp:
            # The console error this provokes (a refused inline handler) is expected, so
            # problems were collected above, before the probe.
            probe = ("(() => { const d = document.createElement('div'); "
                     "d.innerHTML = '<img src=\"data:,x\" onerror=\"document.body.setAttribute(\\'data-csp-probe\\', 1)\">'; "
                     "document.body.appendChild(d); return 1; })()")
            b.call("Runtime.evaluate", {"expression": probe, "returnByValue": True}, session=sess)
            b.pump(1.0)
            r = b.call("Runtime.evaluate", {"expression": "document.body.hasAttribute('data-csp-probe')",
                                            "returnByValue": True}, session=sess)
            if r.get("result", {}).get("value"):
                problems.append("an inline event handler ran: the Content-Security-Policy allows inline scripts")
        if not state or state["done"] != "1":
            problems.append(f"charts did not finish drawing within {args.timeout} s")
        charts = state["charts"] if state else []
        if not charts:
            problems.append("the page has no charts")
        names = [c["name"] for c in charts]
        for want in args.expect:
            if not any(n == want or (want.endswith("*") and n.startswith(want[:-1])) for n in names):
                problems.append(f"expected chart '{want}' is missing (charts: {', '.join(names)})")
        for c in charts:
            bad = []
            if c["rendered"] != "1":
                bad.append(f"state {c['rendered']}")
            if not c["svg"]:
                bad.append("no SVG")
            elif c["width"] < 50 or c["height"] < 50:
                bad.append(f"SVG only {c['width']:.0f}x{c['height']:.0f} px")
            if c["marks"] == 0:
                bad.append("no data marks drawn")
            if c.get("table_rows", 0) == 0:
                bad.append("no table of its numbers beside it")
            if bad:
                problems.append(f"chart {c['id']}: " + ", ".join(bad))
        if args.screenshot:
            height = min(int(state["height"]) if state else 900, 16000)
            b.call("Emulation.setDeviceMetricsOverride",
                   {"width": args.width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=sess)
            shot = b.call("Page.captureScreenshot", {"format": "png"}, session=sess, timeout=60)
            os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            # The page in slices of one screen each, for reading the report as a person would.
            for k in range(min(args.slices, (height + 1399) // 1400)):
                clip = {"x": 0, "y": 1400 * k, "width": args.width, "height": min(1400, height - 1400 * k), "scale": 1}
                part = b.call("Page.captureScreenshot", {"format": "png", "clip": clip}, session=sess, timeout=60)
                with open(args.screenshot[:-4] + f"-{k + 1}.png", "wb") as f:
                    f.write(base64.b64decode(part["data"]))
            # One chart's figure (chart, caption, table), for the documentation.
            for name in args.figure:
                js = ("(() => { const el = document.querySelector('.chart[data-chart=' + JSON.stringify(%s) + ']');"
                      " if (!el) return null; const r = el.closest('figure').getBoundingClientRect();"
                      " return JSON.stringify({x: r.left + window.scrollX, y: r.top + window.scrollY,"
                      " width: r.width, height: r.height}); })()") % json.dumps(name)
                r = b.call("Runtime.evaluate", {"expression": js, "returnByValue": True}, session=sess)
                box = r.get("result", {}).get("value")
                if not box:
                    problems.append(f"no chart '{name}' to take a picture of")
                    continue
                box = json.loads(box)
                clip = {"x": max(0, box["x"] - 16), "y": max(0, box["y"] - 16), "width": min(args.width, box["width"] + 32),
                        "height": box["height"] + 32, "scale": 1}
                part = b.call("Page.captureScreenshot", {"format": "png", "clip": clip}, session=sess, timeout=60)
                with open(args.screenshot[:-4] + f"-{name}.png", "wb") as f:
                    f.write(base64.b64decode(part["data"]))
        for c in charts:
            print(f"  {c['id']}: {c['marks']} marks, {c['width']:.0f}x{c['height']:.0f} px, "
                  f"table of {c.get('table_rows', 0)} rows")
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
    for p in problems:
        print("PROBLEM: " + p)
    if args.expect_failure:
        missed = [w for w in args.expect_problem if not any(w in p for p in problems)]
        for w in missed:
            print(f"browser_check: expected a problem containing '{w}', found none")
        if problems and not missed:
            print(f"browser_check: the page's problems were detected, as expected ({len(problems)})")
            return 0
        if not problems:
            print("browser_check: expected problems on this page, found none")
        return 3
    if problems:
        print(f"browser_check: {args.report}: {len(problems)} problem(s)")
        return 3
    print(f"browser_check: {args.report}: {len(charts)} charts drawn, no console errors, no network requests")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report")
    ap.add_argument("--screenshot", default="")
    ap.add_argument("--expect", action="append", default=[], help="a chart name that must be present (NAME* = prefix)")
    ap.add_argument("--expect-failure", action="store_true", help="pass only if the page has problems (checks the check)")
    ap.add_argument("--slices", type=int, default=0, help="also save the first N screens as NAME-1.png ...")
    ap.add_argument("--figure", action="append", default=[],
                    help="with --screenshot: also save the figure of the chart NAME (chart, caption, table) as OUT-NAME.png")
    ap.add_argument("--expect-problem", action="append", default=[],
                    help="with --expect-failure: a problem containing this text must be reported")
    ap.add_argument("--forbid", action="append", default=[],
                    help="a CSS selector that must match nothing once the charts are drawn")
    ap.add_argument("--require", action="append", default=[],
                    help="a CSS selector that must match something once the charts are drawn")
    ap.add_argument("--expect-text", action="append", default=[],
                    help="text the page's <main> must contain (folded tables included; not the chart data)")
    ap.add_argument("--probe-csp", action="store_true",
                    help="check that an injected inline event handler does not run")
    ap.add_argument("--chromium", default="")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    try:
        return check(args)
    except (RuntimeError, TimeoutError, StopIteration, OSError) as e:
        print(f"browser_check: could not run the check: {e!r}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
