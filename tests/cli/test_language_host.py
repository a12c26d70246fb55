"""End to end: the real `pulumi` CLI runs a Python program through our language host.

The CLI is found by running `bash scripts/pulumi-cli.sh` (last stdout line = the
directory to put on PATH). These tests FAIL when it cannot be provided.

One stack in a temp dir (file:// backend) goes through stack init, config (with
a secret), preview --diff, up, up without changes, program errors, preview
--json, stack export, refresh and destroy. A trivial dynamic provider, defined in
an importable module of the project, logs its calls (and the config its
`configure` received) to a JSON-lines file the tests read.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.prefix)
CLI_TIMEOUT = int(os.environ.get("QBO_PULUMI_CLI_TIMEOUT", "3600"))
CMD_TIMEOUT = 120

PROVIDER = """
import json
import os
import sys
import uuid

import pulumi.dynamic as dyn


def _log(event, **fields):
    with open(os.environ["ECHO_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"event": event, **fields}) + "\\n")


class EchoProvider(dyn.ResourceProvider):
    def configure(self, req):
        _log(
            "configure",
            greeting=req.config.get("lhtest:greeting"),
            token=req.config.get("lhtest:token"),
            python=sys.executable,
            prefix=sys.prefix,
        )

    def create(self, props):
        _log("create", value=props["value"])
        return dyn.CreateResult(
            id_=uuid.uuid4().hex, outs={"value": props["value"], "length": len(props["value"])}
        )

    def diff(self, _id, olds, news):
        return dyn.DiffResult(changes=olds.get("value") != news.get("value"))

    def update(self, _id, olds, news):
        _log("update", value=news["value"])
        return dyn.UpdateResult(outs={"value": news["value"], "length": len(news["value"])})

    def read(self, id_, props):
        _log("read", id=id_)
        return dyn.ReadResult(id_, props)

    def delete(self, _id, props):
        _log("delete", value=props["value"])


class Echo(dyn.Resource):
    length: int

    def __init__(self, name, value, opts=None):
        super().__init__(EchoProvider(), name, {"value": value, "length": None}, opts)
"""

PROGRAM = """
import os
import sys

import pulumi

from echoprov.echo import Echo

if os.environ.get("ECHO_FAIL") == "raise":
    raise ValueError("boom from the program")
if os.environ.get("ECHO_FAIL") == "exit":
    sys.exit(3)

cfg = pulumi.Config()
print("hello from the program on stdout")
echo = Echo("e1", cfg.get("greeting") or "hello")
pulumi.export("length", echo.length)
pulumi.export("secret_len", cfg.require_secret("token").apply(len))
pulumi.export("python", sys.executable)
"""


def _fail_cli(message: str):
    pytest.fail(f"the pulumi CLI is not available: {message}", pytrace=False)


@pytest.fixture(scope="session")
def cli_path() -> str:
    """The PATH entry printed by scripts/pulumi-cli.sh (builds the CLI on a cold cache)."""
    try:
        proc = subprocess.run(
            ["bash", str(REPO / "scripts" / "pulumi-cli.sh")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        _fail_cli(f"scripts/pulumi-cli.sh did not finish within {CLI_TIMEOUT}s")
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        _fail_cli(f"scripts/pulumi-cli.sh exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    path = lines[-1]
    dirs = path.split(os.pathsep)
    for plugin in ("pulumi", "pulumi-language-python", "pulumi-resource-pulumi-python"):
        if not any(os.access(os.path.join(d, plugin), os.X_OK) for d in dirs):
            _fail_cli(f"{plugin} is not in {path}")
    return path


class Stack:
    """A project + stack in a temp dir, and a `pulumi` runner with an isolated environment."""

    def __init__(self, root: Path, cli_path: str, virtualenv: str):
        self.dir = root / "proj"
        self.log = root / "provider.log"
        (self.dir / "echoprov").mkdir(parents=True)
        (root / "state").mkdir()
        (root / "home").mkdir()
        (self.dir / "Pulumi.yaml").write_text(
            f"name: lhtest\nruntime:\n  name: python\n  options: {{virtualenv: {virtualenv}}}\n"
        )
        (self.dir / "echoprov" / "__init__.py").write_text("")
        (self.dir / "echoprov" / "echo.py").write_text(textwrap.dedent(PROVIDER))
        (self.dir / "__main__.py").write_text(textwrap.dedent(PROGRAM))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PULUMI_", "VIRTUAL_ENV", "PYTHONHOME"))
        }
        env.update(
            PATH=cli_path + os.pathsep + env.get("PATH", ""),
            PULUMI_HOME=str(root / "home"),
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_BACKEND_URL=(root / "state").as_uri(),
            PULUMI_CONFIG_PASSPHRASE="test",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            ECHO_LOG=str(self.log),
        )
        self.env = env

    def pulumi(self, *args: str, check: bool = True, **extra_env: str):
        env = dict(self.env, **extra_env)
        proc = subprocess.run(
            ["pulumi", *args],
            cwd=self.dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=CMD_TIMEOUT,
        )
        if check and proc.returncode != 0:
            pytest.fail(
                f"pulumi {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}",
                pytrace=False,
            )
        return proc

    def events(self, kind: str | None = None) -> list[dict]:
        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [r for r in rows if kind is None or r["event"] == kind]


@pytest.fixture(scope="module")
def stack(cli_path, tmp_path_factory) -> Stack:
    return Stack(tmp_path_factory.mktemp("langhost"), cli_path, str(VENV))


# The tests below run in file order against one stack.


def test_stack_init_and_secret_config(stack):
    stack.pulumi("stack", "init", "dev")
    stack.pulumi("config", "set", "greeting", "hi")
    stack.pulumi("config", "set", "--secret", "token", "s3cr3t")
    config = (stack.dir / "Pulumi.dev.yaml").read_text()
    assert "lhtest:greeting: hi" in config
    assert "secure:" in config and "s3cr3t" not in config


def test_preview_diff(stack):
    proc = stack.pulumi("preview", "--diff")
    out = proc.stdout
    assert "+ pulumi-python:dynamic:Resource: (create)" in out
    assert 'value     : "hi"' in out
    # The program's stdout reaches the engine (shown on stderr in --diff mode).
    assert "hello from the program on stdout" in proc.stdout + proc.stderr
    assert "+ 2 to create" in out
    assert not stack.events("create")


def test_up_creates_and_config_reaches_configure(stack):
    out = stack.pulumi("up", "--yes").stdout
    assert "+ 2 created" in out
    assert [e["value"] for e in stack.events("create")] == ["hi"]
    outputs = json.loads(stack.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs["length"] == 2
    assert outputs["secret_len"] == len("s3cr3t")
    configures = stack.events("configure")
    assert configures, "the dynamic provider was never configured"
    for event in configures:
        assert event["greeting"] == "hi"
        assert event["token"] == "s3cr3t"  # secret, decrypted
    # The program and the dynamic provider both run with the project's virtualenv.
    assert Path(outputs["python"]).parent.parent == VENV
    assert {Path(e["prefix"]).resolve() for e in configures} == {VENV.resolve()}


def test_second_up_has_no_changes(stack):
    out = stack.pulumi("up", "--yes").stdout
    assert "2 unchanged" in out
    assert len(stack.events("create")) == 1 and not stack.events("update")
    stack.pulumi("preview", "--expect-no-changes")


def test_program_exception_is_reported_clearly(stack):
    proc = stack.pulumi("up", "--yes", check=False, ECHO_FAIL="raise")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Program failed with an unhandled exception" in out
    assert "ValueError: boom from the program" in out
    assert 'File "' in out and "__main__.py" in out
    # Reported once by the program (bail), not wrapped again by the host.
    assert "an unhandled error occurred" not in out
    assert "non-zero exit code" not in out


def test_program_exit_code_is_reported(stack):
    proc = stack.pulumi("preview", check=False, ECHO_FAIL="exit")
    assert proc.returncode != 0
    assert "program exited with non-zero exit code: 3" in proc.stdout + proc.stderr


def test_preview_json(stack):
    stack.pulumi("config", "set", "greeting", "hello")
    proc = stack.pulumi("preview", "--json")
    preview = json.loads(proc.stdout)
    steps = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in preview["steps"]}
    assert steps["e1"] == "update"
    assert preview["changeSummary"].get("update") == 1
    assert not stack.events("update")  # preview changed nothing


def test_stack_export(stack):
    state = json.loads(stack.pulumi("stack", "export").stdout)
    resources = {r["type"]: r for r in state["deployment"]["resources"]}
    echo = resources["pulumi-python:dynamic:Resource"]
    assert echo["outputs"]["value"] == "hi"
    assert echo["outputs"]["length"] == 2
    # The SDK stores the pickled provider as a secret; secret outputs stay encrypted.
    assert "ciphertext" in echo["inputs"]["__provider"]
    stack_outputs = resources["pulumi:pulumi:Stack"]["outputs"]
    assert "ciphertext" in stack_outputs["secret_len"]
    # Decrypted, the dill payload names the class by module: pickled by reference.
    state = json.loads(stack.pulumi("stack", "export", "--show-secrets").stdout)
    echo = {r["type"]: r for r in state["deployment"]["resources"]}[
        "pulumi-python:dynamic:Resource"
    ]
    payload = json.loads(echo["inputs"]["__provider"]["plaintext"])
    assert b"echoprov.echo" in base64.b64decode(payload)


def test_refresh(stack):
    before = len(stack.events("read"))
    out = stack.pulumi("refresh", "--yes").stdout
    assert "2 unchanged" in out
    assert len(stack.events("read")) > before  # the provider's read ran
    # With --run-program the engine also runs the program through the host.
    out = stack.pulumi("refresh", "--yes", "--run-program").stdout
    assert "2 unchanged" in out


def test_destroy(stack):
    out = stack.pulumi("destroy", "--yes").stdout
    assert "2 deleted" in out
    assert [e["value"] for e in stack.events("delete")] == ["hi"]
    state = json.loads(stack.pulumi("stack", "export").stdout)
    assert not state["deployment"].get("resources")


def test_relative_virtualenv(cli_path, tmp_path):
    """`virtualenv: venv` is relative to the project: the host and the provider shim resolve it."""
    stack = Stack(tmp_path, cli_path, "venv")
    os.symlink(VENV, stack.dir / "venv")
    stack.pulumi("stack", "init", "dev")
    stack.pulumi("config", "set", "--secret", "token", "t")
    stack.pulumi("up", "--yes")
    outputs = json.loads(stack.pulumi("stack", "output", "--json").stdout)
    assert outputs["python"] == str(stack.dir / "venv" / "bin" / "python")
    assert {e["prefix"] for e in stack.events("configure")} == {str(stack.dir / "venv")}
    stack.pulumi("destroy", "--yes")


def test_bad_virtualenv_is_a_clear_error(cli_path, tmp_path):
    not_a_venv = tmp_path / "not-a-venv"
    not_a_venv.mkdir()
    (not_a_venv / "README").write_text("not a virtualenv")
    stack = Stack(tmp_path, cli_path, str(not_a_venv))
    stack.pulumi("stack", "init", "dev")
    proc = stack.pulumi("preview", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "The 'virtualenv' option in Pulumi.yaml is set to" in out
    assert "doesn't appear to be a virtual environment" in out


@pytest.mark.parametrize("option", ["toolchain: uv", "toolchain: poetry", "typechecker: mypy"])
def test_other_toolchains_are_one_clear_line(cli_path, tmp_path, option):
    stack = Stack(tmp_path, cli_path, str(VENV))
    yaml = stack.dir / "Pulumi.yaml"
    yaml.write_text(yaml.read_text().replace("{virtualenv:", "{" + option + ", virtualenv:"))
    stack.pulumi("stack", "init", "dev")
    proc = stack.pulumi("preview", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = f"unsupported runtime option {option} (this language host supports `toolchain: pip`"
    assert line in out, out
    assert not stack.events(), "the program must not have run"


def test_a_pulumi_with_its_own_host_gets_only_what_it_lacks(cli_path, tmp_path):
    """A `pulumi` on PATH that brings its Python language host: scripts/pulumi-cli.sh adds
    only the dynamic-provider shim and the Node.js host, in a directory of its own, and the
    stack runs with both."""
    own = tmp_path / "own-bin"
    own.mkdir()
    pulumi = next(
        Path(d) / "pulumi" for d in cli_path.split(os.pathsep) if (Path(d) / "pulumi").exists()
    )
    os.symlink(pulumi, own / "pulumi")
    # Its "own" host: ours again (the upstream one cannot be built here), not the cache's copy.
    os.symlink(REPO / "scripts" / "pulumi-language-python", own / "pulumi-language-python")
    cache = tmp_path / "cache"
    # Only that `pulumi` brings plugins: the rest of PATH (e.g. our own cache's bin,
    # which setup.sh put there) must not offer one.
    rest = [
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if not (Path(d) / "pulumi-resource-pulumi-python").exists()
        and not (Path(d) / "pulumi-language-python").exists()
    ]
    env = dict(os.environ, PATH=os.pathsep.join([str(own), *rest]), QBO_CACHE_DIR=str(cache))
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "pulumi-cli.sh")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == f"{own}{os.pathsep}{cache / 'shim'}"
    assert sorted(p.name for p in (cache / "shim").iterdir()) == [
        "langhost",
        "pulumi-language-go",
        "pulumi-language-nodejs",
        "pulumi-resource-pulumi-python",
    ]
    stack = Stack(tmp_path / "run", proc.stdout.strip().splitlines()[-1], "venv")
    os.symlink(VENV, stack.dir / "venv")
    stack.pulumi("stack", "init", "dev")
    stack.pulumi("config", "set", "--secret", "token", "t")
    stack.pulumi("up", "--yes")
    assert {e["prefix"] for e in stack.events("configure")} == {str(stack.dir / "venv")}
    stack.pulumi("destroy", "--yes")
