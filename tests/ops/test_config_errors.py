"""Every user mistake of the configuration's first review, through the CLI as an operator
meets it: input -> exit code -> the exact one-line message on stderr, and never a traceback.

The project's three YAML files are copied to a temporary folder, one is edited, and
`deploy.py validate` runs in-process (ops.cli.main), so the table stays fast. A subprocess
run checks the same for deploy.py itself, outside the venv too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import components.settings as settings_module
import ops.stack_config as stack_config_module
from ops.cli import main
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE

PROJECT = Path(__file__).resolve().parents[2]
FILES = ("Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml")


def add(line: str) -> Callable[[str], str]:
    return lambda text: text + line + "\n"


def swap(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)

    return edit


def line_of(file: str, needle: str) -> int:
    lines = (PROJECT / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def end_of(file: str) -> int:
    """Line number of a line appended to the file."""
    return len((PROJECT / file).read_text().splitlines()) + 1


P, D, Y = "Pulumi.primary.yaml", "Pulumi.dr.yaml", "Pulumi.yaml"
NOT_A_KEY = "is not a key of this project (Pulumi.yaml declares every key)"
NOT_READ = (
    "is not read: the AWS providers are explicit and take only aws:region "
    "(credentials come from the environment, e.g. AWS_PROFILE)"
)
BOOLEAN = "must be true or false (YAML 1.2: yes, no, on and off are strings)"

# (id, file edited, edit (None: delete the file), exit code, the exact message after "error: ")
CASES = [
    # 1. unknown keys: file, key, did-you-mean
    ("misspelled", D, add("  trading-dr:teir: hot-standby"), EXIT_FAILED,
     f"Pulumi.dr.yaml: trading-dr:teir = hot-standby: {NOT_A_KEY}; did you mean trading-dr:tier?"),
    ("wrong-case", D, add("  trading-dr:azcount: 3"), EXIT_FAILED,
     f"Pulumi.dr.yaml: trading-dr:azcount = 3: {NOT_A_KEY}; did you mean trading-dr:azCount?"),
    ("wrong-namespace", D, add("  tradingdr:azCount: 3"), EXIT_FAILED,
     f"Pulumi.dr.yaml: tradingdr:azCount = 3: {NOT_A_KEY}; did you mean trading-dr:azCount?"),
    ("aws-typo", D, add("  aws:regoin: us-west-2"), EXIT_FAILED,
     f"Pulumi.dr.yaml: aws:regoin = us-west-2: {NOT_READ}; did you mean aws:region?"),
    ("aws-profile-ignored", D, add("  aws:profile: prod"), EXIT_FAILED,
     f"Pulumi.dr.yaml: aws:profile = prod: {NOT_READ}"),
    ("no-namespace", D, add("  tier: hot-standby"), EXIT_FAILED,
     "Pulumi.dr.yaml: tier = hot-standby: needs its namespace (keys are written namespace:name); "
     "did you mean trading-dr:tier?"),
    # 2. YAML 1.2: `no` and `yes` are strings; duplicates; secrets
    ("protect-no", D, add("  trading-dr:protectData: no"), EXIT_FAILED,
     f"Pulumi.dr.yaml: trading-dr:protectData = no: {BOOLEAN}"),
    ("protect-yes", P, add("  trading-dr:protectData: yes"), EXIT_FAILED,
     f"Pulumi.primary.yaml: trading-dr:protectData = yes: {BOOLEAN}"),
    ("null-as-written", P, add("  trading-dr:azCount: null"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:azCount = null: must be a whole number"),
    ("duplicate-key", D, add("  trading-dr:tier: pilot-light"), EXIT_FAILED,
     f"Pulumi.dr.yaml line {end_of(D)}: duplicate key trading-dr:tier "
     f"(first set on line {line_of(D, 'trading-dr:tier:')})"),
    ("secret-not-allowed", P, swap("trading-dr:tier: hot-standby", "trading-dr:tier:\n    secure: AAABAJ"),
     EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:tier = {secure: ...}: must not be a secret: it names or shapes "
     "infrastructure and is shown in plain text in names, tags and the plan"),
    ("secret-in-one-file", D, add("  trading-dr:alertEmail:\n    secure: AAABAJ"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:alertEmail (secret in one stack file only): must be a secret in both "
     "stack files or in neither (it must be the same in both)"),
    # 3. Pulumi.yaml problems
    ("project-missing", Y, None, EXIT_FAILED, "Pulumi.yaml: not found in {dir}"),
    ("project-no-default", Y, swap('    default: ""\n', "", ), EXIT_FAILED,
     f"Pulumi.yaml line {line_of(Y, '  role:')}: config key role has no default"),
    ("project-malformed", Y, add("  bad: ["), EXIT_FAILED,
     f"Pulumi.yaml line {end_of(Y) + 1}: not valid YAML: expected the node content, "
     "but found '<stream end>'"),
    # 5. every shared key in the pair check
    ("alert-email-one-side", P, add("  trading-dr:alertEmail: ops@example.com"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:alertEmail (not set): must equal the primary stack's value ops@example.com"),
    ("zone-differs", D, add("  trading-dr:zoneName: other.example.org"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:zoneName = other.example.org: differs from Pulumi.yaml's default "
     "(trading.example.com): a shared key must be the same in both stack files"),
    ("cidr-not-mirrored", P, swap("peerVpcCidr: 10.20.0.0/16", "peerVpcCidr: 10.30.0.0/16"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:vpcCidr = 10.20.0.0/16: must be the primary stack's peerVpcCidr "
     "(10.30.0.0/16)"),
    # 6. rules AWS enforces later
    ("loopback-cidr", D, swap("vpcCidr: 10.20.0.0/16", "vpcCidr: 127.20.0.0/16"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:vpcCidr = 127.20.0.0/16: must lie in RFC 1918 space: 10.0.0.0/8, "
     "172.16.0.0/12 or 192.168.0.0/16"),
    ("short-backup-window", P, add('  trading-dr:backupWindow: "03:00-03:15"'), EXIT_FAILED,
     'Pulumi.primary.yaml: trading-dr:backupWindow = "03:00-03:15": must be at least 30 minutes long'),
    ("backup-in-maintenance", P, add("  trading-dr:backupWindow: 04:00-05:00"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:backupWindow = 04:00-05:00: must not overlap maintenanceWindow "
     "sun:04:30-sun:05:30 (RDS rejects it)"),
    ("two-partitions", P, swap("peerRegion: us-west-2", "peerRegion: cn-north-1"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:peerRegion = cn-north-1: must be in the same AWS partition as "
     "aws:region us-east-1 (aws), not aws-cn"),
    # Amazon ARC routing control exists in the aws partition only (https://docs.aws.amazon.com/general/latest/gr/arc.html).
    ("partition-without-arc", P,
     lambda text: swap("peerRegion: us-west-2", "peerRegion: us-gov-east-1")(
         swap("aws:region: us-east-1", "aws:region: us-gov-west-1")(text)), EXIT_FAILED,
     "Pulumi.primary.yaml: aws:region = us-gov-west-1: must be in a partition with Amazon ARC routing "
     "control (aws), not aws-us-gov"),
    ("engine-family", P, add("  trading-dr:dbEngineVersion: '16.6'"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:dbEngineVersion = '16.6': must be an aurora-mysql version such as "
     "8.0.mysql_aurora.3.08.2 (it is an aurora-postgresql version)"),
    ("instance-type", P, add("  trading-dr:instanceType: m6i.huge"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:instanceType = m6i.huge: is not an EC2 instance type "
     "(botocore's EC2 model lists them)"),
    ("acm-64", P, add(f"  trading-dr:appName: {'a' * 45}"), EXIT_FAILED,
     f"Pulumi.primary.yaml: trading-dr:appName = {'a' * 45}: with zoneName makes "
     f"{'a' * 45}.trading.example.com (65 characters), over ACM's 64 for a certificate's first domain name"),
    ("dr-names-itself", D, swap("organization/trading-dr/primary", "organization/trading-dr/dr"), EXIT_FAILED,
     "Pulumi.dr.yaml: trading-dr:primaryStack = organization/trading-dr/dr: names this stack (dr): it must "
     "name the primary stack"),
    ("role-in-wrong-file", P, swap("role: primary", "role: dr"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:role = dr: must be primary in the primary stack's file "
     "(roles and stacks are one to one)"),
    ("min-over-max", P, add("  trading-dr:appMinSize: 8"), EXIT_FAILED,
     "Pulumi.primary.yaml: trading-dr:appMinSize = 8: must not exceed appMaxSize (6)"),
    ("empty-file", D, lambda text: "", EXIT_FAILED,
     "Pulumi.dr.yaml is empty: it needs a config: block with at least trading-dr:role: dr"),
    ("misspelled-config-block", D, swap("\nconfig:", "\nconfg:"), EXIT_FAILED,
     f"Pulumi.dr.yaml line {line_of(D, 'config:')}: confg is not a block a stack file has (config, "
     "secretsprovider, encryptedkey, encryptionsalt, environment); did you mean config?"),
    ("missing-stack-file", D, None, EXIT_FAILED, "Pulumi.dr.yaml: not found in {dir}"),
    ("malformed-stack-file", D, add("  trading-dr:owner: [unclosed"), EXIT_FAILED,
     f"Pulumi.dr.yaml line {end_of(D) + 1}: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    # 7. user values are never rich markup
    ("markup-as-written", P, add('  trading-dr:owner: "[bold]ops"'), EXIT_FAILED,
     'Pulumi.primary.yaml: trading-dr:owner = "[bold]ops": may hold letters, digits, spaces and '
     "_ . : / = + - @ only (an AWS tag value); '[' (U+005B) at position 1 is not allowed"),
    ("markup-closing-tag", P, swap("trading-dr:tier: hot-standby", 'trading-dr:tier: "[/]"'), EXIT_FAILED,
     'Pulumi.primary.yaml: trading-dr:tier = "[/]": must be one of hot-standby | warm-standby | pilot-light'),
]  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's YAML files that the CLI reads instead of the real ones."""
    for name in FILES:
        shutil.copy(PROJECT / name, tmp_path / name)
    monkeypatch.setattr(settings_module, "PROJECT_FILE", tmp_path / "Pulumi.yaml")
    monkeypatch.setattr(stack_config_module, "PROJECT_DIR", tmp_path)
    return tmp_path


