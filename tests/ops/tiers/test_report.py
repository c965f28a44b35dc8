"""`deploy.py plan --tiers` as an operator runs it: one table tier x (DR-region cost, total
cost, RTO budget, measured RTO, RPO bound), and a JSON document with the whole breakdown.
The tiers are the session's builds (the CLI's builder is replaced by the fixture)."""

from __future__ import annotations

import json

import pytest

from components.settings import TIERS
from ops import timing_model as tm
from ops.cli import main
from ops.errors import EXIT_OK, EXIT_USAGE
from ops.tiers import report
from ops.tiers.usage import USAGE_FILE


@pytest.fixture
def cli(monkeypatch, tier_builds, capsys):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(report, "build_tier", lambda tier: tier_builds[tier])

    def run(*args: str):
        code = main(["plan", "--tiers", *args])
        return code, capsys.readouterr()

    return run


def test_the_table_shows_every_tier_with_cost_budget_and_rpo(cli, prices):
    code, out = cli()
    assert code == EXIT_OK, out.err
    header = next(line for line in out.out.splitlines() if "RTO budget" in line)
    for column in ("DR/mo", "total/mo", "RTO budget", "drill p50/p95", "RPO bound"):
        assert column in header
    assert "DR region us-west-2" in out.out
    for tier in TIERS:
        assert any(line.strip().startswith(tier) for line in out.out.splitlines()), tier
    assert f"prices-{prices.price_date}.json" in out.out


def test_json_carries_the_whole_breakdown(cli, tmp_path):
    path = tmp_path / "tiers.json"
    code, out = cli("--out", str(path))
    assert code == EXIT_OK, out.err
    document = json.loads(path.read_text())
    assert document["schemaVersion"] == report.SCHEMA_VERSION and document["kind"] == "tiers"
    assert document["targets"] == {"rtoSeconds": tm.RTO_TARGET_SECONDS, "rpoSeconds": tm.RPO_TARGET_SECONDS}
    assert [t["tier"] for t in document["tiers"]] == list(TIERS)
    for tier in document["tiers"]:
        cost, budget = tier["cost"], tier["budget"]
        assert (
            tier["totalMonthly"]
            == cost["totalMonthly"]
            == pytest.approx(sum(i["monthly"] for i in cost["lineItems"]), abs=0.01)
        )
        assert tier["drRegionMonthly"] == cost["byRegion"][tier["drRegion"]]
        assert budget["totalSeconds"] == pytest.approx(sum(p["seconds"] for p in budget["parts"]), abs=0.5)
        assert {"boundSeconds", "enforcement"} <= set(budget["rpo"])
        assert tier["measuredRto"] is None


def test_json_to_stdout_is_the_document_alone(cli):
    code, out = cli("--json")
    assert code == EXIT_OK, out.err
    assert json.loads(out.out)["kind"] == "tiers"
    assert "RTO budget" in out.err


def test_a_drill_result_is_shown_next_to_the_budget_with_its_promotion(cli, tmp_path):
    drill = tmp_path / "drill.json"
    drill.write_text(
        json.dumps({"rto": {"hot-standby": {"p50": 75, "p95": 118, "max": 130}}, "promotionSeconds": 60})
    )
    path = tmp_path / "tiers.json"
    code, out = cli("--drill-json", str(drill), "--out", str(path))
    assert code == EXIT_OK, out.err
    hot_line = next(line for line in out.out.splitlines() if line.strip().startswith("hot-standby"))
    assert "1m15s/1m58s" in hot_line
    document = json.loads(path.read_text())
    hot = document["tiers"][0]
    assert hot["measuredRto"] == {"p50": 75, "p95": 118, "max": 130}
    assert hot["budget"]["promotionSeconds"] == 60  # like for like with the drill's run
    assert document["tiers"][2]["measuredRto"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--drill-json", "missing.json"],
            "deploy.py plan: argument --drill-json: missing.json: file not found",
        ),
        (["--usage", "missing.json"], "deploy.py plan: argument --usage: missing.json: file not found"),
        (["--usage", ""], "deploy.py plan: argument --usage: needs a file name"),
        (["--usage", "ops"], "deploy.py plan: argument --usage: ops is a folder, not a file"),
        (
            ["--drill-json", "/dev/null"],
            "deploy.py plan: argument --drill-json: /dev/null is not a regular file",
        ),
    ],
)
def test_missing_files_stop_with_one_line(cli, args, message):
    code, out = cli(*args)
    assert code == EXIT_USAGE  # a bad option value, found before any build
    errors = [line for line in out.err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {message}"]


def test_drill_json_without_tiers_is_refused(capsys):
    assert main(["plan", "--usage", str(USAGE_FILE)]) == EXIT_USAGE
    assert "use them with --tiers" in capsys.readouterr().err
