"""The site directory: import local counselling sites from CSV (all rows or none)."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.progress import Progress, no_progress
from workorders.reference import region_problem
from workorders.referrals.models import Site

COLUMNS = ("name", "city", "county", "address", "contact", "counsellors")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class SiteRow:
    name: str
    city: str
    county: str
    address: str
    contact: str
    counsellors: int


def parse_sites(text: str) -> tuple[list[SiteRow], list[str]]:
    """Rows and per-line problems of a site CSV (header: name,city,county,address,...)."""
    reader = csv.DictReader(text.splitlines())
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        return [], [f"missing columns: {', '.join(missing)}"]
    rows: list[SiteRow] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        values = {key: (raw.get(key) or "").strip() for key in COLUMNS}
        problems = []
        if not values["name"]:
            problems.append("name is empty")
        elif values["name"] in seen:
            problems.append(f"duplicate name {values['name']!r}")
        region = region_problem(values["city"] or None, values["county"] or None)
        if region or not values["city"]:
            problems.append(region or "city is empty")
        counsellors = values["counsellors"] or "0"
        if not counsellors.isdigit():
            problems.append(f"counsellors must be a whole number, got {counsellors!r}")
        if problems:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        seen.add(values["name"])
        rows.append(
            SiteRow(
                name=values["name"],
                city=values["city"],
                county=values["county"],
                address=values["address"],
                contact=values["contact"],
                counsellors=int(counsellors),
            )
        )
    return rows, errors


async def import_sites(
    session: AsyncSession, path: Path | str, progress: Progress = no_progress
) -> ImportResult:
    """Create or update sites by name; with any bad line nothing is written."""
    text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8-sig")
    rows, errors = parse_sites(text)
    if errors:
        return ImportResult(errors=errors)
    existing = {
        site.name: site
        for site in await session.scalars(select(Site).where(Site.name.in_([r.name for r in rows])))
    }
    result = ImportResult()
    for done, row in enumerate(rows):
        progress("sites", done, len(rows))
        site = existing.get(row.name)
        if site is None:
            session.add(Site(**row.__dict__))
            result.created += 1
            continue
        for key, value in row.__dict__.items():
            setattr(site, key, value)
        result.updated += 1
    await session.flush()
    progress("sites", len(rows), len(rows))
    return result
