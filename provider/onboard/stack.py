"""A stack's configuration, read and written through the `pulumi` CLI.

Reading: one `pulumi config --json` for the plain values, then `pulumi config
get` only for the secrets onboarding needs (decrypted with the stack's secrets
provider, e.g. PULUMI_CONFIG_PASSPHRASE). Writing: `pulumi config set --secret
--path` (the company id: plain), the value on stdin, so a grant is never on a command line (process
list, shell history) and is encrypted before it reaches the stack file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Protocol

import yaml

from ..api.settings import NAMESPACE, OAUTH_API_SECRET
from .errors import OnboardError

INSTANCES_KEY = f"{NAMESPACE}:instances"
# Instance keys become segments of a `--path` (`a.b.c`): keep them to plain words.
_INSTANCE_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_NOT_FOUND_RE = re.compile(r"configuration key '.*' not found")
# Grant fields that are no secret: the QuickBooks company id (shown on the consent
# page, and in every display of the instance).
PLAIN_GRANT_FIELDS = frozenset({"realm_id"})


class StackConfig(Protocol):
    """What onboarding needs from a stack's configuration."""

    stack: str

    def lookup(self, key: str) -> Any:
        """A `quickbooks:` setting, as `ProviderSettings.load` asks for it; None if unset."""

    def instances(self) -> dict[str, Any]:
        """The `quickbooks:instances` map (grant values decrypted: hold, never print)."""

    def store_grant(self, instance: str, fields: dict[str, str], stale: list[str]) -> None:
        """Sets each grant field (as a secret, but for `PLAIN_GRANT_FIELDS`), removes the
        `stale` fields of an older grant."""

    def location(self) -> str:
        """Where the grant went, for people: e.g. `stacks/Pulumi.dev.yaml`."""


def grant_path(instance: str, field: str | None = None) -> str:
    if not _INSTANCE_KEY_RE.fullmatch(instance):
        raise OnboardError(
            f"instance key {instance!r} cannot be addressed in a config path: use letters, "
            "digits, _ and - only"
        )
    path = f"{INSTANCES_KEY}.{instance}.oauth"
    return f"{path}.{field}" if field else path


class PulumiStackConfig:
    """`StackConfig` backed by the `pulumi` CLI, run in the project directory."""

    # Secrets that onboarding uses; the others are never decrypted.
    NEEDED_SECRETS = frozenset({f"{NAMESPACE}:{OAUTH_API_SECRET.config_key}"})

    def __init__(self, stack: str, project_dir: Path, instance: str | None = None) -> None:
        self.stack = stack
        self.project_dir = project_dir
        self.instance = instance  # the one asked for, if any: for the hints
        self._listing: dict[str, Any] | None = None

    # --- reading ------------------------------------------------------------------

    def lookup(self, key: str) -> Any:
        entry = self._list().get(key)
        if entry is None:
            return None
        if entry.get("secret"):
            return self._get(key) if key in self.NEEDED_SECRETS else None
        return entry.get("objectValue", entry.get("value"))

    def instances(self) -> dict[str, Any]:
        value = self._get(INSTANCES_KEY)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise OnboardError(
                f"{INSTANCES_KEY} of stack {self.stack!r} must be a map of instance key -> settings"
            )
        return value

    def _list(self) -> dict[str, Any]:
        if self._listing is None:
            self._listing = json.loads(self._pulumi("config", "--json").stdout or "{}")
        return self._listing

    def _get(self, key: str) -> Any:
        done = self._pulumi("config", "get", key, "--json", check=False)
        if done.returncode != 0:
            if _NOT_FOUND_RE.search(done.stderr):
                return None
            raise self._failed(("config", "get", key), done)
        parsed = json.loads(done.stdout)
        return parsed.get("objectValue", parsed.get("value"))

    # --- writing ------------------------------------------------------------------

    def store_grant(self, instance: str, fields: dict[str, str], stale: list[str]) -> None:
        stale_paths = [grant_path(instance, name) for name in stale]
        # All or nothing: a half-written grant (new code, old realm) would only
        # fail later with a confusing error, so a failure restores the file.
        config_file = self._config_file()
        before = config_file.read_bytes() if config_file and config_file.exists() else None
        try:
            for name, value in fields.items():
                # The company id is no credential (README, "realm_id"): plain, and a
                # string, or the CLI would store it as a number too big for a double.
                kind = ("--type", "string") if name in PLAIN_GRANT_FIELDS else ("--secret",)
                self._pulumi(
                    "config", "set", *kind, "--path", grant_path(instance, name), stdin=value
                )
            for path in stale_paths:
                self._pulumi("config", "rm", "--path", path)
        except BaseException:
            if config_file is not None:
                if before is None:
                    config_file.unlink(missing_ok=True)
                else:
                    config_file.write_bytes(before)
            raise

    def location(self) -> str:
        config_file = self._config_file()
        if config_file is None:
            return f"the config of stack {self.stack!r}"
        try:
            return str(config_file.relative_to(self.project_dir.resolve()))
        except ValueError:
            return str(config_file)

    def _config_file(self) -> Path | None:
        """`<stackConfigDir>/Pulumi.<stack>.yaml`, as the CLI places it."""
        project_file = self.project_dir / "Pulumi.yaml"
        try:
            project = yaml.safe_load(project_file.read_text()) or {}
        except (OSError, yaml.YAMLError):
            return None
        config_dir = project.get("stackConfigDir") or "."
        # A fully qualified org/project/stack keeps its file as Pulumi.<stack>.yaml.
        name = self.stack.rsplit("/", 1)[-1]
        return (self.project_dir / config_dir / f"Pulumi.{name}.yaml").resolve()

    # --- the CLI ------------------------------------------------------------------

    def _pulumi(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run(
                ["pulumi", *args, "--stack", self.stack, "--non-interactive"],
                cwd=self.project_dir,
                input=stdin if stdin is not None else "",
                capture_output=True,
                text=True,
                timeout=120,
            )
        except FileNotFoundError:
            raise OnboardError("the pulumi CLI is not on PATH") from None
        except subprocess.TimeoutExpired:
            raise OnboardError(f"`pulumi {args[0]} {args[1]}` did not finish in 120 s") from None
        if check and done.returncode != 0:
            raise self._failed(args, done)
        return done

    def _failed(self, args: tuple[str, ...], done: subprocess.CompletedProcess) -> OnboardError:
        # Only the command's name and key: a value is never an argument anyway.
        command = " ".join(a for a in args if not a.startswith("--"))
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line.removeprefix("error:").strip() for line in lines if "error" in line.lower()]
        reason = (errors or lines or [f"exit status {done.returncode}"])[-1]
        return OnboardError(
            f"`pulumi {command} --stack {self.stack}` failed: {reason}{self._hint(done.stderr)}"
        )

    def _hint(self, stderr: str) -> str:
        """What to do when the CLI has no backend here: the stack's is elsewhere."""
        if "PULUMI_ACCESS_TOKEN must be set" not in stderr:
            return ""
        hint = (
            ". The pulumi CLI is logged in to no backend here: use the stack's own, as "
            "`pulumi up` does (`pulumi login <backend>`, or PULUMI_BACKEND_URL)"
        )
        if (self.project_dir / "scripts" / "local.sh").exists() and self.stack == "local":
            hint += (
                "; the local stack's backend is scripts/local.sh's, so run `bash "
                f"scripts/local.sh onboard --instance {self.instance or '<key>'}` (`make up` "
                "consents by itself)"
            )
        return hint
