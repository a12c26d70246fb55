"""The benchmark's own small stack driver: a throwaway project run through the real `pulumi` CLI.

A trimmed copy of what the test suites use (bench/ does not import `tests.*`,
so the benchmark keeps working whatever the test helpers become): a file://
backend, the CLI from `scripts/pulumi-cli.sh`, the stack's config as YAML.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from emulator.harness import Emulator

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "bench-passphrase-not-secret"
APP_CALLBACK = "http://localhost:8400/quickbooks/oauth/callback"
EVENTS_URL = "https://hooks.example.com/quickbooks/events"
ALLOWED_HOSTS = ("hooks.example.com", "localhost")
_CLI_DIR: str | None = None


@dataclass
class App:
    """A QuickBooks app registered with the emulator (any key/secret is accepted)."""

    api_key: str
    api_secret: str
    callback_url: str = APP_CALLBACK


def new_app() -> App:
    return App(api_key=f"app-{secrets.token_hex(4)}", api_secret=secrets.token_hex(16))


def pulumi_bin_dir() -> str:
    """The directory holding `pulumi` and its plugins (built once, then cached)."""
    global _CLI_DIR
    if _CLI_DIR is None:
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "pulumi-cli.sh")],
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"the pulumi CLI is not available:\n{done.stderr[-3000:]}")
        _CLI_DIR = done.stdout.strip().splitlines()[-1]
    return _CLI_DIR


class Stack:
    """One project directory, its file:// backend and one stack, `bench`."""

    def __init__(self, workdir: Path, program: Path, project_yaml: str) -> None:
        self.dir = workdir
        self.stack = "bench"
        self.dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(program, self.dir / "__main__.py")
        (self.dir / "Pulumi.yaml").write_text(project_yaml)
        (self.dir / "stacks").mkdir(exist_ok=True)
        self.backend = self.dir / "backend"
        self.backend.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PATH": f"{pulumi_bin_dir()}:{REPO / '.venv' / 'bin'}:{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": str(self.backend / ".pulumi-home"),
            "PYTHONPATH": str(REPO),  # the program and the provider host import `provider`
            "NO_COLOR": "1",
        }
        for var in list(self.env):
            if var.startswith("QUICKBOOKS_"):
                del self.env[var]  # settings come from this stack's config only
        self.run("stack", "init")

    @property
    def config_path(self) -> Path:
        return self.dir / "stacks" / f"Pulumi.{self.stack}.yaml"

    def read_config(self) -> dict[str, Any]:
        if not self.config_path.exists():
            return {}
        return yaml.safe_load(self.config_path.read_text()) or {}

    def write_config(self, values: dict[str, Any]) -> None:
        """Merges plain (non-secret) values into the stack file, keeping secure ones."""
        doc = self.read_config()
        doc.setdefault("config", {}).update(values)
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def set_instance(self, key: str, **settings: Any) -> None:
        """Declares (or replaces the plain settings of) one instance, keeping its grant."""
        doc = self.read_config()
        instances = doc.setdefault("config", {}).setdefault("quickbooks:instances", {})
        grant = (instances.get(key) or {}).get("oauth")
        instances[key] = {**settings, **({"oauth": grant} if grant else {})}
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def run(
        self, *args: str, input_text: str | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["pulumi", *args, "--stack", self.stack, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            input=input_text,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"pulumi {' '.join(args)} exited {done.returncode}\n{done.stdout[-4000:]}\n"
                f"{done.stderr[-4000:]}"
            )
        return done

    def export(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export").stdout)


def quickbooks_stack(workdir: Path, emu: Emulator, app: App) -> Stack:
    """The repository's program and provider, configured for one emulator account."""
    project_yaml = (
        (REPO / "Pulumi.yaml")
        .read_text()
        .replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}")
    )
    stack = Stack(workdir, REPO / "__main__.py", project_yaml)
    org, user = emu.accounts[0]
    stack.write_config(
        {
            "quickbooks:baseUrl": emu.base_url,
            "quickbooks:oauthApiKey": app.api_key,
            "quickbooks:oauthCallbackUrl": app.callback_url,
            "quickbooks:allowedCallbackHosts": list(ALLOWED_HOSTS),
            "quickbooks:maxRetryWaitSeconds": "10",
        }
    )
    # One CLI call for the three: throwaway values of a local emulator that lives for
    # this run only, so argv may show them (never do this with real secrets).
    stack.run(
        "config",
        "set-all",
        "--secret",
        f"quickbooks:userSecret={user}",
        "--secret",
        f"quickbooks:organizationSecret={org}",
        "--secret",
        f"quickbooks:oauthApiSecret={app.api_secret}",
    )
    return stack


def null_stack(workdir: Path, program: Path) -> Stack:
    """The null program: same CLI, environment and backend layout, nothing behind it."""
    project_yaml = (
        "name: bench-null\n"
        "runtime:\n  name: python\n  options:\n"
        f"    virtualenv: {REPO / '.venv'}\n"
        "stackConfigDir: stacks\n"
    )
    return Stack(workdir, program, project_yaml)
