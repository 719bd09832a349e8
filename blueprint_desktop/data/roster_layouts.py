"""Roster file layouts: the fields a roster can carry, the layouts recognised by their headers, the template.

Three layouts are recognised from the header row alone (case, spaces and underscores ignored):

* the CMS HSD **Provider** table and the CMS HSD **Facility** table, as uploaded to the HPMS Network
  Management Module (HSD table templates: 2017 MA Network Adequacy Guidance, Appendices H and J [G:
  omb.report ICR 201708-0938-011]; header spellings as in regulation.md 3.1-3.2). Their column names are
  those ``reports.hsd_tables`` exports (PROVIDER_COLUMNS / FACILITY_COLUMNS), so an exported table
  imports back unchanged. All ten columns of a table must be present;
* the Blueprint roster **template** (``blueprint template roster FILE``): one column per roster field.

Any other file needs a column mapping {roster field: the file's header}; the mapping used is saved in the
project (``column_mappings``, kind 'roster') and reused for the next file whose headers contain every
column it names.

An HSD table lists only fully executed contracts (2017 guidance 4.1.1 [G]) of network providers, who
must be credentialed before they participate (42 CFR 422.204(a)-(b)); so rows of an HSD table import as
contract 'executed' and credentialing 'active' unless extra columns say otherwise.

The fields that decide whether a contracted provider counts at all (42 CFR 422.116(a)(3)(i) and the HSD
Reference File Notes 005/006; schema 7, store/schema_credit_rules.py) have no column in the CMS HSD tables
except through "Contract Type" (which product the contract covers, read by ``roster_validate``): a roster
gives them as extra columns named like the field (``exclusion``, ``ma_contracted``, ``primary_care_source``,
``offers_telehealth``), which are read from an HSD table too.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import InputFileError
from blueprint_desktop.reports.hsd_tables import FACILITY_COLUMNS, PROVIDER_COLUMNS
from blueprint_desktop.store.project import utc_now
from blueprint_desktop.store.schema import (
    CONTRACT_STATUSES,
    CREDENTIALING_STATUSES,
    GEOCODE_QUALITIES,
    PANEL_STATUSES,
)

MAPPING_KIND = "roster"


@dataclass(frozen=True)
class FieldDef:
    """One roster field: what it holds, the values it accepts, an example value for the template."""

    name: str
    description: str
    allowed: str
    example: str


_STATUS_NOTE = "common spellings are accepted, see docs/data-in.md"

FIELDS: tuple[FieldDef, ...] = (
    FieldDef(
        "npi",
        "National Provider Identifier of the provider or facility",
        "10 digits with a valid check digit",
        "1234567893",
    ),
    FieldDef("name", "Provider or facility name", "text", "Maria Lopez, MD"),
    FieldDef(
        "entity_type",
        "Individual practitioner or organization (default: organization for facility codes 040-068)",
        "individual, organization (or NPPES entity type 1 / 2)",
        "individual",
    ),
    FieldDef(
        "specialty_code",
        "CMS HSD specialty code the provider is listed under (001-006 primary care are evaluated as S03)",
        "an HSD code: 001-006, 007-037, 040-068 (S03 accepted)",
        "008",
    ),
    FieldDef(
        "taxonomy",
        "NUCC taxonomy code; credits the HSD lines of Blueprint's NUCC->HSD crosswalk when no specialty_code "
        "(a code the crosswalk does not map then credits no line, with a warning)",
        "a code of the NUCC code set v25.1 (resources/rules/nucc_taxonomy_codes.csv)",
        "207RC0000X",
    ),
    FieldDef("address", "Street address of the practice location", "text", "6565 Fannin St"),
    FieldDef("city", "City of the practice location", "text", "Houston"),
    FieldDef("state", "State of the practice location", "USPS code such as TX (or the state name)", "TX"),
    FieldDef("zip", "ZIP code of the practice location", "5 digits; ZIP+4 accepted (stored as 5)", "77030"),
    FieldDef(
        "county",
        "County of the practice location (else taken from the coordinates or the ZIP centroid)",
        "5-digit county FIPS, SSA code (with a CMS reference file loaded) or county name",
        "48201",
    ),
    FieldDef("latitude", "Latitude of the practice location", "decimal degrees, -90 to 90", "29.7100"),
    FieldDef("longitude", "Longitude of the practice location", "decimal degrees, -180 to 180", "-95.3980"),
    FieldDef(
        "geocode_quality",
        "How exact the coordinates are (default 'exact' when coordinates are given)",
        ", ".join(q for q in GEOCODE_QUALITIES if q != "none"),
        "exact",
    ),
    FieldDef("beds", "Staffed, Medicare-certified beds (hospitals, HSD 040)", "a whole number >= 0", ""),
    FieldDef(
        "exclusion",
        "A facility or setting that never counts toward adequacy (42 CFR 422.116(a)(3)(i)(A)-(B)); blank: "
        "taken from the taxonomy (e.g. 282NC2000X children's hospital), else none",
        "children, long_term_care, specialized, residential_only or none (also children's hospital, pediatric, "
        "LTCH, long-term care, specialty hospital, residential)",
        "",
    ),
    FieldDef(
        "contract_status",
        "Contract status; only 'executed' counts toward adequacy (42 CFR 422.116(a))",
        ", ".join(CONTRACT_STATUSES) + f" ({_STATUS_NOTE})",
        "executed",
    ),
    FieldDef("contract_executed_date", "Date the contract was fully executed", "a date", "2025-03-01"),
    FieldDef(
        "credentialing_status",
        "Credentialing status; 'active' and 'provisional' count",
        ", ".join(CREDENTIALING_STATUSES) + f" ({_STATUS_NOTE})",
        "active",
    ),
    FieldDef("credentialing_date", "Date credentialing was completed", "a date", "2025-04-15"),
    FieldDef(
        "panel_status",
        "Whether the provider accepts new patients",
        ", ".join(PANEL_STATUSES) + " (Y = open, N = closed)",
        "open",
    ),
    FieldDef("panel_confirmed_date", "Date the panel status was last confirmed", "a date", ""),
    FieldDef(
        "telehealth_only",
        "Sees members only by telehealth (does not count toward time and distance)",
        "Y or N",
        "N",
    ),
    FieldDef(
        "telehealth_waived", "Telehealth-only provider the plan may count anyway (CMS waiver)", "Y or N", "N"
    ),
    FieldDef(
        "offers_telehealth",
        "Also sees members by telehealth, besides in person (not the same as telehealth_only)",
        "Y or N",
        "N",
    ),
    FieldDef(
        "primary_care_source",
        "For a physician assistant or nurse practitioner (HSD 005/006): recorded as the enrollee's primary care "
        "source in a shortage area; without Y the row earns no primary care (S03) credit (HSD Reference File "
        "Notes, 005/006)",
        "Y or N",
        "",
    ),
    FieldDef("hpms_entered_date", "Date the provider was entered in HPMS", "a date", ""),
    FieldDef(
        "contract_type",
        "HSD 'Contract Type' as the plan records it (stored as written; a product it names also sets ma_contracted)",
        "text",
        "",
    ),
    FieldDef(
        "ma_contracted",
        "Whether the contract covers the plan's Medicare Advantage product; a contract only for commercial, "
        "Medicaid or other products does not count (42 CFR 422.116(a)(3)(i)(C)). Blank: read from contract_type",
        "Y or N, or the products (Medicare Advantage, MA/Medicaid, All products; Medicaid only, Commercial, "
        "Exchange/QHP, Other)",
        "Y",
    ),
    FieldDef("medical_group_affiliation", "Medical group the provider belongs to", "text", ""),
    FieldDef(
        "county_served",
        "HSD 'SSA State/County Code' of the county a row serves, stored as the provider's counties served "
        "(one row per county; used for the telehealth credit)",
        "5-digit SSA state/county code, a county FIPS or a county name",
        "",
    ),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
DATE_FIELDS = ("contract_executed_date", "credentialing_date", "panel_confirmed_date", "hpms_entered_date")
TEMPLATE_FIELDS = FIELD_NAMES

# Required unless the layout implies them. "specialty_code" is satisfied by a taxonomy column and "zip" by
# a latitude + longitude pair (see ``missing_required``).
REQUIRED = ("npi", "name", "specialty_code", "state", "zip", "contract_status", "credentialing_status")


def header_key(header: object) -> str:
    """Header comparison key: case, spaces and underscores ignored ('Provider Zip Code' = 'providerzipcode')."""
    return re.sub(r"[\s_]+", "", str(header or "").lower())


@dataclass(frozen=True)
class RosterLayout:
    key: str
    title: str
    table_kind: str | None  # "provider" | "facility"; None = decided by the rows' specialty codes
    columns: dict[str, str]  # roster field -> header as the layout spells it
    headers: tuple[str, ...] = ()  # every header the layout has (all must be present to recognise it)
    implied: dict[str, Any] = field(default_factory=dict)  # provider values every row of the layout has


_HSD_IMPLIED = {"contract_status": "executed", "credentialing_status": "active"}
_P, _F = PROVIDER_COLUMNS, FACILITY_COLUMNS

# CMS HPMS Network Management Module HSD templates: Provider table (regulation.md 3.1).
HSD_PROVIDER = RosterLayout(
    key="hsd-provider",
    title="CMS HSD Provider table",
    table_kind="provider",
    columns={
        "county_served": _P[0],  # SSA State/County Code
        "name": _P[1],
        "npi": _P[2],
        "specialty_code": _P[3],
        "contract_type": _P[4],
        "address": _P[5],
        "city": _P[6],
        "state": _P[7],
        "zip": _P[8],
        "medical_group_affiliation": _P[9],
    },
    headers=tuple(_P),
    implied=_HSD_IMPLIED | {"entity_type": "individual"},
)
# CMS HPMS Network Management Module HSD templates: Facility table (regulation.md 3.2). Its "Facility or
# Service Type" is the name of the Facility Specialty Code: the code is what is read.
HSD_FACILITY = RosterLayout(
    key="hsd-facility",
    title="CMS HSD Facility table",
    table_kind="facility",
    columns={
        "county_served": _F[0],
        "specialty_code": _F[2],
        "npi": _F[3],
        "beds": _F[4],
        "name": _F[5],
        "address": _F[6],
        "city": _F[7],
        "state": _F[8],
        "zip": _F[9],
    },
    headers=tuple(_F),
    implied=_HSD_IMPLIED | {"entity_type": "organization"},
)
TEMPLATE = RosterLayout(key="template", title="Blueprint roster template", table_kind=None, columns={})
SAVED = RosterLayout(
    key="saved-mapping", title="this project's saved column mapping", table_kind=None, columns={}
)
MAPPED = RosterLayout(key="mapped", title="the column mapping given", table_kind=None, columns={})
LAYOUTS = (HSD_PROVIDER, HSD_FACILITY)


def _index(headers: list[str]) -> dict[str, str]:
    return {header_key(h): h for h in headers}


# The template's column names where they differ from the field names: the canonical template of the
# engine issue names these columns taxonomy_code and county_fips; both spellings are the template.
TEMPLATE_HEADERS = {"taxonomy": "taxonomy_code", "county": "county_fips"}


def template_header(name: str) -> str:
    return TEMPLATE_HEADERS.get(name, name)


def _extra_fields(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Headers named exactly like a roster field (e.g. 'latitude' added to an HSD table) map to it."""
    used = set(mapping.values())
    out = dict(mapping)
    for h in headers:
        key = header_key(h)
        for name in FIELD_NAMES:
            spellings = {header_key(name), header_key(template_header(name))}
            if key in spellings and name not in out and h not in used:
                out[name] = h
                used.add(h)
    return out


