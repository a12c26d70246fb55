"""pulumi-language-python: the Pulumi language host for Python programs, in Python.

The engine starts it (via the launcher, in the project directory, with its own gRPC
address as last argument), reads our LanguageRuntime server's port from the first
line of stdout and shows what we print afterwards as diagnostics. Only pip with an
optional `virtualenv` is supported (pythonenv.py). The engine (v3.274) calls
GetPluginInfo, GetRequiredPackages, Run, About and Cancel for preview/up/refresh/
destroy; InstallDependencies for `pulumi install`, RuntimeOptionsPrompts for `pulumi
new`, Handshake for PULUMI_DEBUG_LANGUAGES. The rest answer UNIMPLEMENTED (the base
class), which the engine takes as "none": GetRequiredPlugins (GetRequiredPackages'
fallback), GetProgramDependencies (`pulumi about` warns), RunPlugin, Template, codegen.
"""

from __future__ import annotations

import argparse
import base64
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
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2
from pythonenv import HostError
from pythonenv import Toolchain as _Toolchain

EXEC_SCRIPT = os.path.join(os.path.dirname(__file__), "pulumi-language-python-exec")
EXIT_ERROR_ALREADY_REPORTED = 32  # the executor's "the error has been shown already"
NO_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}  # as in the Go host
Context = grpc.ServicerContext


class Toolchain(_Toolchain):
    """The program's python, for the options and directories the engine sends."""

    def __init__(self, info: language_pb2.ProgramInfo | None) -> None:
        info = info or language_pb2.ProgramInfo()
        root = info.root_directory or os.getcwd()
        self.program_dir = info.program_directory or root
        super().__init__(json_format.MessageToDict(info.options), root)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd, cwd = [self.python, *args], self.program_dir
        return subprocess.run(cmd, cwd=cwd, env=self.env(), capture_output=True, text=True)


# Run by the program's python (the packages it imports): name, version and top-level
# pulumi-plugin.json of each installed distribution.
_LIST_PACKAGES = r"""
import importlib.metadata as md, json, re
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
out = {}
for d in md.distributions():
    if name := d.metadata["Name"]:
        plugin = [d.locate_file(f) for f in d.files or [] if f.parts[1:] == ("pulumi-plugin.json",)]
        out.setdefault(norm(name), {"name": norm(name), "version": d.version,
                                    "plugin_json": str(plugin[0]) if plugin else ""})
print(json.dumps(list(out.values())))
"""


