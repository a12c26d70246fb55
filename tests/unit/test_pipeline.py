"""What the workflows promise that neither zizmor nor actionlint checks."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _runs(workflow: dict) -> list[str]:
    return [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


def test_ci_installs_the_cli_version_that_the_set_up_script_builds():
    built = re.search(
        r'PULUMI_VERSION="\$\{PULUMI_VERSION:-v([0-9.]+)\}"',
        (REPO / "scripts" / "pulumi-cli.sh").read_text(),
    )
    assert built, "scripts/pulumi-cli.sh no longer pins PULUMI_VERSION the way this test reads it"
    for name in ("test.yml", "preview.yml", "drift.yml"):
        assert _load(name)["env"]["PULUMI_VERSION"] == built.group(1), name


def test_preview_runs_one_json_preview_per_stack_and_posts_it_once():
    workflow = _load("preview.yml")
    commands = [line.strip() for run in _runs(workflow) for line in run.splitlines()]
    previews = [line for line in commands if line.startswith("pulumi preview")]
    assert len(previews) == 1
    assert all(flag in previews[0] for flag in ("--diff", "--json", '--stack "$STACK"'))
    steps = workflow["jobs"]["preview"]["steps"]
    pulumi_action = [s for s in steps if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi_action and all("command" not in s.get("with", {}) for s in pulumi_action)
    comments = [s for s in steps if "sticky-pull-request-comment" in s.get("uses", "")]
    assert len(comments) == 1 and comments[0]["with"]["path"] == "comment.md"


def test_no_fork_gets_a_preview_with_the_stacks_secrets():
    condition = " ".join(_load("preview.yml")["jobs"]["preview"]["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition


def test_the_test_workflow_runs_what_ci_runs():
    workflow = _load("test.yml")
    assert workflow[True]["pull_request"] is None  # PyYAML reads the `on:` key as True
    assert workflow[True]["push"]["branches"] == ["main"]
    assert _runs(workflow)[-1].strip() == "bash .ci/run"


def test_the_drift_job_fails_on_drift_and_on_every_night_an_instance_is_unhealthy():
    steps = _load("drift.yml")["jobs"]["drift"]["steps"]
    pulumi = [s["with"] for s in steps if s.get("uses", "").startswith("pulumi/actions@")]
    assert [(w["command"], w["expect-no-changes"]) for w in pulumi] == [
        ("refresh", True),
        ("preview", True),  # health is desired state: an unhealthy instance is a change
    ]
