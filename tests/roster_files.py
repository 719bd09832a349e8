"""Small roster files for the roster and geocoding tests, written with the real CMS HSD table headers
(reports.hsd_tables, the columns Blueprint exports) and the roster template's columns.

NPIs come from ``deficiency_scenario.npi`` (its own Luhn implementation, independent of data.npi).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from deficiency_scenario import npi
from openpyxl import Workbook

from blueprint_desktop.data.roster_layouts import TEMPLATE_FIELDS
from blueprint_desktop.reports.hsd_tables import FACILITY_COLUMNS, PROVIDER_COLUMNS

CARDIO = npi("300000001")
FAMILY = npi("300000002")
NEURO = npi("300000003")
ONCO = npi("300000004")
HOSPITAL = npi("400000001")
SNF = npi("400000002")

HARRIS_SSA, FORT_BEND_SSA = "45610", "45530"  # the CMS HSD Reference File 2026 codes


def provider_row(npi_: str, name: str, code: str, **over: Any) -> dict[str, str]:
    row = {
        "SSA State/County Code": HARRIS_SSA,
        "Name of Physician or Mid-Level Practitioner": name,
        "National Provider Identifier (NPI) Number": npi_,
        "Provider Specialty Code": code,
        "Contract Type": "Direct",
        "Provider Street Address": "6565 Fannin St",
        "Provider City": "Houston",
        "Provider State Code": "TX",
        "Provider Zip Code": "77030",
        "Medical Group Affiliation": "Bayou Heart Group",
    }
    keys = {
        "ssa": "SSA State/County Code",
        "address": "Provider Street Address",
        "city": "Provider City",
        "state": "Provider State Code",
        "zip": "Provider Zip Code",
        "contract_type": "Contract Type",
        "group": "Medical Group Affiliation",
    }
    for k, v in over.items():
        row[keys[k]] = v
    return row


def facility_row(npi_: str, name: str, code: str, beds: str = "", **over: Any) -> dict[str, str]:
    row = {
        "SSA State/County Code": HARRIS_SSA,
        "Facility or Service Type": "Acute Inpatient Hospitals"
        if code == "040"
        else "Skilled Nursing Facilities",
        "Facility Specialty Code": code,
        "National Provider Identifier (NPI) Number": npi_,
        "# of Staffed, Medicare-Certified Beds": beds,
        "Facility Name": name,
        "Provider Street Address": "1 Hospital Plaza",
        "Provider City": "Houston",
        "Provider State Code": "TX",
        "Provider Zip Code": "77002",
    }
    keys = {"ssa": "SSA State/County Code", "zip": "Provider Zip Code", "address": "Provider Street Address"}
    for k, v in over.items():
        row[keys[k]] = v
    return row


def template_row(npi_: str, name: str, **values: str) -> dict[str, str]:
    """A template row: a Houston cardiologist by default, with ``values`` overriding fields."""
    row = dict.fromkeys(TEMPLATE_FIELDS, "")
    row.update(
        npi=npi_,
        name=name,
        specialty_code="008",
        address="6565 Fannin St",
        city="Houston",
        state="TX",
        zip="77030",
        contract_status="executed",
        credentialing_status="active",
        panel_status="open",
        telehealth_only="N",
    )
    row.update(values)
    return row


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, columns: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def provider_table(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, PROVIDER_COLUMNS, rows)


def facility_table(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, FACILITY_COLUMNS, rows)


def template_file(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, list(TEMPLATE_FIELDS), rows)


def dump(project) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused import changed nothing."""
    names = [
        r[0]
        for r in project.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {n: project.conn.execute(f"SELECT * FROM [{n}] ORDER BY rowid").fetchall() for n in names}


def roster(project) -> set[tuple[str, str, str]]:
    """(npi, line, zip) of every roster provider line x location."""
    return set(
        project.conn.execute(
            "SELECT p.npi, pl.line_code, l.zip FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
            " JOIN locations l ON l.provider_id = p.id WHERE p.source = 'roster'"
        ).fetchall()
    )
