"""Forward migrations of the project file, applied in order on open.

``PRAGMA user_version`` holds the schema version. Opening a file runs every migration above its
version inside one transaction, so a failed migration leaves the file as it was. A file whose version
is above ``SCHEMA_VERSION`` was written by a newer app and is refused, never downgraded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from blueprint_desktop.store import (
    evidence_chain,
    schema,
    schema_benchmark,
    schema_contact,
    schema_credit_rules,
    schema_data_in,
    schema_deficiency,
    schema_ecp,
    schema_engine,
    schema_evidence_chain,
    schema_locations_cache,
    schema_population,
    schema_providers_within,
    schema_reference,
    schema_reports,
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    # Work SQL cannot do (hashing existing rows), run after ``sql`` in the same transaction.
    after: Callable[[sqlite3.Connection], None] | None = None


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: project, providers, locations, imports, runs, audit", schema.V1),
    Migration(2, "CMS reference files, enrollee points, other-LOB rule sets", schema_reference.SQL),
    Migration(3, "engine: road graphs, recruitment target plans, what-if scenarios", schema_engine.SQL),
    Migration(4, "deficiency: notices, gaps, plan, pathways, outreach, cure", schema_deficiency.SQL),
    Migration(5, "reports: edited exception narratives of the package", schema_reports.SQL),
    Migration(6, "data in: column mappings, import problems, roster changes, evidence", schema_data_in.SQL),
    Migration(
        7, "credit rules: exclusions, MA product, primary care source, telehealth", schema_credit_rules.SQL
    ),
    Migration(8, "population: points of a population file the user loads", schema_population.SQL),
    Migration(9, "contact: a practice location's telephone number", schema_contact.SQL),
    Migration(
        10,
        "evidence chain: hash chain over outreach log, attachments and audit log; redactions",
        schema_evidence_chain.SQL,
        evidence_chain.chain_existing_rows,
    ),
    Migration(
        11, "benchmark networks: competitor provider directories, kept apart from ours", schema_benchmark.SQL
    ),
    Migration(
        12,
        "locations frame cache: the frame a run reads, emptied by triggers on any change",
        schema_locations_cache.SQL,
    ),
    Migration(
        13,
        "rule sets: the distinct providers each member needs within a standard (one or two)",
        schema_providers_within.SQL,
    ),
    Migration(14, "essential community provider lists of a QHP project", schema_ecp.SQL),
    Migration(15, "contract offers to essential community providers, append-only", schema_ecp.SQL_OFFERS),
]

SCHEMA_VERSION = MIGRATIONS[-1].version

# A gap or a reordering would make pending() skip or repeat work on some file; fail at import instead.
assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1)), "migrations must be 1..N"


def pending(current_version: int, migrations: list[Migration] | None = None) -> list[Migration]:
    """The migrations to run to bring a file at ``current_version`` up to date, in order."""
    migrations = MIGRATIONS if migrations is None else migrations
    return [m for m in migrations if m.version > current_version]
