"""GenerateProgram of our Python language host (`pulumi import`'s code), without the CLI: the
generator built by scripts/gen-sdk.sh (these tests FAIL when it cannot be built) against a
schema loader serving sdk/schema.json as the engine's does."""

from __future__ import annotations

import subprocess
from concurrent import futures

import grpc
import pytest
from pulumi.runtime.proto import language_pb2
from pulumi.runtime.proto.codegen import hcl_pb2, loader_pb2

from tests.cli.langhost_support import REPO

# The langhost support module puts scripts/langhost on sys.path, as the launcher does.
import program_gen  # noqa: E402  isort: skip
from pythonenv import HostError  # noqa: E402  isort: skip

IMPORTED = """\
resource books "quickbooks:index:Instance" {
    __logicalName = "books"
    adoptId = "42"
    name = "Books"
    tags = ["team:books"]
}
"""


class SchemaLoader:
    """The engine's schema loader (codegen.Loader), serving our schema. (By hand: the SDK's
    loader_pb2_grpc imports a module the SDK does not ship.)"""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_schema(self, req: loader_pb2.GetSchemaRequest, ctx) -> loader_pb2.GetSchemaResponse:
        self.asked.append(req.package)
        if req.package != "quickbooks":
            ctx.abort(grpc.StatusCode.NOT_FOUND, f"no package {req.package}")
        return loader_pb2.GetSchemaResponse(schema=(REPO / "sdk" / "schema.json").read_bytes())

    def handler(self) -> grpc.GenericRpcHandler:
        method = grpc.unary_unary_rpc_method_handler(
            self.get_schema,
            request_deserializer=loader_pb2.GetSchemaRequest.FromString,
            response_serializer=loader_pb2.GetSchemaResponse.SerializeToString,
        )
        return grpc.method_handlers_generic_handler("codegen.Loader", {"GetSchema": method})


@pytest.fixture(scope="module")
def tool() -> str:
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "gen-sdk.sh"), "--tool"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def loader():
    servicer = SchemaLoader()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((servicer.handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", servicer
    server.stop(grace=None)


def request(target: str, pcl: str, strict: bool = False) -> language_pb2.GenerateProgramRequest:
    return language_pb2.GenerateProgramRequest(
        source={"main.pp": pcl}, loader_target=target, strict=strict
    )


def test_generates_the_python_of_an_imported_instance(tool, loader):
    target, servicer = loader
    resp = program_gen.generate_program(request(target, IMPORTED), tool)
    assert servicer.asked == ["quickbooks"]
    assert [d for d in resp.diagnostics if d.severity == hcl_pb2.DIAG_ERROR] == []
    [(name, code)] = resp.source.items()
    code = code.decode()
    compile(code, name, "exec")
    assert "import pulumi_quickbooks as quickbooks" in code
    declared = code[code.index('books = quickbooks.Instance("books",') :]
    assert 'adopt_id="42"' in declared and 'tags=["team:books"]' in declared


def test_errors_fail_with_the_diagnostics_and_warnings_come_back(tool, loader):
    target, _ = loader
    pcl = IMPORTED.replace('name = "Books"', 'name = "Books"\n    colour = 1')
    # `pulumi import` binds leniently (strict=false): an unknown input is a warning.
    lenient = program_gen.generate_program(request(target, pcl), tool)
    assert lenient.source and lenient.diagnostics
    for warning in lenient.diagnostics:
        assert warning.severity == hcl_pb2.DIAG_WARNING and "colour" in warning.summary
    where = {(d.subject.filename, d.subject.start.line) for d in lenient.diagnostics}
    assert ("main.pp", 4) in where

    with pytest.raises(HostError, match=r"main\.pp:4,5-11: unsupported attribute 'colour'"):
        program_gen.generate_program(request(target, pcl, strict=True), tool)
    with pytest.raises(HostError, match="Unclosed configuration block"):
        program_gen.generate_program(request(target, "resource books {"), tool)


def test_a_generator_failure_is_one_host_error(tool):
    with pytest.raises(HostError, match="^generating the program failed: usage: gen-sdk program"):
        program_gen.generate_program(request("", IMPORTED), tool)


def test_a_missing_generator_says_how_to_get_it(tmp_path, running_host):
    record = tmp_path / "gen-sdk"
    with pytest.raises(HostError, match="--generate-code=false"):
        program_gen.generator(str(record))
    record.write_text(str(tmp_path / "gone" / "gen-sdk") + "\n")
    with pytest.raises(HostError) as missing:
        program_gen.generator(str(record))
    assert str(missing.value) == program_gen.MISSING
    assert "\n" not in program_gen.MISSING

    # The host run from the checkout has no record (pulumi-cli.sh writes it where it
    # installs the host): the engine gets the same line.
    assert not (REPO / "scripts" / "langhost" / "gen-sdk").exists()
    stub, _, _ = running_host
    with pytest.raises(grpc.RpcError) as failed:
        stub.GenerateProgram(request("127.0.0.1:1", IMPORTED))
    assert failed.value.code() == grpc.StatusCode.UNKNOWN
    assert failed.value.details() == program_gen.MISSING
