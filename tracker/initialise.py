"""``tracker init``: bring a database to the current schema and load the built-in data."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.catalogue import LoadResult, built_in_path, load_catalogue
from tracker.economies import built_in_economies, ensure_economies
from tracker.store import Store


@dataclass
class InitResult:
    schema_before: str | None
    schema_after: str
    catalogue: LoadResult
    economies_added: list[str]

    @property
    def changed_anything(self) -> bool:
        return (
            self.schema_before != self.schema_after
            or self.catalogue.changed_anything
            or bool(self.economies_added)
        )


def initialise(store: Store) -> InitResult:
    """Create or upgrade the schema, then load the built-in catalogue and economies (idempotent)."""
    before, after = store.upgrade()
    with store.transaction() as session:
        loaded = load_catalogue(session, built_in_path())
        added = ensure_economies(session, built_in_economies())
    return InitResult(before, after, loaded, added)
