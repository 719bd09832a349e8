"""A small ECP list and roster for a QHP project in Harris and Fort Bend counties, Texas.

The list has one row per ECP provider and site, as CMS's list and issuers' ECP templates do (NPI, name,
category, site address, county). It holds the cases the standard turns on: two providers at one address (one
ECP, 45 CFR 156.235(a)(2)(i)), one address that is both an FQHC and a Family Planning Provider, a row with no
county (placed by its ZIP code), an Indian health care provider and a row outside the service area.

Expected, with ``ROSTER``'s contracts (two executed, a letter of intent, a pending contract): 10 locations in
the service area, 2 contracted; all ECPs 2 of 10 (35% needs 4), FQHCs 1 of 4 (needs 2), Family Planning 0 of 2
(needs 1): two more contracts meet all three, the first at Bayou Community Health (FQHC and family planning).
"""

from __future__ import annotations

import csv
from pathlib import Path

from deficiency_scenario import npi
from roster_files import template_file, template_row

BAYOU, BAYOU_FP = npi("150000001"), npi("150000002")
EASTSIDE, NORTHLINE = npi("150000003"), npi("150000004")
GULF_FP, SAFETY_NET = npi("150000005"), npi("150000006")
HARRIS_MH, URBAN_INDIAN = npi("150000007"), npi("150000008")
MONTROSE_RW, FORT_BEND_FQHC = npi("150000009"), npi("150000010")
BRAZOS_SUD, AUSTIN_FQHC = npi("150000011"), npi("150000012")

HEADER = ["NPI", "Provider Name", "ECP Category", "ECP Provider Type", "Site Street Address", "Site City",
          "Site State", "Site ZIP Code", "Site County"]  # fmt: skip
ROWS = [
    [BAYOU, "Bayou Community Health", "Federally Qualified Health Centers", "FQHC", "2800 Navigation Blvd",
     "Houston", "TX", "77003", "Harris"],
    [BAYOU_FP, "Bayou Community Health Women's Clinic", "Family Planning Providers", "Title X",
     "2800 Navigation Blvd.", "Houston", "TX", "77003-1234", "Harris"],
    [EASTSIDE, "Eastside Health Clinic", "FQHC", "FQHC", "7100 Harrisburg Blvd", "Houston", "TX", "77011", "48201"],
    [NORTHLINE, "Northline Health Center", "Federally Qualified Health Centers", "FQHC", "8800 North Fwy",
     "Houston", "TX", "77037", "Harris County"],
    [GULF_FP, "Gulf Family Planning", "Family Planning Providers", "Title X", "3601 Fannin St", "Houston", "TX",
     "77004", "Harris"],
    [SAFETY_NET, "Harris Safety-Net Hospital", "Inpatient Hospitals", "Disproportionate Share Hospital",
     "5656 Kelley St", "Houston", "TX", "77026", "Harris"],
    [HARRIS_MH, "Harris Center Mental Health", "Mental Health Facilities", "Community Mental Health Center",
     "9401 Southwest Fwy", "Houston", "TX", "77074", "Harris"],
    [URBAN_INDIAN, "Houston Urban Indian Health", "Indian Health Care Providers", "Urban Indian Organization",
     "1200 Post Oak Blvd", "Houston", "TX", "77056", "Harris"],
    [MONTROSE_RW, "Montrose HIV Clinic", "Ryan White HIV/AIDS Program Providers", "Ryan White Part C",
     "401 Branard St", "Houston", "TX", "77006", "Harris"],
    [FORT_BEND_FQHC, "Fort Bend Family Health", "Federally Qualified Health Centers", "FQHC", "400 Austin St",
     "Richmond", "TX", "77469", ""],
    [BRAZOS_SUD, "Brazos Recovery Center", "SUD Treatment Centers", "Opioid Treatment Program", "4520 Reading Rd",
     "Rosenberg", "TX", "77471", "Fort Bend"],
    [AUSTIN_FQHC, "Capital Community Health", "Federally Qualified Health Centers", "FQHC", "1500 E 7th St",
     "Austin", "TX", "78702", "Travis"],
]  # fmt: skip
COUNTIES = [("48201", "TX"), ("48157", "TX")]


def write_list(path: Path, rows: list[list[str]] | None = None, header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or HEADER)
        writer.writerows(ROWS if rows is None else rows)
    return path


def write_roster(path: Path) -> Path:
    """The network: Eastside and the safety-net hospital contracted; a letter of intent with the Urban Indian
    health program; Bayou's FQHC NPI pending."""
    rows = [
        template_row(EASTSIDE, "Eastside Health Clinic", specialty_code="", taxonomy="261QF0400X", entity_type="organization",
                     address="7100 Harrisburg Blvd", zip="77011"),
        template_row(SAFETY_NET, "Harris Safety-Net Hospital", specialty_code="040", entity_type="organization",
                     address="5656 Kelley St", zip="77026", beds="300"),
        template_row(URBAN_INDIAN, "Houston Urban Indian Health", specialty_code="", taxonomy="261QF0400X", entity_type="organization",
                     address="1200 Post Oak Blvd", zip="77056", contract_status="loi"),
        template_row(BAYOU, "Bayou Community Health", specialty_code="", taxonomy="261QF0400X", entity_type="organization",
                     address="2800 Navigation Blvd", zip="77003", contract_status="pending"),
    ]  # fmt: skip
    return template_file(path, rows)
