"""The Pulumi protocol's generated modules (`language_pb2`, `language_pb2_grpc`,
`plugin_pb2`), loaded from the installed SDK without the SDK itself.

They live in `pulumi.runtime.proto`, a subpackage of `pulumi`: importing them by that
name runs `pulumi/__init__`, the whole SDK (~0.2 s of CPU), in every host process, and
the engine starts hosts several times a command. The generated modules need only
protobuf and gRPC and import each other relatively, so their directory is loaded here
as a package of its own name. Nothing else in a host process imports `pulumi`, so their
protocol files are registered once, as the SDK would register them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

PACKAGE = "_pulumi_protocol"


def _load(name: str) -> types.ModuleType:
    if PACKAGE not in sys.modules:
        spec = importlib.util.find_spec("pulumi")  # found, not imported
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("the pulumi SDK is not installed in this python")
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(Path(spec.submodule_search_locations[0], "runtime", "proto"))]
        sys.modules[PACKAGE] = package
    return importlib.import_module(f"{PACKAGE}.{name}")


language_pb2 = _load("language_pb2")
language_pb2_grpc = _load("language_pb2_grpc")
plugin_pb2 = _load("plugin_pb2")
