"""Finds every package's ``models`` and ``api`` modules, so the app and Alembic see them all.

It lives on the application floor because it imports the domain packages; the
kernel (``callcenter.kernel``) never does.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

from callcenter.kernel.db import Base

PACKAGES = ("callcenter", "acd", "seats", "workorders", "crisis")


def import_all_models() -> MetaData:
    """Import every ``models`` module of every package so ``Base.metadata`` knows all tables."""
    for module_name in modules_named("models"):
        importlib.import_module(module_name)
    return Base.metadata


def modules_named(leaf: str) -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name.rsplit(".", 1)[-1] == leaf:
                found.append(info.name)
    return found
