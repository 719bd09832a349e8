"""The bundled demo project: a Houston-area Medicare Advantage plan with realistic gaps.

Generated, not shipped: the providers are synthetic (valid-checksum NPIs that belong to nobody), placed
where people live (the census population points), so the demo scores like a real network. Its
shape is chosen to show every part of the product:

* dense urban lines that pass, thin specialties that fail in the rural edge of the service area
  (Walker, Grimes, San Jacinto, Austin counties), and borderline counties that come out At Risk;
* contracted providers who must NOT count (letters of intent, pending credentialing, terminated
  contracts, telehealth-only), one NPI practising at two locations, and provisional credentialing;
* an NPPES-like market of uncontracted providers to recruit from.

A fixed seed makes the demo identical on every machine.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from blueprint_desktop.data.npi import npi_with_check_digit  # re-exported: tests and scripts import it here
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo import counties as geo_counties
from blueprint_desktop.geo.points import census_points
from blueprint_desktop.store import create_project, open_project
from blueprint_desktop.store.project import Project, utc_now

DEMO_VERSION = "2026.12-2"  # bump to rebuild users' cached demo when the generator changes
DEMO_NAME = "Gulf Coast Health MA 2027 (demo)"
DEMO_PLAN_YEAR = 2027
SEED = 2027

# Harris (Large Metro) and its neighbours: Metro suburbs, then Micro/Rural counties to the north.
SERVICE_AREA = [
    "48201",  # Harris
    "48157",  # Fort Bend
    "48339",  # Montgomery
    "48039",  # Brazoria
    "48167",  # Galveston
    "48473",  # Waller
    "48291",  # Liberty
    "48071",  # Chambers
    "48015",  # Austin
    "48471",  # Walker
    "48185",  # Grimes
    "48407",  # San Jacinto
]
CORE = ["48201", "48157", "48339"]  # where scarce specialists practise in the demo
# Scarce specialties: practices only in the core, so the rural edge shows real gaps.
SCARCE = {"007", "012", "017", "020", "027", "031", "034", "035", "041", "052"}
# Contracted locations per 10,000 people aged 65+ in the demo network (denser for primary care).
DENSITY = {"S03": 14.0, "040": 0.35}
DEFAULT_DENSITY = 1.1
FACILITY_DENSITY = 0.5

SURNAMES = [
    "Nguyen",
    "Garcia",
    "Patel",
    "Johnson",
    "Williams",
    "Brown",
    "Martinez",
    "Lee",
    "Okafor",
    "Hernandez",
    "Smith",
    "Davis",
    "Lopez",
    "Kim",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "Chen",
    "Rodriguez",
    "Taylor",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Ramirez",
    "Campbell",
    "Mitchell",
    "Roberts",
]
GIVEN = [
    "Maria",
    "James",
    "Aisha",
    "Robert",
    "Linda",
    "Michael",
    "Priya",
    "David",
    "Sarah",
    "Carlos",
    "Emily",
    "Daniel",
    "Grace",
    "Joseph",
    "Fatima",
    "Kevin",
    "Laura",
    "Anthony",
    "Mei",
    "Olivia",
]
STREETS = [
    "Main St",
    "Westheimer Rd",
    "Memorial Dr",
    "Bellaire Blvd",
    "FM 1960",
    "Katy Fwy",
    "Gulf Fwy",
    "Spring Cypress Rd",
    "Louetta Rd",
    "Texas Ave",
    "College Ave",
    "Medical Center Blvd",
]
FACILITY_WORDS = {
    "040": "Hospital",
    "041": "Heart Center",
    "042": "Cardiac Cath Lab",
    "043": "ICU - Medical Center",
    "045": "Surgery Center",
    "046": "Skilled Nursing & Rehab",
    "047": "Imaging",
    "048": "Breast Imaging",
    "049": "Physical Therapy",
    "050": "Occupational Therapy",
    "051": "Speech Therapy",
    "052": "Behavioral Hospital",
    "057": "Infusion Center",
    "068": "Counseling Center",
}


def _npis(rng: np.random.Generator, n: int, first_digit: str) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add(npi_with_check_digit(first_digit + "".join(map(str, rng.integers(0, 10, 8)))))
    return sorted(out)


def _lines() -> list:
    from blueprint_desktop.rules.standards import all_lines

    return [line for line in all_lines("ma") if getattr(line, "scored", True)]


def _taxonomy_for(line_code: str) -> str:
    from blueprint_desktop.rules.crosswalk import taxonomies_for_line

    # Hospital service lines (041-043 and the like) are credited conditionally through the hospital's
    # taxonomy (crosswalk: "only for services the roster lists"); the demo roster lists them.
    codes = taxonomies_for_line(line_code) or taxonomies_for_line(line_code, include_conditional=True)
    if not codes:
        raise BlueprintError(f"demo: no taxonomy maps to HSD line {line_code}")
    return codes[0]


def _place(rng, pts: pd.DataFrame, n: int, jitter_miles: float = 2.0) -> pd.DataFrame:
    """n locations drawn where people live (weighted by 65+ population), jittered a little."""
    if n <= 0 or pts.empty:
        return pts.iloc[0:0]
    p = pts.weight.to_numpy() / pts.weight.sum()
    idx = rng.choice(len(pts), size=n, p=p)
    out = pts.iloc[idx].copy().reset_index(drop=True)
    out["lat"] = out.lat + rng.normal(0, jitter_miles / 69.0, n)
    out["lon"] = out.lon + rng.normal(0, jitter_miles / 60.0, n)
    return out


def _statuses(rng, n: int, contracted: bool) -> list[tuple[str, str]]:
    if not contracted:
        return [("none", "none")] * n
    choices = [
        (("executed", "active"), 0.84),
        (("executed", "provisional"), 0.05),
        (("loi", "pending"), 0.04),
        (("executed", "pending"), 0.03),
        (("pending", "none"), 0.02),
        (("terminated", "active"), 0.02),
    ]
    pick = rng.choice(len(choices), size=n, p=[c[1] for c in choices])
    return [choices[i][0] for i in pick]


def populate_demo(project: Project) -> None:
    """Fill an empty project with the demo network (one transaction)."""
    rng = np.random.default_rng(SEED)
    # The demo network is placed on the one-point-per-ZIP model, so it stays the same whichever population
    # model a project scores with.
    pts = census_points(SERVICE_AREA, model="zcta-points")
    pts["zip"] = pts.point_id.str.replace("zcta:", "", regex=False)
    core = pts[pts.county_fips.isin(CORE)]
    today = date(2026, 11, 1)
    lines = _lines()
    providers, plines, locations = [], [], []
    counties = geo_counties.load_counties()

    def add(line, row, npi, contracted, status, name, entity, loc_rows, extra=None):
        pid = len(providers) + 1
        executed = status[0] == "executed"
        providers.append(
            {
                "id": pid,
                "npi": npi,
                "name": name,
                "entity_type": entity,
                "source": "roster" if contracted else "market",
                "contract_status": status[0],
                "credentialing_status": status[1],
                "contract_executed_date": (today - timedelta(days=int(rng.integers(30, 900)))).isoformat()
                if executed
                else None,
                "credentialing_date": (today - timedelta(days=int(rng.integers(10, 700)))).isoformat()
                if status[1] in ("active", "provisional")
                else None,
                "panel_status": ("open", "closed", "unknown")[int(rng.choice(3, p=[0.85, 0.1, 0.05]))]
                if contracted
                else "unknown",
                "panel_confirmed_date": (today - timedelta(days=int(rng.integers(5, 400)))).isoformat()
                if contracted and rng.random() < 0.7
                else None,
                "telehealth_only": 0,
                "telehealth_waived": 0,
                "hpms_entered_date": (today - timedelta(days=int(rng.integers(5, 300)))).isoformat()
                if executed and rng.random() < 0.95
                else None,
                "activity_last_date": (today - timedelta(days=int(rng.integers(1, 200)))).isoformat()
                if contracted and rng.random() < 0.8
                else None,
                "updated_at": utc_now(),
                # Schema v7 credit-rule fields (store/schema_credit_rules.py); _credit_rule_cases sets some.
                "exclusion": None,
                "ma_contracted": None,
                "primary_care_source": None,
                "offers_telehealth": 0,
                "contract_type": None,
                **(extra or {}),
            }
        )
        plines.append({"provider_id": pid, "line_code": line.code, "taxonomy_code": _taxonomy_for(line.code)})
        for r in loc_rows:
            locations.append(
                {
                    "provider_id": pid,
                    "address": f"{int(rng.integers(100, 9900))} {STREETS[int(rng.integers(len(STREETS)))]}",
                    "city": str(counties.loc[r.county_fips, "name"]),
                    "state": "TX",
                    "zip": r.zip,
                    "county_fips": r.county_fips,
                    "latitude": round(float(r.lat), 6),
                    "longitude": round(float(r.lon), 6),
                    "geocode_quality": "exact" if rng.random() < 0.8 else "zip-centroid",
                    "beds": int(rng.integers(60, 600)) if line.code == "040" else None,
                }
            )
        return pid

    pop65 = float(pts.weight.sum())
    for line in lines:
        is_fac = line.kind == "facility"
        density = DENSITY.get(line.code, FACILITY_DENSITY if is_fac else DEFAULT_DENSITY)
        n_contract = max(3, int(round(density * pop65 / 10_000)))
        where = core if line.code in SCARCE else pts
        placed = _place(rng, where, n_contract)
        statuses = _statuses(rng, n_contract, True)
        npis = _npis(rng, n_contract, "2" if is_fac else "1")
        for i, r in enumerate(placed.itertuples()):
            if is_fac:
                name = f"{r.county_fips and counties.loc[r.county_fips, 'name']} {FACILITY_WORDS.get(line.code, line.name)}"
                entity = "organization"
            else:
                name = (
                    f"{GIVEN[int(rng.integers(len(GIVEN)))]} {SURNAMES[int(rng.integers(len(SURNAMES)))]}, MD"
                )
                entity = "individual"
            loc_rows = [r]
            # One NPI at two locations: every 12th individual also practises at a second office.
            if not is_fac and i % 12 == 5:
                loc_rows.append(_place(rng, where, 1).iloc[0])
            extra = {"telehealth_only": 1} if line.code in ("029", "036") and i % 9 == 4 else None
            add(line, r, npis[i], True, statuses[i], name, entity, [x for x in loc_rows], extra)
        # The market: uncontracted providers of the same line, some of them in the rural edge.
        n_market = max(4, n_contract // 2)
        market_pts = _place(rng, pts, n_market, jitter_miles=3.0)
        for npi, r in zip(
            _npis(rng, n_market, "1" if not is_fac else "2"), market_pts.itertuples(), strict=True
        ):
            name = (
                f"{counties.loc[r.county_fips, 'name']} {FACILITY_WORDS.get(line.code, line.name)} Group"
                if is_fac
                else f"{GIVEN[int(rng.integers(len(GIVEN)))]} {SURNAMES[int(rng.integers(len(SURNAMES)))]}, MD"
            )
            add(line, r, npi, False, ("none", "none"), name, "organization" if is_fac else "individual", [r])

    _credit_rule_cases(rng, pts, lines, add, providers, plines)

    # An NPI appears once per source (schema: UNIQUE(npi, source)); drop accidental repeats across lines.
    seen: set[tuple[str, str]] = set()
    keep = set()
    for p in providers:
        key = (p["npi"], p["source"])
        if key not in seen:
            seen.add(key)
            keep.add(p["id"])
    providers = [p for p in providers if p["id"] in keep]
    plines = [x for x in plines if x["provider_id"] in keep]
    locations = [x for x in locations if x["provider_id"] in keep]

    with project.transaction():
        batch = project.record_batch(
            "roster",
            "demo roster (generated)",
            "demo-" + DEMO_VERSION,
            rows_read=len(locations),
            rows_imported=len(locations),
            summary={"generated": True, "seed": SEED},
        )
        for p in providers:
            p["batch_id"] = batch
        for loc in locations:
            loc["batch_id"] = batch
        project.insert_rows("providers", providers)
        project.insert_rows("provider_lines", plines)
        project.insert_rows("locations", locations)
        project.conn.execute("INSERT INTO meta(key, value) VALUES ('demo_version', ?)", (DEMO_VERSION,))
        project.audit(
            "demo.populate", "project", None, {"providers": len(providers), "locations": len(locations)}
        )
    _score_if_available(project)


def _credit_rule_cases(rng, pts: pd.DataFrame, lines, add, providers: list, plines: list) -> None:
    """Contracted providers whose credit 42 CFR 422.116(a)(3) or the HSD Reference File Notes take away,
    so the demo shows each rule with its reason (engine/exclusions.py):

    a children's hospital coded 040 (422.116(a)(3)(i)(A)); a cardiologist contracted for Medicaid only
    ((a)(3)(i)(C)); a psychiatrist also listed as 068 (Notes, 068); a nurse practitioner who is not the
    primary care source (Notes, 006), beside one in Grimes County who is."""
    by_code = {line.code: line for line in lines}
    harris = pts[pts.county_fips == "48201"]
    grimes = pts[pts.county_fips == "48185"]
    npis = _npis(np.random.default_rng(SEED + 1), 6, "1")
    executed = ("executed", "active")
    r = _place(rng, harris, 1).iloc[0]
    add(
        by_code["040"], r, npi_with_check_digit("290000010"), True, executed,
        "Bayou Children's Hospital", "organization", [r],
        {"exclusion": "children", "contract_type": "Direct"},
    )  # fmt: skip
    plines[-1] = {**plines[-1], "taxonomy_code": "282NC2000X"}  # NUCC Children's Hospital
    r = _place(rng, harris, 1).iloc[0]
    add(
        by_code["008"], r, npis[0], True, executed, "Imani Okafor, MD", "individual", [r],
        {"ma_contracted": 0, "contract_type": "Medicaid only"},
    )  # fmt: skip
    r = _place(rng, harris, 1).iloc[0]
    pid = add(by_code["029"], r, npis[1], True, executed, "Rafael Moreno, MD", "individual", [r])
    plines.append({"provider_id": pid, "line_code": "068", "taxonomy_code": "2084P0800X"})
    for npi, where, name, pcs in (
        (npis[2], harris, "Dana Whitfield, NP", None),
        (npis[3], grimes, "Lena Castillo, NP", 1),
    ):
        r = _place(rng, where, 1).iloc[0]
        pid = add(
            by_code["S03"], r, npi, True, executed, name, "individual", [r], {"primary_care_source": pcs}
        )
        # Nurse practitioners are submitted as 006 (HSD26 Notes, 006), evaluated with primary care (S03).
        plines[-1] = {"provider_id": pid, "line_code": "006", "taxonomy_code": "363LF0000X"}


def _score_if_available(project: Project) -> None:
    """Give the demo a first scoring run so its results show at once."""
    from blueprint_desktop.engine.scoring import score_project

    score_project(project, method="straight")


def write_demo_project(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write the demo project to ``path`` (atomically)."""
    path = Path(path)
    area = [(f, geo_counties.state_of(f)) for f in SERVICE_AREA]
    if overwrite and path.exists():
        tmp_target = path
        path.unlink()
        path = tmp_target
    return create_project(
        path, DEMO_NAME, lob="ma", plan_year=DEMO_PLAN_YEAR, counties=area, populate=populate_demo
    )


def demo_project_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("Blueprint Desktop", "Blueprint")) / "demo.bpproj"


def ensure_demo_project() -> Path:
    """The user's demo project, (re)built when missing or made by an older generator."""
    path = demo_project_path()
    if path.exists():
        try:
            with open_project(path, read_only=True) as project:
                if project.get_meta("demo_version") == DEMO_VERSION:
                    return path
        except BlueprintError:
            pass  # damaged or too old: rebuild below
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_demo_project(path, overwrite=True)


def describe() -> str:
    return json.dumps({"name": DEMO_NAME, "counties": SERVICE_AREA, "version": DEMO_VERSION})
