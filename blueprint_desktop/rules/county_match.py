"""Match CMS county rows (state + county name) to 5-digit FIPS codes.

CMS keys counties by SSA code and no registry package carries a current SSA-FIPS crosswalk, so the
HSD Reference File's rows are joined to ``geo.counties`` by state and name. Known traps (all present
in the 2026 file): 'St.'/'Saint'; Virginia's independent cities ('Fairfax City' vs Fairfax county,
'Franklin City' vs Franklin county; but 'Charles City' and 'James City' are counties); 'Baltimore
City', 'St. Louis City'; 'Kusilvak (formerly Wade Hampton)'; accents (and mis-decoded accents such as
'DoÃ±a Ana'); Alaska's 2019 split of Valdez-Cordova (02261) into Chugach (02063) and Copper River
(02066), which CMS uses and the 2016 boundaries predate; Connecticut's 8 old counties (CMS still uses
them). A name that does not match exactly one county is reported unmatched, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

# Census LSAD 25 = "city" (an independent city, a county equivalent).
_CITY_LSAD = "25"

# Official FIPS codes the bundled 2016 boundaries predate (Census Bureau, 2019 Alaska change).
# geo.counties.FIPS_ALIASES maps both to the 02261 outline.
_POST_2016_FIPS = {("AK", "chugach"): "02063", ("AK", "copper river"): "02066"}

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


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, list[tuple[str, str]]]]:
    from blueprint_desktop.geo.counties import load_counties

    idx: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for fips, row in load_counties().iterrows():
        idx[str(row.state)][normalize_name(row["name"])].append((str(fips), str(row.get("lsad", ""))))
    return idx


def match_county(state: str, name: str) -> tuple[str | None, str]:
    """(fips, how) for a CMS county row; fips None when no single county matches (how says why)."""
    state = str(state or "").strip().upper()
    key = normalize_name(name)
    if (state, key) in _POST_2016_FIPS:
        return _POST_2016_FIPS[(state, key)], "post-2016 FIPS"
    by_name = _index().get(state)
    if not by_name:
        return None, f"no counties known for state {state!r}"
    hits = by_name.get(key, [])
    if len(hits) == 1:
        return hits[0][0], "name"
    if len(hits) > 1:
        # 'Fairfax' names both Fairfax County and Fairfax city; without 'City' CMS means the county.
        counties = [h for h in hits if h[1] != _CITY_LSAD]
        if len(counties) == 1:
            return counties[0][0], "name (county, not the independent city)"
        return None, f"{len(hits)} counties named {name!r} in {state}"
    # 'La Salle' / 'LaSalle', 'De Kalb' / 'DeKalb', 'DeBaca' / 'De Baca': compare without spaces.
    squashed = [h for k, hs in by_name.items() if k.replace(" ", "") == key.replace(" ", "") for h in hs]
    if len(squashed) == 1:
        return squashed[0][0], "name (ignoring spaces)"
    if key.endswith(" city"):
        cities = [h for h in by_name.get(key[: -len(" city")], []) if h[1] == _CITY_LSAD]
        if len(cities) == 1:
            return cities[0][0], "name (independent city)"
    return None, f"no county named {name!r} in {state}"
