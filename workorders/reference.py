"""Reference data shipped with the package: Henan's regions, the case taxonomy, profile choices."""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class AgeGroup(StrEnum):
    UNDER_12 = "under_12"
    AGE_12_14 = "12_14"
    AGE_15_17 = "15_17"
    AGE_18_24 = "18_24"
    AGE_25_PLUS = "25_plus"
    UNKNOWN = "unknown"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Identity(StrEnum):
    STUDENT = "student"
    PARENT = "parent"
    WORKER = "worker"
    OTHER = "other"


def _load(name: str) -> Any:
    return json.loads(resources.files("workorders.data").joinpath(name).read_text("utf-8"))


@cache
def regions() -> dict[str, tuple[str, ...]]:
    """City name → its counties and districts (empty for Jiyuan, a county-level city)."""
    data = _load("henan_regions.json")
    return {
        city["name"]: tuple(county["name"] for county in city["counties"])
        for city in data["cities"]
    }


@cache
def taxonomy() -> dict[str, tuple[str, ...]]:
    """Category → its subcategories."""
    data = _load("taxonomy.json")
    return {name: tuple(entry["subcategories"]) for name, entry in data.items()}


def region_problem(city: str | None, county: str | None) -> str | None:
    """Why (city, county) is not a Henan region, or None when it is."""
    if city is None:
        return "county given without a city" if county else None
    known = regions()
    if city not in known:
        return f"unknown city {city!r}; expected one of Henan's 18 cities"
    if county and county not in known[city]:
        return f"{county!r} is not a county or district of {city}"
    return None


def category_problem(category: str | None, subcategory: str | None) -> str | None:
    """Why (category, subcategory) is not in the taxonomy, or None when it is."""
    if category is None:
        return "subcategory given without a category" if subcategory else None
    known = taxonomy()
    if category not in known:
        return f"unknown category {category!r}; expected one of {sorted(known)}"
    if subcategory and subcategory not in known[category]:
        return f"unknown subcategory {subcategory!r} of {category}"
    return None
