"""The evidence report in real headless Chromium (OS package, /usr/bin/chromium): it renders,
the timeline is visible, nothing overflows at 1280 px. Runs only where Chromium is installed
(`make test` does not install it); tools/check_report_chromium.py is the same check by hand.
The checker's own rules are tested everywhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import check_report_chromium as check  # noqa: E402

from ops.evidence.keys import read_trust  # noqa: E402
from ops.evidence.report import render_report  # noqa: E402
from ops.evidence.verify import verify_path  # noqa: E402
from tests.ops.test_evidence import bundle, drill_results, keys  # noqa: E402, F401 -- fixtures

CHROMIUM = Path("/usr/bin/chromium")


def test_the_checker_flags_overflow_a_missing_or_tiny_timeline():
    good = {
        "scrollWidth": 1265,
        "widest": {"right": 1200, "what": "DIV"},
        "timeline": {"left": 40, "right": 1140, "width": 1100, "height": 260, "marks": 7},
    }
    assert check.problems(good) == []
    assert "overflows" in check.problems({**good, "scrollWidth": 1400})[0]
    assert "past 1280" in check.problems({**good, "widest": {"right": 1300, "what": "TABLE"}})[0]
    assert "no timeline" in check.problems({**good, "timeline": None})[0]
    tiny = {**good["timeline"], "height": 0}
    assert "not visible" in check.problems({**good, "timeline": tiny})[0]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_chromium_without_overflow(bundle, keys, tmp_path):  # noqa: F811
    report = tmp_path / "report.html"
    report.write_text(render_report(verify_path(str(bundle), read_trust(keys[1]))), encoding="utf-8")
    measured = check.measure(report, str(CHROMIUM))
    assert check.problems(measured) == [], measured
    assert measured["timeline"]["marks"] >= 6 and measured["scrollWidth"] <= 1280
    wide = tmp_path / "wide.html"
    wide.write_text(report.read_text().replace("<main>", '<main><div style="width:1600px">x</div>'))
    assert check.problems(check.measure(wide, str(CHROMIUM)))  # the check can see an overflow
