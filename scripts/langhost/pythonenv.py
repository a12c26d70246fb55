"""Which python runs a Pulumi program (Pulumi.yaml's `virtualenv`, relative to the project root)
and which one our language hosts (Python's and Node.js's). Imported by the hosts and by
launch.py (so: the standard library only). Only pip (+ `virtualenv`): other options fail in
one line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping

SUPPORTED = "this language host supports `toolchain: pip` (the default) and `virtualenv` only"


class HostError(Exception):
    """A message for the user, shown as is by the language host or the provider shim."""


class Toolchain:
    """The program's python: the one of the `virtualenv` option, else a plain python."""

    def __init__(self, options: Mapping[str, object], root: str) -> None:
        for key, value in options.items():
            if (key, value) not in [("toolchain", "pip"), ("virtualenv", str(value))]:
                raise HostError(f"unsupported runtime option {key}: {value} ({SUPPORTED})")
        self.option = str(options.get("virtualenv") or "")
        self.virtualenv = os.path.normpath(os.path.join(root, self.option)) if self.option else ""

    @property
    def python(self) -> str:
        if self.virtualenv:
            return os.path.join(self.virtualenv, "bin", "python")
        cmd = os.environ.get("PULUMI_PYTHON_CMD")
        if found := shutil.which(cmd) if cmd else sys.executable:
            return found
        raise HostError(f"PULUMI_PYTHON_CMD={cmd!r} was not found on PATH")

    def validate(self) -> None:
        """Fails with the upstream host's wording when the virtualenv is not one."""
        venv = self.virtualenv
        if not venv or os.path.isfile(os.path.join(venv, "bin", "python")):
            return
        problem = (
            "doesn't appear to be a virtual environment"
            if os.path.exists(venv)
            else "doesn't exist"
        )
        raise HostError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {self.option!r}, but "
            f"{venv!r} {problem}; run the following commands to create the virtual environment "
            f"and install dependencies into it:\n\n    1. python3 -m venv {venv}\n"
            f"    2. {venv}/bin/python -m pip install --upgrade pip setuptools wheel\n"
            f"    3. {venv}/bin/python -m pip install -r requirements.txt\n"
        )

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: os.environ) with the virtualenv activated, as `activate` does."""
        env = dict(os.environ if base is None else base)
        if self.virtualenv:
            env.pop("PYTHONHOME", None)
            path = env.get("PATH")
            env["PATH"] = os.path.join(self.virtualenv, "bin") + (os.pathsep + path if path else "")
            env["VIRTUAL_ENV"] = self.virtualenv
        return env


def project_virtualenv(directory: str) -> str:
    """The absolute `virtualenv` of the nearest Pulumi.yaml at or above `directory`, or "".
    A regex, not a YAML parser: this runs before a python with packages is known."""
    while True:
        for path in (os.path.join(directory, "Pulumi.yaml"), os.path.join(directory, "Pulumi.yml")):
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    found = re.search(r"virtualenv:\s*['\"]?([^,}'\"\s]+)", fh.read())
                return os.path.normpath(os.path.join(directory, found[1])) if found else ""
        if directory == (directory := os.path.dirname(directory)):
            return ""


def host_python() -> str:
    """The first with grpcio and pulumi of: $PULUMI_LANGHOST_PYTHON, the project's virtualenv,
    $VIRTUAL_ENV, the one running this (see the launcher)."""
    venvs = [project_virtualenv(os.getcwd()), os.environ.get("VIRTUAL_ENV")]
    pythons = [os.environ.get("PULUMI_LANGHOST_PYTHON"), *(f"{v}/bin/python" for v in venvs if v)]
    candidates = [*filter(None, pythons), sys.executable]
    check = "import importlib.util as u, sys; sys.exit(not all(map(u.find_spec, sys.argv[1:])))"
    for python in candidates:
        cmd = [python, "-c", check, "grpc", "google.protobuf", "pulumi"]
        if os.access(python, os.X_OK) and subprocess.call(cmd, stderr=subprocess.DEVNULL) == 0:
            return python
    raise HostError(
        f"no python with grpcio and the pulumi SDK found (tried: {' '.join(candidates)}). "
        "Set PULUMI_LANGHOST_PYTHON or runtime.options.virtualenv in Pulumi.yaml to a "
        "virtualenv that has them."
    )
