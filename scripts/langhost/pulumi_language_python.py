"""A Pulumi language host for Python programs, written in Python.

The `pulumi` engine runs a Python program through a *language host* plugin,
`pulumi-language-python`: it starts the plugin (cwd = the program directory,
last argument = the engine's gRPC address, optionally preceded by
`--logtostderr`, `-v=N`, `--tracing URL`), reads ONE line from the plugin's
stdout - the TCP port of its gRPC server on 127.0.0.1 - and then calls the
`pulumirpc.LanguageRuntime` service on it. Everything the plugin writes to
stdout/stderr afterwards is shown by the engine as diagnostics (stdout as info,
stderr as info-error). On shutdown the engine sends SIGINT to the plugin's
process group and SIGKILLs it after 5 s.

RPCs the engine uses (checked against the Go host and engine of v3.274):
- GetPluginInfo: version for the plugin list (failure is only a warning).
- GetRequiredPackages: resource plugins the program's packages need; on
  UNIMPLEMENTED the engine falls back to GetRequiredPlugins, and treats
  UNIMPLEMENTED there as "none". Both called for preview/up/refresh/destroy.
- Run: executes the program (preview/up/refresh with --run-program, destroy
  with --run-program); returns `error` (shown as "an unhandled error
  occurred: ...") or `bail` (error already reported; exit non-zero quietly).
- About: runtime.* entries of the update metadata (every update) and
  `pulumi about`; GetProgramDependencies: `pulumi about`.
- InstallDependencies: `pulumi install`, `pulumi new`; RuntimeOptionsPrompts
  and Template: `pulumi new`; Handshake: only when the engine attaches to an
  already-running host (PULUMI_DEBUG_LANGUAGES); Cancel: on Ctrl-C.
- RunPlugin: Python plugins run from source; codegen RPCs (GenerateProgram,
  GenerateProject, GeneratePackage, Pack, Link) are UNIMPLEMENTED here.

The program itself runs in a child process, `python -u
pulumi-language-python-exec --monitor ... PROGRAM`, with the python of the
virtualenv named in Pulumi.yaml (`runtime.options.virtualenv`, relative to the
project root) or, without one, $PULUMI_PYTHON_CMD or the python running this
host. Its stdout/stderr are this process's, so they reach the engine directly.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    language_pb2,
    language_pb2_grpc,
    plugin_pb2,
)

LOG = logging.getLogger("pulumi-language-python")

EXEC_SCRIPT_NAME = "pulumi-language-python-exec"
# The executor's "error already shown to the user" exit code.
EXIT_ERROR_ALREADY_REPORTED = 32
# Same limits as the Go plugins (rpcutil.GrpcChannelOptions): 400 MiB messages.
MAX_MESSAGE = 400 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
]
HEALTHCHECK_INTERVAL = float(os.environ.get("PULUMI_LANGHOST_HEALTHCHECK_SECONDS", "300"))
# Packages known to come without a resource plugin (as in the Go host).
PACKAGES_WITHOUT_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}


class HostError(Exception):
    """An error to return to the engine as the RPC's error message."""


# ---------------------------------------------------------------------------
# Which python runs the program


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "bin", "python"))


