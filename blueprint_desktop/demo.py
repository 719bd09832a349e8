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

DEMO_VERSION = "2026.12-4"  # bump to rebuild users' cached demo when the generator changes
# Telephone area codes of the demo counties (Harris 713, Fort Bend 281; the ring is 936, 979 or 409
# country; any county not named gets 936), for believable practice phones.
AREA_CODES = {
    "48201": "713",
    "48157": "281",
    "48039": "979",
    "48015": "979",
    "48473": "979",
    "48167": "409",
    "48071": "409",
}
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

# The placement generator (``SEED``) once drew names from a 20 x 40 pool; it still makes those draws
# (``_legacy_name_draws``) so every location, status and date, hence every score, stays as it was.
# Names, streets and facility names come from their own generator (``NAME_SEED``) instead.
LEGACY_GIVEN_N, LEGACY_SURNAME_N, LEGACY_STREETS_N = 20, 40, 12
NAME_SEED = SEED + 100

# Given names and surnames by heritage, as a Houston-area roster mixes them (weight: share of names).
NAME_POOLS = {
    "anglo": (
        0.30,
        "James Robert Michael David William Richard Thomas Mark Steven Paul Andrew Joshua Kenneth Kevin "
        "Brian George Timothy Ryan Jacob Nicholas Eric Jonathan Stephen Scott Justin Brandon Benjamin "
        "Samuel Gregory Patrick Jack Dennis Tyler Aaron Nathan Adam Zachary Ethan Mary Patricia Jennifer "
        "Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Ashley Kimberly Emily "
        "Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Amy Kathleen "
        "Anna Shirley Angela Katherine Rachel Catherine Heather Megan Lauren Caroline Claire Hannah",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
        "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams "
        "Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart "
        "Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed Kelly Howard Cox Ward Richardson "
        "Watson Brooks Wood Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry "
        "Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Hayes Graham Wallace Hamilton Ellis "
        "McDonald Marshall Owens Harrison Gibson Kennedy Wells Hoffman Schmidt Whitfield Prescott Caldwell",
    ),
    "hispanic": (
        0.26,
        "Jose Juan Carlos Luis Jorge Miguel Javier Alejandro Ricardo Fernando Eduardo Roberto Daniel "
        "Francisco Manuel Rafael Sergio Arturo Raul Hector Andres Diego Oscar Gabriel Adrian Mario Ruben "
        "Maria Ana Sofia Gabriela Daniela Carmen Rosa Elena Isabel Lucia Veronica Patricia Adriana Monica "
        "Claudia Alejandra Mariana Laura Teresa Yolanda Leticia Marisol Paola Valeria Beatriz Graciela "
        "Cristina Norma Silvia Alicia Irma Lorena",
        "Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera "
        "Gomez Diaz Reyes Cruz Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Vasquez Castillo "
        "Jimenez Moreno Romero Herrera Medina Aguilar Vargas Guzman Salazar Mendez Soto Delgado Pena Rios "
        "Contreras Guerrero Sandoval Cortez Estrada Ibarra Villarreal Trevino Cantu Garza Zamora Escobar "
        "Cavazos Saenz Salinas Benavides Olivares Fuentes Navarro Cervantes Luna Lozano Montoya Acosta",
    ),
    "black": (
        0.14,
        "Marcus Darnell Andre Terrence Jerome Cedric Dwayne Reginald Kendrick Malik Jamal Derrick Tyrone "
        "Calvin Lamar Xavier Isaiah Elijah Keisha Latoya Tamika Ebony Aaliyah Jasmine Imani Monique "
        "Shanice Tiana Danielle Whitney Brianna Kiara Alicia Yvette Denise Renee Gloria Bernice Dorothy "
        "Chioma Adaeze Ngozi Oluwaseun Chinedu Emeka Tunde Folake Babatunde Ifeoma Kwame Abena",
        "Washington Jefferson Jackson Freeman Brooks Coleman Jenkins Bryant Hayes Booker Banks Pierce "
        "Dixon Simmons Mack Wiggins Gaines Mosley Boykin Tolliver Fontenot Broussard Batiste Guidry "
        "Okafor Adeyemi Okonkwo Nwosu Eze Obi Balogun Adebayo Oyelaran Afolabi Mensah Owusu Asante "
        "Boateng Ogunleye Uzoma Chukwu Ekwueme Ibekwe Onyeka",
    ),
    "south_asian": (
        0.10,
        "Priya Anjali Deepa Kavita Sunita Neha Pooja Aarti Meera Shreya Divya Lakshmi Radhika Swati Nisha "
        "Rahul Amit Vikram Sanjay Rajesh Arun Suresh Anil Vivek Nikhil Rohan Arjun Karthik Ravi Sameer "
        "Imran Faisal Ayesha Sana Zainab Omar Hamza Bilal",
        "Patel Shah Desai Mehta Reddy Rao Iyer Nair Menon Kumar Sharma Gupta Singh Agarwal Joshi Kapoor "
        "Malhotra Chopra Bhatt Pillai Krishnan Subramanian Venkatesh Chaudhry Khan Siddiqui Qureshi Ahmed "
        "Hussain Rahman Mirza Chatterjee Banerjee Mukherjee Dasgupta Trivedi Parikh Thakkar",
    ),
    "east_asian": (
        0.14,
        "Wei Jing Li Mei Ling Hui Xiao Yan Jun Hao Ming Lei Min-jun Ji-woo Seo-yeon Hyun Soo-jin Jae "
        "Kenji Yuki Hiroshi Akiko Thanh Minh Linh Huong Tuan Quang Anh Phuong Trang Hoa Duc Long "
        "Kevin Jenny Vivian Eric Michelle Andrew Grace Henry Jason Tiffany Vincent Helen Alan Cindy",
        "Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Truong Dinh Chen Wang "
        "Zhang Liu Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Lin Guo He Gao Luo Zheng Liang Kim Lee Park "
        "Choi Jung Kang Cho Yoon Jang Lim Han Shin Tanaka Suzuki Sato Nakamura Yamamoto Takahashi Chang "
        "Wong Chan Cheng Lau Tsai Hsu Lam",
    ),
    "other": (
        0.06,
        "Ahmad Yusuf Khalid Layla Nadia Rania Samir Tariq Hana Dalia Karim Mariam Elias Nicolas Sofia "
        "Alexei Natalia Dmitri Irina Katerina Anton Viktor Olga Yelena Giovanni Francesca Marco Luca "
        "Chiara Matteo Stefan Ingrid Lars Petra Hans Greta",
        "Haddad Khoury Nassar Saleh Mansour Awad Farah Hamdan Aziz Sabbagh Petrov Ivanov Volkov Sokolov "
        "Kuznetsov Novak Horvath Kowalski Nowak Rossi Russo Romano Ricci Esposito Bianchi Colombo Conti "
        "Muller Schneider Fischer Weber Becker Wagner Schulz Koch Richter Lindqvist Johansson Larsen "
        "Hansen Olsen",
    ),
}
MIDDLE_INITIAL_SHARE = 0.35
INITIALS = "AABCCDDEEFGHJJJKLLMMMNPRRRSSTW"  # common middle initials, roughly as often as they occur
# Post-nominal credentials by HSD line (weights): physicians MD or DO; the rest by their licence.
CREDENTIALS = {
    "010": (("DC", 1.0),),
    "028": (("DPM", 1.0),),
    "036": (("PhD", 0.6), ("PsyD", 0.4)),
    "037": (("LCSW", 0.85), ("LCSW-S", 0.15)),
    "S03": (("MD", 0.7), ("DO", 0.3)),
}
PHYSICIAN_CREDENTIALS = (("MD", 0.82), ("DO", 0.18))

