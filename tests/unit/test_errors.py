"""The provider's exceptions are one tree: one root, every class under it, the tree in
`provider/errors.py`'s docstring drawn as it is, and HTTP statuses mapped by one table."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

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
        ("provider.settings", "SettingsError"),
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
