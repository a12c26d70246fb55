"""pulumi-language-python: the Pulumi language host for Python programs, in Python.

The engine starts it (through the launcher; cwd = the project, its own gRPC address
as last argument), reads the port of our `pulumirpc.LanguageRuntime` server from
the first line of stdout, and shows what we print afterwards as diagnostics. Only
pip with an optional `virtualenv` is supported (pythonenv.py). Of the RPCs, the
engine (v3.274) calls GetPluginInfo, GetRequiredPackages, Run, About (update
metadata) and Cancel for preview/up/refresh/destroy; GetProgramDependencies
(`pulumi about`), InstallDependencies (`pulumi install`), RuntimeOptionsPrompts
(`pulumi new`) and Handshake (PULUMI_DEBUG_LANGUAGES) otherwise. The rest
(GetRequiredPlugins, the fallback the engine reads as "none"; RunPlugin, Template,
codegen) answer UNIMPLEMENTED, the generated base class's answer.
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

EXEC_SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "pulumi-language-python-exec"
)
# The executor's exit code for "the error has already been shown to the user".
EXIT_ERROR_ALREADY_REPORTED = 32
# Packages known to come without a resource plugin (as in the Go host).
PACKAGES_WITHOUT_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}


class Toolchain(_Toolchain):
    """The program's python, from the options and directories the engine sends."""

    def __init__(self, info: language_pb2.ProgramInfo | None) -> None:
        options = (
            json_format.MessageToDict(info.options) if info and info.HasField("options") else {}
        )
        self.root = (info.root_directory if info else "") or os.getcwd()
        self.program_dir = (info.program_directory if info else "") or self.root
        super().__init__(options, self.root)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [self.python, *args]
        return subprocess.run(
            cmd, cwd=self.program_dir, env=self.env(), capture_output=True, text=True
        )


