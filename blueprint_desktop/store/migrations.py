"""Forward migrations of the project file, applied in order on open.

``PRAGMA user_version`` holds the schema version. Opening a file runs every migration above its
version inside one transaction, so a failed migration leaves the file as it was. A file whose version
is above ``SCHEMA_VERSION`` was written by a newer app and is refused, never downgraded.
"""

from __future__ import annotations

from dataclasses import dataclass

from blueprint_desktop.store import schema


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: project, providers, locations, imports, runs, audit", schema.V1),
]

SCHEMA_VERSION = MIGRATIONS[-1].version


def pending(current_version: int, migrations: list[Migration] | None = None) -> list[Migration]:
    """The migrations to run to bring a file at ``current_version`` up to date, in order."""
    migrations = MIGRATIONS if migrations is None else migrations
    return [m for m in migrations if m.version > current_version]
