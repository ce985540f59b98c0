#!/usr/bin/env python3
"""The studio in a real browser: headless Chromium (Debian's package) driven over the
DevTools protocol, as tests/report/browser_check.py drives it for reports.

Starts `geosim serve scenarios --port 0`, opens the page on venezuela-2019, and with the
keyboard alone switches Russian military support off and moves the oil-sanctions
intensity slider. Once the refined answer (20,000 runs) is shown it checks that
  - every number shown (probability, interval, paired change) is the one POST /api/run and
    POST /api/compare return for the same settings;
  - the step check's table and words are POST /api/step-check's for the page's settings;
  - POST /api/run's bytes equal `geosim run FILE --set ... --runs 20000 --seed 1 --format json`;
  - the variant the page saves validates and `geosim run` on it gives the same probabilities;
  - a reload restores the settings from the address; "tell me one run" tells a story;
  - a seed above 2^53 (2^64 - 1) reaches the server and the page unchanged;
  - no console error, no uncaught exception, no request to anywhere but the server.
Screenshots go to OUT (--screenshots). Exit 0: all good, 3: a problem, 2: could not run.

  studio_check.py GEOSIM --screenshots DIR [--timeout 240]
"""
import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
from browser_check import Browser, problems_in  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class Problem(Exception):
    pass


def start_server(geosim):
    proc = subprocess.Popen([geosim, "serve", "scenarios", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        r, _, _ = select.select([proc.stdout], [], [], 1)
        if r:
            c = os.read(proc.stdout.fileno(), 1)
            if not c:
                break
            line += c
    m = re.search(rb"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise RuntimeError("geosim serve printed no address: %r" % line)
    return proc, "http://127.0.0.1:%s/" % m.group(1).decode()


def post(base, path, body):
    req = urllib.request.Request(base + path.lstrip("/"), data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read().decode()


def key(b, sess, name, code, text=None):
    down = {"type": "keyDown", "key": name, "code": code, "windowsVirtualKeyCode": code_of(name),
            "nativeVirtualKeyCode": code_of(name)}
    if text:
        down["text"] = text
    b.call("Input.dispatchKeyEvent", down, session=sess)
    b.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code,
                                      "windowsVirtualKeyCode": code_of(name)}, session=sess)


def code_of(name):
    return {" ": 32, "ArrowLeft": 37, "ArrowRight": 39, "Enter": 13, "Tab": 9}[name]


def evaluate(b, sess, expr):
    r = b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True}, session=sess)
    if "exceptionDetails" in r:
        d = r["exceptionDetails"]
        raise Problem("page script failed: %s" % d.get("exception", {}).get("description", d.get("text")))
    return r.get("result", {}).get("value")


STATE_JS = r"""
(() => JSON.stringify({
  state: document.body.dataset.state, runs: document.body.dataset.runs || null,
  request: document.body.dataset.request || null, hash: location.hash,
  error: document.getElementById('error').textContent,
  rows: [...document.querySelectorAll('#outcomes tbody tr')].map(tr => ({
    id: tr.dataset.outcome, p: tr.dataset.p, diff: tr.dataset.diff,
    p_text: tr.querySelector('.p').textContent, ci_text: tr.querySelector('.ci').textContent,
    diff_text: tr.querySelector('.diff').textContent, paired_text: tr.querySelector('.paired').textContent})),
  rulers: document.getElementById('regime').hidden ? null : [...document.querySelectorAll('#rulers tbody tr')].map(tr => ({
    id: tr.dataset.ruler, p: tr.dataset.p, p_text: tr.querySelector('.p').textContent})),
  charts: [...document.querySelectorAll('.chart')].map(c => c.querySelectorAll('svg g.role-mark > *').length),
  height: document.documentElement.scrollHeight}))()
"""


def wait_for(b, sess, cond, timeout, what):
    deadline = time.monotonic() + timeout
    st = None
    while time.monotonic() < deadline:
        try:
            st = json.loads(evaluate(b, sess, STATE_JS))
        except Problem:  # the page is still loading
            b.pump(0.25)
            continue
        if st["state"] == "error":
            raise Problem("the page shows an error: " + st["error"])
        if cond(st):
            return st
        b.pump(0.25)
    raise Problem("%s did not happen within %.0f s (last state: %s)" % (what, timeout, st and st["state"]))