def detect_layout(headers: list[str]) -> tuple[RosterLayout, dict[str, str]] | None:
    """The layout the headers are, with the mapping (field -> the file's header), or None."""
    index = _index(headers)
    for layout in LAYOUTS:
        if all(header_key(h) in index for h in layout.headers):
            mapping = {f: index[header_key(h)] for f, h in layout.columns.items()}
            return layout, _extra_fields(headers, mapping)
    template = _extra_fields(headers, {})
    if not missing_required(template, TEMPLATE):
        return TEMPLATE, template
    return None


def missing_required(mapping: dict[str, str], layout: RosterLayout | None) -> list[str]:
    """Required roster fields with no column (and not implied by the layout), in field order."""
    implied = layout.implied if layout else {}
    have = set(mapping) | set(implied)
    out = []
    for name in REQUIRED:
        if name in have:
            continue
        if name == "specialty_code" and "taxonomy" in have:
            continue
        if name == "zip" and {"latitude", "longitude"} <= have:
            continue
        out.append(name)
    return out


# Usual header spellings of other rosters, proposed (never applied silently) for an unknown layout.
_ALIASES = {
    "npi": ("npi", "npinumber", "providernpi", "renderingnpi", "individualnpi", "nationalprovideridentifier"),
    "name": ("name", "providername", "fullname", "facilityname", "practitionername", "provider"),
    "specialty_code": ("specialtycode", "hsdcode", "hsdspecialtycode", "hsdspecialty", "specialty"),
    "taxonomy": ("taxonomy", "taxonomycode", "nucctaxonomy", "primarytaxonomy", "nucccode"),
    "address": ("address", "streetaddress", "address1", "addressline1", "street", "practiceaddress"),
    "city": ("city", "practicecity"),
    "state": ("state", "st", "statecode", "practicestate"),
    "zip": ("zip", "zipcode", "postalcode", "zip5", "practicezip"),
    "county": ("county", "countyfips", "countyname", "fips"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "beds": ("beds", "bedcount", "staffedbeds"),
    "contract_status": ("contractstatus", "contract"),
    "credentialing_status": ("credentialingstatus", "credentialing", "credstatus"),
    "panel_status": ("panelstatus", "panel", "acceptsnewpatients", "acceptingnewpatients"),
    "telehealth_only": ("telehealthonly", "telehealth"),
    "offers_telehealth": (
        "offerstelehealth",
        "telehealthoffered",
        "providestelehealth",
        "telehealthavailable",
    ),
    "primary_care_source": ("primarycaresource", "pcsource"),
    "exclusion": ("exclusion", "exclusiontype", "excludedtype"),
    "ma_contracted": (
        "macontracted",
        "maproduct",
        "medicareadvantage",
        "products",
        "product",
        "lineofbusiness",
    ),
    "contract_type": ("contracttype",),
    "county_served": ("countyserved", "ssacode", "ssastatecountycode", "servicecounty", "countiesserved"),
}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A proposed mapping for an unknown layout: headers named like a field or a usual alias of it."""
    index = _index(headers)
    out = _extra_fields(headers, {})
    used = set(out.values())
    for name, aliases in _ALIASES.items():
        if name in out:
            continue
        hit = next((index[a] for a in aliases if a in index and index[a] not in used), None)
        if hit:
            out[name] = hit
            used.add(hit)
    return out


def check_mapping(mapping: dict[str, Any], headers: list[str], file_name: str) -> dict[str, str]:
    """Validate a user mapping {field: header}; returns it with headers spelled as in the file."""
    if not isinstance(mapping, dict):
        raise InputFileError(f"{file_name}: the column mapping must be an object {{field: column}}")
    index = _index(headers)
    out: dict[str, str] = {}
    for target, source in mapping.items():
        if target not in FIELDS_BY_NAME:
            raise InputFileError(
                f"column mapping: {target!r} is not a roster field (expected one of {', '.join(FIELD_NAMES)})"
            )
        if source in (None, ""):
            continue
        if not isinstance(source, str) or header_key(source) not in index:
            raise InputFileError(
                f"{file_name}: the column mapping maps {target} to column {source!r}, which is not in the file "
                f"(its columns: {', '.join(headers)})"
            )
        out[target] = index[header_key(source)]
    sources = list(out.values())
    for s in sources:
        if sources.count(s) > 1:
            targets = [t for t, v in out.items() if v == s]
            raise InputFileError(
                f"column mapping: column {s!r} is mapped to {' and '.join(targets)} (expected one field per column)"
            )
    return out


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """Read a mapping JSON file: {"npi": "Provider NPI", "name": "Full Name", ...}."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such mapping file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path.name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputFileError(
            f'{path.name}: expected a JSON object of column names, e.g. {{"npi": "Provider NPI"}}'
        )
    return data


