"""Our Node.js language host (scripts/langhost/pulumi_language_nodejs.py), no CLI needed: the
plugins found in node_modules, the run entry's command line and environment, the options, the
gRPC protocol through the launcher installed as pulumi-language-nodejs, and no `node` on PATH.
A TypeScript program run by the real CLI is in tests/plugin/test_programs.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from tests.cli.langhost_support import LAUNCHER, VENV, node_host, program_info, run_request


def _package(modules: Path, name: str, version: str, **extra) -> Path:
    directory = modules / name
    directory.mkdir(parents=True)
    (directory / "package.json").write_text(json.dumps({"name": name, "version": version, **extra}))
    return directory


def _node_modules(root: Path) -> Path:
    """A package's node_modules as npm lays it out, with every kind of package the host meets."""
    modules = root / "node_modules"
    plugin = {"resource": True, "name": "quickbooks", "version": "0.2.0"}
    _package(modules, "@quickbooks-instances/quickbooks", "0.2.0", pulumi=plugin)
    _package(modules, "@pulumi/aws", "6.1.0", pulumi={"resource": True})
    _package(modules, "@pulumi/pulumi", "3.276.0")
    acme = _package(modules, "acme-sdk", "1.4.0")  # a pulumi-plugin.json instead of `pulumi`
    (acme / "pulumi-plugin.json").write_text(
        json.dumps({"resource": True, "name": "acme", "server": "x://plugins"})
    )
    _package(modules, "not-a-plugin", "1.0.0", pulumi={"resource": False})
    nested = _package(modules, "left-pad", "1.3.0") / "node_modules"
    _package(nested, "@pulumi/aws", "6.1.0", pulumi={"resource": True})  # the same: once
    _package(nested, "@pulumi/random", "4.16.0", pulumi={"resource": True})
    (modules / ".bin").mkdir()
    (modules / ".package-lock.json").write_text("{}")
    return modules


def test_the_plugins_of_node_modules_are_the_packages_that_declare_one(tmp_path):
    shared = _node_modules(tmp_path / "shared")
    project = tmp_path / "project"
    (project / "infra").mkdir(parents=True)
    (project / "package.json").write_text("{}")
    (project / "node_modules").symlink_to(shared)  # as the TypeScript test links it
    lh = node_host.LanguageHost("127.0.0.1:1", "")
    info = program_info(project)
    info.program_directory = str(project / "infra")  # the package is found above it
    deps = lh.required_packages(info)
    assert sorted((d.name, d.version, d.kind, d.server) for d in deps) == [
        ("acme", "v1.4.0", "resource", "x://plugins"),
        ("aws", "v6.1.0", "resource", ""),
        ("quickbooks", "v0.2.0", "resource", ""),
        ("random", "v4.16.0", "resource", ""),
    ]


def test_a_broken_package_json_is_named(tmp_path):
    broken = _package(tmp_path / "node_modules", "broken", "1.0.0")
    (broken / "package.json").write_text("{not json")
    with pytest.raises(node_host.HostError, match=f"failed to parse {broken}/package.json"):
        node_host.LanguageHost("", "").required_packages(program_info(tmp_path))


