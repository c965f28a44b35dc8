"""Checks an evidence report (`deploy.py evidence report`) in real headless Chromium, and
optionally takes its screenshot:

    venv/bin/python tools/check_report_chromium.py REPORT.html [--screenshot docs/evidence-report.png]

Chromium comes from the OS packages (Debian: `apt-get install chromium`); the test that
uses this (tests/ops/test_evidence_chromium.py) runs only where /usr/bin/chromium exists, so
`make test` never needs it. The report itself has no script: a copy with one measuring
script added is loaded with --dump-dom, and the script writes what it measured into the
DOM: the page's scrollWidth at a 1280 px window (nothing may overflow), the widest element,
and the timeline SVG's box (it must be rendered, non-empty, inside the page's width).
Exit 0 when every check holds, 1 (one line per failed check) otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WIDTH = 1280
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WIDTH},2000",
)
MEASURE = """<script>
addEventListener('load', () => {
  const doc = document.documentElement, svg = document.querySelector('#timeline svg');
  let widest = {right: 0, what: ''};
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > widest.right)
      widest = {right: Math.round(r.right), what: el.tagName + (el.id ? '#' + el.id : '')};
  }
  const box = svg ? svg.getBoundingClientRect() : null;
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({
    scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, widest,
    timeline: box && {left: box.left, right: box.right, width: box.width, height: box.height,
                      marks: svg.querySelectorAll('circle').length}
  });
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str | None:
    for candidate in CHROMIUM:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _run(binary: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def measure(report: Path, binary: str) -> dict:
    page = report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>", 1)
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.html"
        probe.write_text(page, encoding="utf-8")
        done = _run(binary, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise RuntimeError(f"chromium printed no measurement (exit {done.returncode}): {done.stderr[-300:]}")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def problems(measured: dict) -> list[str]:
    found = []
    if measured["scrollWidth"] > WIDTH:
        found.append(f"the page is {measured['scrollWidth']} px wide at a {WIDTH} px window: it overflows")
    if measured["widest"]["right"] > WIDTH:
        found.append(f"{measured['widest']['what']} ends at {measured['widest']['right']} px, past {WIDTH}")
    timeline = measured.get("timeline")
    if not timeline:
        found.append("no timeline SVG was rendered")
    else:
        if timeline["width"] < 600 or timeline["height"] < 100:
            found.append(f"the timeline is {timeline['width']:.0f}x{timeline['height']:.0f} px: not visible")
        if timeline["right"] > WIDTH or timeline["left"] < 0:
            found.append("the timeline does not fit the window")
        if timeline["marks"] < 2:
            found.append(f"the timeline shows {timeline['marks']} events")
    return found


def screenshot(report: Path, out: Path, binary: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    done = _run(binary, f"--screenshot={out.resolve()}", report.resolve().as_uri())
    if not out.exists():
        raise RuntimeError(f"no screenshot (exit {done.returncode}): {done.stderr[-300:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args(argv)
    binary = chromium()
    if binary is None:
        print("error: no chromium on PATH (Debian: apt-get install chromium)", file=sys.stderr)
        return 3
    measured = measure(args.report, binary)
    found = problems(measured)
    for problem in found:
        print(f"FAIL: {problem}")
    if args.screenshot:
        screenshot(args.report, args.screenshot, binary)
    if not found:
        timeline = measured["timeline"]
        print(
            f"ok: {args.report} renders at {WIDTH} px (scrollWidth {measured['scrollWidth']}), timeline "
            f"{timeline['width']:.0f}x{timeline['height']:.0f} px with {timeline['marks']} events"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