def list_packages(tc: Toolchain) -> list[dict]:
    result = tc.run("-c", _LIST_PACKAGES)
    if result.returncode != 0:
        raise HostError(f"failed to list the packages of {tc.python}: {result.stderr.strip()}")
    return json.loads(result.stdout)


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
    version = ".".join(segments + ["0"] * (3 - len(segments)))
    if pre:
        version += "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[pre] + "." + pre_number
    if post is not None:
        version += "+post" + post
    if dev is not None:
        version += ("" if post is not None else "+") + "dev" + dev
    return version


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
    version = info.get("version", "")
    if not version:
        try:
            version = determine_plugin_version(pkg["version"])
        except ValueError:
            return None
    params = {}
    for field, key in [
        ("parameterization", "parameterization"),
        ("extension", "extensionParameterization"),
    ]:
        if p := info.get(key):
            params[field] = plugin_pb2.PackageParameterization(
                name=p.get("name", ""),
                version=p.get("version", ""),
                value=base64.b64decode(p.get("value") or ""),
            )
    return plugin_pb2.PackageDependency(
        name=info.get("name") or pkg["name"].removeprefix("pulumi-"),
        version=version if version.startswith("v") else "v" + version,
        kind="resource",
        server=info.get("server", ""),
        **params,
    )


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

    def cancel_all(self) -> None:
        for proc in list(self._running):
            _interrupt(proc)

    def Handshake(
        self, request: language_pb2.LanguageHandshakeRequest, context: Context
    ) -> language_pb2.LanguageHandshakeResponse:
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: empty_pb2.Empty, context: Context) -> plugin_pb2.PluginInfo:
        from importlib.metadata import version

        return plugin_pb2.PluginInfo(version=version("pulumi"))  # the SDK we are built on

    def GetRequiredPackages(
        self, request: language_pb2.GetRequiredPackagesRequest, context: Context
    ) -> language_pb2.GetRequiredPackagesResponse:
        try:
            tc = Toolchain(request.info)
            tc.validate()
            packages = list_packages(tc)
            deps = [package_dependency(p) for p in packages if p["name"] not in NO_PLUGINS]
        except HostError as error:
            context.abort(grpc.StatusCode.UNKNOWN, str(error))
        return language_pb2.GetRequiredPackagesResponse(packages=[d for d in deps if d])

    def InstallDependencies(
        self, request: language_pb2.InstallDependenciesRequest, context: Context
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        """`pulumi install` for pip: create the virtualenv if missing, install requirements.txt."""
        try:
            tc = Toolchain(request.info)
            commands = [[tc.python, "-m", "pip", "install", "-r", "requirements.txt"]]
            if tc.virtualenv and not os.path.exists(tc.virtualenv):
                commands.insert(0, [sys.executable, "-m", "venv", tc.virtualenv])
            for cmd in commands:
                yield language_pb2.InstallDependenciesResponse(
                    stdout=f"$ {' '.join(cmd)}\n".encode()
                )
                out, err = subprocess.PIPE, subprocess.STDOUT
                proc = subprocess.Popen(
                    cmd, cwd=tc.program_dir, env=tc.env(), stdout=out, stderr=err
                )
                for line in proc.stdout:
                    yield language_pb2.InstallDependenciesResponse(stdout=line)
                if proc.wait() != 0:
                    raise HostError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")
        except HostError as error:
            context.abort(grpc.StatusCode.UNKNOWN, str(error))

    def RuntimeOptionsPrompts(
        self, request: language_pb2.RuntimeOptionsRequest, context: Context
    ) -> language_pb2.RuntimeOptionsResponse:
        return language_pb2.RuntimeOptionsResponse()  # pip is the only toolchain: nothing to ask

    def About(
        self, request: language_pb2.AboutRequest, context: Context
    ) -> language_pb2.AboutResponse:
        code = "import sys, platform, importlib.metadata as m; print(sys.executable, "
        code += "platform.python_version(), m.version('pip'), sep='\\n')"
        try:
            result = Toolchain(request.info if request.HasField("info") else None).run("-c", code)
        except HostError as error:
            context.abort(grpc.StatusCode.UNKNOWN, str(error))
        if result.returncode != 0:
            context.abort(grpc.StatusCode.UNKNOWN, f"{result.args[0]}: {result.stderr.strip()}")
        executable, version, pip = result.stdout.split("\n")[:3]
        metadata = {"toolchain": "pip", "toolchainVersion": pip, "typechecker": "none"}
        return language_pb2.AboutResponse(executable=executable, version=version, metadata=metadata)

    def Cancel(self, request: empty_pb2.Empty, context: Context) -> empty_pb2.Empty:
        self.cancel_all()
        return empty_pb2.Empty()

    def run_command(self, request: language_pb2.RunRequest, tc: Toolchain) -> list[str]:
        """The executor's command line for a RunRequest (as the Go host's constructArguments)."""
        info = request.info
        flags = {
            "monitor": request.monitor_address,
            "engine": self.engine_address,
            "project": request.project,
            "root_directory": info.root_directory,
            "stack": request.stack,
            "pwd": request.pwd,
            "dry_run": "true" if request.dryRun else "false",
            "parallel": str(request.parallel),
            "tracing": self.tracing,
            "organization": request.organization,
        }
        args = [arg for flag, value in flags.items() if value for arg in ("--" + flag, value)]
        entry = info.entry_point or request.program or "."
        program_dir = info.program_directory or request.pwd
        if program_dir and not os.path.isabs(entry):
            entry = os.path.normpath(os.path.join(program_dir, entry))
        return [tc.python, "-u", self.exec_script, *args, entry, *request.args]

    def run_env(self, request: language_pb2.RunRequest, tc: Toolchain) -> dict[str, str]:
        """The stack configuration goes in the environment variables the SDK reads."""
        env = tc.env()
        if request.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        return env

    def Run(self, request: language_pb2.RunRequest, context: Context) -> language_pb2.RunResponse:
        if not self.engine_address:
            message = "when debugging or running explicitly, must call Handshake before Run"
            context.abort(grpc.StatusCode.UNKNOWN, message)
        if request.attach_debugger:
            return language_pb2.RunResponse(error="this language host cannot attach a debugger")
        try:
            tc = Toolchain(request.info)
            tc.validate()
        except HostError as error:
            context.abort(grpc.StatusCode.UNKNOWN, str(error))
        # The program writes to our stdout/stderr, which the engine shows.
        cmd, cwd = self.run_command(request, tc), request.pwd or tc.program_dir
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=self.run_env(request, tc), stdin=subprocess.DEVNULL
        )
        self._running.add(proc)
        context.add_callback(lambda: _interrupt(proc))  # the engine gave up on this Run
        code = proc.wait()
        self._running.discard(proc)
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            return language_pb2.RunResponse(
                error=f"program exited unexpectedly: signal: {signal.Signals(-code).name}"
            )
        if code > 0:
            return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")
        return language_pb2.RunResponse()


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python")
    parser.add_argument("--tracing", default="")
    parser.add_argument("engine_address", nargs="?", default="")
    args, _ = parser.parse_known_args(argv)  # the engine also passes --logtostderr, -v=N
    host = LanguageHost(EXEC_SCRIPT, args.engine_address, args.tracing)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The engine that started us (and passed its address) stops us with SIGINT; if it
    # dies without doing so we are re-parented, and leave too. (Read before the port is
    # printed: the engine may be gone as soon as it has read it.)
    parent = os.getppid()
    print(port, flush=True)  # the handshake: the port, alone on the first line of stdout
    while not stop.wait(1.0) and not (args.engine_address and os.getppid() != parent):
        pass
    host.cancel_all()
    server.stop(grace=1).wait(2)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
