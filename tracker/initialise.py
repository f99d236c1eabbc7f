"""``tracker init``: bring a database to the current schema and load the built-in data.

Everything happens in one transaction: killed half-way, ``init`` leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.catalogue import LoadResult, built_in_path, load_catalogue, parse_catalogue
from tracker.economies import built_in_economies, ensure_economies
from tracker.models import Catalogue
from tracker.store import Store


@dataclass
class InitResult:
    schema_before: str | None
    schema_after: str
    catalogue: LoadResult | None  # None when a newer version of the built-in catalogue is loaded
    economies_added: list[str]
    kept_catalogue: str | None = None  # "code@version" kept instead of the older built-in one

    @property
    def changed_anything(self) -> bool:
        return (
            self.schema_before != self.schema_after
            or (self.catalogue is not None and self.catalogue.changed_anything)
            or bool(self.economies_added)
        )


def version_key(version: str) -> tuple:
    """A catalogue version as something to compare: ``2026.10`` comes after ``2026.9``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in version.replace("-", ".").split("."))


def _load_built_in(session: Session) -> tuple[LoadResult | None, str | None, list[str]]:
    path = built_in_path()
    built_in = parse_catalogue(path.read_text(encoding="utf-8"), path.name)
    loaded = session.scalar(select(Catalogue).where(Catalogue.code == built_in.code))
    if loaded is not None and version_key(loaded.version) > version_key(built_in.version):
        result, kept = None, f"{loaded.code}@{loaded.version}"
    else:
        result, kept = load_catalogue(session, path), None
    return result, kept, ensure_economies(session, built_in_economies())


def initialise(store: Store) -> InitResult:
    """Create or upgrade the schema, then load the built-in catalogue and economies (idempotent),
    in one transaction. A newer version of the built-in catalogue, loaded with `catalog load`,
    is never replaced by the older one shipped with this tracker."""
    before, after, (loaded, kept, added) = store.upgrade_then(_load_built_in)
    return InitResult(before, after, loaded, added, kept)