@pytest.mark.parametrize("name,file,edit,code,message", CASES, ids=[case[0] for case in CASES])
def test_each_mistake_is_one_exact_line_and_an_exit_code(project, capsys, name, file, edit, code, message):
    path = project / file
    if edit is None:
        path.unlink()
    else:
        path.write_text(edit(path.read_text()))
    # An exception escaping main (a traceback for the operator) fails the test here.
    assert main(["validate"]) == code
    captured = capsys.readouterr()
    assert captured.err == "error: " + message.replace("{dir}", str(project)) + "\n"
    assert captured.out == ""


def test_the_unchanged_copy_validates(project, capsys):
    assert main(["validate"]) == EXIT_OK
    assert "describe one hot-standby pair" in capsys.readouterr().out


def test_a_secret_in_both_files_uses_a_placeholder_offline_and_says_so(project, capsys):
    for name in ("Pulumi.primary.yaml", "Pulumi.dr.yaml"):
        path = project / name
        path.write_text(path.read_text() + "  trading-dr:alertEmail:\n    secure: AAABAJ\n")
    assert main(["validate"]) == EXIT_OK
    err = capsys.readouterr().err
    for name in ("Pulumi.primary.yaml", "Pulumi.dr.yaml"):
        assert (
            f"note: {name}: trading-dr:alertEmail is a secret; offline, secret-placeholder@example.com "
            "stands in for it\n" in err
        )
    pair = stack_config_module.load_pair()
    assert pair.dr.alert_email == "secret-placeholder@example.com"
    assert pair.dr.secret_keys == {"trading-dr:alertEmail"}


