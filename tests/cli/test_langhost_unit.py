"""Unit and protocol tests of our Python language host (scripts/langhost/), no CLI needed."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "pulumi-language-python"
VENV = REPO / ".venv" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.prefix)


def _load_host():
    # The host imports its sibling pythonenv.py, as it does when run as a script.
    sys.path.insert(0, str(REPO / "scripts" / "langhost"))
    path = REPO / "scripts" / "langhost" / "pulumi_language_python.py"
    spec = importlib.util.spec_from_file_location("pulumi_language_python", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host = _load_host()


def _info(root: Path, **options) -> language_pb2.ProgramInfo:
    opts = struct_pb2.Struct()
    opts.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=opts
    )


# Same table as the Go host's TestDeterminePluginVersion.
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0.1", "0.1.0"),
        ("1.0", "1.0.0"),
        ("1.0.0", "1.0.0"),
        ("4.3.2.1", "4.3.2.1"),
        ("2.1a123456789", "2.1.0-alpha.123456789"),
        ("2.14.0a1605583329", "2.14.0-alpha.1605583329"),
        ("1.2.3b123456", "1.2.3-beta.123456"),
        ("3.2.1rc654321", "3.2.1-rc.654321"),
        ("1.2.3.dev456", "1.2.3+dev456"),
        ("3.2.post32", "3.2.0+post32"),
        ("0.3.0b8", "0.3.0-beta.8"),
        ("3.2.post1.dev0", "3.2.0+post1dev0"),
    ],
)
def test_determine_plugin_version(given, expected):
    assert host.determine_plugin_version(given) == expected


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("", "cannot parse empty string"),
        (" 1 . 2 . 3 ", "' 1 . 2 . 3 ' still unparsed"),
        ("1.2.3dev7890", "'dev7890' still unparsed"),
        ("1.", "'.' still unparsed"),
        ("10!3.2.1", "epochs are not supported"),
    ],
)
def test_determine_plugin_version_errors(given, error):
    with pytest.raises(ValueError, match=error.replace(".", r"\.")):
        host.determine_plugin_version(given)


def test_package_dependency(tmp_path):
    dep = host.package_dependency({"name": "pulumi-random", "version": "4.16.0"})
    assert (dep.name, dep.version, dep.kind) == ("random", "v4.16.0", "resource")
    assert host.package_dependency({"name": "requests", "version": "2.0"}) is None
    no_plugin = tmp_path / "a.json"
    no_plugin.write_text(json.dumps({"resource": False}))
    assert (
        host.package_dependency(
            {"name": "pulumi-x", "version": "1.0", "plugin_json": str(no_plugin)}
        )
        is None
    )
    custom = tmp_path / "b.json"
    custom.write_text(
        json.dumps({"resource": True, "name": "acme", "version": "2.0.1", "server": "x://s"})
    )
    dep = host.package_dependency({"name": "acme-sdk", "version": "9", "plugin_json": str(custom)})
    assert (dep.name, dep.version, dep.server) == ("acme", "v2.0.1", "x://s")


def test_toolchain_resolves_relative_virtualenv(tmp_path):
    os.symlink(VENV, tmp_path / "venv")
    tc = host.Toolchain(_info(tmp_path, virtualenv="venv"))
    assert tc.virtualenv == str(tmp_path / "venv")
    assert tc.python == str(tmp_path / "venv" / "bin" / "python")
    tc.validate()
    env = tc.env({"PATH": "/usr/bin", "PYTHONHOME": "/x"})
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / "venv" / "bin")
    assert env["VIRTUAL_ENV"] == str(tmp_path / "venv") and "PYTHONHOME" not in env


def test_toolchain_without_virtualenv_uses_host_python(tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
    tc = host.Toolchain(_info(tmp_path))
    assert tc.virtualenv == "" and tc.python == sys.executable


def test_toolchain_rejects_missing_virtualenv(tmp_path):
    tc = host.Toolchain(_info(tmp_path, virtualenv="nope"))
    with pytest.raises(host.HostError, match="doesn't exist"):
        tc.validate()


def test_run_command_and_env(tmp_path):
    lh = host.LanguageHost("/x/exec", "127.0.0.1:1", "")
    request = language_pb2.RunRequest(
        monitor_address="127.0.0.1:2",
        project="p",
        stack="s",
        pwd=str(tmp_path),
        dryRun=True,
        parallel=8,
        organization="org",
        config={"p:a": "1", "p:b": "secret"},
        configSecretKeys=["p:b"],
        info=_info(tmp_path, virtualenv=str(VENV)),
        args=["extra"],
    )
    tc = host.Toolchain(request.info)
    cmd = lh.run_command(request, tc)
    assert cmd[:3] == [str(VENV / "bin" / "python"), "-u", "/x/exec"]
    flags = dict(zip(cmd[3:-2:2], cmd[4:-2:2], strict=True))
    assert flags == {
        "--monitor": "127.0.0.1:2",
        "--engine": "127.0.0.1:1",
        "--project": "p",
        "--root_directory": str(tmp_path),
        "--stack": "s",
        "--pwd": str(tmp_path),
        "--dry_run": "true",
        "--parallel": "8",
        "--organization": "org",
    }
    assert cmd[-2:] == [str(tmp_path), "extra"]
    env = lh.run_env(request, tc)
    assert json.loads(env["PULUMI_CONFIG"]) == {"p:a": "1", "p:b": "secret"}
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["p:b"]


@pytest.fixture
def running_host(tmp_path):
    """The launcher started like the engine does: cwd = project, engine address last."""
    (tmp_path / "Pulumi.yaml").write_text(
        f"name: t\nruntime: {{name: python, options: {{virtualenv: {VENV}}}}}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    proc = subprocess.Popen(
        [str(LAUNCHER)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    port = proc.stdout.readline().decode().strip()
    assert port.isdigit(), proc.stderr.read().decode()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield language_pb2_grpc.LanguageRuntimeStub(channel), proc, tmp_path
    channel.close()
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_protocol(running_host):
    stub, proc, root = running_host
    info = _info(root, virtualenv=str(VENV))
    version = stub.GetPluginInfo(empty_pb2.Empty()).version
    assert version and version[0].isdigit()
    with pytest.raises(grpc.RpcError) as unimplemented:
        stub.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(info=info))
    assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED
    packages = stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info))
    assert all(p.kind == "resource" for p in packages.packages)
    about = stub.About(language_pb2.AboutRequest(info=info))
    assert about.executable == str(VENV / "bin" / "python")
    assert about.metadata["toolchain"] == "pip"
    # Only `pulumi about` asks for it, and only warns without it.
    with pytest.raises(grpc.RpcError) as unimplemented:
        stub.GetProgramDependencies(language_pb2.GetProgramDependenciesRequest(info=info))
    assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # pip is the only toolchain (virtualenv already set): nothing to ask `pulumi new` users.
    prompts = stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=info))
    assert list(prompts.prompts) == []
    # Run needs the engine's address (argument or Handshake).
    with pytest.raises(grpc.RpcError, match="must call Handshake before Run"):
        stub.Run(language_pb2.RunRequest(info=info))
    stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"))
    # A bad virtualenv is an RPC error with the upstream wording.
    with pytest.raises(grpc.RpcError, match="doesn't exist"):
        stub.Run(language_pb2.RunRequest(info=_info(root, virtualenv="missing")))
    stub.Cancel(empty_pb2.Empty())


def test_sigint_stops_the_host(running_host):
    _stub, proc, _root = running_host
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - start < 5


def test_launcher_falls_back_to_a_python_with_grpc(tmp_path):
    """A Pulumi.yaml naming a missing virtualenv must not keep the host from starting."""
    (tmp_path / "Pulumi.yaml").write_text(
        "name: t\nruntime:\n  name: python\n  options:\n    virtualenv: missing-venv\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen(
        [str(LAUNCHER)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().decode().strip().isdigit(), proc.stderr.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_launcher_reports_when_no_python_fits(tmp_path):
    tools = tmp_path / "bin"  # the launcher's shell tools, but no python
    tools.mkdir()
    for tool in ("readlink", "dirname", "grep", "head", "sed"):
        os.symlink(shutil.which(tool), tools / tool)
    env = {"PATH": str(tools), "HOME": str(tmp_path)}
    proc = subprocess.run(
        ["/bin/bash", str(LAUNCHER)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "no python with grpcio and the pulumi SDK found" in proc.stderr


def test_a_host_inside_another_process_never_ends_it():
    # Leaving when the engine is gone is serve()'s job, not the servicer's: a host
    # built inside another process (this test runner) must never end that process.
    threads = threading.active_count()
    lh = host.LanguageHost("/x/exec", "127.0.0.1:1", "")
    lh.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"), None)
    assert threading.active_count() == threads


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent has not reaped it


def test_host_leaves_when_the_engine_dies(tmp_path):
    """Started by an "engine" (with its address) that dies without stopping it: the host exits."""
    (tmp_path / "Pulumi.yaml").write_text(
        f"name: t\nruntime: {{name: python, options: {{virtualenv: {VENV}}}}}\n"
    )
    engine = (
        "import subprocess, sys\n"
        "host = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
        "print(host.pid, host.stdout.readline().decode().strip(), flush=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", engine, str(LAUNCHER), "127.0.0.1:1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid, port = proc.stdout.split()
    assert port.isdigit(), proc.stderr
    deadline = time.monotonic() + 10
    while _alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(int(pid)):
        os.kill(int(pid), signal.SIGKILL)
        pytest.fail("the language host outlived the engine that started it")


UNSUPPORTED = [
    ({"toolchain": "uv"}, "unsupported runtime option toolchain: uv"),
    ({"toolchain": "poetry"}, "unsupported runtime option toolchain: poetry"),
    ({"typechecker": "mypy"}, "unsupported runtime option typechecker: mypy"),
]


@pytest.mark.parametrize(("options", "message"), UNSUPPORTED)
def test_other_toolchains_fail_with_one_line(tmp_path, options, message):
    with pytest.raises(host.HostError) as error:
        host.Toolchain(_info(tmp_path, virtualenv=str(VENV), **options))
    assert str(error.value).startswith(message)
    assert "supports `toolchain: pip`" in str(error.value)
    assert "\n" not in str(error.value)


def test_protocol_rejects_other_toolchains(running_host):
    stub, _proc, root = running_host
    info = _info(root, virtualenv=str(VENV), toolchain="uv")
    stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"))
    for call, request in [
        (stub.GetRequiredPackages, language_pb2.GetRequiredPackagesRequest(info=info)),
        (stub.Run, language_pb2.RunRequest(info=info)),
    ]:
        with pytest.raises(grpc.RpcError) as error:
            call(request)
        assert error.value.details().startswith("unsupported runtime option toolchain: uv")
        assert "\n" not in error.value.details()


def _shim(tmp_path: Path) -> Path:
    """The launcher installed under the dynamic-provider plugin's name, as pulumi-cli.sh does."""
    (tmp_path / "bin").mkdir()
    shim = tmp_path / "bin" / "pulumi-resource-pulumi-python"
    os.symlink(LAUNCHER, shim)
    return shim


