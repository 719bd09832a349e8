"""Essential community provider compliance of a QHP network: the General ECP Standard, 45 CFR 156.235(a)(2).

Inputs: the ECP list in force (``data/ecp_list.py``), the project's service area and its roster. For the
counties of the service area it reports:

- **the thresholds** (``rules/ecp_standard.py``): contracted ECPs as a share of the available ones, overall
  and for FQHCs and Family Planning Providers, against 35 percent, with the fewest contracts that reach it.
  Several providers at one location are one ECP (156.235(a)(2)(i)); a location is its street address and ZIP
  code (our reading). A location counts in each category one of its rows names;
- **one ECP per category per county**: each county x category where an ECP is available, and whether the
  network holds a contract or a recorded offer there;
- **Indian health care providers**: every available one, and whether a contract or an offer is recorded;
- **the recruit list**: the fewest more contracts that meet every threshold (exact: a location that is both
  an FQHC and a Family Planning Provider counts toward both, which ``minimal_contracts`` weighs), chosen
  first where they also close a county's missing category, and each with what it closes.

A location is **contracted** when a network provider (a roster row, not the NPPES market) with its NPI has an
executed contract and no NPPES deactivation on or before today; an **offer is recorded** when a roster row
with its NPI has a letter of intent or a pending contract, or when the plan recorded an offer to that NPI
(``data/ecp_offers.py``, append-only). A category or Indian health care provider with neither is reported
"no offer recorded", not as a failure: the plan may have made the offer and not recorded it yet. Tiered networks (only the lowest cost-sharing tier counts) are not
modelled: a roster carries no tier, and the report says so.

A stand-alone dental plan project (the ``qhp-ffe-sadp-2026`` standards) is held only to the thresholds and
offers CMS applies to SADPs (``Threshold.applies_to_sadp``; no per-category offers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from blueprint_desktop.data.ecp_list import in_force, location_key, require_qhp
from blueprint_desktop.data.ecp_offers import EcpOffer, offers_in_force
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.ecp_standard import SADP_KEY, EcpStandard, Threshold, load_standard

OFFER_STATUSES = ("loi", "pending")


@dataclass
class EcpSite:
    """One ECP location of the list: every row at the same street address and ZIP code."""

    key: str
    name: str
    address: str
    city: str | None
    state: str
    zip: str
    county_fips: str
    county_from: str  # 'file' | 'zip'
    categories: tuple[str, ...]
    npis: tuple[str, ...]
    provider_types: tuple[str, ...]
    rows: tuple[int, ...]
    contracted: bool = False
    offered: bool = False

    @property
    def status(self) -> str:
        return "contracted" if self.contracted else "offer recorded" if self.offered else "no contract"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status": self.status}


@dataclass
class ThresholdResult:
    item: str
    label: str
    citation: str
    percent: int
    available: int
    contracted: int
    required: int
    applies: bool

    @property
    def short(self) -> int:
        return max(0, self.required - self.contracted) if self.applies else 0

    @property
    def share(self) -> float | None:
        return self.contracted / self.available if self.available else None

    @property
    def met(self) -> bool:
        return self.short == 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "short": self.short, "share": self.share, "met": self.met}


@dataclass
class CountyCategory:
    county_fips: str
    county: str
    category: str
    category_label: str
    available: int
    contracted: int
    offered: int
    candidates: tuple[str, ...]  # names of the locations one could offer a contract to

    @property
    def status(self) -> str:
        if self.contracted:
            return "contracted"
        return "offer recorded" if self.offered else "no offer recorded"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status": self.status}


@dataclass
class Recruit:
    site: EcpSite
    closes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"site": self.site.as_dict(), "closes": list(self.closes)}


@dataclass
class EcpReport:
    list_file: str
    list_loaded: str
    sadp: bool
    counties: list[str]
    thresholds: list[ThresholdResult]
    cells: list[CountyCategory]
    indian: list[EcpSite]
    recruits: list[Recruit]
    sites_available: int
    rows_outside_area: int
    notes: list[str] = field(default_factory=list)
    sites: list[EcpSite] = field(default_factory=list)  # every ECP location of the service area
    offers: list[EcpOffer] = field(default_factory=list)  # offers recorded and not retracted

    @property
    def offers_missing(self) -> list[CountyCategory]:
        return [c for c in self.cells if c.status == "no offer recorded"]

    @property
    def indian_missing(self) -> list[EcpSite]:
        return [s for s in self.indian if not (s.contracted or s.offered)]

    @property
    def met(self) -> bool:
        return all(t.met for t in self.thresholds) and not self.offers_missing and not self.indian_missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "list_file": self.list_file, "list_loaded": self.list_loaded, "sadp": self.sadp, "met": self.met,
            "counties": self.counties, "sites_available": self.sites_available,
            "rows_outside_area": self.rows_outside_area,
            "thresholds": [t.as_dict() for t in self.thresholds], "cells": [c.as_dict() for c in self.cells],
            "indian": [s.as_dict() for s in self.indian], "recruits": [r.as_dict() for r in self.recruits],
            "offers": [o.as_dict() for o in self.offers], "notes": self.notes,
        }  # fmt: skip


def is_sadp(project) -> bool:
    from blueprint_desktop.rules.lob_builtin import chosen_key

    return chosen_key(project) == SADP_KEY


def _sites(rows: list[tuple]) -> list[EcpSite]:
    grouped: dict[str, list[tuple]] = {}
    for r in rows:
        grouped.setdefault(location_key(r[5], r[8]), []).append(r)
    out = []
    for key, group in grouped.items():
        first = group[0]
        out.append(
            EcpSite(
                key=key,
                name=first[2],
                address=first[5],
                city=first[6],
                state=first[7],
                zip=first[8],
                county_fips=first[9],
                county_from=first[10],
                categories=tuple(sorted({g[3] for g in group})),
                npis=tuple(sorted({g[1] for g in group})),
                provider_types=tuple(sorted({g[4] for g in group if g[4]})),
                rows=tuple(g[0] for g in group),
            )  # fmt: skip
        )
    return out


def _network(project, npis: set[str], today: date) -> tuple[set[str], set[str]]:
    """(NPIs with an executed contract in force, NPIs with a letter of intent or pending contract)."""
    contracted: set[str] = set()
    offered: set[str] = set()
    wanted = sorted(npis)
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for npi, status, deactivated in project.conn.execute(
            f"SELECT npi, contract_status, deactivated_date FROM providers WHERE source != 'market'"
            f" AND npi IN ({marks})",
            chunk,
        ):
            if status == "executed" and not (deactivated and deactivated <= today.isoformat()):
                contracted.add(npi)
            elif status in OFFER_STATUSES:
                offered.add(npi)
    return contracted, offered


def minimal_contracts(needs: dict[str, int], sites: list[EcpSite], categories: dict[str, str | None]) -> int:
    """The fewest more contracted locations that meet every need. ``needs`` maps each threshold item to the
    locations it still lacks; ``categories`` maps it to its category (None: any location). Exact for the
    standard's shape (one overall need and category needs): locations in several needed categories are tried
    at every count from none to all."""
    overall = sum(n for item, n in needs.items() if categories[item] is None)
    cat_needs = {categories[i]: n for i, n in needs.items() if categories[i] is not None and n > 0}
    if not cat_needs:
        return overall
    if len(cat_needs) == 1:
        return max(overall, next(iter(cat_needs.values())))
    (a, need_a), (b, need_b) = sorted(cat_needs.items())
    both = sum(1 for s in sites if a in s.categories and b in s.categories)
    only_a = sum(1 for s in sites if a in s.categories) - both
    only_b = sum(1 for s in sites if b in s.categories) - both
    totals = [
        k + max(need_a - k, 0) + max(need_b - k, 0)
        for k in range(0, both + 1)
        if need_a - k <= only_a and need_b - k <= only_b
    ]
    if not totals:
        raise BlueprintError("the ECP thresholds ask for more locations than the list holds")  # cannot happen
    return max(overall, min(totals))


def _recruits(
    standard: EcpStandard,
    thresholds: list[ThresholdResult],
    open_sites: list[EcpSite],
    gap_cells: dict[tuple[str, str], CountyCategory],
) -> list[Recruit]:
    """The fewest locations that meet every threshold (``minimal_contracts``), picked in that many steps:
    locations in both short categories while both are short, then in the one still short, then any, each
    step preferring a location that also closes a county's missing category, then one with an offer already
    recorded, then the one with more providers. Linear in the list after one sort, for a state's list."""
    by_item = {t.item: t for t in thresholds if t.applies and t.short}
    cat_of = {t.item: t.category for t in standard.thresholds}
    needs = {item: t.short for item, t in by_item.items()}
    target = minimal_contracts(needs, open_sites, cat_of)
    gaps_of = {s.key: [gap_cells[(s.county_fips, c)] for c in s.categories if (s.county_fips, c) in gap_cells]
               for s in open_sites}  # fmt: skip
    ranked = sorted(
        open_sites, key=lambda s: (not gaps_of[s.key], not s.offered, -len(s.npis), s.name, s.key)
    )
    closed: set[int] = set()  # gap cells a pick already closes
    chosen: list[Recruit] = []
    taken: set[str] = set()

    def take(site: EcpSite) -> None:
        taken.add(site.key)
        closes = []
        for item, n in needs.items():
            cat = cat_of[item]
            if n > 0 and (cat is None or cat in site.categories):
                needs[item] = n - 1
                closes.append(f"{by_item[item].label} {by_item[item].percent}%")
        for cell in gaps_of[site.key]:
            if id(cell) not in closed:
                closed.add(id(cell))
                closes.append(f"{cell.county}'s {cell.category_label} (no offer recorded)")
        chosen.append(Recruit(site, tuple(closes)))

    def short_categories() -> set[str]:
        return {c for i, n in needs.items() if n > 0 and (c := cat_of[i]) is not None}

    # The locations grouped by which threshold categories they are in, each group in ranked order with a
    # cursor: a step looks at the head of each group only (a handful), not at every location.
    counted = {c for c in cat_of.values() if c is not None}
    groups: dict[frozenset[str], list[int]] = {}
    for rank, site in enumerate(ranked):
        if cats := frozenset(site.categories) & counted:
            groups.setdefault(cats, []).append(rank)
    cursor = dict.fromkeys(groups, 0)
    while len(chosen) < target and (short := short_categories()):
        best: tuple[int, int] | None = None  # (categories it counts toward, -rank)
        for cats, ranks in groups.items():
            while cursor[cats] < len(ranks) and ranked[ranks[cursor[cats]]].key in taken:
                cursor[cats] += 1
            if cursor[cats] < len(ranks) and (hits := len(cats & short)):
                head = ranks[cursor[cats]]
                best = max(best or (hits, -head), (hits, -head))
        if best is None:
            break
        take(ranked[-best[1]])
    for site in ranked:  # what is left of the overall need: ranked order, open gaps first
        if len(chosen) >= target:
            break
        if site.key not in taken and any(id(c) not in closed for c in gaps_of[site.key]):
            take(site)
    for site in ranked:
        if len(chosen) >= target:
            break
        if site.key not in taken:
            take(site)
    return chosen


