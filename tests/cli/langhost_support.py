"""What the language host's tests share: where the host and its launcher are, the host
module itself (loaded from scripts/langhost/ as the launcher runs it), a ProgramInfo."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "pulumi-language-python"
VENV = REPO / ".venv" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.prefix)


def _load_host():
    # The host imports its sibling pythonenv.py, as it does when run as a script.
    sys.path.insert(0, str(REPO / "scripts" / "langhost"))
    path = REPO / "scripts" / "langhost" / "pulumi_language_python.py"
    spec = importlib.util.spec_from_file_location("pulumi_language_python", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host = _load_host()


def program_info(root: Path, **options) -> language_pb2.ProgramInfo:
    opts = struct_pb2.Struct()
    opts.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=opts
    )
