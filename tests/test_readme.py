"""The README's configuration reference lists every key Pulumi.yaml declares."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_readme_documents_every_config_key():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in declared if f"| `{key}` |" not in readme]
    assert missing == []


def test_readme_quickstart_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in ("plan", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}:" in makefile