def ecp_report(project, today: date | None = None) -> EcpReport:
    """The General ECP Standard over the project's service area, from the ECP list in force."""
    from blueprint_desktop.geo import counties as geo

    require_qhp(project)
    current = in_force(project)
    if current is None:
        raise BlueprintError(
            "no ECP list is loaded: load CMS's ECP list for the plan year (blueprint import ecp PROJECT FILE, or "
            "Scoring > Essential community providers in the window)"
        )
    today = today or date.today()
    standard = load_standard()
    sadp = is_sadp(project)
    area = project.service_area()
    area_set = set(area)
    rows = project.conn.execute(
        "SELECT row_number, npi, name, category, provider_type, address, city, state, zip, county_fips,"
        " county_from FROM ecp_sites WHERE list_id = ? ORDER BY row_number",
        (current["id"],),
    ).fetchall()
    inside = [r for r in rows if r[9] in area_set]
    sites = _sites(inside)
    contracted, offered = _network(project, {s for site in sites for s in site.npis}, today)
    offers = offers_in_force(project)
    offered |= {o.npi for o in offers}
    for s in sites:
        s.contracted = any(n in contracted for n in s.npis)
        s.offered = any(n in offered for n in s.npis)

    thresholds = []
    for t in standard.thresholds:
        pool = [s for s in sites if t.category is None or t.category in s.categories]
        thresholds.append(_threshold(t, pool, sadp))

    cells: list[CountyCategory] = []
    by_county: dict[str, list[EcpSite]] = {}
    for s in sites:
        by_county.setdefault(s.county_fips, []).append(s)
    if not sadp:
        for fips in area:
            here = by_county.get(fips, [])
            for cat, label in standard.categories.items():
                of_cat = [s for s in here if cat in s.categories]
                if not of_cat:
                    continue
                cells.append(
                    CountyCategory(
                        fips,
                        geo.county_name(fips),
                        cat,
                        label,
                        len(of_cat),
                        sum(s.contracted for s in of_cat),
                        sum(s.offered for s in of_cat),
                        tuple(s.name for s in sorted(of_cat, key=lambda s: s.name) if not s.contracted),
                    )  # fmt: skip
                )
    gap_cells = {(c.county_fips, c.category): c for c in cells if c.status == "no offer recorded"}
    open_sites = [s for s in sites if not s.contracted]
    recruits = _recruits(standard, thresholds, open_sites, gap_cells)
    indian = sorted((s for s in sites if "indian" in s.categories), key=lambda s: (s.county_fips, s.name))
    return EcpReport(
        list_file=current["file_name"],
        list_loaded=current["imported_at"],
        sadp=sadp,
        counties=area,
        thresholds=thresholds,
        cells=cells,
        indian=indian,
        recruits=recruits,
        sites_available=len(sites),
        rows_outside_area=len(rows) - len(inside),
        notes=_notes(standard, sites, sadp, len(rows) - len(inside)),
        sites=sorted(sites, key=lambda s: (s.county_fips, s.name, s.key)),
        offers=offers,
    )


