"""The release as a user of a YAML or TypeScript program gets it: the plugin archive
fetched from the release host by the CLI itself, run on the machine's own python3
(nothing of ours pip-installed), and one version everywhere.

`release` (tests/plugin/conftest.py) is `make release` for this machine's platform,
served on loopback; its URL is the schema's `pluginDownloadURL`.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2_grpc

from harness import REPO
from harness.accounts import oauth_grant
from harness.companies import new_company
from harness.emulator import writes
from harness.node_sdk import TSCONFIG
from harness.pulumi_stack import PulumiStack
from harness.release import SYSTEM_PYTHON, bare_path, host_platform

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
ARCHIVE = f"pulumi-resource-quickbooks-v{VERSION}-{host_platform()}.tar.gz"

YAML = """\
config:
  code:
    type: string
    secret: true
  realm:
    type: string
resources:
  books:
    type: quickbooks:index:Instance
    properties:
      name: Released
      callbackUrl: https://hooks.example.com/events
      oauth:
        code: ${code}
        realmId: ${realm}
outputs:
  books: ${books.instanceId}
"""

TYPESCRIPT = """\
import * as pulumi from "@pulumi/pulumi";
import * as quickbooks from "@quickbooks-instances/quickbooks";

const config = new pulumi.Config();
const books = new quickbooks.Instance("books", {
    name: "Released",
    callbackUrl: "https://hooks.example.com/events",
    oauth: { code: config.requireSecret("code"), realmId: config.require("realm") },
});
export const instanceId = books.instanceId;
"""


def started(plugin: Path) -> tuple[float, str]:
    """Seconds until the plugin prints its port, run as the engine runs it with only
    the system python3 on PATH; and the version its GetPluginInfo answers."""
    began = time.monotonic()
    process = subprocess.Popen(
        [str(plugin), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": str(SYSTEM_PYTHON.parent), "HOME": str(plugin.parent)},
    )
    try:
        port = process.stdout.readline().decode().strip()
        took = time.monotonic() - began
        assert port.isdigit(), process.stderr.read().decode()[-3000:]
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        info = provider_pb2_grpc.ResourceProviderStub(channel).GetPluginInfo(empty_pb2.Empty())
        channel.close()
        return took, info.version
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_one_version_in_every_artifact_and_in_get_plugin_info(release, tmp_path):
    names = {f.name for f in release.files}
    assert names == {
        f"pulumi_quickbooks-{VERSION}-py3-none-any.whl",
        f"pulumi_quickbooks-{VERSION}.tar.gz",
        f"quickbooks-instances-quickbooks-{VERSION}.tgz",
        ARCHIVE,
    }
    wheel = zipfile.ZipFile(release.one("*.whl"))
    plugin_json = json.loads(wheel.read("pulumi_quickbooks/pulumi-plugin.json"))
    assert plugin_json == {
        "resource": True,
        "name": "quickbooks",
        "version": VERSION,
        "server": release.url,
    }
    with tarfile.open(release.one("*.tgz")) as npm:
        package = json.load(npm.extractfile("package/package.json"))
    assert package["version"] == VERSION
    assert package["pulumi"] == {
        "resource": True,
        "name": "quickbooks",
        "version": VERSION,
        "server": release.url,
    }
    go_plugin = json.loads((REPO / "sdk/go/quickbooks/pulumi-plugin.json").read_text())
    assert go_plugin["version"] == VERSION

    with tarfile.open(release.one(ARCHIVE)) as archive:
        archive.extractall(tmp_path, filter="tar")
    manifest = json.loads((tmp_path / "quickbooks" / "manifest.json").read_text())
    assert manifest["version"] == VERSION
    assert set(manifest["pythons"]) == {"cp311", "cp312", "cp313", "cp314"}
    # Every dependency is a wheel of the lock, with one of the lock's hashes.
    lock = (REPO / "uv.lock").read_text()
    for name, digest in manifest["sha256"].items():
        if not name.startswith("pulumi_quickbooks-"):
            assert f"sha256:{digest}" in lock, name

    first, version = started(tmp_path / "pulumi-resource-quickbooks")
    again, _ = started(tmp_path / "pulumi-resource-quickbooks")
    assert version == VERSION
    size = release.one(ARCHIVE).stat().st_size / 1e6
    print(f"\n{ARCHIVE}: {size:.1f} MB; first start {first:.2f} s, then {again:.2f} s")
    assert again < first


def bare_stack(tmp_path, emu, app, release, files: dict[str, str]) -> PulumiStack:
    stack = PulumiStack(tmp_path, emu, app, files=files)
    stack.env["PATH"] = bare_path()
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"):
        stack.env.pop(var, None)
    realm = new_company(emu)
    stack.set_secret("code", oauth_grant(emu, app, realm)["code"])
    # The YAML host reads a value of digits as a number; a JSON string stays a string.
    yaml = "runtime: yaml" in files["Pulumi.yaml"]
    stack.run("config", "set", "realm", json.dumps(realm) if yaml else realm)
    return stack


def cycle(stack: PulumiStack, emu) -> None:
    """Preview, create, a no-op (0 writes), destroy."""
    assert "+ 2 to create" in stack.preview().stdout  # the stack and the instance
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("POST", "/instances")]
    emu.clear_requests()
    stack.up("--expect-no-changes")
    assert writes(emu) == []
    stack.destroy()
    assert [w[0] for w in writes(emu)] == ["DELETE"]


def pulumi(stack: PulumiStack, *args: str) -> str:
    """A command of no stack (`pulumi plugin ...`) in the stack's environment."""
    done = subprocess.run(
        ["pulumi", *args], cwd=stack.dir, env=stack.env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def installed(stack: PulumiStack) -> list[tuple[str, str]]:
    plugins = json.loads(pulumi(stack, "plugin", "ls", "--json")) or []
    return [(p["name"], p["version"]) for p in plugins]


def test_a_yaml_program_gets_the_plugin_by_plugin_install(tmp_path, emu, app, release):
    project = "name: released-yaml\nruntime: yaml\nstackConfigDir: stacks\n"
    stack = bare_stack(tmp_path / "yaml", emu, app, release, {"Pulumi.yaml": project + YAML})
    pulumi(stack, "plugin", "install", "resource", "quickbooks", VERSION, "--server", release.url)
    assert f"/{ARCHIVE}" in release.requests
    assert installed(stack) == [("quickbooks", VERSION)]
    cycle(stack, emu)


def test_a_typescript_program_gets_the_plugin_from_plugin_download_url(
    tmp_path, emu, app, release, release_node_modules
):
    project = "name: released-typescript\nruntime: nodejs\nstackConfigDir: stacks\n"
    manifest = {"name": "released-typescript", "private": True, "main": "index.ts"}
    files = {
        "Pulumi.yaml": project,
        "index.ts": TYPESCRIPT,
        "package.json": json.dumps(manifest),
        "tsconfig.json": json.dumps(TSCONFIG),
    }
    stack = bare_stack(tmp_path / "typescript", emu, app, release, files)
    (stack.dir / "node_modules").symlink_to(release_node_modules)  # the release's npm tarball
    assert installed(stack) == []
    before = release.requests.count(f"/{ARCHIVE}")
    cycle(stack, emu)  # the first preview installs the plugin from the SDK's server
    assert release.requests.count(f"/{ARCHIVE}") == before + 1
    assert installed(stack) == [("quickbooks", VERSION)]


def test_a_damaged_wheel_stops_the_first_start_naming_it(release, tmp_path):
    with tarfile.open(release.one(ARCHIVE)) as archive:
        archive.extractall(tmp_path, filter="tar")
    manifest = json.loads((tmp_path / "quickbooks" / "manifest.json").read_text())
    tag = subprocess.run(  # the system python's wheel set
        [str(SYSTEM_PYTHON), "-c", "import sys; print('cp%d%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    damaged = tmp_path / "quickbooks" / "wheels" / manifest["pythons"][tag][-1]
    damaged.write_bytes(b"X" + damaged.read_bytes()[1:])  # "PK" no more
    done = subprocess.run(
        [str(tmp_path / "pulumi-resource-quickbooks"), "127.0.0.1:1"],
        capture_output=True,
        text=True,
        env={"PATH": str(SYSTEM_PYTHON.parent), "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert f"{damaged.name} does not match the lock's sha256" in done.stderr
    assert not (tmp_path / "quickbooks" / "env" / tag).exists()  # nothing half-built is used
