"""What the language hosts' tests share: where the hosts and their launcher are, the host
modules themselves (loaded from scripts/langhost/ as the launcher runs them), a ProgramInfo."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "pulumi-language-python"
VENV = REPO / ".venv" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.prefix)


def _load_host(name: str):
    # A host imports its siblings (pythonenv.py, language_host.py), as when run as a script.
    if str(REPO / "scripts" / "langhost") not in sys.path:
        sys.path.insert(0, str(REPO / "scripts" / "langhost"))
    path = REPO / "scripts" / "langhost" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host = _load_host("pulumi_language_python")
node_host = _load_host("pulumi_language_nodejs")


def run_request(info: language_pb2.ProgramInfo, *, dry_run: bool) -> language_pb2.RunRequest:
    """A RunRequest with every setting a host passes on to the program, in `info`'s directory."""
    return language_pb2.RunRequest(
        monitor_address="127.0.0.1:2",
        project="p",
        stack="s",
        pwd=info.program_directory,
        dryRun=dry_run,
        parallel=8,
        organization="org",
        config={"p:a": "1", "p:b": "secret"},
        configSecretKeys=["p:b"],
        info=info,
        args=["extra"],
    )


def program_info(root: Path, **options) -> language_pb2.ProgramInfo:
    opts = struct_pb2.Struct()
    opts.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=opts
    )
