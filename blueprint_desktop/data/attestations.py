"""Provider attestations and panel-status confirmations: ``blueprint import attestations PROJECT FILE``.

Plans confirm directory data with their providers at least every 90 days (42 CFR 422.111(b)(3)(i);
422.120(b)): that the provider still practises at the listed place and whether the panel is open to
new patients. The file has one row per confirmation:

- NPI (``npi``, ``rendering_npi``, ``provider_npi``...), required;
- attestation date (``attestation_date``, ``attested_date``, ``date_attested``...);
- panel status (``panel_status``, ``panel``, ``accepting_new_patients``): open / closed (also accepting /
  not accepting, yes / no), optional;
- panel confirmation date (``panel_confirmed_date``, ``panel_confirmation_date``...), optional: when a panel
  status is given without it, the attestation date is the confirmation date.

Every row needs an attestation date or a panel status. Each becomes ``provider_evidence`` history
(kind 'attestation' and/or 'panel'); the latest goes onto the network rows' ``attested_date``,
``panel_status`` and ``panel_confirmed_date``, which the engine's confidence score reads.
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
    norm_header,
    parse_date,
    parse_npi,
    read_table,
    refresh_provider_columns,
    resolve_columns,
)
from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.store.project import sha256_file, utc_now

BATCH_KIND = "attestations"
ATTESTATION_COLUMNS = {
    "npi": NPI_ALIASES,
    "attestation date": ("attestation_date", "attested_date", "date_attested", "attested_on", "attestation"),
    "panel status": ("panel_status", "panel", "accepting_new_patients", "accepting_patients"),
    "panel confirmation date": (
        "panel_confirmed_date",
        "panel_confirmation_date",
        "panel_status_date",
        "panel_date",
        "panel_confirmed_on",
    ),
}
_PANEL_VALUES = {
    "open": "open",
    "accepting": "open",
    "accepting new patients": "open",
    "yes": "open",
    "y": "open",
    "closed": "closed",
    "not accepting": "closed",
    "not accepting new patients": "closed",
    "no": "closed",
    "n": "closed",
    "unknown": "unknown",
}
PANEL_EXPECTED = "open or closed (also accepting / not accepting, yes / no, unknown)"


@dataclass
class AttestationResult:
    batch_id: int
    file_name: str
    already_imported: bool
    rows_read: int = 0
    attestations: int = 0
    panel_confirmations: int = 0
    matched: int = 0  # distinct NPIs on the project's network
    unmatched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _read(path: Path, today: date) -> tuple[list[tuple[str, str, str, str | None]], int]:
    """(npi, kind, date, value) evidence rows, or EvidenceFileError with every problem."""
    table = read_table(path)
    refuse_member_level(path, table.headers, [v for _, v in table.rows[:500]])
    cols = resolve_columns(table, ATTESTATION_COLUMNS, ("npi",))
    if "attestation date" not in cols and "panel status" not in cols:
        raise InputFileError(
            f"{path.name}: needs an attestation date column ({', '.join(ATTESTATION_COLUMNS['attestation date'])}) "
            f"or a panel status column ({', '.join(ATTESTATION_COLUMNS['panel status'])})"
        )
    name = {f: table.headers[i] for f, i in cols.items()}
    problems: list[RowProblem] = []
    evidence: list[tuple[str, str, str, str | None]] = []

    def a_date(n: int, values: list[object], fld: str) -> date | None:
        raw = cell(values, cols.get(fld))
        if str(raw).strip() == "":
            return None
        day = parse_date(raw)
        if day is None:
            problems.append(RowProblem(n, name[fld], str(raw), DATE_EXPECTED))
        elif day > today:
            problems.append(RowProblem(n, name[fld], str(raw), f"a date not after today ({today})"))
            return None
        return day

    for n, values in table.rows:
        before = len(problems)
        raw_npi = cell(values, cols["npi"])
        npi = parse_npi(raw_npi)
        if npi is None:
            problems.append(RowProblem(n, name["npi"], str(raw_npi), NPI_EXPECTED))
        attested = a_date(n, values, "attestation date")
        raw_panel = str(cell(values, cols.get("panel status"))).strip()
        panel = _PANEL_VALUES.get(norm_header(raw_panel).replace("_", " ")) if raw_panel else None
        if raw_panel and panel is None:
            problems.append(RowProblem(n, name["panel status"], raw_panel, PANEL_EXPECTED))
        confirmed = a_date(n, values, "panel confirmation date")
        if len(problems) > before:
            continue
        if attested is None and panel is None:
            column = name.get("attestation date") or name.get("panel status")
            problems.append(RowProblem(n, column, "", "an attestation date or a panel status"))
            continue
        if panel is not None and (confirmed or attested) is None:
            column = (
                name.get("panel confirmation date") or name.get("attestation date") or name["panel status"]
            )
            problems.append(RowProblem(n, column, "", "the date the panel status was confirmed"))
            continue
        if attested is not None:
            evidence.append((npi, "attestation", attested.isoformat(), None))
        if panel is not None:
            evidence.append((npi, "panel", (confirmed or attested).isoformat(), panel))
    if problems:
        raise EvidenceFileError(path.name, problems)
    if not evidence:
        raise InputFileError(f"{path.name}: no attestation rows (only a header)")
    return evidence, len(table.rows)


def import_attestations(
    project, path: str | os.PathLike[str], today: date | None = None
) -> AttestationResult:
    """Record attestations and panel confirmations; one transaction; any bad row refuses the file."""
    path = Path(path)
    today = today or date.today()
    evidence, rows_read = _read(path, today)
    sha = sha256_file(path)
    npis = {e[0] for e in evidence}
    network = {
        r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM providers WHERE source != 'market'")
    }
    counts = {
        "attestations": sum(e[1] == "attestation" for e in evidence),
        "panel_confirmations": sum(e[1] == "panel" for e in evidence),
    }
    matched, unmatched = sorted(npis & network), sorted(npis - network)
    previous = project.find_batch(BATCH_KIND, sha)
    if previous is not None:
        return AttestationResult(
            previous["id"], path.name, True, rows_read, **counts, matched=len(matched), unmatched=unmatched
        )
    summary = {**counts, "npis": len(npis), "matched": len(matched), "unmatched": len(unmatched)}
    now = utc_now()
    with project.transaction():
        batch_id = project.record_batch(BATCH_KIND, path.name, sha, rows_read, len(evidence), 0, summary)
        project.conn.executemany(
            "INSERT INTO provider_evidence (npi, kind, evidence_date, value, encounters, batch_id, recorded_at) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?)",
            [(npi, kind, day, value, batch_id, now) for npi, kind, day, value in evidence],
        )
        refresh_provider_columns(project, matched, ["attestation", "panel"])
        project.audit("import.attestations", "import_batches", batch_id, summary)
    return AttestationResult(
        batch_id, path.name, False, rows_read, **counts, matched=len(matched), unmatched=unmatched
    )
