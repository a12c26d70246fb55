"""The provider's exceptions are one tree: one root, every class under it, the tree in
`provider/errors.py`'s docstring drawn as it is, and HTTP statuses mapped by one table."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import provider
from provider import errors
from provider.errors import (
    ApiError,
    AuthenticationFailed,
    Conflict,
    GrantRejected,
    InstanceNotFound,
    InvalidRequest,
    QuickBooksError,
    RateLimited,
    error_for_status,
)


def provider_modules():
    for info in pkgutil.walk_packages(provider.__path__, "provider."):
        if not info.name.endswith("__main__"):  # running it would start the CLI
            yield importlib.import_module(info.name)


def exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of `provider/`, by name."""
    return {
        obj.__name__: obj
        for module in provider_modules()
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == module.__name__
    }


def drawn_tree() -> dict[str, str | None]:
    """Each class the docstring draws, with the class it is drawn under."""
    line = re.compile(r"^    (?P<indent>(?:[│ ]   )*)(?:[├└]── )?(?P<name>[A-Z]\w+)\s")
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for text in (errors.__doc__ or "").splitlines():
        found = line.match(text + " ")
        if not found:
            continue
        depth = len(found["indent"]) // 4 + (1 if "──" in text else 0)
        del path[depth:]
        parents[found["name"]] = path[-1] if path else None
        path.append(found["name"])
    return parents


def test_every_exception_class_of_the_provider_is_under_the_one_root():
    classes = exception_classes()
    assert {"SettingsError", "OnboardError", "ProvisioningError", "CloudElementsError"} <= set(
        classes
    )
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, QuickBooksError))
    assert outside == []


@pytest.mark.parametrize(
    "path, name",
    [
        ("provider.api.settings", "SettingsError"),
        ("provider.onboard.errors", "OnboardError"),
        ("provider.lifecycle", "ProvisioningError"),
    ],
)
def test_the_old_import_paths_name_the_classes_of_the_tree(path, name):
    assert getattr(importlib.import_module(path), name) is getattr(errors, name)


def test_the_docstring_draws_the_tree_as_it_is():
    drawn = drawn_tree()
    classes = {n: c for n, c in exception_classes().items() if issubclass(c, QuickBooksError)}
    assert sorted(drawn) == sorted(classes), "every class of the tree is drawn, and only those"
    assert drawn["QuickBooksError"] is None
    for name, parent in drawn.items():
        if parent is not None:
            tree_bases = [b.__name__ for b in classes[name].__bases__ if b.__name__ in classes]
            assert tree_bases == [parent], name


@pytest.mark.parametrize(
    "status, message, kind",
    [
        (400, "The grant has expired", GrantRejected),
        (400, "invalid providerData", GrantRejected),
        (400, "Authorization code already used", GrantRejected),
        (400, "name is required", InvalidRequest),
        (401, "bad secrets", AuthenticationFailed),
        (403, "forbidden", ApiError),
        (404, "No instances found", InstanceNotFound),
        (405, "method not allowed", InvalidRequest),
        (406, "not acceptable", InvalidRequest),
        (409, "conflict", Conflict),
        (415, "unsupported media type", InvalidRequest),
        (422, "the grant is odd", ApiError),  # the grant rule is a 400 rule
        (429, "slow down", RateLimited),
        (500, "boom", ApiError),
        (503, "unavailable", ApiError),
    ],
)
def test_a_status_maps_to_its_exception(status, message, kind):
    assert error_for_status(status, message) is kind


# Raised on purpose, yet rightly not a QuickBooksError: each for its framework's protocol.
OUTSIDE_THE_TREE = {
    # pydantic validators: pydantic turns these into a ValidationError, which check()
    # reports per input.
    ("provider/core/values.py", "ValueError"),
    # argparse's way to refuse a flag's value (usage, exit status 2).
    ("provider/onboard/command.py", "argparse.ArgumentTypeError"),
    ("provider/preview_summary.py", "SystemExit"),
    # The README generator, a developer tool: a README without its table markers.
    ("provider/docs.py", "ValueError"),
    # A mistake in the input table itself, refused when the module is imported: the
    # developer's, never a user's.
    ("provider/core/declaration.py", "ValueError"),
    # The package's lazy names (PEP 562): Python's own answer to a name it lacks.
    ("provider/__init__.py", "AttributeError"),
    # The plugin's server: a bug's message with its traceback, as the SDK's servers
    # send one to the engine (a `QuickBooksError` goes plain).
    ("provider/plugin/server.py", "Exception"),
    # The plugin's wire codec, as protobuf's own: bytes that are no message (the call
    # fails), a value no property map holds (the plugin's bug).
    ("provider/plugin/codec.py", "ValueError"),
    ("provider/plugin/codec.py", "TypeError"),
    ("provider/plugin/message_class.py", "ValueError"),
    ("provider/plugin/message_class.py", "TypeError"),
}


def raised_classes():
    """(file, the raise as written, the class it names) for each `raise` naming a class."""
    root = Path(provider.__file__).parent
    for path in sorted(root.rglob("*.py")):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        if name.endswith("__main__"):
            continue
        namespace = vars(importlib.import_module(name.removesuffix(".__init__")))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            written = ast.unparse(target)
            first, *rest = written.split(".")
            obj = namespace.get(first, getattr(builtins, first, None))
            for attr in rest:
                obj = getattr(obj, attr, None)
            if inspect.isclass(obj):
                yield str(path.relative_to(root.parent)), written, obj


def test_every_exception_raised_on_purpose_is_under_the_root():
    raised = list(raised_classes())
    assert any(cls is errors.OnboardError for _, _, cls in raised)  # the scan sees raises
    outside = {
        (path, written)
        for path, written, cls in raised
        if not issubclass(cls, QuickBooksError) and (path, written) not in OUTSIDE_THE_TREE
    }
    assert outside == set()


def test_an_unknown_resource_input_is_an_input_error_and_still_a_type_error():
    from provider.resource import QuickBooksInstance

    with pytest.raises(errors.InputError, match="callback_ur") as refused:
        QuickBooksInstance("books", name="Books", callback_ur="https://hooks.example.com/x")
    assert isinstance(refused.value, TypeError)