def test_every_engine_command_validates_before_reaching_the_engine(project, capsys, monkeypatch):
    # Item 4: preview, up, refresh and destroy stop on bad config before the pulumi CLI is
    # even looked for.
    import ops.deploy_cmd

    def engine(*args, **kwargs):
        raise AssertionError("reached the engine")

    monkeypatch.setattr(ops.deploy_cmd, "run_stack_command", engine)
    path = project / "Pulumi.dr.yaml"
    path.write_text(path.read_text() + "  trading-dr:protectData: no\n")
    for command in ("preview", "up", "refresh", "destroy", "outputs"):
        assert main([command]) == EXIT_FAILED
        assert capsys.readouterr().err == f"error: Pulumi.dr.yaml: trading-dr:protectData = no: {BOOLEAN}\n"


def run(*argv: str, python: str = sys.executable, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "COLUMNS": "40"},
    )


def test_deploy_py_outside_the_venv_says_to_run_make_in_one_line():
    # -S: no site-packages, as with a system python3 that never had `make` run.
    result = run("-S", "deploy.py", "--help", python=shutil.which("python3") or sys.executable)
    assert result.returncode == EXIT_UNAVAILABLE
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: a dependency is missing (")
    assert "run `make` first" in result.stderr


def test_deploy_py_bad_config_is_one_line_at_a_narrow_width_without_pulumi(tmp_path):
    for name in FILES:
        shutil.copy(PROJECT / name, tmp_path / name)
    for name in ("deploy.py",):
        shutil.copy(PROJECT / name, tmp_path / name)
    for name in ("components", "ops", "failover", "app"):
        shutil.copytree(PROJECT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "Pulumi.dr.yaml"
    path.write_text(path.read_text() + "  trading-dr:protectData: no\n")
    result = run("deploy.py", "validate", cwd=tmp_path)
    assert result.returncode == EXIT_FAILED
    assert result.stderr == f"error: Pulumi.dr.yaml: trading-dr:protectData = no: {BOOLEAN}\n"
    # validate stays fast: neither pulumi nor pulumi_aws is imported on its path.
    probe = (
        "import sys; from ops.cli import main; code = main(['validate']); "
        "print(code, 'pulumi' in sys.modules, 'pulumi_aws' in sys.modules)"
    )
    path.write_text(path.read_text().replace("  trading-dr:protectData: no\n", ""))
    result = run("-c", probe, cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "0 False False", result.stderr