# Streets near each county's towns; any county not listed uses the generic list.
STREETS = {
    "48201": "Westheimer Rd|Bellaire Blvd|Memorial Dr|Kirby Dr|FM 1960 Rd W|Gessner Rd|Fannin St|"
    "Holcombe Blvd|Richmond Ave|Spencer Hwy|Fairmont Pkwy|Louetta Rd|Spring Cypress Rd|Kingwood Dr|"
    "Garth Rd|N Shepherd Dr|Tomball Pkwy|Barker Cypress Rd|Gulf Fwy|El Camino Real|Bay Area Blvd",
    "48157": "Sweetwater Blvd|Hwy 6|Williams Trace Blvd|Grand Pkwy|Avenue H|FM 1464|Texas Pkwy|"
    "Cinco Ranch Blvd|Southwest Fwy|Murphy Rd|Dairy Ashford Rd",
    "48339": "Frazier St|N Loop 336 W|Woodlands Pkwy|Research Forest Dr|Sawdust Rd|FM 1488|Rayford Rd|"
    "Lake Woodlands Dr|College Park Dr|Hwy 242",
    "48039": "Broadway St|Pearland Pkwy|Hwy 35|Oyster Creek Dr|Dixie Dr|W Mulberry St|Highway 288B",
    "48167": "Seawall Blvd|Broadway Ave J|Gulf Fwy|FM 646|W Main St|Palmer Hwy|Texas Ave|25th St",
    "48473": "Austin St|10th St|FM 359|Hwy 290 Business",
    "48291": "Main St|Hwy 90|Houston St|FM 1960",
    "48071": "Main St|Hwy 61|Thomas Dr|Garth Rd",
    "48015": "Meyer St|E Main St|Front St|Hwy 36",
    "48471": "Sam Houston Ave|11th St|Montgomery Rd|Veterans Memorial Pkwy|Hwy 30",
    "48185": "Washington Ave|La Salle St|Church St|Hwy 105",
    "48407": "Hwy 150|Byrd Ave|US Hwy 59|FM 2025",
}
GENERIC_STREETS = "Main St|Medical Dr|Professional Dr|Hospital Dr|Commerce St|Church St|Oak St|Pine St"

