"""GenerateProgram, the Python code `pulumi import` writes for what it imported (and `pulumi
state promote`): the engine sends PCL and the address of its schema loader. The CLI's own Python
program generator does the work, in the project's Go tool (scripts/gen-sdk/program.go), which
scripts/pulumi-cli.sh builds and whose path it records in `gen-sdk` beside this file."""

from __future__ import annotations

import json
import os
import subprocess

from google.protobuf import json_format
from pulumirpc import language_pb2 as pb
from pythonenv import HostError

TOOL_RECORD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen-sdk")
MISSING = (
    "pulumi import cannot generate code: the program generator (scripts/gen-sdk) is not built; "
    "run `. scripts/setup.sh` in the project's checkout (it builds it with Go), "
    "or import with --generate-code=false"
)


def generator(record: str = TOOL_RECORD) -> str:
    """The generator's path as scripts/pulumi-cli.sh recorded it; HostError when it is missing."""
    try:
        with open(record, encoding="utf-8") as fh:
            path = fh.read().strip()
    except OSError:
        path = ""
    if not (path and os.access(path, os.X_OK)):
        raise HostError(MISSING)
    return path


def generate_program(req: pb.GenerateProgramRequest, tool: str) -> pb.GenerateProgramResponse:
    """The generated files and the warnings. Errors (the tool's diagnostics as text) are a
    HostError: `pulumi import` drops the response's diagnostics and would write no code."""
    cmd = [tool, "program", *(["--strict"] if req.strict else []), req.loader_target]
    source = json.dumps(dict(req.source))
    result = subprocess.run(cmd, input=source, capture_output=True, text=True)
    if result.returncode != 0:
        reason = result.stderr.strip() or f"exit code {result.returncode}"
        raise HostError(f"generating the program failed: {reason}")
    return json_format.Parse(result.stdout, pb.GenerateProgramResponse())
