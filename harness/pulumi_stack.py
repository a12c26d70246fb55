"""A throwaway copy of the project driven by the real `pulumi` CLI (file:// backend).

Used by the end-to-end, reliability, onboarding and benchmark suites. Every
command's combined output is kept in `transcript`; tests/conftest.py scans the
transcript of every stack a test made for secrets. The CLI comes from
`scripts/pulumi-cli.sh`; when it cannot be provided the caller fails (never skips).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from harness.controls import Emulator

from . import REPO
from .accounts import App
from .companies import new_company
from .leaks import SECRETS
from .secure_config import Sealer, sealer_for

PASSPHRASE = "e2e-passphrase-not-secret"
# The first stack's `encryptionsalt`, given to every later stack of the process before its
# `stack init` (which keeps a salt it finds): one key derivation for all their secrets.
_SALT: str | None = None
_CLI_DIR: str | None = None
_YAML_DIR: str | None = None
# Every stack made in this process, in order: the leak scan reads their transcripts.
STACKS: list[PulumiStack] = []


def _provided_dir(script: str, what: str, path: str | None = None) -> str:
    """The PATH entry a scripts/ provider script prints last (it builds on a cold cache)."""
    env = dict(os.environ, PATH=f"{path}:{os.environ['PATH']}") if path else None
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=3600,
        env=env,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{what} is not available:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def pulumi_bin_dir() -> str:
    """The directory holding `pulumi` and its plugins (built once, then cached)."""
    global _CLI_DIR
    if _CLI_DIR is None:
        _CLI_DIR = _provided_dir("pulumi-cli.sh", "the pulumi CLI")
    return _CLI_DIR


def yaml_host_dir() -> str:
    """The directory holding `pulumi-language-yaml`, for `runtime: yaml` programs.

    Usually the CLI's own directory (scripts/pulumi-yaml.sh builds it there); put
    it on PATH after `pulumi_bin_dir()`.
    """
    global _YAML_DIR
    if _YAML_DIR is None:
        _YAML_DIR = _provided_dir("pulumi-yaml.sh", "the YAML language host", pulumi_bin_dir())
    return _YAML_DIR


def cli_env(backend: Path) -> dict[str, str]:
    """The environment of a `pulumi` command on a throwaway `file://` backend."""
    return {
        **os.environ,
        "PATH": f"{pulumi_bin_dir()}:{REPO / '.venv' / 'bin'}:{os.environ['PATH']}",
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_HOME": str(backend / ".pulumi-home"),
        "PYTHONPATH": str(REPO),  # the program and the provider host import `provider`
        "NO_COLOR": "1",
    }


class PulumiStack:
    def __init__(
        self,
        workdir: Path,
        emu: Emulator,
        app: App,
        *,
        stack: str = "e2e",
        account: int = 0,
        backend: Path | None = None,
        allowed_hosts: tuple[str, ...] = ("hooks.example.com", "localhost"),
        files: dict[str, str] | None = None,
    ) -> None:
        self.dir = workdir
        self.emu = emu
        self.app = app
        self.stack = stack
        self.transcript: list[str] = []
        self._realms: dict[str, str] = {}  # instance key -> the company it was granted for
        self._sealer: Sealer | None = None
        STACKS.append(self)
        self.dir.mkdir(parents=True, exist_ok=True)
        if files is None:  # the repository's own program
            shutil.copy(REPO / "__main__.py", self.dir / "__main__.py")
            (self.dir / "Pulumi.yaml").write_text(
                (REPO / "Pulumi.yaml")
                .read_text()
                .replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}")
            )
        for name, text in (files or {}).items():  # another program (harness.native)
            (self.dir / name).write_text(text)
        (self.dir / "stacks").mkdir(exist_ok=True)
        self.backend = backend or (self.dir / "backend")
        self.backend.mkdir(parents=True, exist_ok=True)
        self.env = cli_env(self.backend)
        if files is not None:  # a program outside the checkout imports nothing from it
            del self.env["PYTHONPATH"]
        for var in list(self.env):
            if var.startswith("QUICKBOOKS_"):
                del self.env[var]  # settings come from this stack's config only
        self._init_stack()
        org, user = emu.accounts[account]
        self.write_config(
            {
                "quickbooks:baseUrl": emu.base_url,
                "quickbooks:oauthApiKey": app.api_key,
                "quickbooks:oauthCallbackUrl": app.callback_url,
                "quickbooks:allowedCallbackHosts": list(allowed_hosts),
                "quickbooks:maxRetryWaitSeconds": "10",
            }
        )
        self.set_secret("quickbooks:userSecret", user)
        self.set_secret("quickbooks:organizationSecret", org)
        self.set_secret("quickbooks:oauthApiSecret", app.api_secret)

    def _init_stack(self) -> None:
        global _SALT
        if _SALT is not None and not self.config_path.exists():
            self.config_path.write_text(yaml.safe_dump({"encryptionsalt": _SALT}))
        self.run("stack", "init")
        _SALT = _SALT or self.read_config()["encryptionsalt"]

    @property
    def project(self) -> str:
        return yaml.safe_load((self.dir / "Pulumi.yaml").read_text())["name"]

    # --- config -----------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        """Where the CLI keeps this stack's config: the project's `stackConfigDir`."""
        project = yaml.safe_load((self.dir / "Pulumi.yaml").read_text()) or {}
        return self.dir / project.get("stackConfigDir", ".") / f"Pulumi.{self.stack}.yaml"

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

    def remove_instance(self, key: str) -> None:
        doc = self.read_config()
        doc["config"]["quickbooks:instances"].pop(key)
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def set_secret(self, path: str, value: str) -> None:
        """`pulumi config set --secret --path <path>`, sealed here as the CLI seals it
        (`secure_config.py`): never on a command line, and without the CLI's key
        derivation per value (~0.3 s each)."""
        self._set_path(path, self.sealer().seal(value))

    def _set_path(self, path: str, value: Any) -> None:
        """`value` at a `--path` path (`ns:key.a.b`; a key with no namespace is the
        project's, as the CLI reads it)."""
        key, *inside = path.split(".")
        if ":" not in key:
            key = f"{self.project}:{key}"
        doc = self.read_config()
        node = doc.setdefault("config", {})
        for step in [key, *inside][:-1]:
            node = node.setdefault(step, {})
        node[[key, *inside][-1]] = value
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def grant(self, key: str, realm_id: str | None = None) -> dict[str, str]:
        """A fresh consent on the emulator, stored encrypted as the instance's grant.

        Without `realm_id`: the company this key was granted for before (a re-consent),
        or the first time a company no other instance has (one authorized instance per
        company, so sharing one would wipe the other instance's authorization).
        """
        realm_id = realm_id or self._realms.get(key) or new_company(self.emu)
        self._realms[key] = realm_id
        params = self.emu.grant(
            self.app.api_key, self.app.api_secret, self.app.callback_url, realm_id=realm_id
        )
        SECRETS.add("grant code", params["code"])
        self.set_secret(f"quickbooks:instances.{key}.oauth.code", params["code"])
        self.set_realm(key, params["realmId"])
        return {"code": params["code"], "realm_id": params["realmId"]}

    def set_realm(self, key: str, realm_id: str) -> None:
        """The instance's `oauth.realm_id`, as onboarding stores it: the company id is no
        secret, and stays a string."""
        self._set_path(f"quickbooks:instances.{key}.oauth.realm_id", str(realm_id))

    def sealer(self) -> Sealer:
        """Seals secrets for this stack's file (`pulumi stack init` wrote its salt)."""
        if self._sealer is None:
            salt = self.read_config()["encryptionsalt"]
            self._sealer = sealer_for(self.env["PULUMI_CONFIG_PASSPHRASE"], salt)
        return self._sealer

    def grant_all(self, keys: list[str], realms: list[str] | None = None) -> None:
        """A fresh consent for each of `keys` (for `realms`, else a new company each),
        written into the stack file at once: each code sealed here as the CLI would
        seal it (`secure_config.py`), never on a command line, without `grant`'s one
        CLI call per value (~0.5 s an instance)."""
        doc = self.read_config()
        sealer = self.sealer()
        instances = doc.setdefault("config", {}).setdefault("quickbooks:instances", {})
        for index, key in enumerate(keys):
            realm_id = realms[index] if realms else new_company(self.emu)
            self._realms[key] = realm_id
            granted = self.emu.grant(
                self.app.api_key, self.app.api_secret, self.app.callback_url, realm_id=realm_id
            )
            SECRETS.add("grant code", granted["code"])
            oauth = {"code": sealer.seal(granted["code"]), "realm_id": granted["realmId"]}
            instances[key] = {**(instances.get(key) or {}), "oauth": oauth}
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    # --- commands ---------------------------------------------------------------

    def run(
        self, *args: str, check: bool = True, input_text: str | None = None, timeout: int = 300
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
        self.transcript.append(f"$ pulumi {' '.join(args)}\n{done.stdout}\n{done.stderr}")
        if check and done.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {done.returncode}\n{done.stdout[-4000:]}\n"
                f"{done.stderr[-4000:]}"
            )
        return done

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("preview", *extra, check=check)

    def preview_json(self) -> dict[str, Any]:
        return json.loads(self.run("preview", "--json", "--diff").stdout)

    def up_replacing(self, key: str, old_id: str) -> str:
        """`up` after a change that needs a new instance (another company): the preview
        says replace, and the old instance is gone afterwards. Returns the new id."""
        assert "replace" in self.preview("--diff").stdout
        self.up()
        new_id = self.outputs()[key]["instance_id"]
        assert new_id != old_id
        assert self.emu.api("GET", f"/instances/{old_id}").status_code == 404
        return new_id

    def refresh(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("refresh", "--yes", "--skip-preview", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "output", "--json").stdout)

    def export(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export").stdout)

    def resources(self) -> list[dict[str, Any]]:
        deployment = self.export()["deployment"]
        return [r for r in deployment.get("resources") or [] if r["type"].endswith(":Instance")]