# What a facility of each line is called (its name ends with one of these); the first is the usual one.
FACILITY_WORDS = {
    "040": ("Medical Center", "Regional Medical Center", "Community Hospital", "Memorial Hospital",
            "General Hospital", "Methodist Hospital"),
    "041": ("Heart Institute", "Heart & Vascular Center", "Cardiac Surgery Center"),
    "042": ("Cardiac Cath Lab", "Heart Cath Lab", "Cardiovascular Lab"),
    "043": ("Medical Center ICU", "Hospital Critical Care Unit", "Intensive Care Unit"),
    "045": ("Surgery Center", "Surgical Center", "Ambulatory Surgery Center", "Outpatient Surgery Center"),
    "046": ("Nursing & Rehabilitation", "Skilled Nursing Center", "Health & Rehabilitation Center",
            "Care Center", "Nursing Center"),
    "047": ("Imaging", "Diagnostic Imaging", "Radiology", "Imaging Center", "MRI & Imaging"),
    "048": ("Breast Imaging", "Breast Center", "Mammography Center", "Women's Imaging"),
    "049": ("Physical Therapy", "Physical Therapy & Rehab", "Sports & Physical Therapy", "Rehab Clinic"),
    "050": ("Occupational Therapy", "Hand & Occupational Therapy", "Occupational Therapy Clinic"),
    "051": ("Speech Therapy", "Speech & Language Therapy", "Speech Therapy Clinic"),
    "052": ("Behavioral Hospital", "Behavioral Health Hospital", "Psychiatric Hospital"),
    "057": ("Infusion Center", "Cancer & Infusion Center", "Infusion Clinic"),
    "068": ("Counseling Center", "Behavioral Health Clinic", "Counseling Associates", "Mental Health Clinic"),
}  # fmt: skip
# Region names a facility may take instead of its town.
REGIONS = {
    "48201": ("Bayou City", "Gulf Coast", "Greater Houston", "Harris County", "Lone Star"),
    "48157": ("Fort Bend", "Brazos River", "Gulf Coast"),
    "48339": ("Montgomery County", "Lake Conroe", "Piney Woods", "Woodlands Area"),
    "48039": ("Brazoria County", "Brazosport", "Gulf Coast"),
    "48167": ("Galveston County", "Bay Area", "Clear Lake", "Gulf Coast"),
    "48471": ("Walker County", "Piney Woods", "Sam Houston"),
}
# Names the credit-rule cases use (``_credit_rule_cases``); no generated person takes them.
RESERVED_NAMES = {"Imani Okafor", "Rafael Moreno", "Dana Whitfield", "Lena Castillo"}
COMPASS = ("North", "South", "East", "West", "Northwest", "Southwest", "Northeast", "Southeast")


def _legacy_name_draws(rng: np.random.Generator) -> None:
    """The two draws the placement generator made for a person's name before names had their own
    generator; made still, so the placement sequence (and every score) is unchanged."""
    rng.integers(LEGACY_GIVEN_N)
    rng.integers(LEGACY_SURNAME_N)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.replace("|", " | ").split(" | ")) if "|" in text else tuple(text.split())


