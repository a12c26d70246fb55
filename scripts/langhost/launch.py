"""What the launcher (scripts/pulumi-language-python, installed under three names) starts, run
with any python as `launch.py PLUGIN-NAME ARGS` (so: the standard library only):
pulumi-language-python and pulumi-language-nodejs exec our host of that language with a python
that has grpcio and the pulumi SDK; pulumi-resource-pulumi-python execs the dynamic-provider
host, `pulumi.dynamic`, with the program's python."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # python -I leaves the script's directory out

from pythonenv import HostError, Toolchain, host_python  # noqa: E402


def main(plugin: str, args: list[str]) -> int:
    """Execs our host of a language, or (as pulumi-resource-*) the dynamic-provider host."""
    try:
        if not plugin.startswith("pulumi-resource-"):
            language = plugin.removeprefix("pulumi-language-")
            host = os.path.join(os.path.dirname(__file__), f"pulumi_language_{language}.py")
            os.execv(python := host_python(), [python, "-u", host, *args])
        # The engine starts resource plugins in the project root, with each runtime
        # option of Pulumi.yaml in PULUMI_RUNTIME_<KEY>.
        p = "PULUMI_RUNTIME_"
        options = {k.removeprefix(p).lower(): v for k, v in os.environ.items() if k.startswith(p)}
        tc = Toolchain(options, os.getcwd())
        tc.validate()
        os.execve(tc.python, [tc.python, "-u", "-m", "pulumi.dynamic", *args], tc.env())
    except HostError as error:
        print(f"{plugin}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
