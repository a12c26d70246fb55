"""The harness seals many grants into a stack file at once (harness/secure_config.py):
the CLI must read every one back as the secret it was, and none is on a command line."""

from __future__ import annotations

import subprocess

import yaml

from harness.pulumi_stack import PASSPHRASE, cli_env
from harness.secure_config import Sealer


def test_the_cli_reads_back_what_the_harness_sealed(tmp_path):
    env = cli_env(tmp_path / "backend")
    (tmp_path / "backend").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: sealed\nruntime: yaml\n")

    def pulumi(*args: str) -> str:
        done = subprocess.run(
            ["pulumi", *args, "--stack", "s", "--non-interactive"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return done.stdout

    pulumi("stack", "init")
    stack_file = tmp_path / "Pulumi.s.yaml"
    doc = yaml.safe_load(stack_file.read_text())
    sealer = Sealer(PASSPHRASE, doc["encryptionsalt"])
    values = {f"code-{n}-ünïcode" for n in range(3)}
    doc["config"] = {
        "sealed:grants": {f"g{n}": {"code": sealer.seal(v)} for n, v in enumerate(sorted(values))}
    }
    stack_file.write_text(yaml.safe_dump(doc))
    assert all(v not in stack_file.read_text() for v in values)  # sealed, not plain
    read = {pulumi("config", "get", "--path", f"sealed:grants.g{n}.code").strip() for n in range(3)}
    assert read == values
