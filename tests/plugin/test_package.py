"""The package as built and installed: the generated schema, SDKs and docs are current,
the wheel holds only runtime code under names of its own, and the installed code
names the commands and version the user has."""

from __future__ import annotations

import json
import subprocess
import tomllib
import zipfile

from harness import REPO
from harness.accounts import made_by_hand, new_app
from harness.companies import new_company
from harness.emulator import start_emulator
from harness.native import install_package
from provider.core.commands import onboard_command
from provider.core.inputs import SCHEMA
from provider.plugin import schema
from provider.plugin.names import camel

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def test_the_committed_schema_is_what_the_declarations_generate():
    assert schema.SCHEMA_FILE.read_text() == schema.text(), "run `python -m provider.plugin.schema`"


def test_the_schema_has_every_input_and_output_and_marks_the_secrets():
    resource = json.loads(schema.text())["resources"][schema.INSTANCE]
    assert set(resource["inputProperties"]) == {camel(n) for n in SCHEMA.user_inputs}
    assert set(resource["properties"]) == {camel(n) for n in SCHEMA.output_names}
    secret = {
        n
        for n, p in {**resource["inputProperties"], **resource["properties"]}.items()
        if p.get("secret")
    }
    assert secret == {"oauth", "signatureKey", "token"}
    assert resource["inputProperties"]["oauth"]["$ref"].endswith("OauthGrant")


def test_the_committed_sdks_are_what_the_schema_generates(tmp_path):
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "gen-sdk.sh"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for language in ("python", "nodejs", "go"):
        fresh = {
            p.relative_to(tmp_path / language): p.read_bytes()
            for p in (tmp_path / language).rglob("*")
            if p.is_file()
        }
        committed = {
            p.relative_to(REPO / "sdk" / language): p.read_bytes()
            for p in (REPO / "sdk" / language).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert fresh == committed, f"sdk/{language} is stale: run `bash scripts/gen-sdk.sh`"


def test_the_wheel_holds_only_runtime_code_under_names_of_its_own(tmp_path):
    uv = subprocess.run(
        ["bash", str(REPO / "scripts" / "uv.sh")], capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(REPO)],
        capture_output=True,
        check=True,
        timeout=600,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {
        "pulumi_quickbooks",
        "pulumi_quickbooks_provider",
        "pulumi_quickbooks_emulator",
        f"pulumi_quickbooks-{VERSION}.dist-info",
    }
    for part in ("tests", "bench", "harness", "scripts", "emulator", "receiver", "__pycache__"):
        assert not any(part in n.split("/") for n in names), part
    assert "pulumi_quickbooks_provider/signature.py" in names  # the receiver's, stdlib only
    assert "pulumi_quickbooks/pulumi-plugin.json" in names
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(f"pulumi_quickbooks-{VERSION}.dist-info/entry_points.txt")
        .decode()
    )
    assert (
        "pulumi-resource-quickbooks = pulumi_quickbooks_provider.plugin.__main__:main"
        in entry_points
    )
    assert "quickbooks-onboard = pulumi_quickbooks_provider.onboard.command:main" in entry_points
    assert "quickbooks-emulator = pulumi_quickbooks_emulator.__main__:cli" in entry_points


def test_messages_name_the_onboarding_command_where_they_are_read(plugin_venv):
    assert onboard_command() == "python -m provider.onboard"  # this checkout
    probe = (
        "from pulumi_quickbooks_provider import errors;"
        "from pulumi_quickbooks_provider.plugin.version import version;"
        "import pulumi_quickbooks._utilities as u;"
        "print(errors.grant_refused('Books', errors.GrantRejected('create', 'refused'), '1',"
        " 'pulumi:p:dev:books'));"
        "print(version(), u.get_version())"
    )
    done = subprocess.run(
        [str(plugin_venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    message, versions = done.stdout.strip().splitlines()
    assert "`quickbooks-onboard --stack dev --instance books`" in message
    assert versions.split() == [VERSION, VERSION]  # the plugin and the SDK report the package's
    assert (plugin_venv / "bin" / "quickbooks-onboard").exists()


def test_the_emulator_installed_without_its_extra_names_the_extra(plugin_venv):
    done = subprocess.run(
        [str(plugin_venv / "bin" / "quickbooks-emulator"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'pulumi-quickbooks[emulator]'" in done.stderr
    # --help answers before FastAPI is needed, and names the command as it was typed.
    helped = subprocess.run(
        [str(plugin_venv / "bin" / "quickbooks-emulator"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helped.returncode == 0 and helped.stdout.startswith("usage: quickbooks-emulator ")


def test_the_emulator_installed_with_its_extra_serves_the_api(tmp_path):
    """What a team's own tests do: the package with `[emulator]`, the emulator on a
    free port, the API with the account it printed."""
    venv = install_package(tmp_path, extra="emulator")
    program = (str(venv / "bin" / "quickbooks-emulator"),)
    with start_emulator(program=program) as emu:
        made = made_by_hand(emu, new_app(), new_company(emu), name="Installed")
        listed = emu.api("GET", "/instances").json()
        assert [(i["id"], i["name"]) for i in listed] == [(made["id"], "Installed")]
