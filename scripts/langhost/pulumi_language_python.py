"""The Pulumi language host for Python, in Python. Engine v3.274 calls GetPluginInfo, Run, About,
GetRequiredPackages, Cancel, InstallDependencies (`pulumi install`), RuntimeOptionsPrompts (`pulumi
new`), Handshake (PULUMI_DEBUG_LANGUAGES), GenerateProgram (`pulumi import`, program_gen.py);
UNIMPLEMENTED (the base class's) reads as "none"."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import program_gen
import pythonenv
from google.protobuf import json_format
from google.protobuf.empty_pb2 import Empty
from language_host import (
    Ctx,
    LanguageHostBase,
    command_output,
    host_errors,
    plugin_dependency,
    serve,
)
from pulumirpc import language_pb2 as pb
from pulumirpc import plugin_pb2
from pythonenv import HostError

EXEC_SCRIPT = os.path.join(os.path.dirname(__file__), "pulumi-language-python-exec")
NO_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}  # as in the Go host
# Run by the program's python: name, version and pulumi-plugin.json of each distribution.
LIST_PACKAGES = r"""
import importlib.metadata as md, json, re
out = {}
for d in md.distributions():
    if name := re.sub(r"[-_.]+", "-", d.metadata["Name"] or "").lower():
        plugin = [d.locate_file(f) for f in d.files or [] if f.parts[1:] == ("pulumi-plugin.json",)]
        out.setdefault(name, {"name": name, "version": d.version,
                              "plugin_json": str(plugin[0]) if plugin else ""})
print(json.dumps(list(out.values())))
"""
ABOUT = "import sys, platform, importlib.metadata as m; print(sys.executable, "
ABOUT += "platform.python_version(), m.version('pip'), sep='\\n')"


class Toolchain(pythonenv.Toolchain):
    """The program's python, for the options and directories the engine sends."""

    def __init__(self, info: pb.ProgramInfo) -> None:
        root = info.root_directory or os.getcwd()
        self.program_dir = info.program_directory or root
        super().__init__(json_format.MessageToDict(info.options), root)

    def run(self, code: str, failure: str = "") -> str:
        """The output of `python -c CODE` in the program's directory and environment."""
        cmd, cwd, env = [self.python, "-c", code], self.program_dir, self.env()
        result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise HostError(f"{failure}{cmd[0]}: {result.stderr.strip()}")
        return result.stdout


def determine_plugin_version(package_version: str) -> str:
    """PEP 440 package version -> plugin semver, as the Go host's determinePluginVersion."""
    if not package_version:
        raise ValueError("cannot parse empty string")
    if re.match(r"[0-9]+!", package_version):
        raise ValueError("epochs are not supported")
    pattern = r"([0-9]+(?:\.[0-9]+)*)?(?:(a|b|rc)([0-9]*))?(?:\.post([0-9]*))?(?:\.dev([0-9]*))?"
    m = re.match(pattern, package_version)
    if m.end() < len(package_version):
        raise ValueError(f"'{package_version[m.end() :]}' still unparsed")
    release, pre, pre_number, post, dev = m.groups()
    segments = release.split(".") if release else []
    pre = "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[pre] + "." + pre_number if pre else ""
    build = ("" if post is None else "post" + post) + ("" if dev is None else "dev" + dev)
    return ".".join(segments + ["0"] * (3 - len(segments))) + pre + ("+" + build if build else "")


def package_dependency(pkg: dict) -> plugin_pb2.PackageDependency | None:
    """The resource plugin a Pulumi package needs, or None (not a Pulumi package / no plugin)."""
    info: dict = {}
    if pkg.get("plugin_json"):
        try:
            with open(pkg["plugin_json"], encoding="utf-8") as fh:
                info = json.load(fh)
        except (OSError, ValueError) as error:
            raise HostError(
                f"failed to parse pulumi-plugin.json of {pkg['name']}: {error}"
            ) from error
        if not info.get("resource"):
            return None
    elif not pkg["name"].startswith("pulumi-"):
        return None
    try:
        version = info.get("version") or determine_plugin_version(pkg["version"])
    except ValueError:
        return None
    return plugin_dependency(info, info.get("name") or pkg["name"].removeprefix("pulumi-"), version)


class LanguageHost(LanguageHostBase):
    def __init__(self, exec_script: str, engine_address: str, tracing: str) -> None:
        super().__init__(engine_address, tracing)
        self.exec_script = exec_script

    def GetPluginInfo(self, req: Empty, ctx: Ctx) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))  # our SDK's

    @host_errors
    def GetRequiredPackages(
        self, req: pb.GetRequiredPackagesRequest, ctx: Ctx
    ) -> pb.GetRequiredPackagesResponse:
        tc = Toolchain(req.info)
        tc.validate()
        packages = json.loads(tc.run(LIST_PACKAGES, "failed to list the packages of "))
        deps = [package_dependency(p) for p in packages if p["name"] not in NO_PLUGINS]
        return pb.GetRequiredPackagesResponse(packages=[d for d in deps if d])

    @host_errors
    def GenerateProgram(
        self, req: pb.GenerateProgramRequest, ctx: Ctx
    ) -> pb.GenerateProgramResponse:
        return program_gen.generate_program(req, program_gen.generator())

    @host_errors
    def InstallDependencies(
        self, req: pb.InstallDependenciesRequest, ctx: Ctx
    ) -> Iterator[pb.InstallDependenciesResponse]:
        """`pulumi install` for pip: create the virtualenv if missing, install requirements.txt."""
        tc = Toolchain(req.info)
        commands = [[tc.python, "-m", "pip", "install", "-r", "requirements.txt"]]
        if tc.virtualenv and not os.path.exists(tc.virtualenv):
            commands.insert(0, [sys.executable, "-m", "venv", tc.virtualenv])
        for line in command_output(commands, tc.program_dir, tc.env()):
            yield pb.InstallDependenciesResponse(stdout=line)

    @host_errors
    def About(self, req: pb.AboutRequest, ctx: Ctx) -> pb.AboutResponse:
        executable, version, pip = Toolchain(req.info).run(ABOUT).split("\n")[:3]
        metadata = {"toolchain": "pip", "toolchainVersion": pip, "typechecker": "none"}
        return pb.AboutResponse(executable=executable, version=version, metadata=metadata)

    def run_command(self, req: pb.RunRequest, tc: Toolchain) -> list[str]:
        """The executor's command line for a RunRequest."""
        entry, program_dir = req.info.entry_point or req.program or ".", req.info.program_directory
        program_dir = program_dir or req.pwd
        if program_dir and not os.path.isabs(entry):
            entry = os.path.normpath(os.path.join(program_dir, entry))
        return [tc.python, "-u", self.exec_script, *self.run_flags(req, "_"), entry, *req.args]

    def run_env(self, req: pb.RunRequest, tc: Toolchain) -> dict[str, str]:
        """The stack configuration goes in the environment variables the SDK reads."""
        return self.config_env(req, tc.env())

    def program_process(self, req: pb.RunRequest) -> tuple[list[str], str, dict[str, str]]:
        tc = Toolchain(req.info)
        tc.validate()
        return self.run_command(req, tc), req.pwd or tc.program_dir, self.run_env(req, tc)


if __name__ == "__main__":
    sys.exit(serve(functools.partial(LanguageHost, EXEC_SCRIPT), sys.argv[1:]))
