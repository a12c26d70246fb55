"""Which python runs a Pulumi Python program, and which one runs our language host.

The one resolution of Pulumi.yaml's `virtualenv` option (relative to the project
root). The language host imports it; the launcher runs it with any python (it needs
only the standard library) as `pythonenv.py langhost ARGS` (exec the host with a
python that has grpcio and the pulumi SDK) or `pythonenv.py dynamic ARGS` (exec the
dynamic-provider host, `python -u -m pulumi.dynamic`, with the program's python).
Only pip with an optional `virtualenv` (what this project's Pulumi.yaml uses) is
supported; any other option fails with one line naming it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORTED = "this language host supports `toolchain: pip` (the default) and `virtualenv` only"


class HostError(Exception):
    """A message for the user, shown as is by the language host or the provider shim."""


class Toolchain:
    """The program's python: the one of the `virtualenv` option, else a plain python."""

    def __init__(self, options: Mapping[str, object], root: str) -> None:
        for key, value in options.items():
            if (key, value) != ("toolchain", "pip") and not (
                key == "virtualenv" and isinstance(value, str)
            ):
                raise HostError(f"unsupported runtime option {key}: {value} ({SUPPORTED})")
        self.option_virtualenv = str(options.get("virtualenv") or "")
        venv = self.option_virtualenv
        self.virtualenv = os.path.normpath(os.path.join(root, venv)) if venv else ""

    @property
    def python(self) -> str:
        if self.virtualenv:
            return os.path.join(self.virtualenv, "bin", "python")
        cmd = os.environ.get("PULUMI_PYTHON_CMD")
        found = shutil.which(cmd) if cmd else sys.executable
        if not found:
            raise HostError(f"PULUMI_PYTHON_CMD={cmd!r} was not found on PATH")
        return found

    def validate(self) -> None:
        """Fails with the upstream host's wording when the virtualenv is not one."""
        venv = self.virtualenv
        if not venv or os.path.isfile(os.path.join(venv, "bin", "python")):
            return
        exists = os.path.exists(venv)
        problem = "doesn't appear to be a virtual environment" if exists else "doesn't exist"
        raise HostError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {self.option_virtualenv!r}, but "
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

    A regex, not a YAML parser: this runs before a python with packages is known.
    """
    while True:
        for path in (os.path.join(directory, "Pulumi.yaml"), os.path.join(directory, "Pulumi.yml")):
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    found = re.search(r"virtualenv:\s*['\"]?([^,}'\"\s]+)", fh.read())
                return Toolchain({"virtualenv": found[1]}, directory).virtualenv if found else ""
        if directory == os.path.dirname(directory):
            return ""
        directory = os.path.dirname(directory)


def host_python() -> str:
    """The first python with grpcio, protobuf and the pulumi SDK of: $PULUMI_LANGHOST_PYTHON,
    the project's virtualenv, $VIRTUAL_ENV, the one running this (see the launcher)."""
    venvs = [project_virtualenv(os.getcwd()), os.environ.get("VIRTUAL_ENV", "")]
    pythons = [os.path.join(venv, "bin", "python") for venv in venvs if venv]
    candidates = [*filter(None, [os.environ.get("PULUMI_LANGHOST_PYTHON")]), *pythons]
    check = "import importlib.util as u, sys; sys.exit(not all(map(u.find_spec, sys.argv[1:])))"
    candidates.append(sys.executable)
    for python in candidates:
        cmd = [python, "-c", check, "grpc", "google.protobuf", "pulumi"]
        if (
            os.access(python, os.X_OK)
            and subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode == 0
        ):
            return python
    raise HostError(
        f"no python with grpcio and the pulumi SDK found (tried: {' '.join(candidates)}). "
        "Set PULUMI_LANGHOST_PYTHON or runtime.options.virtualenv in Pulumi.yaml to a "
        "virtualenv that has them."
    )


def main(role: str, args: list[str]) -> int:
    if role not in ("langhost", "dynamic"):
        print(f"usage: {sys.argv[0]} langhost|dynamic ARGS...", file=sys.stderr)
        return 2
    try:
        if role == "langhost":
            python, host = host_python(), os.path.join(HERE, "pulumi_language_python.py")
            os.execv(python, [python, "-u", host, *args])
        # The engine starts resource plugins in the project root, with each runtime
        # option of Pulumi.yaml in PULUMI_RUNTIME_<KEY>.
        prefix = "PULUMI_RUNTIME_"
        options = {
            k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)
        }
        tc = Toolchain(options, os.getcwd())
        tc.validate()
        os.execve(tc.python, [tc.python, "-u", "-m", "pulumi.dynamic", *args], tc.env())
    except HostError as error:
        name = "pulumi-language-python" if role == "langhost" else "pulumi-resource-pulumi-python"
        print(f"{name}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
