"""Provider activity evidence and ghost providers: ``blueprint import activity`` and ``blueprint ghosts``.

A plan proves its network is real with de-identified activity: per rendering NPI, the last date of
service and the number of encounters (from claims or encounter data). CMS expects directories to be
accurate and verified (42 CFR 422.111(b)(3)(i); 422.120(b)) and reviewers look for "ghost" providers,
listed but not seeing members. The file carries provider-level rows only: a file with member-level
columns (member id, name, date of birth, SSN, MBI/HICN, address...) is refused by ``data.phi``, naming
the columns, before anything is read into the project.

Columns (header names case-insensitive; aliases accepted): NPI (``npi``, ``rendering_npi``,
``provider_npi``...), last service date (``last_service_date``, ``last_dos``, ``last_date_of_service``...),
encounters (``encounters``, ``encounter_count``, ``claims``, ``visits``..., optional). Several rows for one
NPI (one per month or office) are combined: latest date, summed encounters. NPIs that are not on the
project's network are kept as evidence (they may join later) and reported as unmatched.

Each row becomes a ``provider_evidence`` row (kind 'activity', history); the latest evidence is written
to the network rows' ``activity_last_date`` / ``activity_encounters``, which the engine's confidence
score reads (verification part).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from blueprint_desktop.data.evidence_file import (
    DATE_EXPECTED,
    NPI_ALIASES,
    NPI_EXPECTED,
    EvidenceFileError,
    RowProblem,
    cell,
    months_before,
    parse_count,
    parse_date,
    parse_npi,
    read_table,
    refresh_provider_columns,
    resolve_columns,
)
from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.store.project import sha256_file, utc_now

BATCH_KIND = "activity"
ACTIVITY_COLUMNS = {
    "npi": NPI_ALIASES,
    "last service date": (
        "last_service_date",
        "last_dos",
        "last_date_of_service",
        "date_of_last_service",
        "last_activity_date",
        "last_claim_date",
        "last_encounter_date",
        "last_seen_date",
    ),
    "encounters": (
        "encounters",
        "encounter_count",
        "encounters_count",
        "claims",
        "claim_count",
        "visits",
        "visit_count",
    ),
}


@dataclass
class ActivityResult:
    batch_id: int
    file_name: str
    already_imported: bool
    rows_read: int = 0
    npis: int = 0  # distinct NPIs in the file
    matched: int = 0  # of which on the project's network
    unmatched: list[str] = field(default_factory=list)
    latest_date: str | None = None
    months: int = 12
    ghosts: int = 0  # executed providers with no activity in ``months`` (after this import)
    verified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ProviderActivity:
    provider_id: int
    npi: str
    name: str
    source: str
    activity_last_date: str | None
    activity_encounters: int | None
    days_since_activity: int | None
    attested_date: str | None
    deactivated_date: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _read_activity(path: Path, today: date) -> tuple[dict[str, tuple[date, int | None]], int]:
    table = read_table(path)
    if not table.rows:
        raise InputFileError(f"{path.name}: has a header but no data rows; nothing was imported")
    # Headers and values (data.phi samples the rows): an activity file is by NPI, never by member.
    refuse_member_level(path, table.headers, [v for _, v in table.rows])
    cols = resolve_columns(table, ACTIVITY_COLUMNS, ("npi", "last service date"))
    name = {f: table.headers[i] for f, i in cols.items()}
    problems: list[RowProblem] = []
    by_npi: dict[str, tuple[date, int | None]] = {}
    for n, values in table.rows:
        before = len(problems)
        raw_npi, raw_date = cell(values, cols["npi"]), cell(values, cols["last service date"])
        npi = parse_npi(raw_npi)
        if npi is None:
            problems.append(RowProblem(n, name["npi"], str(raw_npi), NPI_EXPECTED))
        day = parse_date(raw_date)
        if day is None:
            problems.append(RowProblem(n, name["last service date"], str(raw_date), DATE_EXPECTED))
        elif day > today:
            problems.append(
                RowProblem(n, name["last service date"], str(raw_date), f"a date not after today ({today})")
            )
        encounters = None
        raw_enc = cell(values, cols.get("encounters"))
        if str(raw_enc).strip() != "":
            encounters = parse_count(raw_enc)
            if encounters is None:
                problems.append(
                    RowProblem(n, name["encounters"], str(raw_enc), "a whole number of encounters, 0 or more")
                )
        if len(problems) > before:
            continue
        if npi in by_npi:
            last, enc = by_npi[npi]
            total = None if enc is None and encounters is None else (enc or 0) + (encounters or 0)
            by_npi[npi] = (max(last, day), total)
        else:
            by_npi[npi] = (day, encounters)
    if problems:
        raise EvidenceFileError(path.name, problems)
    if not by_npi:
        raise InputFileError(f"{path.name}: no activity rows (only a header)")
    return by_npi, len(table.rows)


def import_activity(
    project,
    path: str | os.PathLike[str],
    months: int = 12,
    today: date | None = None,
) -> ActivityResult:
    """Record de-identified activity by NPI; one transaction; a file with any bad row changes nothing."""
    path = Path(path)
    today = today or date.today()
    by_npi, rows_read = _read_activity(path, today)
    sha = sha256_file(path)
    previous = project.find_batch(BATCH_KIND, sha)
    if previous is not None:
        result = ActivityResult(previous["id"], path.name, True, rows_read, len(by_npi), months=months)
        _fill_counts(project, result, by_npi, months, today)
        return result
    network = {
        r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM providers WHERE source != 'market'")
    }
    matched = sorted(set(by_npi) & network)
    unmatched = sorted(set(by_npi) - network)
    latest = max(d for d, _ in by_npi.values()).isoformat()
    summary = {
        "npis": len(by_npi),
        "matched": len(matched),
        "unmatched": len(unmatched),
        "latest_date": latest,
    }
    now = utc_now()
    with project.transaction():
        batch_id = project.record_batch(BATCH_KIND, path.name, sha, rows_read, len(by_npi), 0, summary)
        project.conn.executemany(
            "INSERT INTO provider_evidence (npi, kind, evidence_date, value, encounters, batch_id, recorded_at) "
            "VALUES (?, 'activity', ?, NULL, ?, ?, ?)",
            [(npi, d.isoformat(), enc, batch_id, now) for npi, (d, enc) in sorted(by_npi.items())],
        )
        refresh_provider_columns(project, matched, ["activity"])
        project.audit("import.activity", "import_batches", batch_id, summary)
    result = ActivityResult(batch_id, path.name, False, rows_read, len(by_npi), months=months)
    _fill_counts(project, result, by_npi, months, today)
    result.latest_date = latest
    return result


def _fill_counts(project, result: ActivityResult, by_npi, months: int, today: date) -> None:
    network = {
        r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM providers WHERE source != 'market'")
    }
    result.matched = len(set(by_npi) & network)
    result.unmatched = sorted(set(by_npi) - network)
    result.latest_date = max(d for d, _ in by_npi.values()).isoformat()
    result.ghosts = len(ghost_providers(project, months, today))
    result.verified = len(verified_active(project, months, today))


def _executed(project, today: date) -> list[ProviderActivity]:
    rows = project.conn.execute(
        "SELECT id, npi, name, source, activity_last_date, activity_encounters, attested_date, deactivated_date "
        "FROM providers WHERE source != 'market' AND contract_status = 'executed' ORDER BY npi, id"
    ).fetchall()
    out = []
    for pid, npi, name, source, last, enc, attested, deact in rows:
        days = None
        if last:
            try:
                days = (today - date.fromisoformat(str(last)[:10])).days
            except ValueError:
                days = None
        out.append(ProviderActivity(pid, npi, name, source, last, enc, days, attested, deact))
    return out


def _is_active(p: ProviderActivity, cutoff: date) -> bool:
    return bool(p.activity_last_date) and str(p.activity_last_date)[:10] >= cutoff.isoformat()


def ghost_providers(project, months: int = 12, today: date | None = None) -> list[ProviderActivity]:
    """Contracted (executed) network providers with no activity in the last ``months`` months, or none at all.

    An attestation does not clear a ghost: only service activity shows a provider is seeing members
    (the attested date is returned alongside so "attested but no claims" stands out).
    """
    today = today or date.today()
    cutoff = months_before(today, months)
    return [p for p in _executed(project, today) if not _is_active(p, cutoff)]


def verified_active(project, months: int = 12, today: date | None = None) -> list[ProviderActivity]:
    """Contracted (executed) network providers with activity in the last ``months`` months (the complement)."""
    today = today or date.today()
    cutoff = months_before(today, months)
    return [p for p in _executed(project, today) if _is_active(p, cutoff)]
