"""Contract offers to essential community providers: the record the General ECP Standard asks for.

45 CFR 156.235(a)(2)(ii) and CMS's General ECP Standard ask a QHP issuer to *offer* contracts in good faith: to
all available Indian health care providers, and to at least one ECP in each category in each county. A
contract on the roster shows itself; an offer that was not (yet) accepted leaves no trace there, so the plan
records it here: the ECP's NPI, the date the offer was made and a note (how, to whom).

The record is append-only (``ecp_offers``, schema v14: triggers refuse UPDATE and DELETE). A mistaken entry is
undone by a retraction, a new row naming it, so what was recorded and when stays visible. The ECP report
(``engine/ecp_compliance.py``) counts an offer in force (recorded, not retracted) as an offer, beside the
roster's letters of intent and pending contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from blueprint_desktop.data.ecp_list import require_qhp
from blueprint_desktop.data.evidence_file import NPI_EXPECTED, parse_npi
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.store.project import utc_now


@dataclass(frozen=True)
class EcpOffer:
    id: int
    npi: str
    name: str
    offered_on: str
    note: str | None
    recorded_at: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record_offer(
    project,
    npi: str,
    name: str,
    offered_on: date | None = None,
    note: str | None = None,
    today: date | None = None,
) -> EcpOffer:
    """Append an offer; refuses a bad NPI, a date after today, or an NPI not on the ECP list in force."""
    from blueprint_desktop.data.ecp_list import in_force

    require_qhp(project)
    today = today or date.today()
    offered_on = offered_on or today
    clean = parse_npi(npi)
    if clean is None:
        raise InputFileError(f"offer not recorded: NPI {npi!r} is not {NPI_EXPECTED}")
    if offered_on > today:
        raise InputFileError(f"offer not recorded: the offer date {offered_on} is after today ({today})")
    current = in_force(project)
    listed = (
        current is not None
        and project.conn.execute(
            "SELECT name FROM ecp_sites WHERE list_id = ? AND npi = ? LIMIT 1", (current["id"], clean)
        ).fetchone()
    )
    if not listed:
        raise BlueprintError(f"offer not recorded: NPI {clean} is not on the ECP list in force")
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO ecp_offers(npi, name, offered_on, note, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (clean, name or listed[0], offered_on.isoformat(), note or None, utc_now()),
        )
        offer_id = int(cur.lastrowid)
        project.audit(
            "ecp_offer.record", "ecp_offers", offer_id, {"npi": clean, "offered_on": offered_on.isoformat()}
        )
    return next(o for o in offers_in_force(project) if o.id == offer_id)


def retract_offer(project, offer_id: int, note: str | None = None) -> None:
    """Append a retraction of an offer recorded by mistake; the offer row itself stays."""
    require_qhp(project)
    row = project.conn.execute(
        "SELECT npi, name, retracts FROM ecp_offers WHERE id = ?", (offer_id,)
    ).fetchone()
    if row is None or row[2] is not None:
        raise BlueprintError(f"no recorded offer {offer_id} to retract")
    if project.conn.execute("SELECT 1 FROM ecp_offers WHERE retracts = ?", (offer_id,)).fetchone():
        raise BlueprintError(f"offer {offer_id} is already retracted")
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO ecp_offers(npi, name, offered_on, note, recorded_at, retracts) VALUES (?, ?, ?, ?, ?, ?)",
            (row[0], row[1], date.today().isoformat(), note or "retracted", utc_now(), offer_id),
        )
        project.audit("ecp_offer.retract", "ecp_offers", int(cur.lastrowid), {"retracts": offer_id})


def offers_in_force(project) -> list[EcpOffer]:
    """Recorded offers not retracted, oldest first."""
    if "ecp_offers" not in project.db.table_names():
        return []
    return [
        EcpOffer(*r)
        for r in project.conn.execute(
            "SELECT id, npi, name, offered_on, note, recorded_at FROM ecp_offers o WHERE retracts IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM ecp_offers r WHERE r.retracts = o.id) ORDER BY id"
        )
    ]
