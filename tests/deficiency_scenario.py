"""A small, realistic deficiency scenario for the deficiency tests and the pane screenshot.

The conftest project (Harris 48201 and Fort Bend 48157, TX) gets a roster and a market:
cardiologists in Fort Bend contracted before and during the response window, neurologists and vascular
surgeons to recruit. NPIs are synthetic with valid check digits (they belong to nobody).
"""

from __future__ import annotations

from pathlib import Path

from blueprint_desktop.store.project import utc_now


def npi(base9: str) -> str:
    """A 10-digit NPI with a correct Luhn check digit over '80840' + the nine digits."""
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base9 + str((10 - total % 10) % 10)


NETWORK_CARDIO = npi("100000001")  # contracted long before the notice, Fort Bend
CURE_CARDIO = npi("100000002")  # executed after the notice, credentialing pending, not in HPMS
LOI_CARDIO = npi("100000003")  # only a letter of intent
TARGET_NEURO_1 = npi("200000001")  # market neurologists in Fort Bend
TARGET_NEURO_2 = npi("200000002")
TARGET_VASC = npi("300000001")  # market vascular surgeon in Harris

FORT_BEND = (29.53, -95.77)
HARRIS = (29.76, -95.37)

NOTICE_CSV = (
    "state,county,specialty,notice_date\n"
    "TX,Fort Bend,Cardiology,2027-02-01\n"
    "TX,48157,019,2027-02-01\n"
    "TX,Harris County,Vascular Surgery (034),2027-02-01\n"
)


def add_provider(
    project,
    npi_: str,
    name: str,
    line: str,
    where: tuple[float, float],
    county: str,
    source: str = "roster",
    contract: str = "executed",
    executed: str | None = None,
    credentialing: str = "active",
    hpms: str | None = None,
) -> int:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO providers(npi, name, source, contract_status, contract_executed_date, credentialing_status,"
            " hpms_entered_date, updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (npi_, name, source, contract, executed, credentialing, hpms, utc_now()),
        )
        pid = int(cur.lastrowid)
        project.conn.execute("INSERT INTO provider_lines(provider_id, line_code) VALUES (?, ?)", (pid, line))
        project.conn.execute(
            "INSERT INTO locations(provider_id, county_fips, latitude, longitude, geocode_quality) VALUES (?,?,?,?,?)",
            (pid, county, where[0], where[1], "exact"),
        )
    return pid


def populate(project) -> None:
    add_provider(
        project,
        NETWORK_CARDIO,
        "Ortiz Heart Clinic",
        "008",
        FORT_BEND,
        "48157",
        executed="2025-06-01",
        hpms="2025-07-01",
    )
    add_provider(
        project,
        CURE_CARDIO,
        "Dr. Alice Nguyen",
        "008",
        FORT_BEND,
        "48157",
        executed="2027-02-10",
        credentialing="pending",
    )
    add_provider(
        project, LOI_CARDIO, "Dr. Ben Okafor", "008", FORT_BEND, "48157", contract="loi", credentialing="none"
    )
    add_provider(
        project,
        TARGET_NEURO_1,
        "Dr. Carla Reyes",
        "019",
        FORT_BEND,
        "48157",
        source="market",
        contract="none",
        credentialing="none",
    )
    add_provider(
        project,
        TARGET_NEURO_2,
        "Dr. Dev Patel",
        "019",
        FORT_BEND,
        "48157",
        source="market",
        contract="none",
        credentialing="none",
    )
    add_provider(
        project,
        TARGET_VASC,
        "Dr. Eve Morgan",
        "034",
        HARRIS,
        "48201",
        source="market",
        contract="none",
        credentialing="none",
    )


def write_notice(tmp_path: Path) -> Path:
    path = tmp_path / "notice.csv"
    path.write_text(NOTICE_CSV, encoding="utf-8")
    return path