def _threshold(t: Threshold, pool: list[EcpSite], sadp: bool) -> ThresholdResult:
    available = len(pool)
    return ThresholdResult(
        item=t.item, label=t.label, citation=t.citation, percent=t.percent, available=available,
        contracted=sum(s.contracted for s in pool), required=t.required(available),
        applies=t.applies_to_sadp or not sadp,
    )  # fmt: skip


def _notes(standard: EcpStandard, sites: list[EcpSite], sadp: bool, outside: int) -> list[str]:
    notes = [
        "Several providers at one location count as one ECP (45 CFR 156.235(a)(2)(i)); a location is a street "
        "address and ZIP code.",
        "Contracted: a roster provider with the ECP's NPI and an executed contract. Offer recorded: a letter of "
        "intent or a pending contract on the roster, or an offer recorded to the ECP's NPI.",
        "Tiered networks are not modelled: where only the lowest cost-sharing tier counts "
        "(45 CFR 156.235(a)(2)(i)), check the contracted ECPs are in it.",
    ]
    from_zip = sum(s.county_from == "zip" for s in sites)
    if from_zip:
        notes.append(f"{from_zip} location(s) placed in a county by ZIP code (the list gave no county).")
    if outside:
        notes.append(f"{outside} row(s) of the list lie outside the service area and are not counted.")
    if sadp:
        notes.append(
            "Stand-alone dental plan: the Family Planning threshold and the per-category offers do not apply "
            "(CMS, General ECP Standard)."
        )
    return notes