STEP_JS = r"""
(() => JSON.stringify({
  request: document.body.dataset.stepCheck || null, hidden: document.getElementById('step-table').hidden,
  words: document.getElementById('step-words').textContent,
  rows: [...document.querySelectorAll('#step-table tbody tr')].map(tr => ({
    id: tr.dataset.outcome, own: tr.dataset.own, daily: tr.dataset.daily, p: tr.dataset.pValue,
    own_text: tr.querySelector('.own').textContent, daily_text: tr.querySelector('.daily').textContent,
    diff_text: tr.querySelector('.diff').textContent, paired_text: tr.querySelector('.paired').textContent,
    p_text: tr.querySelector('.pvalue').textContent}))}))()
"""


def step_check_state(b, sess, timeout):
    """The step check's table and words, once an answer is shown (its request set on the page)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = json.loads(evaluate(b, sess, STEP_JS))
        if st["request"]:
            return st
        b.pump(0.25)
    raise Problem("the step check showed no answer within %.0f s" % timeout)


def pval(p):
    """A p-value as the page shows it: two significant digits, or '< 0.0001'."""
    if p < 1e-4:
        return "< 0.0001"
    t = repr(float("%.2g" % p))
    return t[:-2] if t.endswith(".0") else t


def pct(p):
    return "%.1f%%" % (100 * p)


def pts(d):
    r = "%.1f" % abs(100 * d)
    sign = "\u00b1" if r == "0.0" else ("+" if d > 0 else "\u2212")
    return "%s%s pts" % (sign, r)


def focus(b, sess, selector):
    ok = evaluate(b, sess, "(() => { const e = document.querySelector(%s); if (!e) return false; e.focus(); "
                           "return document.activeElement === e; })()" % json.dumps(selector))
    if not ok:
        raise Problem("cannot focus " + selector)


def screenshot(b, sess, path, width, height):
    b.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                  "mobile": False}, session=sess)
    b.pump(0.5)
    shot = b.call("Page.captureScreenshot", {"format": "png"}, session=sess, timeout=60)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def check(args):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("studio_check: Chromium is not installed; run scripts/install-deps.sh (Debian package 'chromium')")
        return 2
    os.makedirs(args.screenshots, exist_ok=True)
    server, base = start_server(args.geosim)
    profile = tempfile.mkdtemp(prefix="geosim-studio-chromium-")
    work = tempfile.mkdtemp(prefix="geosim-studio-")
    b = Browser(chromium, profile)
    problems = []
    try:
        targets = b.call("Target.getTargets", timeout=60)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        sess = b.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            b.call(domain + ".enable", session=sess)
        b.call("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 900, "deviceScaleFactor": 1,
                                                      "mobile": False}, session=sess)
        b.call("Page.navigate", {"url": base + "#file=venezuela-2019.yaml&seed=1"}, session=sess)
        first = wait_for(b, sess, lambda s: s["state"] == "refined", args.timeout, "the first refined answer")
        print("studio_check: scenario as written: %d outcomes, %s runs" % (len(first["rows"]), first["runs"]))
        if any(r["diff"] != "0" and float(r["diff"]) != 0 for r in first["rows"]):
            raise Problem("the scenario as written shows a change against itself")

        # The keyboard alone: Space switches the lever off, ArrowLeft moves the slider.
        focus(b, sess, "#on-russian_military_support")
        key(b, sess, " ", "Space", " ")
        focus(b, sess, "#intensity-oil_sanctions")
        for _ in range(10):
            key(b, sess, "ArrowLeft", "ArrowLeft")
        b.pump(0.5)
        want = evaluate(b, sess, "location.hash")
        if "levers.russian_military_support.enabled%3Dfalse" not in want or "levers.oil_sanctions.intensity" not in want:
            raise Problem("the address does not hold the new settings: " + want)
        quick = wait_for(b, sess, lambda s: s["hash"] == want and s["state"] in ("quick", "refined") and s["request"]
                         and json.loads(s["request"])["set"].get("levers.russian_military_support.enabled") == "false",
                         args.timeout, "an answer for the new settings")
        print("studio_check: first answer from %s runs" % quick["runs"])
        st = wait_for(b, sess, lambda s: s["hash"] == want and s["state"] == "refined", args.timeout,
                      "the refined answer for the new settings")
        request = json.loads(st["request"])
        if request["runs"] != 20000 or st["runs"] != "20000":
            raise Problem("the refined answer is not from 20,000 runs: %s" % st["runs"])
        sets = request["set"]
        moved = float(sets["levers.oil_sanctions.intensity"])
        print("studio_check: refined answer for %s" % json.dumps(sets))

        # The numbers shown are the API's ...
        run_text = post(base, "/api/run", request)
        run = json.loads(run_text)
        cmp = json.loads(post(base, "/api/compare", request))
        effects = {o["id"]: o for o in cmp["comparisons"][0]["outcomes"]}
        if [r["id"] for r in st["rows"]] != [o["id"] for o in run["outcomes"]]:
            raise Problem("the outcomes shown are not the scenario's")
        changed = False
        for row, o in zip(st["rows"], run["outcomes"]):
            e = effects[o["id"]]
            shown = (float(row["p"]), row["p_text"], row["ci_text"], float(row["diff"]), row["diff_text"], row["paired_text"])
            api = (o["probability"], pct(o["probability"]), pct(o["ci95"][0]) + " \u2013 " + pct(o["ci95"][1]),
                   e["difference"], pts(e["difference"]), pts(e["paired_ci95"][0]) + " to " + pts(e["paired_ci95"][1]))
            if shown != api:
                problems.append("outcome %s: the page shows %r, the API says %r" % (o["id"], shown, api))
            changed = changed or e["difference"] != 0
            print("  %-24s %8s  [%s]  %10s  (%s)" % (o["id"], row["p_text"], row["ci_text"], row["diff_text"],
                                                     row["paired_text"]))
        if not changed:
            problems.append("switching Russian support off changed no outcome")
        # The scenario names its leader: who rules at the horizon is the API's.
        if "ruler" in run:
            shown = [(r["id"], float(r["p"]), r["p_text"]) for r in (st["rulers"] or [])]
            api = [(r["id"], r["probability"], pct(r["probability"])) for r in run["ruler"]]
            if shown != api:
                problems.append("who rules: the page shows %r, the API says %r" % (shown, api))
            print("studio_check: who rules at the horizon: %d rulers, as the API says" % len(api))

        # ... and the API's bytes are the command line's.
        cmd = [args.geosim, "run", "scenarios/venezuela-2019.yaml"]
        for k, v in sets.items():
            cmd += ["--set", "%s=%s" % (k, v)]
        cmd += ["--runs", str(request["runs"]), "--seed", str(request["seed"]), "--format", "json"]
        cli = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=600)
        if cli.returncode != 0 or cli.stdout.decode() != run_text:
            problems.append("POST /api/run differs from %s (exit %d)" % (" ".join(cmd), cli.returncode))
        else:
            print("studio_check: the page = POST /api/run = %s" % " ".join(cmd[1:]))

        # The saved variant validates and reproduces the numbers through the command line.
        evaluate(b, sess, "document.getElementById('save').click()")
        deadline = time.monotonic() + 60
        saved = ""
        while time.monotonic() < deadline and "extends:" not in saved:
            saved = evaluate(b, sess, "document.getElementById('commands').textContent")
            b.pump(0.2)
        if 'extends: "venezuela-2019.yaml"' not in saved:
            problems.append("save as variant showed no variant: " + saved[:200])
        variant = json.loads(post(base, "/api/variant", request))
        shutil.copytree(os.path.join(ROOT, "scenarios"), os.path.join(work, "scenarios"))
        vpath = os.path.join(work, "scenarios", variant["filename"])
        with open(vpath, "w") as f:
            f.write(variant["yaml"])
        if variant["yaml"] not in saved:
            problems.append("the page's variant differs from POST /api/variant")
        val = subprocess.run([args.geosim, "validate", vpath], capture_output=True, timeout=120)
        vrun = subprocess.run([args.geosim, "run", vpath, "--runs", "20000", "--seed", "1", "--format", "json"],
                              capture_output=True, timeout=600)
        if val.returncode != 0 or vrun.returncode != 0:
            problems.append("the saved variant does not validate or run: " + (val.stdout + val.stderr).decode())
        elif [o["probability"] for o in json.loads(vrun.stdout)["outcomes"]] != [float(r["p"]) for r in st["rows"]]:
            problems.append("geosim run on the saved variant gives other probabilities than the page shows")
        else:
            print("studio_check: the saved variant reproduces the page's probabilities")

        evaluate(b, sess, "document.getElementById('lever-russian_military_support').scrollIntoView({block: 'start'})")
        screenshot(b, sess, os.path.join(args.screenshots, "studio.png"), 1366, 900)
        evaluate(b, sess, "window.scrollTo(0, 0)")
        screenshot(b, sess, os.path.join(args.screenshots, "studio-full.png"), 1366, min(int(st["height"]), 6000))
        b.call("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 900, "deviceScaleFactor": 1,
                                                      "mobile": False}, session=sess)

        # Tell me one run.
        focus(b, sess, "#replay")
        key(b, sess, "Enter", "Enter", "\r")
        deadline = time.monotonic() + 60
        story = ""
        while time.monotonic() < deadline and "What happened:" not in story:
            story = evaluate(b, sess, "document.getElementById('story').textContent")
            b.pump(0.2)
        if "What happened:" not in story or "--replay 0" not in story:
            problems.append("tell me one run showed no story: " + story[:200])

        # The step check, for the page's settings: the table and the words are the API's.
        step_request = dict(request, runs=40000)
        evaluate(b, sess, "document.getElementById('step-check').click()")
        checked = step_check_state(b, sess, args.timeout)
        if json.loads(checked["request"]) != step_request:
            problems.append("the step check answers %s, not the page's settings %s" % (checked["request"], step_request))
        sc = json.loads(post(base, "/api/step-check", step_request))
        shown = [(r["id"], float(r["own"]), float(r["daily"]), float(r["p"]), r["own_text"], r["daily_text"],
                  r["diff_text"], r["paired_text"], r["p_text"]) for r in checked["rows"]]
        api = [(o["id"], o["own"]["probability"], o["daily"]["probability"], o["p_value"], pct(o["own"]["probability"]),
                pct(o["daily"]["probability"]), pts(o["difference"]),
                pts(o["paired_ci95"][0]) + " to " + pts(o["paired_ci95"][1]),
                pval(o["p_value"]) + (" (differs)" if o["differs"] else "")) for o in sc["outcomes"]]
        if shown != api or checked["hidden"]:
            problems.append("step check: the page shows %r, the API says %r" % (shown, api))
        if "$ " + sc["command"] not in checked["words"] or not all(w in checked["words"] for w in sc["warnings"]):
            problems.append("step check: the words do not hold the API's command and warnings: " + checked["words"])
        else:
            print("studio_check: the step check shows the API's %d outcomes (%s)" % (len(api),
                  checked["words"].splitlines()[0]))
        evaluate(b, sess, "document.getElementById('step-table').scrollIntoView({block: 'center'})")
        screenshot(b, sess, os.path.join(args.screenshots, "studio-step-check.png"), 1366, 900)

        # A reload restores the settings from the address.
        b.call("Page.reload", {}, session=sess)
        again = wait_for(b, sess, lambda s: s["state"] == "refined", args.timeout, "the refined answer after a reload")
        if json.loads(again["request"]) != request or [r["p"] for r in again["rows"]] != [r["p"] for r in st["rows"]]:
            problems.append("a reload did not restore the settings and numbers")
        checked = evaluate(b, sess, "document.getElementById('on-russian_military_support').checked")
        value = evaluate(b, sess, "document.getElementById('intensity-oil_sanctions').value")
        if checked or abs(float(value) - moved) > 1e-9:
            problems.append("after a reload the switch is %s and the slider at %s" % (checked, value))
        if min(again["charts"]) == 0:
            problems.append("a chart drew no marks: %s" % again["charts"])

        # A seed above 2^53 reaches the server unchanged (a JavaScript number would round it).
        big = 18446744073709551615
        b.call("Page.navigate", {"url": base + "#file=teaching.yaml&seed=%d" % big}, session=sess)
        seeded = wait_for(b, sess, lambda s: s["state"] == "refined" and s["request"]
                          and json.loads(s["request"])["file"] == "teaching.yaml", args.timeout,
                          "the refined answer for seed %d" % big)
        shown = evaluate(b, sess, "document.getElementById('status').textContent")
        if json.loads(seeded["request"])["seed"] != big or str(big) not in shown or "seed=%d" % big not in seeded["hash"]:
            problems.append("seed %d became %s (shown: %s)" % (big, json.loads(seeded["request"])["seed"], shown))
        else:
            print("studio_check: seed %d kept exactly" % big)

        # A format 1 file: the step check says why it does not apply.
        evaluate(b, sess, "document.getElementById('step-check').click()")
        f1 = step_check_state(b, sess, args.timeout)
        if not f1["hidden"] or "needs format 2" not in f1["words"]:
            problems.append("step check on a format 1 file: " + f1["words"])

        b.pump(0.5)
        origin = base.rstrip("/")
        for p in problems_in(b.events, base):
            if p.startswith("network request: ") and p[len("network request: "):].startswith(origin):
                continue  # the page's own server
            if p == "failed load: net::ERR_ABORTED":
                continue  # a request the page cancelled because a newer one replaced it
            problems.append(p)
    except Problem as e:
        problems.append(str(e))
    finally:
        b.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("PROBLEM: " + p)
    if problems:
        return 3
    print("studio_check: the studio works in Chromium; screenshots in " + args.screenshots)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("geosim")
    ap.add_argument("--screenshots", required=True)
    ap.add_argument("--timeout", type=float, default=240)
    args = ap.parse_args()
    args.geosim = os.path.abspath(args.geosim)
    try:
        return check(args)
    except (RuntimeError, TimeoutError, StopIteration, OSError) as e:
        print("studio_check: could not run the check: %r" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
