"""Unit and protocol tests of our Python language host (scripts/langhost/), no CLI needed:
plugin versions, the toolchain, the run command, the gRPC protocol, dependencies."""

from __future__ import annotations

import json
import os
import sys

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import language_pb2

from tests.cli.langhost_support import VENV, host, program_info, run_request


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
    tc = host.Toolchain(program_info(tmp_path, virtualenv="venv"))
    assert tc.virtualenv == str(tmp_path / "venv")
    assert tc.python == str(tmp_path / "venv" / "bin" / "python")
    tc.validate()
    env = tc.env({"PATH": "/usr/bin", "PYTHONHOME": "/x"})
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / "venv" / "bin")
    assert env["VIRTUAL_ENV"] == str(tmp_path / "venv") and "PYTHONHOME" not in env


def test_toolchain_without_virtualenv_uses_host_python(tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
    tc = host.Toolchain(program_info(tmp_path))
    assert tc.virtualenv == "" and tc.python == sys.executable


def test_toolchain_rejects_missing_virtualenv(tmp_path):
    tc = host.Toolchain(program_info(tmp_path, virtualenv="nope"))
    with pytest.raises(host.HostError, match="doesn't exist"):
        tc.validate()


def test_run_command_and_env(tmp_path):
    lh = host.LanguageHost("/x/exec", "127.0.0.1:1", "")
    request = run_request(program_info(tmp_path, virtualenv=str(VENV)), dry_run=True)
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


def test_protocol(running_host):
    stub, proc, root = running_host
    info = program_info(root, virtualenv=str(VENV))
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
        stub.Run(language_pb2.RunRequest(info=program_info(root, virtualenv="missing")))
    stub.Cancel(empty_pb2.Empty())


UNSUPPORTED = [
    ({"toolchain": "uv"}, "unsupported runtime option toolchain: uv"),
    ({"toolchain": "poetry"}, "unsupported runtime option toolchain: poetry"),
    ({"typechecker": "mypy"}, "unsupported runtime option typechecker: mypy"),
]


@pytest.mark.parametrize(("options", "message"), UNSUPPORTED)
def test_other_toolchains_fail_with_one_line(tmp_path, options, message):
    with pytest.raises(host.HostError) as error:
        host.Toolchain(program_info(tmp_path, virtualenv=str(VENV), **options))
    assert str(error.value).startswith(message)
    assert "supports `toolchain: pip`" in str(error.value)
    assert "\n" not in str(error.value)


def test_protocol_rejects_other_toolchains(running_host):
    stub, _proc, root = running_host
    info = program_info(root, virtualenv=str(VENV), toolchain="uv")
    stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"))
    for call, request in [
        (stub.GetRequiredPackages, language_pb2.GetRequiredPackagesRequest(info=info)),
        (stub.Run, language_pb2.RunRequest(info=info)),
    ]:
        with pytest.raises(grpc.RpcError) as error:
            call(request)
        assert error.value.details().startswith("unsupported runtime option toolchain: uv")
        assert "\n" not in error.value.details()


def test_install_dependencies_creates_the_virtualenv(running_host):
    stub, _proc, root = running_host
    (root / "requirements.txt").write_text("")
    request = language_pb2.InstallDependenciesRequest(info=program_info(root, virtualenv="venv"))
    output = b"".join(r.stdout for r in stub.InstallDependencies(request))
    assert b"-m venv " + str(root / "venv").encode() in output
    assert b"-m pip install -r requirements.txt" in output
    assert (root / "venv" / "bin" / "python").exists()


def test_install_dependencies_reports_a_failed_pip(running_host):
    stub, _proc, root = running_host
    (root / "requirements.txt").write_text("./no-such-package\n")
    request = language_pb2.InstallDependenciesRequest(info=program_info(root, virtualenv=str(VENV)))
    with pytest.raises(grpc.RpcError, match="pip install -r requirements.txt` failed"):
        list(stub.InstallDependencies(request))
