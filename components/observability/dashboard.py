"""The CloudWatch dashboard body of one region, built from the same MetricSpecs as the alarms,
so every alarmed metric has a graph with its threshold drawn on it. Pure: JSON in, no Pulumi.

Layout follows the dashboard body structure: a 24-column grid, widgets placed by x/y/width/
height; a text header per section, then the section's metric widgets three to a row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from components.observability.metrics import MetricSpec

GRID_WIDTH = 24
WIDGET_WIDTH = 8
WIDGET_HEIGHT = 6
HEADER_HEIGHT = 1


def metric_widget(spec: MetricSpec, region: str, x: int, y: int) -> dict:
    """A time-series graph of the spec's metric with the alarm threshold as an annotation."""
    dimensions = [part for name, value in sorted(spec.dimensions.items()) for part in (name, str(value))]
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": spec.title,
            "region": region,
            "view": "timeSeries",
            "stat": spec.statistic,
            "period": spec.period,
            "metrics": [[spec.namespace, spec.metric_name, *dimensions]],
            "annotations": {"horizontal": [{"label": f"alarm: {spec.key}", "value": spec.threshold}]},
            "yAxis": {"left": {"min": 0, "label": spec.unit, "showUnits": False}},
        },
    }


def text_widget(markdown: str, y: int, height: int = HEADER_HEIGHT) -> dict:
    return {
        "type": "text",
        "x": 0,
        "y": y,
        "width": GRID_WIDTH,
        "height": height,
        "properties": {"markdown": markdown},
    }


def dashboard_body(title: str, region: str, specs: Sequence[MetricSpec]) -> str:
    """The dashboard JSON: a title, then one section per spec group in first-seen order."""
    unresolved = [s.key for s in specs for v in s.dimensions.values() if not isinstance(v, str)]
    if unresolved:
        raise TypeError(f"dimension values must be resolved strings; not for {sorted(set(unresolved))}")
    widgets = [text_widget(f"# {title}\n{region}", 0, height=2)]
    y = 2
    groups: dict[str, list[MetricSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
    if not groups:
        widgets.append(text_widget("No monitored resources are wired into this region yet.", y))
    per_row = GRID_WIDTH // WIDGET_WIDTH
    for group, members in groups.items():
        widgets.append(text_widget(f"## {group}", y))
        y += HEADER_HEIGHT
        for index, spec in enumerate(members):
            row, column = divmod(index, per_row)
            widgets.append(metric_widget(spec, region, column * WIDGET_WIDTH, y + row * WIDGET_HEIGHT))
        y += -(-len(members) // per_row) * WIDGET_HEIGHT
    return json.dumps({"widgets": widgets}, sort_keys=True)