def saved_mapping(project, headers: list[str]) -> dict[str, str] | None:
    """The project's saved roster mapping when every column it names is in ``headers``."""
    if project is None:
        return None
    try:
        row = project.conn.execute(
            "SELECT mapping_json FROM column_mappings WHERE kind = ?", (MAPPING_KIND,)
        ).fetchone()
    except Exception:  # noqa: BLE001 - a project older than schema 6 has no mappings table
        return None
    if not row:
        return None
    mapping = json.loads(row[0])
    index = _index(headers)
    if not mapping or not all(header_key(src) in index for src in mapping.values()):
        return None
    return {target: index[header_key(src)] for target, src in mapping.items()}


def save_mapping(project, mapping: dict[str, str], headers: list[str]) -> None:
    """Store the mapping (call inside the import's transaction)."""
    project.conn.execute(
        "INSERT INTO column_mappings(kind, mapping_json, headers_json, saved_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(kind) DO UPDATE SET mapping_json = excluded.mapping_json,"
        " headers_json = excluded.headers_json, saved_at = excluded.saved_at",
        (MAPPING_KIND, json.dumps(mapping, sort_keys=True), json.dumps(headers), utc_now()),
    )


# -- the template ------------------------------------------------------------------------------------
def template_rows() -> tuple[list[str], list[str]]:
    """Header and the example row of the roster template."""
    return [template_header(n) for n in TEMPLATE_FIELDS], [FIELDS_BY_NAME[n].example for n in TEMPLATE_FIELDS]