def test_run_command_and_env(tmp_path):
    lh = node_host.LanguageHost("127.0.0.1:1", "")
    info = program_info(tmp_path, nodeargs="--max-old-space-size=4096 --trace-warnings")
    info.options.update({"tsconfig": "tsconfig.deploy.json"})
    request = run_request(info, dry_run=False)
    program = node_host.NodeProgram(request.info)
    cmd = lh.run_command(request, program, "/m/@pulumi/pulumi/cmd/run/index.js")
    assert cmd[:4] == [
        shutil.which("node"),
        "--max-old-space-size=4096",
        "--trace-warnings",
        "/m/@pulumi/pulumi/cmd/run/index.js",
    ]
    # The run entry's flags (minimist): words joined by "-", a boolean --dry-run given its
    # value; the entry point stays "." for package.json's `main`.
    assert dict(zip(cmd[4:-2:2], cmd[5:-2:2], strict=True)) == {
        "--monitor": "127.0.0.1:2",
        "--engine": "127.0.0.1:1",
        "--project": "p",
        "--root-directory": str(tmp_path),
        "--stack": "s",
        "--pwd": str(tmp_path),
        "--organization": "org",
        "--dry-run": "false",
        "--parallel": "8",
    }
    assert cmd[-2:] == [".", "extra"]
    env = lh.run_env(request, program)
    assert json.loads(env["PULUMI_CONFIG"]) == {"p:a": "1", "p:b": "secret"}
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["p:b"]
    assert env["PULUMI_NODEJS_TYPESCRIPT"] == "true"  # the default
    assert env["PULUMI_NODEJS_TSCONFIG_PATH"] == "tsconfig.deploy.json"
    plain = node_host.NodeProgram(program_info(tmp_path, typescript=False))
    assert "PULUMI_NODEJS_TYPESCRIPT" not in lh.run_env(request, plain)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"packagemanager": "yarn"}, "unsupported runtime option packagemanager: yarn"),
        ({"packagemanager": "pnpm"}, "unsupported runtime option packagemanager: pnpm"),
        ({"virtualenv": "venv"}, "unsupported runtime option virtualenv: venv"),
    ],
)
def test_other_options_fail_with_one_line(tmp_path, options, message):
    with pytest.raises(node_host.HostError) as error:
        node_host.NodeProgram(program_info(tmp_path, **options))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def _start(launcher: Path, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    pipe = subprocess.PIPE
    return subprocess.Popen([str(launcher)], cwd=cwd, env=env, stdout=pipe, stderr=pipe)


@pytest.fixture
def node_launcher(tmp_path) -> Path:
    """The launcher installed under the Node.js host's name, as pulumi-cli.sh does."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pulumi-language-nodejs").symlink_to(LAUNCHER)
    return tmp_path / "bin" / "pulumi-language-nodejs"


def test_protocol(tmp_path, node_launcher):
    project = tmp_path / "project"
    _node_modules(project)
    (project / "Pulumi.yaml").write_text("name: t\nruntime: nodejs\n")
    (project / "package.json").write_text(
        json.dumps({"dependencies": {"@pulumi/aws": "^6.0.0", "missing": "^1.0.0"}})
    )
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = _start(
        node_launcher, project, {**env, "PULUMI_LANGHOST_PYTHON": str(VENV / "bin/python")}
    )
    try:
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        stub = language_pb2_grpc.LanguageRuntimeStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        info = program_info(project)
        packages = stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info))
        assert ("quickbooks", "v0.2.0") in [(p.name, p.version) for p in packages.packages]
        plugins = stub.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(info=info))
        assert sorted(p.name for p in plugins.plugins) == ["acme", "aws", "quickbooks", "random"]
        deps = stub.GetProgramDependencies(language_pb2.GetProgramDependenciesRequest(info=info))
        assert [(d.name, d.version) for d in deps.dependencies] == [
            ("@pulumi/aws", "6.1.0"),  # as installed
            ("missing", "^1.0.0"),  # not installed: as asked for
        ]
        about = stub.About(language_pb2.AboutRequest(info=info))
        assert about.executable == shutil.which("node") and about.version[0].isdigit()
        prompts = stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=info))
        assert list(prompts.prompts) == []
        with pytest.raises(grpc.RpcError, match="must call Handshake before Run"):
            stub.Run(language_pb2.RunRequest(info=info))
        stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:1"))
        # These node_modules have no real @pulumi/pulumi: Run says so, and what to do.
        with pytest.raises(grpc.RpcError) as error:
            stub.Run(language_pb2.RunRequest(info=info, pwd=str(project)))
        assert error.value.details() == (
            f"@pulumi/pulumi is not installed for the program in {project} (node cannot "
            "resolve @pulumi/pulumi/cmd/run): run `npm install` (or `pulumi install`) there"
        )
    finally:
        proc.kill()
        proc.wait()


def test_without_node_the_host_says_so_in_one_line(tmp_path, node_launcher):
    tools = tmp_path / "tools"  # the launcher's shell tools and a python, but no node
    tools.mkdir()
    for tool in ("readlink", "dirname"):
        (tools / tool).symlink_to(shutil.which(tool))
    (tools / "python3").symlink_to(VENV / "bin" / "python")
    env = {
        "PATH": str(tools),
        "HOME": str(tmp_path),
        "PULUMI_LANGHOST_PYTHON": str(VENV / "bin/python"),
    }
    done = subprocess.run(
        ["/bin/bash", str(node_launcher)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == node_host.NO_NODE + "\n"


def test_install_dependencies_runs_npm_install(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"name": "t", "version": "1.0.0"}))
    lh = node_host.LanguageHost("", "")
    request = language_pb2.InstallDependenciesRequest(info=program_info(tmp_path))
    output = b"".join(r.stdout for r in lh.InstallDependencies(request, None))
    assert output.startswith(f"$ {shutil.which('npm')} install\n".encode())
    assert (tmp_path / "package-lock.json").exists()


def test_install_dependencies_reports_a_failed_npm(tmp_path):
    (tmp_path / "package.json").write_text("{not json")

    class Aborted(Exception):
        pass

    class Context:
        def abort(self, code, details):
            raise Aborted(details)

    request = language_pb2.InstallDependenciesRequest(info=program_info(tmp_path))
    with pytest.raises(Aborted, match="npm install` failed with exit code"):
        list(node_host.LanguageHost("", "").InstallDependencies(request, Context()))