def build_realistic(project, tmp_path: Path, today) -> None:
    """A response three weeks in: 6 days left, one phase overdue, a corrected entry, snapshots per day."""
    from datetime import timedelta

    from blueprint_desktop.deficiency import cure, notice, outreach, pathways, plan

    populate(project)
    more = [
        (npi("300000002"), "Dr. Farid Haddad", "034", HARRIS, "48201"),
        (npi("200000003"), "Dr. Grace Liu", "019", FORT_BEND, "48157"),
    ]
    for n, name, line, where, county in more:
        add_provider(
            project, n, name, line, where, county, source="market", contract="none", credentialing="none"
        )
    notice_day = today - timedelta(days=24)
    # Dr. Nguyen's contract was executed during the window (credentialing still pending).
    project.conn.execute(
        "UPDATE providers SET contract_executed_date = ? WHERE npi = ?",
        ((notice_day + timedelta(days=9)).isoformat(), CURE_CARDIO),
    )
    csv_path = tmp_path / "hpms_notice.csv"
    csv_path.write_text(
        "state,county,specialty,notice_date\n"
        f"TX,Fort Bend,Cardiology,{notice_day}\n"
        f"TX,48157,019,{notice_day}\n"
        f"TX,Harris County,Vascular Surgery (034),{notice_day}\n"
        f"TX,Harris,Allergy and Immunology,{notice_day}\n",
        encoding="utf-8",
    )
    notice.import_notice(project, csv_path)
    gaps = {
        g["line_code"]: g["id"]
        for g in __import__("blueprint_desktop.deficiency.gaps", fromlist=["x"]).list_gaps(project)
    }
    at = lambda d, h=10: f"{(notice_day + timedelta(days=d)).isoformat()}T{h:02d}:00:00"  # noqa: E731
    letter = tmp_path / "declination_letter.txt"
    letter.write_text(
        "Dr. Reyes declines: panel closed to new Medicare Advantage patients.\n", encoding="utf-8"
    )
    log = [
        (TARGET_NEURO_1, "phone", "no answer", "J. Alvarez", at(2), None, None),
        (TARGET_NEURO_1, "email", "interested", "J. Alvarez", at(4), None, "asked for the rate sheet"),
        (TARGET_NEURO_1, "phone", "voicemail", "J. Alvarez", at(8), None, None),
        (TARGET_NEURO_1, "letter", "declined", "J. Alvarez", at(13), "panel closed to new MA patients", None),
        (TARGET_NEURO_2, "phone", "voicemail", "M. Chen", at(3), None, None),
        (TARGET_NEURO_2, "fax", "no answer", "M. Chen", at(9), None, None),
        (
            npi("200000003"),
            "in person",
            "LOI signed",
            "M. Chen",
            at(15),
            None,
            "LOI at the Sugar Land office",
        ),
        (TARGET_VASC, "phone", "declined", "S. Patel", at(5), "reimbursement below Medicare rates", None),
    ]
    ids = []
    for n, ch, out, staff, when, reason, note in log:
        ids.append(
            outreach.add_entry(
                project,
                n,
                ch,
                out,
                staff,
                at=when,
                reason=reason,
                note=note,
                attachments=[letter] if out == "declined" and n == TARGET_NEURO_1 else (),
            )["id"]
        )
    # The vascular declination was logged against the wrong date: corrected, both stay visible.
    outreach.add_entry(
        project,
        TARGET_VASC,
        "phone",
        "declined",
        "S. Patel",
        at=at(6),
        reason="reimbursement below Medicare rates",
        note="date corrected (call was on the 6th day)",
        supersedes=ids[-1],
    )
    pathways.choose_pathway(project, gaps["008"], "cure", today=notice_day + timedelta(days=2))
    pathways.choose_pathway(
        project,
        gaps["019"],
        "exception",
        "not-contracting",
        target_npis=[TARGET_NEURO_1, TARGET_NEURO_2],
        today=notice_day + timedelta(days=3),
    )
    pathways.choose_pathway(
        project,
        gaps["034"],
        "exception",
        "no-supply",
        target_npis=[TARGET_VASC],
        today=notice_day + timedelta(days=3),
    )
    plan.update_milestone(
        project, gaps["008"], "identify and contract", done=(notice_day + timedelta(days=10)).isoformat()
    )
    plan.update_milestone(
        project, gaps["019"], "identify and contract", done=(notice_day + timedelta(days=18)).isoformat()
    )
    # Cure snapshots as the team re-scored along the way.
    history = [
        (1, {"008": "open", "019": "open", "034": "open", "007": "open"}),
        (10, {"008": "pending credentialing", "019": "open", "034": "needs exception", "007": "open"}),
        (
            16,
            {
                "008": "pending credentialing",
                "019": "needs exception",
                "034": "needs exception",
                "007": "open",
            },
        ),
        (20, {"008": "cured", "019": "needs exception", "034": "needs exception", "007": "open"}),
    ]
    for day, states in history:
        for line, state in states.items():
            cure.snapshot(
                project,
                {"gap_id": gaps[line], "state": state, "reason": "re-scored"},
                at=f"{(notice_day + timedelta(days=day)).isoformat()}T17:00:00+00:00",
            )


def import_scenario_notice(project, tmp_path: Path) -> list[int]:
    """Populate the conftest project and import the three-gap notice; returns the gap ids (008, 019, 034)."""
    from blueprint_desktop.deficiency.notice import import_notice

    populate(project)
    result = import_notice(project, write_notice(tmp_path))
    return [g["id"] for g in result.gaps]
