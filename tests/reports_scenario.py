"""A deficiency response scenario for the export tests and the package screenshots.

The conftest project (Harris 48201 and Fort Bend 48157, TX) gets a roster and a market, is scored, then
receives a notice dated six days ago citing three cells: Fort Bend cardiology (cured by a cardiologist
contracted after the notice), Fort Bend neurology (exception: two market neurologists declined after
four attempts each) and Harris vascular surgery (service area reduction). Everything goes through the
public APIs of the deficiency, engine and reports areas; providers are inserted with SQL because the
roster importer belongs to another area. NPIs are synthetic with valid check digits.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from deficiency_scenario import npi

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import notice as noticemod
from blueprint_desktop.deficiency import outreach, pathways, plan
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.reports import narrative
from blueprint_desktop.store.project import utc_now

NETWORK_CARDIO = npi("110000001")
CURE_CARDIO = npi("110000002")
NEURO_1 = npi("210000001")
NEURO_2 = npi("210000002")
VASC = npi("310000001")
FAMILY_DOC = npi("410000001")
HOSPITAL = npi("510000001")

FORT_BEND = (29.53, -95.77)
HARRIS = (29.76, -95.37)
LINES = ["008", "019", "034"]

DECLINES = {
    NEURO_1: "Panel closed to new Medicare Advantage patients until 2028",
    NEURO_2: "Refuses the plan's fee schedule (asks 140% of Medicare)",
}


def add_provider(
    project,
    npi_: str,
    name: str,
    line: str,
    where: tuple[float, float] | None,
    county: str | None,
    source: str = "roster",
    contract: str = "executed",
    executed: str | None = "2024-01-15",
    credentialing: str = "active",
    credentialing_date: str | None = None,
    panel: str = "open",
    hpms: str | None = "2024-02-01",
    taxonomy: str | None = None,
    address: str = "100 Main St",
    city: str = "Houston",
    zip_: str = "77002",
    beds: int | None = None,
    geocode: str = "exact",
) -> int:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO providers(npi, name, source, contract_status, contract_executed_date, credentialing_status,"
            " credentialing_date, panel_status, hpms_entered_date, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                npi_,
                name,
                source,
                contract,
                executed if contract == "executed" else None,
                credentialing,
                credentialing_date,
                panel,
                hpms,
                utc_now(),
            ),
        )
        pid = int(cur.lastrowid)
        project.conn.execute(
            "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
            (pid, line, taxonomy),
        )
        project.conn.execute(
            "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
            " geocode_quality, beds) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                pid,
                address,
                city,
                "TX",
                zip_,
                county,
                where[0] if where else None,
                where[1] if where else None,
                geocode if where else "none",
                beds,
            ),
        )
    return pid


def build(project, tmp_path: Path, complete: bool = False) -> dict:
    """Populate, score, import the notice and answer it. ``complete`` fills every item the package needs."""
    today = date.today()
    notice_day = today - timedelta(days=6)
    d = lambda n: (notice_day + timedelta(days=n)).isoformat()  # noqa: E731 - day n of the window
    add_provider(
        project,
        NETWORK_CARDIO,
        "Ortiz Heart Clinic",
        "008",
        FORT_BEND,
        "48157",
        address="4500 Sweetwater Blvd",
        city="Sugar Land",
        zip_="77479",
    )
    add_provider(project, FAMILY_DOC, "Dr. Grace Liu", "S03", HARRIS, "48201", taxonomy="207Q00000X")
    add_provider(
        project,
        HOSPITAL,
        "Bayou Memorial Hospital",
        "040",
        HARRIS,
        "48201",
        beds=312,
        address="6565 Fannin St",
        zip_="77030",
    )
    add_provider(
        project,
        NEURO_1,
        "Dr. Carla Reyes",
        "019",
        FORT_BEND,
        "48157",
        source="market",
        contract="none",
        credentialing="none",
        hpms=None,
        panel="unknown",
    )
    add_provider(
        project,
        NEURO_2,
        "Dr. Dev Patel",
        "019",
        (29.56, -95.70),
        "48157",
        source="market",
        contract="none",
        credentialing="none",
        hpms=None,
        panel="unknown",
    )
    add_provider(
        project,
        VASC,
        "Dr. Eve Morgan",
        "034",
        HARRIS,
        "48201",
        source="market",
        contract="none",
        credentialing="none",
        hpms=None,
        panel="unknown",
    )
    before = score_project(project, lines=LINES)
    time.sleep(1.05)  # the notice import must come after the "before" run (second-resolution timestamps)
    notice_csv = tmp_path / "notice.csv"
    notice_csv.write_text(
        "state,county,specialty,notice_date,contract_id\n"
        f"TX,Fort Bend,Cardiology,{notice_day},{'H9876' if complete else ''}\n"
        f"TX,48157,019,{notice_day},{'H9876' if complete else ''}\n"
        f"TX,Harris County,Vascular Surgery (034),{notice_day},{'H9876' if complete else ''}\n",
        encoding="utf-8",
    )
    result = noticemod.import_notice(project, notice_csv)
    notice_id = result.notices[0]["id"]
    gaps = {g["line_code"]: g["id"] for g in gapmod.list_gaps(project, notice_id)}
    time.sleep(1.05)
    # The cure: a cardiologist contracted on day 2, credentialed day 3, in HPMS day 4.
    add_provider(
        project,
        CURE_CARDIO,
        "Dr. Alice Nguyen",
        "008",
        (29.60, -95.63),
        "48157",
        executed=d(2),
        credentialing="active" if complete else "pending",
        credentialing_date=d(3) if complete else None,
        hpms=d(4) if complete else None,
        address="16655 Southwest Fwy",
        city="Sugar Land",
        zip_="77479",
    )
    if complete:
        # Three more cardiology offices spread west to east across Fort Bend make the county pass.
        pts = population_points(["48157"]).sort_values("lon").reset_index(drop=True)
        for i, k in enumerate((0, len(pts) // 3, 2 * len(pts) // 3)):
            add_provider(
                project,
                npi(f"11000001{i}"),
                f"Fort Bend Cardiology Associates {i + 1}",
                "008",
                (pts.lat[k], pts.lon[k]),
                "48157",
                executed=d(3),
                credentialing="active",
                credentialing_date=d(4),
                hpms=d(5),
            )
        # The market file the supply search used (template Part II Q1 asks which sources were reviewed).
        with project.transaction():
            batch = project.record_batch("market", "nppes_tx_2026-10.csv", "a" * 64, 3, 3)
            project.conn.execute("UPDATE providers SET batch_id = ? WHERE source = 'market'", (batch,))
    pathways.choose_pathway(project, gaps["008"], "cure")
    pathways.choose_pathway(
        project, gaps["019"], "exception", exception_type="not-contracting", target_npis=[NEURO_1, NEURO_2]
    )
    pathways.choose_pathway(project, gaps["034"], "sar")
    letter = tmp_path / "reyes-declination.txt"
    letter.write_text("We are not accepting new Medicare Advantage patients.\n", encoding="utf-8")
    channels = ["phone", "email", "letter", "phone"]
    entries = []
    for target in (NEURO_1, NEURO_2):
        for i, channel in enumerate(channels):
            last = i == len(channels) - 1
            entries.append(
                outreach.add_entry(
                    project,
                    target,
                    channel,
                    "declined" if last else ("voicemail" if i == 0 else "no answer"),
                    "Maria Lopez" if target == NEURO_1 else "Sam Chen",
                    at=f"{d(i)}T{10 + i}:15:00",
                    reason=DECLINES[target] if last else None,
                    attachments=[letter] if last and target == NEURO_1 else (),
                )
            )
    score_project(project, lines=LINES)
    if complete:
        items = {
            "cure": ["officer_attestation"],
            "exception": [
                "criterion_supply",
                "criterion_pattern",
                "template_q4",
                "sources",
                "access_plan",
                "rationale_valid",
            ],
            "sar": ["cms_prior_approval", "member_notice", "state_coordination", "pbp_update"],
        }
        for gap_id in gaps.values():
            pathway = gapmod.get_gap(project, gap_id)["pathway"]
            for item in items[pathway]:
                pathways.set_item(project, gap_id, item, True, value="Yes")
        draft = narrative.current(project, gaps["019"]).text
        edited = draft.replace(
            narrative.SHORTAGE_PLACEHOLDER, "Fort Bend County is not a designated HPSA for neurology."
        )
        edited = edited.replace(
            edited[edited.index("[describe") : edited.index("]", edited.index("[describe")) + 1],
            "members are offered transport to the Texas Medical Center neurology clinics and telehealth visits",
        )
        narrative.save(project, gaps["019"], edited)
        for m in plan.milestones(project, notice_id=notice_id):
            if m["done_date"] is None:
                plan.update_milestone(project, m["gap_id"], m["phase"], done=today.isoformat())
    return {
        "notice_id": notice_id,
        "gaps": gaps,
        "before_run": before.run_id,
        "entries": entries,
        "notice_day": notice_day,
        "letter": letter,
    }