def test_shim_runs_pulumi_dynamic_with_the_project_virtualenv(tmp_path):
    shim = _shim(tmp_path)
    os.symlink(VENV, tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "VIRTUAL_ENV"))}
    env["PULUMI_RUNTIME_VIRTUALENV"] = "venv"  # relative to the project root, the shim's cwd
    proc = subprocess.Popen(
        [str(shim)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[:4] == [
            str(tmp_path / "venv" / "bin" / "python").encode(),
            b"-u",
            b"-m",
            b"pulumi.dynamic",
        ]
        environ = dict(
            item.split(b"=", 1)
            for item in Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
            if b"=" in item
        )
        assert environ[b"VIRTUAL_ENV"] == str(tmp_path / "venv").encode()
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PULUMI_RUNTIME_TOOLCHAIN": "uv"}, "unsupported runtime option toolchain: uv"),
        ({"PULUMI_RUNTIME_TOOLCHAIN": "poetry"}, "unsupported runtime option toolchain: poetry"),
        (
            {"PULUMI_RUNTIME_VIRTUALENV": "missing"},
            "The 'virtualenv' option in Pulumi.yaml is set to 'missing'",
        ),
    ],
)
def test_shim_fails_with_a_clear_message(tmp_path, variables, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.run(
        [str(_shim(tmp_path))],
        cwd=tmp_path,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pulumi-resource-pulumi-python: {message}")
    if "toolchain" in message:
        assert proc.stderr.count("\n") == 1, proc.stderr


def test_install_dependencies_creates_the_virtualenv(running_host):
    stub, _proc, root = running_host
    (root / "requirements.txt").write_text("")
    request = language_pb2.InstallDependenciesRequest(info=_info(root, virtualenv="venv"))
    output = b"".join(r.stdout for r in stub.InstallDependencies(request))
    assert b"-m venv " + str(root / "venv").encode() in output
    assert b"-m pip install -r requirements.txt" in output
    assert (root / "venv" / "bin" / "python").exists()


def test_install_dependencies_reports_a_failed_pip(running_host):
    stub, _proc, root = running_host
    (root / "requirements.txt").write_text("./no-such-package\n")
    request = language_pb2.InstallDependenciesRequest(info=_info(root, virtualenv=str(VENV)))
    with pytest.raises(grpc.RpcError, match="pip install -r requirements.txt` failed"):
        list(stub.InstallDependencies(request))
