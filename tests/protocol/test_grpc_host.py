"""The provider as the engine sees it: `python -u -m pulumi.dynamic` driven over gRPC."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

from harness import REPO
from harness.accounts import EVENTS_URL, new_app, oauth_grant, provider_config
from provider.lifecycle import QuickBooksInstanceProvider

URN = "urn:pulumi:test::quickbooks-instances::pulumi-python:dynamic/quickbooks:Instance::books"


def struct(values: dict) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def plain(message: struct_pb2.Struct) -> dict:
    return rpc.deserialize_properties(message, keep_unknowns=True)


@pytest.fixture(scope="module")
def host():
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUICKBOOKS_")}
    env["PYTHONPATH"] = str(REPO)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    port = process.stdout.readline().decode().strip()
    assert port.isdigit(), process.stderr.read().decode()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield provider_pb2_grpc.ResourceProviderStub(channel)
    channel.close()
    process.terminate()
    process.wait(timeout=10)


def test_full_lifecycle_over_grpc(emu, host):
    app = new_app()
    config = provider_config(emu, app)
    host.Configure(proto.ConfigureRequest(args=struct(config), acceptSecrets=False))

    provider_blob = serialize_provider(QuickBooksInstanceProvider())
    raw = base64.b64decode(provider_blob)
    assert len(raw) < 200 and b"provider.lifecycle" in raw  # by reference, not bytecode

    news = {
        "__provider": provider_blob,
        "name": "Books",
        "ownership_tag": "pulumi:quickbooks-instances:test:books",
        "callback_url": EVENTS_URL,
        "oauth": oauth_grant(emu, app),
        "poller_resources": ["vendors", "bills"],
        "signature_key": "s" * 24,
    }
    checked = host.Check(proto.CheckRequest(urn=URN, olds=struct({}), news=struct(news)))
    assert list(checked.failures) == []
    inputs = rpc.deserialize_properties(checked.inputs)
    assert rpc.is_rpc_secret(inputs["oauth"]) and rpc.is_rpc_secret(inputs["signature_key"])
    assert rpc.unwrap_rpc_secret(inputs["poller_resources"]) == ["bills", "vendors"]

    bad = host.Check(
        proto.CheckRequest(urn=URN, olds=struct({}), news=struct({**news, "name": ""}))
    )
    assert [f.property for f in bad.failures] == ["name"]

    created = host.Create(proto.CreateRequest(urn=URN, properties=checked.inputs))
    outs = rpc.deserialize_properties(created.properties)
    assert created.id and rpc.is_rpc_secret(outs["token"])
    assert "s" * 24 not in str(outs)

    read = host.Read(proto.ReadRequest(id=created.id, urn=URN, properties=created.properties))
    assert read.id == created.id

    same = host.Diff(
        proto.DiffRequest(id=created.id, urn=URN, olds=read.properties, news=checked.inputs)
    )
    assert same.changes == proto.DiffResponse.DIFF_NONE

    changed_news = struct({**rpc.deserialize_properties(checked.inputs), "name": "Books 2"})
    changed = host.Diff(
        proto.DiffRequest(id=created.id, urn=URN, olds=read.properties, news=changed_news)
    )
    assert changed.changes == proto.DiffResponse.DIFF_SOME and list(changed.replaces) == []

    other_realm = {
        **rpc.deserialize_properties(checked.inputs),
        "oauth": oauth_grant(emu, app, "9130350000000002"),
    }
    replace = host.Diff(
        proto.DiffRequest(id=created.id, urn=URN, olds=read.properties, news=struct(other_realm))
    )
    assert list(replace.replaces) == ["oauth"]

    updated = host.Update(
        proto.UpdateRequest(id=created.id, urn=URN, olds=read.properties, news=changed_news)
    )
    assert plain(updated.properties)["name"] == "Books 2"
    assert emu.api("GET", f"/instances/{created.id}").json()["name"] == "Books 2"

    host.Delete(proto.DeleteRequest(id=created.id, urn=URN, properties=updated.properties))
    assert emu.api("GET", f"/instances/{created.id}").status_code == 404
    # Gone: refresh reports it deleted (empty id), delete again is a no-op.
    gone = host.Read(proto.ReadRequest(id=created.id, urn=URN, properties=updated.properties))
    assert gone.id == ""
    host.Delete(proto.DeleteRequest(id=created.id, urn=URN, properties=updated.properties))


def test_preview_with_unknown_inputs(emu, host):
    app = new_app()
    host.Configure(proto.ConfigureRequest(args=struct(provider_config(emu, app))))
    news = struct(
        {
            "__provider": serialize_provider(QuickBooksInstanceProvider()),
            "name": "Books",
            "ownership_tag": "pulumi:p:s:books",
            "callback_url": rpc.UNKNOWN,
            "oauth": {"code": "abc", "realm_id": "1"},
        }
    )
    emu.clear_requests()
    checked = host.Check(proto.CheckRequest(urn=URN, olds=struct({}), news=news))
    assert list(checked.failures) == []
    assert emu.requests() == []