# Name, version, top-level pulumi-plugin.json and requirements of every installed
# distribution, printed by the program's python (the packages it will import).
_LIST_PACKAGES = r"""
import importlib.metadata as md, json, re
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
out = {}
for d in md.distributions():
    name = d.metadata["Name"]
    if not name:
        continue
    plugin = [d.locate_file(f) for f in d.files or [] if f.parts[1:] == ("pulumi-plugin.json",)]
    reqs = [norm(re.match(r"\s*([\w.-]+)", r)[1]) for r in d.requires or [] if "extra ==" not in r]
    out.setdefault(norm(name), {"name": norm(name), "version": d.version,
                   "plugin_json": str(plugin[0]) if plugin else "", "requires": reqs})
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
    if re.match(r"^[0-9]+!", package_version):
        raise ValueError("epochs are not supported")
    m = re.match(
        r"([0-9]+(?:\.[0-9]+)*)?(?:(a|b|rc)([0-9]*))?(?:\.post([0-9]*))?(?:\.dev([0-9]*))?",
        package_version,
    )
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
                f"failed to parse pulumi-plugin.json for {pkg['name']}: {error}"
            ) from error
        if not info.get("resource"):
            return None
    elif not pkg["name"].startswith("pulumi-"):
        return None
    params = {}
    for key in ("parameterization", "extension"):
        p = info.get("extensionParameterization" if key == "extension" else key)
        if p:
            value = base64.b64decode(p.get("value") or "")
            params[key] = plugin_pb2.PackageParameterization(
                name=p.get("name", ""), version=p.get("version", ""), value=value
            )
    version = info.get("version", "")
    if not version:
        try:
            version = determine_plugin_version(pkg["version"])
        except ValueError:
            return None
    return plugin_pb2.PackageDependency(
        name=info.get("name") or pkg["name"].removeprefix("pulumi-"),
        version=version if version.startswith("v") else "v" + version,
        kind="resource",
        server=info.get("server", ""),
        **params,
    )


def install(tc: Toolchain) -> Iterator[bytes]:
    """Creates the virtualenv when missing and pip-installs requirements.txt; yields output."""
    commands = []
    if tc.virtualenv and not os.path.exists(tc.virtualenv):
        commands.append([sys.executable, "-m", "venv", tc.virtualenv])
    if os.path.isfile(os.path.join(tc.program_dir, "requirements.txt")):
        commands.append([tc.python, "-m", "pip", "install", "-r", "requirements.txt"])
    for cmd in commands:
        yield f"$ {' '.join(cmd)}\n".encode()
        proc = subprocess.Popen(
            cmd, cwd=tc.program_dir, env=tc.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        yield from proc.stdout
        if proc.wait() != 0:
            raise HostError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")


def _interrupt(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGINT, then SIGKILL after `grace` seconds (like the Go host's cmd.Cancel/WaitDelay)."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    timer = threading.Timer(grace, lambda: proc.poll() is None and proc.kill())
    timer.daemon = True
    timer.start()


def _abort(context: grpc.ServicerContext, error: Exception) -> None:
    context.abort(grpc.StatusCode.UNKNOWN, str(error))


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, exec_script: str, engine_address: str, tracing: str) -> None:
        self.exec_script = exec_script
        self.engine_address = engine_address
        self.tracing = tracing
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()

    def cancel_all(self) -> None:
        with self._lock:
            running = list(self._running)
        for proc in running:
            _interrupt(proc)

    def Handshake(self, request, context):
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        version = os.environ.get("PULUMI_LANGHOST_VERSION")
        if not version:
            from importlib.metadata import version as dist_version

            version = dist_version("pulumi")
        return plugin_pb2.PluginInfo(version=version)

    def GetRequiredPackages(self, request, context):
        try:
            tc = Toolchain(request.info)
            if tc.virtualenv and not os.path.exists(tc.virtualenv):
                # Like the upstream host, create the missing virtualenv first; the
                # engine shows this process's output as diagnostics.
                for line in install(tc):
                    sys.stderr.buffer.write(line)
                sys.stderr.flush()
            tc.validate()
            packages = [
                dep
                for pkg in list_packages(tc)
                if pkg["name"] not in PACKAGES_WITHOUT_PLUGINS
                if (dep := package_dependency(pkg)) is not None
            ]
        except HostError as error:
            _abort(context, error)
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def InstallDependencies(self, request, context):
        try:
            for line in install(Toolchain(request.info)):
                yield language_pb2.InstallDependenciesResponse(stdout=line)
        except HostError as error:
            _abort(context, error)

    def RuntimeOptionsPrompts(self, request, context):
        return language_pb2.RuntimeOptionsResponse()  # pip is the only toolchain: nothing to choose

    def About(self, request, context):
        code = "import sys, platform, importlib.metadata as m; print(sys.executable, "
        code += "platform.python_version(), m.version('pip'), sep='\\n')"
        try:
            result = Toolchain(request.info if request.HasField("info") else None).run("-c", code)
            if result.returncode != 0:
                raise HostError(f"failed to run {result.args[0]}: {result.stderr.strip()}")
        except HostError as error:
            _abort(context, error)
        executable, version, pip = result.stdout.split("\n")[:3]
        metadata = {"toolchain": "pip", "toolchainVersion": pip, "typechecker": "none"}
        return language_pb2.AboutResponse(executable=executable, version=version, metadata=metadata)

    def GetProgramDependencies(self, request, context):
        try:
            packages = list_packages(Toolchain(request.info))
        except HostError as error:
            _abort(context, error)
        if not request.transitiveDependencies:
            required = {r for pkg in packages for r in pkg["requires"]}
            packages = [pkg for pkg in packages if pkg["name"] not in required]
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=p["name"], version=p["version"])
                for p in sorted(packages, key=lambda p: p["name"])
            ]
        )

    def Cancel(self, request, context):
        self.cancel_all()
        return empty_pb2.Empty()

    def run_command(self, request: language_pb2.RunRequest, tc: Toolchain) -> list[str]:
        """The executor's command line for a RunRequest (as the Go host's constructArguments)."""
        args = [tc.python, "-u", self.exec_script]
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
        args += [arg for flag, value in flags.items() if value for arg in ("--" + flag, value)]
        entry = info.entry_point or request.program or "."
        program_dir = info.program_directory or request.pwd
        if program_dir and not os.path.isabs(entry):
            entry = os.path.normpath(os.path.join(program_dir, entry))
        return [*args, entry, *request.args]

    def run_env(self, request: language_pb2.RunRequest, tc: Toolchain) -> dict[str, str]:
        """The stack configuration goes to the SDK in the environment it reads itself."""
        env = tc.env()
        if request.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        return env

    def Run(self, request, context):
        if not self.engine_address:
            message = "when debugging or running explicitly, must call Handshake before Run"
            context.abort(grpc.StatusCode.UNKNOWN, message)
        if request.attach_debugger:
            return language_pb2.RunResponse(error="this language host cannot attach a debugger")
        try:
            tc = Toolchain(request.info)
            tc.validate()
        except HostError as error:
            _abort(context, error)
        args = self.run_command(request, tc)
        env, cwd = self.run_env(request, tc), request.pwd or tc.program_dir
        # The program writes to this process's stdout/stderr, which the engine shows.
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL)
        with self._lock:
            self._running.add(proc)
        context.add_callback(lambda: _interrupt(proc))
        try:
            code = proc.wait()
        finally:
            with self._lock:
                self._running.discard(proc)
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            error = f"program exited unexpectedly: signal: {signal.Signals(-code).name}"
            return language_pb2.RunResponse(error=error)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python")
    parser.add_argument("--tracing", default="")
    parser.add_argument("engine_address", nargs="?", default="")
    args, _ = parser.parse_known_args(argv)  # also given: --logtostderr, -v=N
    host = LanguageHost(EXEC_SCRIPT, args.engine_address, args.tracing)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="langhost"))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(port, flush=True)  # the handshake with the engine: the port, alone on the first line
    # The engine (our parent, when it passed its address) normally stops us with
    # SIGINT; if it dies without doing so we are re-parented, and leave too.
    parent = os.getppid()
    while not stop.wait(1.0) and not (args.engine_address and os.getppid() != parent):
        pass
    host.cancel_all()
    server.stop(grace=1).wait(2)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