def _search_up(start: str, name: str) -> str | None:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, name)):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class Toolchain:
    """The python environment of one program: its interpreter and environment variables."""

    def __init__(self, info: language_pb2.ProgramInfo | None):
        options = _options_dict(info)
        self.root = (info.root_directory if info else "") or os.getcwd()
        self.program_dir = (info.program_directory if info else "") or self.root
        self.option_virtualenv = options.get("virtualenv") or ""
        if not isinstance(self.option_virtualenv, str):
            raise HostError("virtualenv option must be a string")
        self.name = options.get("toolchain") or "pip"
        if self.name not in ("pip", "uv", "poetry"):
            raise HostError(f"unsupported toolchain option: {self.name}")
        self.typechecker = options.get("typechecker") or ""
        if self.typechecker not in ("", "mypy", "pyright"):
            raise HostError(f"unsupported typechecker option: {self.typechecker}")
        # Like the Go host: without an explicit toolchain, a uv.lock / poetry.lock decides.
        if "toolchain" not in options:
            if _search_up(self.program_dir, "uv.lock"):
                self.name = "uv"
            elif _search_up(self.program_dir, "poetry.lock"):
                self.name = "poetry"
        self.virtualenv = self._resolve_virtualenv()

    def _resolve_virtualenv(self) -> str:
        venv = self.option_virtualenv
        if venv:
            return venv if os.path.isabs(venv) else os.path.join(self.root, venv)
        if self.name == "uv":
            base = (
                _search_up(self.root, "uv.lock")
                or _search_up(self.root, "pyproject.toml")
                or self.root
            )
            env = os.environ.get("UV_PROJECT_ENVIRONMENT")
            if env:
                return env if os.path.isabs(env) else os.path.join(base, env)
            return os.path.join(base, ".venv")
        if self.name == "poetry" and shutil.which("poetry"):
            out = subprocess.run(
                ["poetry", "env", "info", "--path"],
                cwd=self.program_dir,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        return ""

    def validate(self) -> None:
        """Fails like the Go host when the configured virtualenv is not one."""
        if self.virtualenv and not _is_venv(self.virtualenv):
            message = "doesn't exist"
            if os.path.exists(self.virtualenv):
                message = "doesn't appear to be a virtual environment"
            raise HostError(
                f"The 'virtualenv' option in Pulumi.yaml is set to "
                f"{self.option_virtualenv or self.virtualenv!r}, but {self.virtualenv!r} "
                f"{message}; run the following commands to create the virtual environment "
                f"and install dependencies into it:\n\n"
                f"    1. python3 -m venv {self.virtualenv}\n"
                f"    2. {self.virtualenv}/bin/python -m pip install --upgrade pip "
                f"setuptools wheel\n"
                f"    3. {self.virtualenv}/bin/python -m pip install -r requirements.txt\n"
            )

    @property
    def python(self) -> str:
        if self.virtualenv:
            return os.path.join(self.virtualenv, "bin", "python")
        cmd = os.environ.get("PULUMI_PYTHON_CMD")
        if cmd:
            found = shutil.which(cmd)
            if not found:
                raise HostError(f"PULUMI_PYTHON_CMD={cmd!r} was not found on PATH")
            return found
        return sys.executable

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment with the virtualenv activated (PATH, VIRTUAL_ENV, no PYTHONHOME)."""
        env = dict(os.environ if base is None else base)
        if self.virtualenv:
            env.pop("PYTHONHOME", None)
            bindir = os.path.join(self.virtualenv, "bin")
            env["PATH"] = bindir + (os.pathsep + env["PATH"] if env.get("PATH") else "")
            env["VIRTUAL_ENV"] = self.virtualenv
        return env

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("check", False)
        kwargs.setdefault("cwd", self.program_dir)
        return subprocess.run([self.python, *args], env=self.env(), **kwargs)


def _options_dict(info: language_pb2.ProgramInfo | None) -> dict:
    if info is None or not info.HasField("options"):
        return {}
    from google.protobuf import json_format

    return json_format.MessageToDict(info.options)


# ---------------------------------------------------------------------------
# Package discovery (GetRequiredPackages / GetProgramDependencies)

_LIST_PACKAGES = r"""
import importlib.metadata as md, json, os, re
out = {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    norm = re.sub(r"[-_.]+", "-", name).lower()
    plugin_json = ""
    for f in dist.files or []:
        if f.name == "pulumi-plugin.json" and len(f.parts) == 2:
            p = str(dist.locate_file(f))
            if os.path.isfile(p):
                plugin_json = p
                break
    requires = []
    for r in dist.requires or []:
        if "extra ==" in r:
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", r)
        if m:
            requires.append(re.sub(r"[-_.]+", "-", m.group(1)).lower())
    out.setdefault(norm, {"name": norm, "version": dist.version,
                          "plugin_json": plugin_json, "requires": requires})
print(json.dumps(list(out.values())))
"""


def list_packages(tc: Toolchain) -> list[dict]:
    """Installed distributions of the program's python: name, version, pulumi-plugin.json path."""
    result = tc.run("-c", _LIST_PACKAGES)
    if result.returncode != 0:
        raise HostError(f"failed to list the packages of {tc.python}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def determine_plugin_version(package_version: str) -> str:
    """PEP 440 package version -> plugin semver, as the Go host's determinePluginVersion."""
    if not package_version:
        raise ValueError("cannot parse empty string")
    if not package_version.isascii():
        raise ValueError("not ascii")
    m = re.match(r"^(\d+)!", package_version)
    if m:
        raise ValueError("epochs are not supported")
    m = re.match(r"^(\d+(?:\.\d+)*)", package_version)
    if not m:
        segments, rest = [], package_version
    else:
        segments, rest = m.group(1).split("."), package_version[m.end() :]
    while len(segments) < 3:
        segments.append("0")
    pre = post = dev = ""
    m = re.match(r"^(a|b|rc)(\d*)", rest)
    if m:
        pre = "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[m.group(1)] + "." + m.group(2)
        rest = rest[m.end() :]
    m = re.match(r"^\.post(\d*)", rest)
    if m:
        post = "+post" + m.group(1)
        rest = rest[m.end() :]
    m = re.match(r"^\.dev(\d*)", rest)
    if m:
        dev = ("" if post else "+") + "dev" + m.group(1)
        rest = rest[m.end() :]
    if rest:
        raise ValueError(f"'{rest}' still unparsed")
    return ".".join(segments) + pre + post + dev


def package_dependency(pkg: dict) -> plugin_pb2.PackageDependency | None:
    """The resource plugin a Pulumi package needs, or None (not a Pulumi package / no plugin)."""
    info = None
    if pkg.get("plugin_json"):
        try:
            with open(pkg["plugin_json"], encoding="utf-8") as fh:
                info = json.load(fh)
        except (OSError, ValueError) as error:
            raise HostError(
                f"failed to parse pulumi-plugin.json for {pkg['name']}: {error}"
            ) from error
    if info is None and not pkg["name"].startswith("pulumi-"):
        return None
    name = version = server = ""
    parameterization = extension = None
    if info is not None:
        if not info.get("resource"):
            return None
        name, version, server = (
            info.get("name", ""),
            info.get("version", ""),
            info.get("server", ""),
        )
        for key in ("parameterization", "extensionParameterization"):
            p = info.get(key)
            if p:
                value = p.get("value", "")
                if isinstance(value, str):
                    import base64

                    value = base64.b64decode(value) if value else b""
                msg = plugin_pb2.PackageParameterization(
                    name=p.get("name", ""), version=p.get("version", ""), value=value
                )
                if key == "parameterization":
                    parameterization = msg
                else:
                    extension = msg
    if not name:
        name = pkg["name"].removeprefix("pulumi-")
    if not version:
        try:
            version = determine_plugin_version(pkg["version"])
        except ValueError:
            return None
    if not version.startswith("v"):
        version = "v" + version
    return plugin_pb2.PackageDependency(
        name=name,
        version=version,
        kind="resource",
        server=server,
        parameterization=parameterization,
        extension=extension,
    )


# ---------------------------------------------------------------------------
# Child processes


def _stream_process(cmd, cwd, env, make_out, make_err, context, final=None):
    """Runs cmd, yielding messages built from its stdout/stderr chunks as they arrive."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    chunks: queue.Queue = queue.Queue()

    def pump(stream, make):
        for data in iter(lambda: stream.read1(65536), b""):
            chunks.put(make(data))
        chunks.put(None)

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, make_out), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, make_err), daemon=True),
    ]
    for t in threads:
        t.start()
    if context is not None:
        context.add_callback(lambda: _interrupt(proc))
    open_streams = 2
    while open_streams:
        item = chunks.get()
        if item is None:
            open_streams -= 1
        else:
            yield item
    code = proc.wait()
    if final is not None:
        msg = final(code)
        if msg is not None:
            yield msg


def _interrupt(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGINT, then SIGKILL after `grace` seconds (like the Go host's cmd.Cancel/WaitDelay)."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGINT)
    except ProcessLookupError:
        return

    def killer():
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()

    threading.Thread(target=killer, daemon=True).start()


# ---------------------------------------------------------------------------
# The service


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(
        self, exec_script: str, engine_address: str, tracing: str, *, watch_engine: bool = False
    ):
        # watch_engine: exit the process when the engine goes away. Only the plugin's
        # own main turns it on; a host built inside another process (tests) must never
        # end that process.
        self.watch_engine = watch_engine
        self.exec_script = exec_script
        self.engine_address = engine_address
        self.tracing = tracing
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._healthcheck_started = False
        if engine_address:
            self._start_healthcheck()

    # -- helpers ----------------------------------------------------------

    def _start_healthcheck(self) -> None:
        """Exit when the engine goes away (rpcutil.Healthcheck: every 5 minutes)."""
        with self._lock:
            if self._healthcheck_started or not self.engine_address or not self.watch_engine:
                return
            self._healthcheck_started = True
        address = self.engine_address

        def loop():
            channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
            check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=lambda _: b"",
                response_deserializer=lambda b: b,
            )
            while True:
                time.sleep(HEALTHCHECK_INTERVAL)
                try:
                    check(None, timeout=30)
                except grpc.RpcError as error:
                    if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                        LOG.warning("engine %s is gone (%s); exiting", address, error.code())
                        self.cancel_all()
                        os._exit(1)

        threading.Thread(target=loop, name="healthcheck", daemon=True).start()

    def _engine_log(self, message: str, severity=engine_pb2.INFO) -> None:
        """An ephemeral message in the engine's output (as the Go host's logWriter)."""
        if not self.engine_address or not message:
            return
        try:
            with grpc.insecure_channel(self.engine_address, options=GRPC_OPTIONS) as channel:
                engine_pb2_grpc.EngineStub(channel).Log(
                    engine_pb2.LogRequest(
                        severity=severity,
                        message=message.encode("utf-8", "replace").decode("utf-8"),
                        ephemeral=True,
                        streamId=os.getpid() & 0x7FFFFFFF,
                    ),
                    timeout=30,
                )
        except grpc.RpcError as error:
            LOG.debug("engine log failed: %s", error)

    def cancel_all(self) -> None:
        with self._lock:
            running = list(self._running)
        for proc in running:
            _interrupt(proc)

    @staticmethod
    def _abort(context, error: Exception):
        context.abort(grpc.StatusCode.UNKNOWN, str(error))

    # -- RPCs -------------------------------------------------------------

    def Handshake(self, request, context):
        self.engine_address = request.engine_address
        self._start_healthcheck()
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=host_version())

    def GetRequiredPlugins(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "method GetRequiredPlugins not implemented")

    def GetRequiredPackages(self, request, context):
        try:
            tc = Toolchain(request.info)
            self._ensure_venv(tc)
            tc.validate()
            packages = []
            for pkg in list_packages(tc):
                if pkg["name"] in PACKAGES_WITHOUT_PLUGINS:
                    continue
                dep = package_dependency(pkg)
                if dep is not None:
                    packages.append(dep)
        except HostError as error:
            self._abort(context, error)
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def _ensure_venv(self, tc: Toolchain) -> None:
        """Creates a missing virtualenv (with the program's requirements) like EnsureVenv."""
        if not tc.option_virtualenv or _is_venv(tc.virtualenv):
            return
        if os.path.isdir(tc.virtualenv) and os.listdir(tc.virtualenv):
            return  # exists but is not a venv: validate() reports it
        for message in self._install(tc, None):
            if message.stdout:
                self._engine_log(message.stdout.decode("utf-8", "replace"))
            if message.stderr:
                self._engine_log(message.stderr.decode("utf-8", "replace"), engine_pb2.ERROR)

    def _install(self, tc: Toolchain, context):
        """Yields InstallDependenciesResponse messages while installing the program's deps."""

        def out(data):
            return language_pb2.InstallDependenciesResponse(stdout=data)

        def err(data):
            return language_pb2.InstallDependenciesResponse(stderr=data)

        def failed(what):
            def check(code):
                if code != 0:
                    raise HostError(f"{what} failed with exit code {code}")

            return check

        cwd = tc.program_dir
        yield out(b"Installing dependencies...\n\n")
        if tc.name == "uv":
            cmd = ["uv", "sync"]
            yield from _stream_process(cmd, cwd, tc.env(), out, err, context, failed("uv sync"))
        elif tc.name == "poetry":
            cmd = ["poetry", "install", "--no-interaction"]
            yield from _stream_process(
                cmd, cwd, dict(os.environ), out, err, context, failed("poetry install")
            )
        else:
            if tc.virtualenv and not _is_venv(tc.virtualenv):
                yield out(b"Creating virtual environment...\n")
                base = os.environ.get("PULUMI_PYTHON_CMD") or "python3"
                base = shutil.which(base) or sys.executable
                yield from _stream_process(
                    [base, "-m", "venv", tc.virtualenv],
                    cwd,
                    dict(os.environ),
                    out,
                    err,
                    context,
                    failed("creating the virtual environment"),
                )
                yield out(b"Finished creating virtual environment\n")
            requirements = os.path.join(cwd, "requirements.txt")
            if os.path.isfile(requirements):
                yield out(b"Installing dependencies in virtual environment...\n")
                cmd = [tc.python, "-m", "pip", "install", "-r", "requirements.txt"]
                yield from _stream_process(
                    cmd, cwd, tc.env(), out, err, context, failed("installing dependencies")
                )
        yield out(b"Finished installing dependencies\n\n")

    def InstallDependencies(self, request, context):
        try:
            tc = Toolchain(request.info)
            yield from self._install(tc, context)
        except HostError as error:
            self._abort(context, error)

    def RuntimeOptionsPrompts(self, request, context):
        options = _options_dict(request.info)
        prompts = []
        string = language_pb2.RuntimeOptionPrompt.STRING
        value = language_pb2.RuntimeOptionPrompt.RuntimeOptionValue
        if "toolchain" not in options:
            pip = value(promptType=string, stringValue="pip", displayName="pip")
            others = [(name, shutil.which(name) is not None) for name in ("poetry", "uv")]
            others.sort(key=lambda item: not item[1])
            choices = [pip] + [
                value(
                    promptType=string,
                    stringValue=name,
                    displayName=name if found else name + " [not found]",
                )
                for name, found in others
            ]
            prompts.append(
                language_pb2.RuntimeOptionPrompt(
                    key="toolchain",
                    description="The toolchain to use for installing dependencies and "
                    "running the program",
                    promptType=string,
                    choices=choices,
                    default=pip,
                )
            )
        elif options.get("toolchain") == "pip" and "virtualenv" not in options:
            venv = value(promptType=string, stringValue="venv")
            prompts.append(
                language_pb2.RuntimeOptionPrompt(
                    key="virtualenv",
                    description="The virtualenv to use",
                    promptType=string,
                    choices=[venv],
                    default=value(promptType=string, stringValue="venv"),
                )
            )
        return language_pb2.RuntimeOptionsResponse(prompts=prompts)

    def Template(self, request, context):
        return language_pb2.TemplateResponse()

    def About(self, request, context):
        try:
            tc = Toolchain(request.info if request.HasField("info") else None)
            result = tc.run(
                "-c",
                "import sys, platform; print(sys.executable); print(platform.python_version())",
            )
            if result.returncode != 0:
                raise HostError(f"failed to get python executable path: {result.stderr.strip()}")
            executable, version = result.stdout.split("\n")[:2]
            pip = tc.run("-m", "pip", "--version")
            match = re.match(r"pip (\S+)", pip.stdout or "")
            metadata = {
                "toolchain": tc.name,
                "toolchainVersion": match.group(1) if match else "",
                "typechecker": tc.typechecker or "none",
                "languageHost": "pulumi-language-python (qbo, Python)",
            }
        except HostError as error:
            self._abort(context, error)
        return language_pb2.AboutResponse(
            executable=executable.strip(), version=version.strip(), metadata=metadata
        )

    def GetProgramDependencies(self, request, context):
        try:
            tc = Toolchain(request.info)
            packages = list_packages(tc)
        except HostError as error:
            self._abort(context, error)
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

    # -- Run ----------------------------------------------------------------

    def run_command(self, request, tc: Toolchain) -> list[str]:
        """The executor command line for a RunRequest (as the Go host's constructArguments)."""
        args = [tc.python, "-u", self.exec_script]

        def add(flag, value):
            if value:
                args.extend(["--" + flag, value])

        info = request.info
        add("monitor", request.monitor_address)
        add("engine", self.engine_address)
        add("project", request.project)
        add("root_directory", info.root_directory)
        add("stack", request.stack)
        add("pwd", request.pwd)
        add("dry_run", "true" if request.dryRun else "false")
        add("parallel", str(request.parallel))
        add("tracing", self.tracing)
        add("organization", request.organization)
        entry = info.entry_point or request.program or "."
        program_dir = info.program_directory or request.pwd
        if program_dir and not os.path.isabs(entry):
            entry = os.path.normpath(os.path.join(program_dir, entry))
        args.append(entry)
        args.extend(request.args)
        return args

    def run_env(self, request, tc: Toolchain) -> dict[str, str]:
        env = tc.env()
        if request.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        return env

    def Run(self, request, context):
        if not self.engine_address:
            context.abort(
                grpc.StatusCode.UNKNOWN,
                "when debugging or running explicitly, must call Handshake before Run",
            )
        if request.attach_debugger:
            return language_pb2.RunResponse(
                error="attaching a debugger is not supported by this language host"
            )
        try:
            tc = Toolchain(request.info)
            tc.validate()
            self._typecheck(tc)
        except HostError as error:
            self._abort(context, error)
        args = self.run_command(request, tc)
        LOG.debug("launching %s", args)
        try:
            proc = subprocess.Popen(
                args,
                env=self.run_env(request, tc),
                cwd=request.pwd or tc.program_dir,
                stdin=subprocess.DEVNULL,
            )
        except OSError as error:
            return language_pb2.RunResponse(
                error=f"problem executing program (could not run language executor): {error}"
            )
        with self._lock:
            self._running.add(proc)
        context.add_callback(lambda: _interrupt(proc))
        try:
            code = proc.wait()
        finally:
            with self._lock:
                self._running.discard(proc)
        sys.stdout.flush()
        sys.stderr.flush()
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
            return language_pb2.RunResponse(error=f"program exited unexpectedly: signal: {name}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def _typecheck(self, tc: Toolchain) -> None:
        if not tc.typechecker:
            return
        cmd = ["-m", tc.typechecker]
        if tc.typechecker == "mypy" and tc.virtualenv:
            cmd += ["--exclude", os.path.relpath(tc.virtualenv, tc.program_dir)]
        cmd.append(tc.program_dir)
        result = tc.run(
            *cmd, capture_output=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        sys.stdout.write(result.stdout or "")
        sys.stdout.flush()
        if result.returncode != 0:
            raise HostError(
                f"{tc.typechecker} failed: exit status {result.returncode}\n{result.stdout}"
            )

    # -- RunPlugin ------------------------------------------------------------

    def RunPlugin(self, request, context):
        try:
            if request.kind == "analyzer":
                raise HostError("policy packs are not supported by this language host")
            tc = Toolchain(request.info)
            tc.validate()
        except HostError as error:
            self._abort(context, error)
        program_dir = request.info.program_directory
        if os.path.isfile(os.path.join(program_dir, "__main__.py")):
            cmd = [tc.python, "-u", program_dir, *request.args]
        else:
            name = _pyproject_name(program_dir)
            if not name:
                self._abort(
                    context,
                    HostError(
                        "plugin is not runnable, it provides neither __main__.py nor a buildable "
                        "pyproject.toml"
                    ),
                )
            cmd = [tc.python, "-u", "-m", "pulumi.run.plugin", name, *request.args]
        env = tc.env()
        for item in request.env:
            key, _, value = item.partition("=")
            env[key] = value

        def final(code):
            if code != 0:
                return language_pb2.RunPluginResponse(exitcode=code)
            return None

        yield from _stream_process(
            cmd,
            request.pwd or program_dir,
            env,
            lambda d: language_pb2.RunPluginResponse(stdout=d),
            lambda d: language_pb2.RunPluginResponse(stderr=d),
            context,
            final,
        )


def _pyproject_name(directory: str) -> str:
    path = os.path.join(directory, "pyproject.toml")
    if not os.path.isfile(path):
        return ""
    import tomllib

    with open(path, "rb") as fh:
        return tomllib.load(fh).get("project", {}).get("name", "")


def host_version() -> str:
    """Version reported by GetPluginInfo: $PULUMI_LANGHOST_VERSION or the pulumi SDK's."""
    version = os.environ.get("PULUMI_LANGHOST_VERSION")
    if version:
        return version
    try:
        from importlib.metadata import version as dist_version

        return dist_version("pulumi")
    except Exception:  # noqa: BLE001
        return "3.0.0"


# ---------------------------------------------------------------------------
# Entry point


class _RpcLog(grpc.ServerInterceptor):
    """Appends "<pid> <method>" to $PULUMI_LANGHOST_RPC_LOG for every call (debugging aid)."""

    def __init__(self, path: str):
        self.path = path

    def intercept_service(self, continuation, handler_call_details):
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {handler_call_details.method.rsplit('/', 1)[-1]}\n")
        except OSError:
            pass
        return continuation(handler_call_details)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="pulumi-language-python")
    ap.add_argument("--tracing", default="")
    ap.add_argument("--version", action="store_true")
    ap.add_argument("--use-executor", default="")
    ap.add_argument("--logtostderr", action="store_true")
    ap.add_argument("--logflow", action="store_true")
    ap.add_argument("-v", dest="verbose", default="0")
    ap.add_argument("engine_address", nargs="?", default="")
    args, _unknown = ap.parse_known_args(argv)
    return args


def serve(argv) -> int:
    args = parse_args(argv)
    if args.version:
        print(host_version())
        return 0
    try:
        verbose = int(str(args.verbose).lstrip("="))
    except ValueError:
        verbose = 0
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if (args.logtostderr and verbose >= 5) else logging.WARNING,
        format="%(name)s: %(message)s",
    )
    here = os.path.dirname(os.path.abspath(__file__))
    exec_script = args.use_executor or os.path.join(here, EXEC_SCRIPT_NAME)
    if not os.path.isfile(exec_script):
        print(f"missing executor {exec_script}", file=sys.stderr)
        return 1

    host = LanguageHost(exec_script, args.engine_address, args.tracing, watch_engine=True)
    rpc_log = os.environ.get("PULUMI_LANGHOST_RPC_LOG")
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="langhost"),
        options=GRPC_OPTIONS,
        interceptors=[_RpcLog(rpc_log)] if rpc_log else [],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    if not port:
        print("could not start language host RPC server", file=sys.stderr)
        return 1
    server.start()

    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    # The handshake with the engine: the port, alone on the first line of stdout.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()

    while not stop.wait(1.0):
        pass
    host.cancel_all()
    server.stop(grace=1).wait(2)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