class _Namer:
    """Names, streets and towns of the demo, from their own generator (``NAME_SEED``).

    People: a given name and surname of one heritage (sometimes a surname of another), no full name
    used twice, a middle initial for some, the credential of their line. Facilities: a town (the
    location's ZIP city), a part of a big city, a region or a street, then the facility word of the
    line. Towns: the USPS city of the location's ZIP (the bundled ZIP table)."""

    def __init__(self, reserved: set[str]) -> None:
        from blueprint_desktop.geo.zips import load_zip_centroids

        self.rng = np.random.default_rng(NAME_SEED)
        self.used_people: set[str] = set(reserved)
        self.used_facilities: set[str] = set()
        self.pools = [(w, _split(g), _split(sn)) for w, g, sn in NAME_POOLS.values()]
        weights = np.array([w for w, _, _ in self.pools])
        self.weights = weights / weights.sum()
        zips = load_zip_centroids()
        self.zip_city = zips.city.dropna().to_dict() if "city" in zips.columns else {}
        self.streets = {f: _split(v) for f, v in STREETS.items()}
        self.generic_streets = _split(GENERIC_STREETS)

    def _pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def _weighted(self, options) -> str:
        p = np.array([w for _, w in options], dtype=float)
        return options[int(self.rng.choice(len(options), p=p / p.sum()))][0]

    def city(self, zip5: str, county_name: str) -> str:
        return str(self.zip_city.get(zip5) or county_name)

    def street(self, county_fips: str) -> str:
        return self._pick(self.streets.get(county_fips, self.generic_streets))

    def person(self, line_code: str) -> str:
        credential = self._weighted(CREDENTIALS.get(line_code, PHYSICIAN_CREDENTIALS))
        for _ in range(200):
            k = int(self.rng.choice(len(self.pools), p=self.weights))
            given = self._pick(self.pools[k][1])
            # One in eight takes a surname of another heritage, as families do.
            sk = int(self.rng.choice(len(self.pools), p=self.weights)) if self.rng.random() < 0.125 else k
            surname = self._pick(self.pools[sk][2])
            if f"{given} {surname}" not in self.used_people:
                break
        self.used_people.add(f"{given} {surname}")
        middle = f" {self._pick(INITIALS)}." if self.rng.random() < MIDDLE_INITIAL_SHARE else ""
        return f"{given}{middle} {surname}, {credential}"

    def facility(self, line_code: str, line_name: str, zip5: str, county_fips: str, county_name: str) -> str:
        words = FACILITY_WORDS.get(line_code, (line_name,))
        town = self.city(zip5, county_name)
        name = ""
        for _ in range(40):
            word = words[0] if self.rng.random() < 0.45 else self._pick(words)
            roll = self.rng.random()
            if roll < 0.55:
                prefix = town
            elif roll < 0.7 and town == "Houston":
                prefix = f"{self._pick(COMPASS)} Houston"
            elif roll < 0.85 and county_fips in REGIONS:
                prefix = self._pick(REGIONS[county_fips])
            else:
                first = self.street(county_fips).split()[0]
                prefix = first if first.isalpha() and len(first) > 3 else town
            name = f"{prefix} {word}"
            if name not in self.used_facilities:
                break
        self.used_facilities.add(name)
        return name


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
    namer = _Namer(RESERVED_NAMES)

    def _street(county_fips: str) -> str:
        rng.integers(LEGACY_STREETS_N)  # the placement generator's old street draw (kept, see above)
        return namer.street(county_fips)

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
                # The HSD provider table's Contract Type (2017 HSD guidance, Appendix H): what a real roster
                # records for its MA contracts; the credit-rule cases below set the non-MA ones.
                "contract_type": "Medicare Advantage" if contracted else None,
                **(extra or {}),
            }
        )
        plines.append({"provider_id": pid, "line_code": line.code, "taxonomy_code": _taxonomy_for(line.code)})
        for r in loc_rows:
            locations.append(
                {
                    "provider_id": pid,
                    "address": f"{int(rng.integers(100, 9900))} {_street(r.county_fips)}",
                    "city": namer.city(r.zip, str(counties.loc[r.county_fips, "name"])),
                    "state": "TX",
                    "zip": r.zip,
                    "county_fips": r.county_fips,
                    "latitude": round(float(r.lat), 6),
                    "longitude": round(float(r.lon), 6),
                    "geocode_quality": "exact" if rng.random() < 0.8 else "zip-centroid",
                    "beds": int(rng.integers(60, 600)) if line.code == "040" else None,
                    # 555-0100..0199: the numbers North American numbering keeps for fiction. Drawn without
                    # the generator, so the network (and every score) stays what it was.
                    "phone": f"({AREA_CODES.get(r.county_fips, '936')}) 555-01{pid % 100:02d}",
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
                name = namer.facility(
                    line.code, line.name, r.zip, r.county_fips, counties.loc[r.county_fips, "name"]
                )
                entity = "organization"
            else:
                _legacy_name_draws(rng)
                name = namer.person(line.code)
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
            if is_fac:
                name = namer.facility(
                    line.code, line.name, r.zip, r.county_fips, counties.loc[r.county_fips, "name"]
                )
            else:
                _legacy_name_draws(rng)
                name = namer.person(line.code)
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
