"""Match CMS county rows (state + county name) to 5-digit FIPS codes.

CMS keys counties by SSA code and no registry package carries a current SSA-FIPS crosswalk, so the
HSD Reference File's rows are joined to ``geo.counties`` by state and name. Known traps (all present
in the 2026 file): 'St.'/'Saint'; Virginia's independent cities ('Fairfax City' vs Fairfax county,
'Franklin City' vs Franklin county; but 'Charles City' and 'James City' are counties); 'Baltimore
City', 'St. Louis City'; 'Kusilvak (formerly Wade Hampton)'; accents (and mis-decoded accents such as
'DoÃ±a Ana'); Connecticut's 8 old counties (CMS still uses them); Alaska's Chugach (02063) and Copper
River (02066), the 2019 split of Valdez-Cordova (02261), which the bundled geography builds as its own
counties (geo/build.py). The island areas are keyed below Census county level: CMS lists Guam's villages,
American Samoa's counties and one row for St. John and St. Thomas together, which ``_TERRITORY_FIPS``
maps to the Census county-equivalents that contain them (``match_county_all`` returns every one; a row
covering two, as the Virgin Islands' does, has no single FIPS). A name that does not match is reported
unmatched, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

# Census LSAD 25 = "city" (an independent city, a county equivalent).
_CITY_LSAD = "25"

_SUFFIXES = (
    " city and borough",
    " census area",
    " municipality",
    " municipio",
    " borough",
    " parish",
    " county",
)


def _fix_mojibake(text: str) -> str:
    if "Ã" in text or "Â" in text:
        try:
            return text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text
    return text


def normalize_name(name: str) -> str:
    """A comparison key: 'St. Mary's Parish' -> 'st marys', 'Doña Ana' -> 'dona ana'."""
    text = _fix_mojibake(str(name or ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"\(.*?\)", " ", text)  # "(formerly Wade Hampton)"
    text = re.sub(r"\bsaint\b", "st", text)
    text = re.sub(r"\bsainte\b", "ste", text)
    text = text.replace(".", " ").replace("'", "").replace("-", " ")
    text = " ".join(text.split())
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def _names(state: str, fips: str, *names: str) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(state, normalize_name(n)): (fips,) for n in names}


# Guam is one Census county-equivalent (66010); its villages (municipalities) are county subdivisions.
# CMS's 22 rows split three of the 19 official villages (Asan-Maina, Chalan Pago-Ordot,
# Mongmong-Toto-Maite); the official and Chamorro spellings are accepted too.
_GUAM_VILLAGES = (
    "Agana", "Hagatna", "Agana Heights", "Agat", "Hagat", "Asan", "Asan-Maina", "Maina", "Barrigada",
    "Chalan Pago", "Ordot", "Chalan Pago-Ordot", "Dededo", "Inarajan", "Inalahan", "Maite", "Mangilao",
    "Merizo", "Malesso", "Mongmong", "Toto", "Mongmong-Toto-Maite", "Piti", "Santa Rita", "Sinajana",
    "Talofofo", "Talo'fo'fo", "Tamuning", "Umatac", "Humatak", "Yigo", "Yona",
)  # fmt: skip