def write_template(path: str | Path) -> Path:
    """Write the roster template: CSV (header + example row) or XLSX (plus a sheet explaining columns)."""
    path = Path(path)
    header, example = template_rows()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerow(example)
        return path
    if suffix not in (".xlsx", ".xlsm"):
        raise InputFileError(
            f"{path.name}: the template is written as .csv or .xlsx (got {suffix or 'no suffix'!r})"
        )
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Roster"
    ws.append(header)
    ws.append(example)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # Codes keep their leading zeros only as text.
    for col in range(1, len(header) + 1):
        ws.cell(row=2, column=col).number_format = "@"
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = max(
            12, len(header[col - 1]) + 2
        )
    ws.freeze_panes = "A2"
    info = wb.create_sheet("Columns")
    info.append(["Column", "Required", "What it holds", "Allowed values"])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for name in TEMPLATE_FIELDS:
        f = FIELDS_BY_NAME[name]
        required = {
            "specialty_code": "yes (or taxonomy_code)",
            "taxonomy": "yes (or specialty_code)",
            "zip": "yes (or latitude and longitude)",
        }.get(name, "yes" if name in REQUIRED else "no")
        info.append([template_header(name), required, f.description, f.allowed])
    for letter, width in zip("ABCD", (26, 22, 80, 60), strict=True):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return path
