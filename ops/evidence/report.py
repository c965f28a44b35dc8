"""`deploy.py evidence report PATH`: one self-contained HTML page (inline CSS and SVG, no
script, no external asset) for people: the verification verdict, a timeline from the outage
to the first client write, RTO and data loss against the targets, the invariants, the
approvals, the configuration and commit, and what the record evidences for the rules that
ask for it. Everything shown is read from the bundle's verified records and manifest.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ops.evidence.verify import Verdict

REGULATIONS = (
    (
        "Reg SCI, 17 CFR 242.1001(a)(2)(v)",
        "https://www.ecfr.gov/current/title-17/section-242.1001",
        "Business continuity and disaster recovery plans designed for two-hour resumption of "
        "critical SCI systems after a wide-scale disruption.",
        "The timeline and RTO against its target show how long resumption took in this run, from "
        "the outage to the first successful client write.",
    ),
    (
        "Reg SCI, 17 CFR 242.1004",
        "https://www.ecfr.gov/current/title-17/section-242.1004",
        "Testing of the BC/DR plans, including backup systems, at least annually, with designated "
        "members or participants.",
        "A signed, tamper-evident record of each test run: what was tested (scenarios, "
        "configuration, commit), when, and the outcome; `evidence list` gives the history.",
    ),
    (
        "FINRA Rule 4370",
        "https://www.finra.org/rules-guidance/rulebooks/finra-rules/4370",
        "A business continuity plan covering data backup and recovery (hard copy and electronic), "
        "reviewed and updated at least annually.",
        "Data loss against the RPO target, the recovery steps as executed, and `status` warning "
        "when the last passing drill or switchover is older than evidenceMaxAgeDays.",
    ),
    (
        "MiFID II RTS 7 (Delegated Regulation (EU) 2017/584), Art. 15-16",
        "https://eur-lex.europa.eu/eli/reg_del/2017/584/oj",
        "Business continuity arrangements for trading venues: resume trading within or close to "
        "two hours, data loss close to zero (Art. 15), and periodic testing of them (Art. 16).",
        "RTO and data loss of each run against the targets, the invariants checked at every step "
        "(never two writers), and the approvals and re-arming, each with who and why.",
    ),
)

MARKS = (
    ("outage", "outage", "#b42318"),
    ("detection", "detected", "#b54708"),
    ("decision", "decision", "#b54708"),
    ("fence", "fence", "#175cd3"),
    ("promotion_requested", "promotion asked", "#6941c6"),
    ("promotion_completed", "writer moved", "#6941c6"),
    ("dns_moved", "DNS moved", "#0e7090"),
    ("first_write", "first client write", "#067647"),
)

CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:#101828;background:#f6f7f9}main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}.sub{color:#475467;
overflow-wrap:anywhere}.banner{padding:12px 16px;border-radius:8px;margin:16px 0;font-weight:600;
overflow-wrap:anywhere}.ok{background:#ecfdf3;color:#067647;border:1px solid #abefc6}.bad{background:
#fef3f2;color:#b42318;border:1px solid #fecdca}.warn{background:#fffaeb;color:#b54708;border:1px solid
#fedf89}.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}.card{background:
#fff;border:1px solid #eaecf0;border-radius:10px;padding:14px}.card .k{color:#475467;font-size:13px}
.card .v{font-size:26px;font-weight:700}.card .t{font-size:13px;color:#475467}section{background:#fff;
border:1px solid #eaecf0;border-radius:10px;padding:16px;margin-top:12px}table{width:100%;
border-collapse:collapse;table-layout:fixed}td,th{text-align:left;padding:6px 8px;border-bottom:1px
solid #eaecf0;vertical-align:top;overflow-wrap:anywhere}th{color:#475467;font-weight:600;font-size:13px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}svg{width:100%;
height:auto;display:block}details summary{cursor:pointer;color:#175cd3}.pass{color:#067647;font-weight:
600}.fail{color:#b42318;font-weight:600}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0f} s"


def headline_marks(records: list[dict], manifest: dict) -> tuple[dict[str, float], str]:
    """(kind -> seconds from the outage, caption) of the run the timeline shows: a drill's
    headline seed (the median recovery of its first timed scenario), or an execution."""
    marks: dict[str, float] = {}
    summary = manifest.get("summary") or {}
    headline = summary.get("headline")
    if manifest.get("kind") == "drill":
        if not headline:
            return {}, "no scenario of this run recovered: no timeline"
        for record in records:
            data = record["data"]
            if not isinstance(data, dict) or any(
                data.get(k) != headline[k] for k in ("scenario", "tier", "seed")
            ):
                continue
            if (
                record["kind"] in dict((m[0], m) for m in MARKS)
                and "t" in data
                and record["kind"] not in marks
            ):
                marks[record["kind"]] = float(data["t"])
        caption = f"{headline['scenario']} ({headline['tier']}), seed {headline['seed']}: the median recovery"
        return marks, caption
    start = None
    for record in records:
        if record["kind"] == "detection" and isinstance(record["data"], dict):
            start = record["data"].get("first_down_at") or record["at"]
            break
    start = start if start is not None else (records[0]["at"] if records else 0.0)
    marks["outage"] = 0.0
    for record in records:
        if record["kind"] in dict((m[0], m) for m in MARKS) and record["kind"] not in marks:
            marks[record["kind"]] = round(record["at"] - start, 1)
    return marks, "this execution, from the peer first seen down"


def _lanes(placed: list[tuple[float, str]], width: float) -> list[int]:
    """A lane per label so that no two labels overlap: lanes alternate above (even) and
    below (odd) the axis, nearer lanes first. Text width is estimated (7 px a character)."""
    taken: dict[int, list[tuple[float, float]]] = {}
    lanes = []
    for x, text in placed:
        span = 7.0 * len(text) + 10
        left = x if x < width / 2 else x - span
        for lane in range(12):
            if all(left + span < a or left > b for a, b in taken.get(lane, [])):
                taken.setdefault(lane, []).append((left, left + span))
                lanes.append(lane)
                break
        else:
            lanes.append(0)
    return lanes


def timeline_svg(marks: dict[str, float], target: float | None) -> str:
    width, left, right, axis_y, lane_step = 1100, 40, 40, 170, 24
    end = max([*marks.values(), target or 0, 1.0])
    span = width - left - right

    def x(t: float) -> float:
        return left + span * max(0.0, t) / end

    labels = {m[0]: (m[1], m[2]) for m in MARKS}
    placed = sorted(((t, k) for k, t in marks.items()), key=lambda p: p[0])
    texts = [(x(t), f"{labels[k][0]} T+{t:.0f}s") for t, k in placed]
    lanes = _lanes(texts, width)
    below = max([lane // 2 for lane in lanes if lane % 2] or [0])
    height = axis_y + 70 + lane_step * below
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="timeline from the outage to the first '
        f'client write" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#98a2b3" '
        'stroke-width="2"/>',
    ]
    if "outage" in marks and "first_write" in marks:
        parts.append(
            f'<rect x="{x(marks["outage"]):.1f}" y="{axis_y - 10}" '
            f'width="{x(marks["first_write"]) - x(marks["outage"]):.1f}" '
            'height="20" rx="6" fill="#d1fadf" stroke="#6ce9a6"/>'
        )
    if target:
        parts.append(
            f'<line x1="{x(target):.1f}" y1="24" x2="{x(target):.1f}" y2="{axis_y + 10}" stroke="#b42318" '
            f'stroke-dasharray="6 4"/><text x="{min(x(target), width - right) - 4:.1f}" y="18" '
            f'text-anchor="end" font-size="13" fill="#b42318">RTO target {target:.0f} s</text>'
        )
    ticks = 6
    for i in range(ticks + 1):
        t = end * i / ticks
        parts.append(
            f'<text x="{x(t):.1f}" y="{axis_y + 28}" text-anchor="middle" font-size="11" fill="#98a2b3">'
            f"{t:.0f}s</text>"
        )
    for (_, kind), (tx, text), lane in zip(placed, texts, lanes, strict=True):
        colour = labels[kind][1]
        level = lane // 2
        if lane % 2 == 0:
            y_text = axis_y - 24 - lane_step * level
            y_end = y_text + 4
        else:
            y_text = axis_y + 52 + lane_step * level
            y_end = y_text - 14
        anchor = "start" if tx < width / 2 else "end"
        parts.append(
            f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{y_end}" stroke="{colour}"/>'
            f'<circle cx="{tx:.1f}" cy="{axis_y}" r="7" fill="{colour}"/>'
            f'<text x="{tx:.1f}" y="{y_text}" text-anchor="{anchor}" font-size="13" '
            f'fill="{colour}">{_e(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _invariants(summary: dict) -> list[tuple[str, str]]:
    rows: dict[str, str] = {}
    for scenario in summary.get("scenarios") or []:
        for name, held in (scenario.get("invariants") or {}).items():
            if held != "held":
                rows[name] = "; ".join(held)[:300]
            else:
                rows.setdefault(name, "held")
    return sorted(rows.items())


def _approvals(records: list[dict], kind: str) -> list[tuple[str, str, str]]:
    found = []
    for record in records:
        data = record["data"] if isinstance(record["data"], dict) else {}
        manual = record["kind"] == "decision" and data.get("command") not in (None, "evaluate")
        if record["kind"] in ("decision", "arming") and (manual or data.get("operator") or data.get("by")):
            who = data.get("operator") or data.get("by") or "an operator's command (no name recorded)"
            what = f"{record['kind']}: {data.get('command') or data.get('armed', '')}"
            found.append((what, str(who), str(data.get("reason", ""))))
    if not found and kind == "drill":
        found.append(("drill", "offline (moto)", "no approval needed: nothing real was changed"))
    return found


def _loss_card(summary: dict) -> tuple[str, str, str]:
    target = f"RPO target {_seconds(summary.get('rpo_target_seconds'))}"
    if summary.get("lost_writes") is not None:
        lost = summary["lost_writes"]
        return (
            "data loss (worst seed)",
            f"{lost} write{'s' if lost != 1 else ''}",
            f"acknowledged, never replicated; {target}",
        )
    at_risk = summary.get("data_at_risk_seconds")
    return ("data at risk", _seconds(at_risk), f"replication lag when decided; {target}")


def render_report(verdict: Verdict) -> str:
    manifest = verdict.manifest or {}
    records = verdict.records
    summary = manifest.get("summary") or {}
    kind = manifest.get("kind", "unknown")
    marks, caption = headline_marks(records, manifest) if manifest else ({}, "no manifest")
    target = summary.get("rto_target_seconds")
    rto = summary.get("rto_seconds")
    banner = "ok" if verdict.ok else ("warn" if verdict.status == "unsealed" else "bad")
    rto_class = "pass" if rto is not None and target is not None and rto <= target else "fail"
    cards = [
        ("verdict", _e(summary.get("verdict", "-")), "of the run, as recorded"),
        ("RTO (slowest seed)", _seconds(rto), f"target {_seconds(target)}"),
        _loss_card(summary),
        (
            "records",
            str(len(records)),
            f"signed by {_e((manifest.get('signer') or {}).get('kind', '-'))} key",
        ),
    ]
    card_html = "".join(
        f'<div class="card"><div class="k">{k}</div><div class="v">{v}</div><div class="t">{t}</div></div>'
        for k, v, t in cards
    )
    invariants = (
        "".join(
            f'<tr><td>{_e(n)}</td><td class="{"pass" if h == "held" else "fail"}">{_e(h)}</td></tr>'
            for n, h in _invariants(summary)
        )
        or '<tr><td colspan="2">recorded per step in the execution\'s records</td></tr>'
    )
    approvals = (
        "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(w)}</td><td>{_e(r)}</td></tr>"
            for k, w, r in _approvals(records, kind)
        )
        or '<tr><td colspan="3">none recorded</td></tr>'
    )
    scenarios = "".join(
        f"<tr><td>{_e(s.get('scenario'))}</td><td>{_e(s.get('tier'))}</td><td>{_e(s.get('seeds'))}</td>"
        f'<td class="{"pass" if s.get("verdict") == "pass" else "fail"}">{_e(s.get("verdict"))}</td>'
        f"<td>{_e((s.get('rto_seconds') or {}).get('max', '-'))}</td></tr>"
        for s in summary.get("scenarios") or []
    )
    timing = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>"
        for k, v in sorted((manifest.get("timing") or {}).items())
    )
    tools = ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted((manifest.get("tools") or {}).items()))
    regulations = "".join(
        f'<tr><td><a href="{_e(url)}">{_e(name)}</a></td><td>{_e(asks)}</td><td>{_e(shows)}</td></tr>'
        for name, url, asks, shows in REGULATIONS
    )
    config = json.dumps(manifest.get("configuration") or {}, sort_keys=True)
    scenario_table = (
        f"<h2>Scenarios</h2><section><table><tr><th>scenario</th><th>tier</th><th>seeds</th><th>verdict</th>"
        f"<th>slowest RTO s</th></tr>{scenarios}</table></section>"
        if scenarios
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>trading-dr evidence: {_e(manifest.get("bundle", "bundle"))}</title><style>{CSS}</style></head>
<body><main>
<h1>Recovery evidence: {_e(kind)} {_e(manifest.get("bundle", ""))}</h1>
<div class="sub">sealed {_e(manifest.get("sealed_at", "-"))} &middot;
commit <code>{_e(manifest.get("commit", "-"))}</code></div>
<div class="banner {banner}" id="verdict">{_e(verdict.line)}</div>
<div class="cards">{card_html}</div>
<h2>Timeline: outage to first client write</h2>
<section id="timeline"><div class="sub">{_e(caption)};
<span class="{rto_class}">RTO {_seconds(rto)} against {_seconds(target)}</span></div>
{timeline_svg(marks, target) if marks else "<p>no timeline recorded</p>"}</section>
{scenario_table}
<h2>Invariants</h2><section><table><tr><th>invariant</th><th>result</th></tr>{invariants}</table></section>
<h2>Approvals</h2><section><table><tr><th>what</th><th>who</th><th>why</th></tr>{approvals}</table></section>
<h2>Configuration and commit</h2><section><table>
<tr><th>commit</th><td><code>{_e(manifest.get("commit"))}</code></td></tr>
<tr><th>configuration</th><td><code>{_e(config)}</code>
(secrets excluded; config.json in the bundle)</td></tr>
<tr><th>signer</th><td><code>{_e(json.dumps(manifest.get("signer") or {}, sort_keys=True))}</code></td></tr>
<tr><th>tools</th><td>{tools}</td></tr></table>
<details><summary>timing profile</summary><table>{timing}</table></details></section>
<h2>What this record evidences</h2><section><table>
<tr><th>rule</th><th>asks</th><th>this record shows</th></tr>
{regulations}</table><p class="sub">A mapping for reviewers, not legal advice: whether a firm is an SCI
entity, a FINRA member or a trading venue decides which rules apply.</p></section>
</main></body></html>
"""