# CMS rows below Census county level, by (state, normalized name) -> the county-equivalents they lie in.
# Keys are compared after normalize_name, so okinas and accents do not matter ("Ta'u" = "Tau").
_TERRITORY_FIPS: dict[tuple[str, str], tuple[str, ...]] = {
    **_names("GU", "66010", *_GUAM_VILLAGES),
    # American Samoa: the Census counts its three districts and two atolls as the county-equivalents
    # (60010 Eastern, 60020 Manu'a, 60030 Rose Island, 60040 Swains Island, 60050 Western) and its
    # counties as minor civil divisions. Which district holds each county: American Samoa Code Annotated
    # 5.0102 "Division of districts into counties" (asbar.org), agreeing with the HASC district codes
    # (ET/WT/MA) in statoids.com/yas.html. Ma'oputasi is the Code's spelling of CMS's "Mauputasi";
    # Alataua and Fofo are Western District counties in the 1967 constitution's list.
    **_names("AS", "60010", "Ituau", "Ma'oputasi", "Mauputasi", "Sa'ole", "Sua", "Vaifanua"),
    **_names("AS", "60050", "Lealataua", "Alataua", "Fofo", "Leasina", "Tualatai", "Tualauta"),
    **_names("AS", "60020", "Faleasao", "Fitiuta", "Ofu", "Olosega", "Ta'u"),
    # US Virgin Islands: CMS's "St. John-Thomas" (SSA 48020) covers two county-equivalents.
    **{
        ("VI", normalize_name(n)): ("78020", "78030")
        for n in ("St. John-Thomas", "St. Thomas-John", "St. Thomas-St. John", "St. John-St. Thomas")
    },
    # Northern Mariana Islands: the CMS HSD Reference File 2026 has one row, "Northern Islands" (SSA 63050,
    # 3,819 beneficiaries). The Census municipality of that name (69085) is almost uninhabited, while
    # Saipan, Tinian and Rota hold the territory's people, so the row is read as the whole territory and
    # mapped to all four county-equivalents (69085, 69100 Rota, 69110 Saipan, 69120 Tinian).
    ("MP", normalize_name("Northern Islands")): ("69085", "69100", "69110", "69120"),
}


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, list[tuple[str, str]]]]:
    from blueprint_desktop.geo.counties import load_counties

    idx: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for fips, row in load_counties().iterrows():
        idx[str(row.state)][normalize_name(row["name"])].append((str(fips), str(row.get("lsad", ""))))
    return idx


def match_county_all(state: str, name: str) -> tuple[list[str], str]:
    """(every FIPS, how) for a CMS county row: one FIPS for a county, two for a row such as the Virgin
    Islands' "St. John-Thomas" that covers two county-equivalents, none when nothing matches (how says
    why)."""
    state = str(state or "").strip().upper()
    key = normalize_name(name)
    territory = _TERRITORY_FIPS.get((state, key))
    if territory:
        return list(territory), "island-area subdivision -> Census county-equivalent"
    by_name = _index().get(state)
    if not by_name:
        return [], f"no counties known for state {state!r}"
    hits = by_name.get(key, [])
    if len(hits) == 1:
        return [hits[0][0]], "name"
    if len(hits) > 1:
        # 'Fairfax' names both Fairfax County and Fairfax city; without 'City' CMS means the county.
        counties = [h for h in hits if h[1] != _CITY_LSAD]
        if len(counties) == 1:
            return [counties[0][0]], "name (county, not the independent city)"
        return [], f"{len(hits)} counties named {name!r} in {state}"
    # 'La Salle' / 'LaSalle', 'De Kalb' / 'DeKalb', 'DeBaca' / 'De Baca': compare without spaces.
    squashed = [h for k, hs in by_name.items() if k.replace(" ", "") == key.replace(" ", "") for h in hs]
    if len(squashed) == 1:
        return [squashed[0][0]], "name (ignoring spaces)"
    if key.endswith(" city"):
        cities = [h for h in by_name.get(key[: -len(" city")], []) if h[1] == _CITY_LSAD]
        if len(cities) == 1:
            return [cities[0][0]], "name (independent city)"
    return [], f"no county named {name!r} in {state}"


def match_county(state: str, name: str) -> tuple[str | None, str]:
    """(fips, how) for a CMS county row; fips None when no single county matches (how says why, and
    names the county-equivalents when the row covers several: use ``match_county_all`` for those)."""
    fips, how = match_county_all(state, name)
    if len(fips) == 1:
        return fips[0], how
    if len(fips) > 1:
        return None, f"maps to several county-equivalents: {', '.join(fips)}"
    return None, how
