"""The local directory: which league committee contact and site cover a region (pure lookup)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel


class LocalContact(BaseModel):
    league_contact: str
    site_id: int | None = None
    site_name: str = ""


class _DirectoryFile(BaseModel):
    default: LocalContact
    regions: dict[str, LocalContact] = {}


@dataclass(frozen=True)
class LocalDirectory:
    default: LocalContact
    regions: dict[str, LocalContact]

    def lookup(self, *regions: str | None) -> LocalContact:
        """The first region that is listed (county before city), else the default."""
        for region in regions:
            if region and region in self.regions:
                return self.regions[region]
        return self.default

    @classmethod
    def from_yaml(cls, text: str) -> LocalDirectory:
        data = _DirectoryFile.model_validate(yaml.safe_load(text))
        return cls(default=data.default, regions=dict(data.regions))


def load_directory(path: str | None = None) -> LocalDirectory:
    if path:
        return LocalDirectory.from_yaml(Path(path).read_text(encoding="utf-8"))
    bundled = resources.files("crisis").joinpath("data/local_contacts.yaml")
    return LocalDirectory.from_yaml(bundled.read_text(encoding="utf-8"))
