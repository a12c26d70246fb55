"""The Pulumi language host for Node.js (JavaScript and TypeScript programs), in Python, as the
Go module of the upstream one is not served here. Run starts `node` on the run entry of the
program's own @pulumi/pulumi (`@pulumi/pulumi/cmd/run`), which loads ts-node for TypeScript;
the plugins a program needs are the `pulumi` sections of its node_modules' package.json files.
Runtime options: `typescript` (default true), `tsconfig`, `nodeargs`, `packagemanager: npm`."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
import sys
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

RUN_ENTRY = "@pulumi/pulumi/cmd/run"
SUPPORTED = "this language host supports `packagemanager: npm` (the default) only"
NO_NODE = "pulumi-language-nodejs: node was not found on PATH; install Node.js (with npm)"


class NodeProgram:
    """A Node.js program: its directories and its runtime options from Pulumi.yaml."""

    def __init__(self, info: pb.ProgramInfo) -> None:
        self.root = info.root_directory or os.getcwd()
        self.program_dir = info.program_directory or self.root
        self.entry = info.entry_point or "."
        options = json_format.MessageToDict(info.options)
        for key, value in options.items():
            if key not in ("typescript", "tsconfig", "nodeargs", "packagemanager"):
                raise HostError(f"unsupported runtime option {key}: {value}")
        if options.get("packagemanager", "npm") not in ("npm", "auto"):
            raise HostError(
                f"unsupported runtime option packagemanager: "
                f"{options['packagemanager']} ({SUPPORTED})"
            )
        self.typescript = options.get("typescript", True) not in (False, "false")
        self.tsconfig = str(options.get("tsconfig") or "")
        self.nodeargs = shlex.split(str(options.get("nodeargs") or ""))

    @property
    def package_root(self) -> str:
        """The directory of the nearest package.json at or above the program (npm's project),
        else the program's directory."""
        directory = os.path.abspath(self.program_dir)
        while not os.path.isfile(os.path.join(directory, "package.json")):
            if directory == (directory := os.path.dirname(directory)):
                return os.path.abspath(self.program_dir)
        return directory

    def node(self, *args: str) -> str:
        """The output of `node ARGS` in the program's directory."""
        cmd = [node_executable(), *args]
        done = subprocess.run(cmd, cwd=self.program_dir, capture_output=True, text=True)
        if done.returncode != 0:
            raise HostError(f"`node {' '.join(args)}` failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def run_entry(self) -> str:
        """The program's own @pulumi/pulumi run entry, as node resolves it from the program."""
        try:
            return self.node("-e", f"console.log(require.resolve({json.dumps(RUN_ENTRY)}))")
        except HostError:
            raise HostError(
                f"@pulumi/pulumi is not installed for the program in {self.program_dir} (node "
                f"cannot resolve {RUN_ENTRY}): run `npm install` (or `pulumi install`) there"
            ) from None


def node_executable() -> str:
    if node := shutil.which("node"):
        return node
    raise HostError(NO_NODE)


def installed_packages(root: str) -> Iterator[tuple[str, dict]]:
    """(directory, package.json) of each package installed under `root`/node_modules, and in
    their own node_modules, each directory once (node_modules may be links)."""
    pending, seen = [os.path.join(root, "node_modules")], set()
    while pending:
        modules = pending.pop()
        if (real := os.path.realpath(modules)) in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        for entry in sorted(os.listdir(modules)):
            path = os.path.join(modules, entry)
            if entry.startswith("@") and os.path.isdir(path):  # a scope: its packages
                packages = [os.path.join(path, name) for name in sorted(os.listdir(path))]
            else:
                packages = [] if entry.startswith(".") else [path]
            for package in packages:
                if (manifest := read_manifest(os.path.join(package, "package.json"))) is not None:
                    yield package, manifest
                    pending.append(os.path.join(package, "node_modules"))


def package_dependency(directory: str, manifest: dict) -> plugin_pb2.PackageDependency | None:
    """The resource plugin a package declares in package.json's `pulumi` section (or its
    pulumi-plugin.json), named and versioned as the Go host does; None if it declares none."""
    info = manifest.get("pulumi")
    if not isinstance(info, dict):
        info = read_manifest(os.path.join(directory, "pulumi-plugin.json")) or {}
    if info.get("resource") is not True:
        return None
    name = info.get("name") or str(manifest.get("name") or "")
    # @pulumi/aws is the plugin `aws`; another scope stays, without its `@`.
    name = name.removeprefix("@pulumi/").removeprefix("@")
    version = str(info.get("version") or manifest.get("version") or "")
    if not name or not version:
        raise HostError(
            f"{directory}/package.json declares a resource plugin without a name or version"
        )
    return plugin_dependency(info, name, version)


class LanguageHost(RequiredPackages, LanguageHostBase):
    def GetPluginInfo(self, req: Empty, ctx: Ctx) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))  # our SDK's

    def required_packages(self, info: pb.ProgramInfo) -> list[plugin_pb2.PackageDependency]:
        deps = {}
        for directory, manifest in installed_packages(NodeProgram(info).package_root):
            if dep := package_dependency(directory, manifest):
                deps.setdefault((dep.name, dep.version), dep)  # nested copies: once
        return list(deps.values())

    @host_errors
    def GetProgramDependencies(
        self, req: pb.GetProgramDependenciesRequest, ctx: Ctx
    ) -> pb.GetProgramDependenciesResponse:
        """package.json's dependencies, at the version installed (else the range asked for)."""
        root = NodeProgram(req.info).package_root
        manifest = read_manifest(os.path.join(root, "package.json")) or {}
        wanted = {**manifest.get("devDependencies", {}), **manifest.get("dependencies", {})}
        deps = []
        for name, requested in sorted(wanted.items()):
            installed = read_manifest(os.path.join(root, "node_modules", name, "package.json"))
            version = (installed or {}).get("version") or requested
            deps.append(pb.DependencyInfo(name=name, version=version))
        return pb.GetProgramDependenciesResponse(dependencies=deps)

    @host_errors
    def InstallDependencies(
        self, req: pb.InstallDependenciesRequest, ctx: Ctx
    ) -> Iterator[pb.InstallDependenciesResponse]:
        """`pulumi install`: `npm install` in the program's package."""
        program = NodeProgram(req.info)
        if not (npm := shutil.which("npm")):
            raise HostError("npm was not found on PATH; install Node.js with npm")
        for line in command_output([[npm, "install"]], program.package_root, dict(os.environ)):
            yield pb.InstallDependenciesResponse(stdout=line)

    @host_errors
    def About(self, req: pb.AboutRequest, ctx: Ctx) -> pb.AboutResponse:
        version = NodeProgram(req.info).node("--version").removeprefix("v")
        return pb.AboutResponse(executable=node_executable(), version=version)

    def run_command(self, req: pb.RunRequest, program: NodeProgram, run_entry: str) -> list[str]:
        """`node` on the run entry, which reads these flags (the entry point stays relative to
        --pwd: "." makes the run entry look up package.json's `main`)."""
        flags = self.run_flags(req, "-")
        return [node_executable(), *program.nodeargs, run_entry, *flags, program.entry, *req.args]

    def run_env(self, req: pb.RunRequest, program: NodeProgram) -> dict[str, str]:
        """The configuration, and the TypeScript settings the run entry reads."""
        env = self.config_env(req, os.environ)
        env.pop("PULUMI_NODEJS_TYPESCRIPT", None)
        if program.typescript:
            env["PULUMI_NODEJS_TYPESCRIPT"] = "true"
        if program.tsconfig:
            env["PULUMI_NODEJS_TSCONFIG_PATH"] = program.tsconfig
        return env

    def program_process(self, req: pb.RunRequest) -> tuple[list[str], str, dict[str, str]]:
        program = NodeProgram(req.info)
        cmd = self.run_command(req, program, program.run_entry())
        return cmd, req.pwd or program.program_dir, self.run_env(req, program)


def main(argv: list[str]) -> int:
    if not shutil.which("node"):  # as the Go host: no node, no host
        print(NO_NODE, file=sys.stderr)
        return 1
    return serve(LanguageHost, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
