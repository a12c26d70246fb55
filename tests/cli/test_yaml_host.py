"""End to end: the real `pulumi` CLI runs a `runtime: yaml` program.

The YAML language host comes from `scripts/pulumi-yaml.sh` (built next to the CLI
of `scripts/pulumi-cli.sh`). These tests FAIL when either cannot be provided, and
automatic plugin downloads are off, so a missing host is never fetched instead.
The programs declare stack outputs only: no resource needs a provider plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.pulumi_stack import cli_env, pulumi_bin_dir, yaml_host_dir

PROGRAM = """\
name: yamlcheck
runtime: yaml
config:
  greeting:
    type: string
    default: hello
  token:
    type: string
    secret: true
variables:
  words:
    fn::split:
      - " "
      - ${greeting} from yaml
outputs:
  message: ${greeting} from yaml
  words: ${words}
  answer: 42
  token: ${token}
"""


@pytest.fixture(scope="module")
def host_path() -> str:
    """PATH entries with `pulumi` and `pulumi-language-yaml`, or the test fails."""
    try:
        cli, yaml_dir = pulumi_bin_dir(), yaml_host_dir()
    except RuntimeError as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(missing, pytrace=False)
    if not os.access(os.path.join(yaml_dir, "pulumi-language-yaml"), os.X_OK):
        pytest.fail(f"scripts/pulumi-yaml.sh printed {yaml_dir}, which has no pulumi-language-yaml")
    return f"{yaml_dir}:{cli}"


class YamlProject:
    """A YAML project and stack in a temp dir on a `file://` backend."""

    def __init__(self, root: Path, host_path: str, program: str):
        self.dir = root / "proj"
        self.dir.mkdir()
        (self.dir / "Pulumi.yaml").write_text(program)
        env = cli_env(root / "state")
        (root / "state").mkdir()
        env["PATH"] = f"{host_path}:{env['PATH']}"
        env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
        self.env = env

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        assert not check or proc.returncode == 0, f"pulumi {' '.join(args)} failed\n{output}"
        return proc


def test_up_evaluates_the_program_and_keeps_its_outputs(tmp_path, host_path):
    project = YamlProject(tmp_path, host_path, PROGRAM)
    project.pulumi("stack", "init", "dev")
    project.pulumi("config", "set", "greeting", "hi")
    project.pulumi("config", "set", "--secret", "token", "yaml-s3cr3t")

    up = project.pulumi("up", "--yes", "--skip-preview")
    assert 'message: "hi from yaml"' in up.stdout
    assert "yaml-s3cr3t" not in up.stdout + up.stderr

    outputs = json.loads(project.pulumi("stack", "output", "--json").stdout)
    assert outputs == {
        "message": "hi from yaml",
        "words": ["hi", "from", "yaml"],
        "answer": 42,
        "token": "[secret]",
    }
    shown = project.pulumi("stack", "output", "token", "--show-secrets").stdout
    assert shown.strip() == "yaml-s3cr3t"


def test_an_unknown_reference_fails_the_update_naming_it(tmp_path, host_path):
    broken = "name: yamlbroken\nruntime: yaml\noutputs:\n  oops: ${nowhere}\n"
    project = YamlProject(tmp_path, host_path, broken)
    project.pulumi("stack", "init", "dev")
    up = project.pulumi("up", "--yes", "--skip-preview", check=False)
    assert up.returncode != 0
    assert "nowhere" in up.stdout + up.stderr
    assert project.pulumi("stack", "output", "--json").stdout.strip() == "{}"
