"""The Pulumi language host for Go programs, in Python, as the Go module of the upstream one is
not served here. It keeps the upstream host's contract, so that a program behaves the same under
either: Run builds the program with `go build` (or runs the prebuilt `binary` runtime option)
and runs it with the engine's settings in the environment variables the Go SDK reads
(PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN, ...); the
plugins a program needs are the `pulumi-plugin.json` files of the packages it imports
(`go list -deps`). Runtime options: `binary`, `buildTarget`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator

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
from required import RequiredPackages, read_manifest

NO_GO = "pulumi-language-go: go was not found on PATH; install Go (1.22 or later)"


def go_executable() -> str:
    if go := shutil.which("go"):
        return go
    raise HostError(NO_GO)


class GoProgram:
    """A Go program: its directory and its runtime options from Pulumi.yaml."""

    def __init__(self, info: pb.ProgramInfo) -> None:
        self.root = info.root_directory or os.getcwd()
        self.program_dir = info.program_directory or self.root
        options = json_format.MessageToDict(info.options)
        for key, value in options.items():
            if key not in ("binary", "buildTarget"):
                raise HostError(f"unsupported runtime option {key}: {value}")
        self.binary = str(options.get("binary") or "")
        self.build_target = str(options.get("buildTarget") or "")

    def go(self, *args: str) -> str:
        done = subprocess.run(
            [go_executable(), *args], cwd=self.program_dir, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise HostError(f"`go {' '.join(args)}` failed: {done.stderr.strip()[-3000:]}")
        return done.stdout

    def packages(self) -> Iterator[dict]:
        """Each package the program builds with (`go list -json -deps`), the standard
        library's left out."""
        decoder, text, at = json.JSONDecoder(), self.go("list", "-json", "-deps", "."), 0
        while (at := _skip_space(text, at)) < len(text):
            package, at = decoder.raw_decode(text, at)
            if not package.get("Standard"):
                yield package

    def executable(self) -> str:
        """The program to run: the `binary` option's, or `go build`'s output (in a
        temporary directory: the program's directory stays clean)."""
        if self.binary:
            path = os.path.join(self.program_dir, self.binary)
            if not os.path.isfile(path):
                raise HostError(f"runtime option binary: {path} does not exist")
            return path
        out = os.path.join(tempfile.mkdtemp(prefix="pulumi-go."), "program")
        done = subprocess.run(
            [go_executable(), "build", "-o", out, self.build_target or "."],
            cwd=self.program_dir,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise HostError(f"unable to run `go build`: {done.stderr.strip()[-6000:]}")
        return out


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


class LanguageHost(RequiredPackages, LanguageHostBase):
    def GetPluginInfo(self, req: Empty, ctx: Ctx) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=go_version())

    def required_packages(self, info: pb.ProgramInfo) -> list[plugin_pb2.PackageDependency]:
        deps = {}
        for package in GoProgram(info).packages():
            found = read_manifest(os.path.join(package.get("Dir", ""), "pulumi-plugin.json"))
            if not found or found.get("resource") is not True:
                continue
            name, version = str(found.get("name") or ""), str(found.get("version") or "")
            if not name or not version:
                raise HostError(f"{package['Dir']}/pulumi-plugin.json lacks a name or version")
            deps.setdefault((name, version), plugin_dependency(found, name, version))
        return list(deps.values())

    @host_errors
    def GetProgramDependencies(
        self, req: pb.GetProgramDependenciesRequest, ctx: Ctx
    ) -> pb.GetProgramDependenciesResponse:
        """The modules of the build (`go list -m -json all`), the main one left out."""
        text, at, deps = GoProgram(req.info).go("list", "-m", "-json", "all"), 0, []
        decoder = json.JSONDecoder()
        while (at := _skip_space(text, at)) < len(text):
            module, at = decoder.raw_decode(text, at)
            if not module.get("Main"):
                deps.append(pb.DependencyInfo(name=module["Path"], version=module.get("Version")))
        return pb.GetProgramDependenciesResponse(dependencies=deps)

    @host_errors
    def InstallDependencies(
        self, req: pb.InstallDependenciesRequest, ctx: Ctx
    ) -> Iterator[pb.InstallDependenciesResponse]:
        """`pulumi install`: `go mod tidy`, as the upstream host runs."""
        program = GoProgram(req.info)
        commands = [[go_executable(), "mod", "tidy"]]
        for line in command_output(commands, program.program_dir, dict(os.environ)):
            yield pb.InstallDependenciesResponse(stdout=line)

    @host_errors
    def About(self, req: pb.AboutRequest, ctx: Ctx) -> pb.AboutResponse:
        return pb.AboutResponse(executable=go_executable(), version=go_version())

    def run_env(self, req: pb.RunRequest) -> dict[str, str]:
        """The engine's settings in the variables the Go SDK reads (its `pulumi.Run`)."""
        env = self.config_env(req, os.environ)
        settings = {
            "PULUMI_MONITOR": req.monitor_address,
            "PULUMI_ENGINE": self.engine_address,
            "PULUMI_PROJECT": req.project,
            "PULUMI_STACK": req.stack,
            "PULUMI_ORGANIZATION": req.organization,
            "PULUMI_ROOT_DIRECTORY": req.info.root_directory,
            "PULUMI_DRY_RUN": "true" if req.dryRun else "false",
            "PULUMI_PARALLEL": str(req.parallel),
            "PULUMI_TRACING": self.tracing,
        }
        env.update((key, value) for key, value in settings.items() if value)
        return env

    def program_process(self, req: pb.RunRequest) -> tuple[list[str], str, dict[str, str]]:
        program = GoProgram(req.info)
        return [program.executable(), *req.args], req.pwd or program.program_dir, self.run_env(req)


def go_version() -> str:
    done = subprocess.run([go_executable(), "env", "GOVERSION"], capture_output=True, text=True)
    return done.stdout.strip().removeprefix("go")


def main(argv: list[str]) -> int:
    if not shutil.which("go"):  # as the upstream host: no go, no host
        print(NO_GO, file=sys.stderr)
        return 1
    return serve(LanguageHost, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
