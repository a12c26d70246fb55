"""The plugins a program needs, as the Node.js and Go hosts answer for it: read from the
manifests its packages carry (package.json, pulumi-plugin.json), each host finding them
in its own way (`required_packages`)."""

from __future__ import annotations

import json

from language_host import Ctx, host_errors
from pulumirpc import language_pb2 as pb
from pulumirpc import plugin_pb2
from pythonenv import HostError


def read_manifest(path: str) -> dict | None:
    """A package.json or pulumi-plugin.json (a JSON object), None when there is none."""
    try:
        with open(path, encoding="utf-8") as fh:
            found = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise HostError(f"failed to parse {path}: {error}") from error
    return found if isinstance(found, dict) else None


class RequiredPackages:
    """GetRequiredPackages, and GetRequiredPlugins that older engines ask instead, of a
    host that finds a program's packages in one way (`required_packages`)."""

    def required_packages(self, info: pb.ProgramInfo) -> list[plugin_pb2.PackageDependency]:
        raise NotImplementedError

    @host_errors
    def GetRequiredPackages(
        self, req: pb.GetRequiredPackagesRequest, ctx: Ctx
    ) -> pb.GetRequiredPackagesResponse:
        return pb.GetRequiredPackagesResponse(packages=self.required_packages(req.info))

    @host_errors
    def GetRequiredPlugins(
        self, req: pb.GetRequiredPluginsRequest, ctx: Ctx
    ) -> pb.GetRequiredPluginsResponse:
        plugins = [
            plugin_pb2.PluginDependency(
                name=d.name, kind=d.kind, version=d.version, server=d.server
            )
            for d in self.required_packages(req.info)
        ]
        return pb.GetRequiredPluginsResponse(plugins=plugins)
