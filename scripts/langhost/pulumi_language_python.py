"""The Pulumi language host for Python, in Python. Engine v3.274 calls GetPluginInfo, Run, About,
GetRequiredPackages, Cancel, InstallDependencies (`pulumi install`), RuntimeOptionsPrompts (`pulumi
new`), Handshake (PULUMI_DEBUG_LANGUAGES), GenerateProgram (`pulumi import`, program_gen.py);
UNIMPLEMENTED (the base class's) reads as "none"."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures

import grpc
import program_gen
import pythonenv
from google.protobuf import json_format
from google.protobuf.empty_pb2 import Empty
from pulumi.runtime.proto import language_pb2 as pb
from pulumi.runtime.proto import language_pb2_grpc, plugin_pb2
from pythonenv import HostError

EXEC_SCRIPT = os.path.join(os.path.dirname(__file__), "pulumi-language-python-exec")
EXIT_ERROR_ALREADY_REPORTED = 32  # the executor's "the error has been shown already"
NO_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}  # as in the Go host
Ctx = grpc.ServicerContext
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
    dep = {
        "name": info.get("name") or pkg["name"].removeprefix("pulumi-"),
        "version": version if version.startswith("v") else "v" + version,
        "kind": "resource",
        "server": info.get("server"),
        "parameterization": info.get("parameterization"),  # its bytes `value` is base64
        "extension": info.get("extensionParameterization"),
    }
    dep = {key: value for key, value in dep.items() if value}
    return json_format.ParseDict(dep, plugin_pb2.PackageDependency(), ignore_unknown_fields=True)


def _interrupt(proc: subprocess.Popen) -> None:
    """SIGINT, then SIGKILL after 5 s (like the Go host's cmd.Cancel and WaitDelay)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        kill = threading.Timer(5, lambda: proc.poll() is None and proc.kill())
        kill.daemon = True  # never keeps the host alive
        kill.start()


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, exec_script: str, engine_address: str, tracing: str) -> None:
        self.exec_script, self.engine_address, self.tracing = exec_script, engine_address, tracing
        self._running: set[subprocess.Popen] = set()  # programs being run, for Cancel

    def Handshake(self, req: pb.LanguageHandshakeRequest, ctx: Ctx) -> pb.LanguageHandshakeResponse:
        self.engine_address = req.engine_address
        return pb.LanguageHandshakeResponse()

    def GetPluginInfo(self, req: Empty, ctx: Ctx) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))  # our SDK's

    def GetRequiredPackages(
        self, req: pb.GetRequiredPackagesRequest, ctx: Ctx
    ) -> pb.GetRequiredPackagesResponse:
        try:
            tc = Toolchain(req.info)
            tc.validate()
            packages = json.loads(tc.run(LIST_PACKAGES, "failed to list the packages of "))
            deps = [package_dependency(p) for p in packages if p["name"] not in NO_PLUGINS]
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))
        return pb.GetRequiredPackagesResponse(packages=[d for d in deps if d])

    def GenerateProgram(
        self, req: pb.GenerateProgramRequest, ctx: Ctx
    ) -> pb.GenerateProgramResponse:
        try:
            return program_gen.generate_program(req, program_gen.generator())
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))

    def InstallDependencies(
        self, req: pb.InstallDependenciesRequest, ctx: Ctx
    ) -> Iterator[pb.InstallDependenciesResponse]:
        """`pulumi install` for pip: create the virtualenv if missing, install requirements.txt."""
        try:
            tc = Toolchain(req.info)
            commands = [[tc.python, "-m", "pip", "install", "-r", "requirements.txt"]]
            if tc.virtualenv and not os.path.exists(tc.virtualenv):
                commands.insert(0, [sys.executable, "-m", "venv", tc.virtualenv])
            for cmd in commands:
                yield pb.InstallDependenciesResponse(stdout=f"$ {' '.join(cmd)}\n".encode())
                out, err = subprocess.PIPE, subprocess.STDOUT
                proc = subprocess.Popen(
                    cmd, cwd=tc.program_dir, env=tc.env(), stdout=out, stderr=err
                )
                yield from (pb.InstallDependenciesResponse(stdout=line) for line in proc.stdout)
                if proc.wait() != 0:
                    raise HostError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))

    def RuntimeOptionsPrompts(
        self, req: pb.RuntimeOptionsRequest, ctx: Ctx
    ) -> pb.RuntimeOptionsResponse:
        return pb.RuntimeOptionsResponse()  # pip is the only toolchain: nothing to ask

    def About(self, req: pb.AboutRequest, ctx: Ctx) -> pb.AboutResponse:
        try:
            executable, version, pip = Toolchain(req.info).run(ABOUT).split("\n")[:3]
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))
        metadata = {"toolchain": "pip", "toolchainVersion": pip, "typechecker": "none"}
        return pb.AboutResponse(executable=executable, version=version, metadata=metadata)

    def Cancel(self, req: Empty, ctx: Ctx | None) -> Empty:
        for proc in list(self._running):
            _interrupt(proc)
        return Empty()

    def run_command(self, req: pb.RunRequest, tc: Toolchain) -> list[str]:
        """The executor's command line for a RunRequest (as the Go host's constructArguments)."""
        info, dry_run = req.info, "true" if req.dryRun else "false"
        names = "monitor engine project root_directory stack pwd organization dry_run parallel"
        values = [req.monitor_address, self.engine_address, req.project, info.root_directory]
        values += [req.stack, req.pwd, req.organization, dry_run, str(req.parallel)]
        flags = [*zip(names.split(), values, strict=True), ("tracing", self.tracing)]
        args = [arg for flag, value in flags if value for arg in ("--" + flag, value)]
        entry = info.entry_point or req.program or "."
        program_dir = info.program_directory or req.pwd
        if program_dir and not os.path.isabs(entry):
            entry = os.path.normpath(os.path.join(program_dir, entry))
        return [tc.python, "-u", self.exec_script, *args, entry, *req.args]

    def run_env(self, req: pb.RunRequest, tc: Toolchain) -> dict[str, str]:
        """The stack configuration goes in the environment variables the SDK reads."""
        env = tc.env()
        if req.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(req.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(req.configSecretKeys))
        return env

    def Run(self, req: pb.RunRequest, ctx: Ctx) -> pb.RunResponse:
        if not self.engine_address:
            message = "when debugging or running explicitly, must call Handshake before Run"
            ctx.abort(grpc.StatusCode.UNKNOWN, message)
        if req.attach_debugger:
            return pb.RunResponse(error="this language host cannot attach a debugger")
        try:
            tc = Toolchain(req.info)
            tc.validate()
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))
        # The program writes to our stdout/stderr, which the engine shows.
        cmd, cwd, env = self.run_command(req, tc), req.pwd or tc.program_dir, self.run_env(req, tc)
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        self._running.add(proc)
        ctx.add_callback(lambda: _interrupt(proc))  # the engine gave up on this Run
        code = proc.wait()
        self._running.discard(proc)
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return pb.RunResponse(bail=True)
        error = f"program exited with non-zero exit code: {code}" if code else ""
        if code < 0:
            error = f"program exited unexpectedly: signal: {signal.Signals(-code).name}"
        return pb.RunResponse(error=error)


def serve(argv: list[str]) -> int:
    # The engine passes [--logtostderr] [-v=N] [--tracing ENDPOINT] ENGINE-ADDRESS.
    tracing = argv[argv.index("--tracing") + 1] if "--tracing" in argv[:-1] else ""
    engine = (
        argv[-1] if argv and not argv[-1].startswith("-") and argv[-2:-1] != ["--tracing"] else ""
    )
    host = LanguageHost(EXEC_SCRIPT, engine, tracing)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    # The engine that started us (and passed its address) stops us with SIGINT; if it
    # dies without doing so we are re-parented, and leave too. (Read before the port is
    # printed: the engine may be gone as soon as it has read it.)
    parent = os.getppid()
    print(port, flush=True)  # the handshake: the port, alone on the first line of stdout
    while not stop.wait(1.0) and not (engine and os.getppid() != parent):
        pass
    host.Cancel(Empty(), None)
    server.stop(grace=1).wait(2)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
