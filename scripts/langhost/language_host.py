"""What our language hosts (pulumi_language_python.py, pulumi_language_nodejs.py,
pulumi_language_go.py) share: the gRPC server and its start-up handshake, Handshake and
Cancel, running the program's process for Run, streaming `pulumi install`'s commands, and
the plugin a Pulumi package declares."""

from __future__ import annotations

import functools
import inspect
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures

import grpc
from google.protobuf import json_format
from google.protobuf.empty_pb2 import Empty
from pulumirpc import language_pb2 as pb
from pulumirpc import language_pb2_grpc, plugin_pb2
from pythonenv import HostError

EXIT_ERROR_ALREADY_REPORTED = 32  # the SDKs' "the error has been shown already"
Ctx = grpc.ServicerContext


def host_errors(handler: Callable) -> Callable:
    """A gRPC handler (unary or streaming) whose HostError ends the call with its message,
    as the Go hosts answer; any other exception stays a bug with its traceback."""
    if inspect.isgeneratorfunction(handler):

        @functools.wraps(handler)
        def streaming(self, req, ctx: Ctx) -> Iterator:
            try:
                yield from handler(self, req, ctx)
            except HostError as error:
                ctx.abort(grpc.StatusCode.UNKNOWN, str(error))

        return streaming

    @functools.wraps(handler)
    def unary(self, req, ctx: Ctx):
        try:
            return handler(self, req, ctx)
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))

    return unary


def plugin_dependency(info: Mapping, name: str, version: str) -> plugin_pb2.PackageDependency:
    """The resource plugin `name` at `version` (v added if missing), with what else `info` (a
    pulumi-plugin.json, or package.json's `pulumi` section) says: server, parameterization."""
    dep = {
        "name": name,
        "version": version if version.startswith("v") else "v" + version,
        "kind": "resource",
        "server": info.get("server"),
        "parameterization": info.get("parameterization"),  # its bytes `value` is base64
        "extension": info.get("extensionParameterization"),
    }
    dep = {key: value for key, value in dep.items() if value}
    return json_format.ParseDict(dep, plugin_pb2.PackageDependency(), ignore_unknown_fields=True)


def interrupt(proc: subprocess.Popen) -> None:
    """SIGINT, then SIGKILL after 5 s (like the Go hosts' cmd.Cancel and WaitDelay)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        kill = threading.Timer(5, lambda: proc.poll() is None and proc.kill())
        kill.daemon = True  # never keeps the host alive
        kill.start()


def command_output(commands: list[list[str]], cwd: str, env: dict) -> Iterator[bytes]:
    """Runs each command in turn, yielding its lines (stdout and stderr) after a `$ command`
    line; a command that fails ends it with a HostError naming the command."""
    for cmd in commands:
        yield f"$ {' '.join(cmd)}\n".encode()
        out, err = subprocess.PIPE, subprocess.STDOUT
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        yield from proc.stdout
        if proc.wait() != 0:
            raise HostError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")


class LanguageHostBase(language_pb2_grpc.LanguageRuntimeServicer):
    """A host whose Run starts one process per program (`program_process`, per language)."""

    def __init__(self, engine_address: str, tracing: str) -> None:
        self.engine_address, self.tracing = engine_address, tracing
        self._running: set[subprocess.Popen] = set()  # programs being run, for Cancel

    def Handshake(self, req: pb.LanguageHandshakeRequest, ctx: Ctx) -> pb.LanguageHandshakeResponse:
        self.engine_address = req.engine_address
        return pb.LanguageHandshakeResponse()

    def Cancel(self, req: Empty, ctx: Ctx | None) -> Empty:
        for proc in list(self._running):
            interrupt(proc)
        return Empty()

    def RuntimeOptionsPrompts(
        self, req: pb.RuntimeOptionsRequest, ctx: Ctx
    ) -> pb.RuntimeOptionsResponse:
        return pb.RuntimeOptionsResponse()  # one toolchain each: nothing to ask `pulumi new`

    def run_flags(self, req: pb.RunRequest, sep: str) -> list[str]:
        """The settings of a RunRequest as `--name value` pairs, the words of a name joined by
        `sep` (the SDK's run entry reads them), as the Go hosts' constructArguments."""
        info, dry_run = req.info, "true" if req.dryRun else "false"
        names = "monitor engine project root_directory stack pwd organization dry_run parallel"
        values = [req.monitor_address, self.engine_address, req.project, info.root_directory]
        values += [req.stack, req.pwd, req.organization, dry_run, str(req.parallel)]
        flags = [*zip(names.split(), values, strict=True), ("tracing", self.tracing)]
        return [arg for f, v in flags if v for arg in ("--" + f.replace("_", sep), v)]

    @staticmethod
    def config_env(req: pb.RunRequest, env: Mapping[str, str]) -> dict[str, str]:
        """`env` with the stack configuration in the variables the SDKs read.

        As upstream's hosts (`constructConfig`, in Go): the whole config in one variable, as
        `json.Marshal` writes it (compact, keys sorted). Linux caps one variable at
        128 KiB, so a program's config stops there, as upstream (docs/operations.md)."""
        env = dict(env)
        if req.config:
            env["PULUMI_CONFIG"] = json.dumps(
                dict(req.config), separators=(",", ":"), sort_keys=True
            )
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(req.configSecretKeys))
        return env

    def program_process(self, req: pb.RunRequest) -> tuple[list[str], str, dict[str, str]]:
        """The command, directory and environment that run the program (HostError if none)."""
        raise NotImplementedError

    def Run(self, req: pb.RunRequest, ctx: Ctx) -> pb.RunResponse:
        if not self.engine_address:
            message = "when debugging or running explicitly, must call Handshake before Run"
            ctx.abort(grpc.StatusCode.UNKNOWN, message)
        if req.attach_debugger:
            return pb.RunResponse(error="this language host cannot attach a debugger")
        try:
            cmd, cwd, env = self.program_process(req)
        except HostError as error:
            ctx.abort(grpc.StatusCode.UNKNOWN, str(error))
        # The program writes to our stdout/stderr, which the engine shows.
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        self._running.add(proc)
        ctx.add_callback(lambda: interrupt(proc))  # the engine gave up on this Run
        code = proc.wait()
        self._running.discard(proc)
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return pb.RunResponse(bail=True)
        error = f"program exited with non-zero exit code: {code}" if code else ""
        if code < 0:
            error = f"program exited unexpectedly: signal: {signal.Signals(-code).name}"
        return pb.RunResponse(error=error)


def serve(make_host: Callable[[str, str], LanguageHostBase], argv: list[str]) -> int:
    """Serves `make_host(engine address, tracing)` until SIGINT/SIGTERM or the engine's end."""
    # The engine passes [--logtostderr] [-v=N] [--tracing ENDPOINT] ENGINE-ADDRESS.
    tracing = argv[argv.index("--tracing") + 1] if "--tracing" in argv[:-1] else ""
    engine = (
        argv[-1] if argv and not argv[-1].startswith("-") and argv[-2:-1] != ["--tracing"] else ""
    )
    host = make_host(engine, tracing)
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
