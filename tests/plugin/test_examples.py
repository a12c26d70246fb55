"""The schema's examples (`{{% examples %}}` of Instance and getInstance, from
provider/plugin/examples/) compile in their language, so none rots: Python run on the
released SDK under Pulumi's mocks, TypeScript type-checked by `tsc` against the
released npm package, Go vetted (`go vet`: compiled and checked) against sdk/go, YAML
checked against the schema (each type, property, function and argument it names)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import yaml

from provider.plugin import schema

from .test_go import GO_MOD

STEMS = ("instance", "get_instance")
MOCKED = """\
import runpy, sys
import pulumi

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return [args.name + "-id", {**args.inputs, "instanceId": "42"}]

    def call(self, args):
        return {"instanceId": "42", "name": args.args.get("name"), "callbackUrl": "https://x"}

pulumi.runtime.set_mocks(Mocks(), project="example", stack="dev", preview=False)
pulumi.runtime.set_all_config({"example:grantCode": "code", "example:realmId": "9130"})
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def test_every_example_is_in_the_schema_in_every_language():
    built = schema.build()
    described = (
        built["resources"][schema.INSTANCE]["description"]
        + built["functions"][schema.GET_INSTANCE]["description"]
    )
    for stem in STEMS:
        for language in schema.EXAMPLE_LANGUAGES:
            text = (schema.EXAMPLES / f"{stem}.{language}").read_text()
            assert f"```{language}\n{text}```" in described, (stem, language)


def test_the_python_examples_run_on_the_sdk(tmp_path, release):
    site = tmp_path / "site"  # the released wheel, unpacked: the SDK reads its own metadata
    zipfile.ZipFile(release.one("*.whl")).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    for stem in STEMS:
        done = subprocess.run(
            [sys.executable, "-c", MOCKED, str(schema.EXAMPLES / f"{stem}.python")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 0, (stem, done.stderr[-3000:])


def test_the_typescript_examples_type_check(tmp_path, release_node_modules):
    (tmp_path / "node_modules").symlink_to(release_node_modules)
    files = []
    for stem in STEMS:
        # Each file a module of its own (both declare top-level names).
        (tmp_path / f"{stem}.ts").write_text((schema.EXAMPLES / f"{stem}.typescript").read_text())
        files.append(f"{stem}.ts")
    tsc = str(release_node_modules / ".bin" / "tsc")
    flags = ["--noEmit", "--strict", "--target", "es2020", "--module", "commonjs"]
    flags += ["--moduleResolution", "node", "--types", "node"]
    done = subprocess.run(
        [tsc, *flags, *files], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_go_examples_compile(tmp_path):
    (tmp_path / "go.mod").write_text(GO_MOD)
    for stem in STEMS:
        (tmp_path / stem).mkdir()
        (tmp_path / stem / "main.go").write_text((schema.EXAMPLES / f"{stem}.go").read_text())
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    done = subprocess.run(
        ["go", "vet", "./..."], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]


_REFERENCE = re.compile(r"\$\{(\w+)\.(\w+)\}")


def yaml_problems(program: dict, package: dict) -> list[str]:
    """What a YAML program names that the schema does not have."""
    problems, outputs = [], {}
    types = package["types"]

    def check_object(where: str, value: dict, spec: dict) -> None:
        for key, inner in value.items():
            prop = spec.get(key)
            if prop is None:
                problems.append(f"{where}.{key}: not in the schema")
            elif "$ref" in prop and isinstance(inner, dict):
                target = types[prop["$ref"].rsplit("/", 1)[1]]["properties"]
                check_object(f"{where}.{key}", inner, target)

    for name, resource in (program.get("resources") or {}).items():
        spec = package["resources"].get(resource["type"])
        if spec is None:
            problems.append(f"{name}: no resource type {resource['type']}")
            continue
        check_object(name, resource.get("properties") or {}, spec["inputProperties"])
        outputs[name] = spec["properties"]
    for name, variable in (program.get("variables") or {}).items():
        invoke = variable.get("fn::invoke") if isinstance(variable, dict) else None
        spec = invoke and package["functions"].get(invoke["function"])
        if not spec:
            problems.append(f"{name}: no function {invoke and invoke['function']}")
            continue
        check_object(name, invoke.get("arguments") or {}, spec["inputs"]["properties"])
        outputs[name] = spec["outputs"]["properties"]
    for owner, prop in _REFERENCE.findall(json.dumps(program)):
        if owner in outputs and prop not in outputs[owner]:
            problems.append(f"${{{owner}.{prop}}}: no such output")
    return problems


def test_the_yaml_examples_name_only_what_the_schema_has():
    package = schema.build()
    for stem in STEMS:
        program = yaml.safe_load((schema.EXAMPLES / f"{stem}.yaml").read_text())
        assert yaml_problems(program, package) == [], stem
    # The checker itself catches a misspelt property and output.
    wrong = yaml.safe_load((schema.EXAMPLES / "instance.yaml").read_text())
    wrong["resources"]["books"]["properties"]["callbackURL"] = "https://x"
    wrong["outputs"]["id"] = "${books.id_}"
    assert yaml_problems(wrong, package) == [
        "books.callbackURL: not in the schema",
        "${books.id_}: no such output",
    ]
