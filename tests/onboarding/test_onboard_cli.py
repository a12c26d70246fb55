"""`python -m provider.onboard` against a real stack: settings through `pulumi config`,
one-line errors, and a grant written all or nothing."""

from __future__ import annotations

import os
import subprocess

import pytest

from provider.onboard.errors import OnboardError
from provider.onboard.stack import PulumiStackConfig

from .driver import OnboardRun


def use_env(monkeypatch, env: dict[str, str]) -> None:
    """This process's environment becomes the stack's (the CLI's PATH, backend, passphrase)."""
    for name in os.environ.keys() - env.keys():
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_errors_exit_1_with_one_line_naming_the_cause(stack):
    stack.run("config", "rm", "quickbooks:oauthApiSecret")
    finished = OnboardRun(stack).finish()
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.splitlines() == [
        "onboard: error: stack 'onboarding': missing provider settings: "
        "quickbooks:oauthApiSecret (or env QUICKBOOKS_OAUTH_API_SECRET). "
        "Set them with `pulumi config set [--secret] <key> <value>`."
    ]

    stack.stack = "nope"
    finished = OnboardRun(stack).finish()
    assert finished.returncode == 1
    [line] = finished.stderr.splitlines()
    assert line.startswith("onboard: error: `pulumi config --stack nope` failed:")
    assert "nope" in line.split("failed:")[1]


def test_settings_come_from_pulumi_config_and_a_failed_write_restores_the_file(
    stack, app, monkeypatch
):
    use_env(monkeypatch, stack.env)
    config = PulumiStackConfig(stack.stack, stack.dir)
    assert config.lookup("quickbooks:oauthApiKey") == app.api_key
    assert config.lookup("quickbooks:oauthApiSecret") == app.api_secret  # decrypted
    assert config.lookup("quickbooks:userSecret") is None  # not needed: never decrypted
    assert config.lookup("quickbooks:requestTimeoutSeconds") is None
    assert config.lookup("quickbooks:allowedCallbackHosts") == ["hooks.example.com", "localhost"]
    assert set(config.instances()) == {"books"}
    assert config.location() == "stacks/Pulumi.onboarding.yaml"

    before = stack.config_path.read_bytes()
    real = config._pulumi
    writes = []

    def second_write_fails(*args, **kw):
        if args[:2] == ("config", "set"):
            writes.append(args)
            if len(writes) == 2:
                raise OnboardError("`pulumi config set` failed: simulated")
        return real(*args, **kw)

    monkeypatch.setattr(config, "_pulumi", second_write_fails)
    with pytest.raises(OnboardError, match="simulated"):
        config.store_grant("books", {"code": "AB11new-code-value", "realm_id": "1"}, [])
    assert len(writes) == 2  # the first write did happen ...
    assert not [arg for args in writes for arg in args if "new-code-value" in arg]  # stdin only
    assert stack.config_path.read_bytes() == before  # ... and was undone


def test_no_backend_here_is_named_with_the_way_to_the_stacks_own(tmp_path):
    # What the CLI says when nothing tells it the stack's backend (no login, no
    # PULUMI_BACKEND_URL): the local stack's is scripts/local.sh's.
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "local.sh").write_text("")
    done = subprocess.CompletedProcess(
        ["pulumi"],
        255,
        "",
        "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n",
    )
    local = PulumiStackConfig("local", tmp_path, "books")._failed(("config", "--json"), done)
    assert str(local) == (
        "`pulumi config --stack local` failed: PULUMI_ACCESS_TOKEN must be set for login "
        "during non-interactive CLI sessions. The pulumi CLI is logged in to no backend here: "
        "use the stack's own, as `pulumi up` does (`pulumi login <backend>`, or "
        "PULUMI_BACKEND_URL); the local stack's backend is scripts/local.sh's, so run `bash "
        "scripts/local.sh onboard --instance books` (`make up` consents by itself)"
    )
    dev = str(PulumiStackConfig("dev", tmp_path)._failed(("config", "--json"), done))
    assert dev.endswith("(`pulumi login <backend>`, or PULUMI_BACKEND_URL)")
