"""Read an exchange issuer's machine-readable provider file: the QHP ``providers.json``.

Source of every field read: CMS, *QHP Provider and Formulary APIs*, "Providers - providers.json"
(https://github.com/CMSgov/QHP-provider-formulary-APIs, README.md and data/providers.json):

- a JSON array of providers, each with ``npi`` (string, 10 digits; the schema allows null), ``type``
  (``INDIVIDUAL`` or ``FACILITY``; the README's own example writes it lower case), ``plans[]`` (``plan_id_type``,
  ``plan_id`` the 14-character HIOS plan id, ``network_tier``; later revisions add ``years[]``);
- an individual: ``name`` (``prefix``, ``first``, ``middle``, ``last``, ``suffix``), ``address`` (``address``,
  ``address_2``, ``city``, ``state``, ``zip``), ``phone``, ``specialty``, ``accepting``;
- a facility: ``facility_name``, ``facility_type``, ``address``, ``phone``.

Later revisions of the schema carry ``addresses[]`` (a list of the same address objects) and ``specialty`` /
``facility_type`` as arrays of strings; both forms are read. The file has no coordinates: addresses are placed
by ZIP centroid. Its specialties are words, not NUCC codes: a specialty names an HSD line when it is the
line's CMS name (or a part of it, "OB/GYN"), or the NUCC classification or specialization of a taxonomy our
crosswalk maps ("Family Medicine" -> 207Q00000X -> S03). Words that name nothing are counted in the summary;
such a provider takes the lines our NPPES market gives its NPI.

The array is streamed (``ijson``), so an issuer's file of any size reads in constant memory.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from blueprint_desktop.data.benchmark_store import (
    BenchLocation,
    BenchmarkFileError,
    BenchProvider,
    require_json_start,
)
from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.data.phi import PhiRefused, header_reason
from blueprint_desktop.progress import Progress

TYPES = {"INDIVIDUAL": "individual", "FACILITY": "organization"}
# Facility types the README names ("Hospital") and usual spellings, to the NUCC code CMS's HSD facility
# lines take them as (282N00000X General Acute Care Hospital is what HSD 040 lists).
FACILITY_WORDS = {
    "hospital": "282N00000X",
    "acute care hospital": "282N00000X",
    "general acute care hospital": "282N00000X",
    "snf": "314000000X",
    "nursing home": "314000000X",
}
# Keys of the published schema; any other key is checked for member-level data (phi.header_reason).
KNOWN_KEYS = {
    "npi",
    "type",
    "plans",
    "name",
    "address",
    "addresses",
    "phone",
    "specialty",
    "accepting",
    "facility_name",
    "facility_type",
    "languages",
    "gender",
    "last_updated_on",
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


@lru_cache(maxsize=1)
def _word_table() -> dict[str, tuple[str | None, str | None]]:
    """Normalised words -> (taxonomy, hsd code): NUCC names first, then the HSD line names."""
    from blueprint_desktop.rules.crosswalk import hsd_codes_for_taxonomy, load_nucc_codes
    from blueprint_desktop.rules.other_lines import taxonomy_lines
    from blueprint_desktop.rules.standards import load_base_table

    # Taxonomies of the Medicaid/QHP lines with no HSD code are named too: whether they credit a line is
    # the project's line of business's to say (benchmark_store.lines_for_taxonomies).
    other = taxonomy_lines("qhp")
    table: dict[str, tuple[str | None, str | None]] = {}
    spec_names: dict[str, list[str]] = {}
    for code, entry in load_nucc_codes().items():
        if not hsd_codes_for_taxonomy(code) and code not in other:
            continue
        if entry.specialization:
            spec_names.setdefault(_norm(entry.specialization), []).append(code)
        else:
            table.setdefault(_norm(entry.classification), (code, None))
        table.setdefault(_norm(entry.name), (code, None))
    for word, codes in spec_names.items():
        if len(codes) == 1:  # "Cardiovascular Disease" is one code; an ambiguous specialization is no answer
            table.setdefault(word, (codes[0], None))
    for line in load_base_table().lines:
        table.setdefault(_norm(line.name), (None, line.code))
        for part in re.split(r"[,/]| - ", line.name):
            if len(_norm(part)) > 3:
                table.setdefault(_norm(part), (None, line.code))
    for word, code in FACILITY_WORDS.items():
        table.setdefault(word, (code, None))
    return table


def words_to_lines(words: list[str]) -> tuple[list[str], dict[str, str | None], list[str]]:
    """(taxonomies, direct HSD lines, words that named nothing) for specialty or facility-type words."""
    taxonomies: list[str] = []
    lines: dict[str, str | None] = {}
    unknown: list[str] = []
    table = _word_table()
    for word in words:
        hit = table.get(_norm(word))
        if hit is None:
            unknown.append(word)
        elif hit[0]:
            taxonomies.append(hit[0])
        else:
            lines.setdefault(str(hit[1]), None)
    return taxonomies, lines, unknown


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str) and v.strip()]
    return []


def _address(path: Path, i: int, fld: str, a: Any) -> BenchLocation:
    if not isinstance(a, dict):
        raise BenchmarkFileError(path, i, fld, a, "an address object {address, address_2, city, state, zip}")
    street = ", ".join(str(a[k]) for k in ("address", "address_2") if a.get(k))
    return BenchLocation(
        street or None, a.get("city"), a.get("state"), str(a["zip"]) if a.get("zip") else None
    )


def _provider(path: Path, i: int, item: Any, plan: str | None, stats: dict[str, Any]) -> BenchProvider | None:
    if not isinstance(item, dict):
        raise BenchmarkFileError(path, i, "(provider)", item, "a provider object")
    for key in item:
        if key not in KNOWN_KEYS and header_reason(key, provider_file=True):
            raise PhiRefused(
                f"{path.name}: entry {i}: refused: field {key!r} looks like member-level data "
                f"({header_reason(key, provider_file=True)}); a providers.json lists providers only; "
                "nothing was imported"
            )
    kind = TYPES.get(str(item.get("type") or "").strip().upper())
    if kind is None:
        raise BenchmarkFileError(path, i, "type", item.get("type"), "INDIVIDUAL or FACILITY")
    npi = item.get("npi")
    if npi is None:
        stats["without_npi"] += 1  # the schema allows null; nothing to identify or place it by
        return None
    if not isinstance(npi, str) or not is_valid_npi(npi):
        raise BenchmarkFileError(path, i, "npi", npi, "a 10-digit NPI string with a valid check digit")
    plans = item.get("plans")
    if not isinstance(plans, list) or not all(isinstance(p, dict) and p.get("plan_id") for p in plans):
        raise BenchmarkFileError(
            path, i, "plans", plans, "an array of {plan_id_type, plan_id, network_tier} (CMS QHP schema)"
        )
    for p in plans:
        stats["plans"].setdefault(str(p["plan_id"]), set()).add(str(p.get("network_tier") or ""))
    if plan and not any(str(p["plan_id"]) == plan for p in plans):
        stats["skipped_other_networks"] += 1
        return None
    addresses = [_address(path, i, "address", item["address"])] if "address" in item else []
    for k, a in enumerate(item.get("addresses") or []):
        addresses.append(_address(path, i, f"addresses[{k}]", a))
    if kind == "individual":
        name = item.get("name")
        if not isinstance(name, dict):
            raise BenchmarkFileError(path, i, "name", name, "a name object {first, middle, last}")
        text = " ".join(str(name[k]) for k in ("prefix", "first", "middle", "last", "suffix") if name.get(k))
        words = _as_list(item.get("specialty"))
    else:
        text = str(item.get("facility_name") or "")
        words = _as_list(item.get("facility_type"))
    taxonomies, lines, unknown = words_to_lines(words)
    for w in unknown:
        stats["unmapped_specialties"][w] = stats["unmapped_specialties"].get(w, 0) + 1
    return BenchProvider(npi, text or f"NPI {npi}", kind, None, taxonomies, lines, addresses)


def read_qhp(
    path: Path | str, network: str | None = None, progress: Progress | None = None
) -> tuple[list[BenchProvider], int, dict[str, Any]]:
    """Providers of a QHP providers.json (of one plan when ``network`` is its HIOS plan_id)."""
    import ijson

    path = Path(path)
    progress = progress or Progress()
    require_json_start(path, b"[", "a JSON array of providers (CMS QHP providers.json)")
    stats: dict[str, Any] = {
        "without_npi": 0,
        "skipped_other_networks": 0,
        "plans": {},
        "unmapped_specialties": {},
    }
    providers: list[BenchProvider] = []
    size = max(1, path.stat().st_size)
    n = 0
    try:
        with path.open("rb") as fh:
            for n, item in enumerate(ijson.items(fh, "item", use_float=True), 1):
                p = _provider(path, n, item, network, stats)
                if p is not None:
                    providers.append(p)
                if n % 5000 == 0:
                    progress.update(fh.tell() / size, f"{n:,} providers read")
    except ijson.JSONError as exc:
        raise BenchmarkFileError(path, n + 1, "(JSON)", path.name, f"well-formed JSON: {exc}") from None
    if network and network not in stats["plans"]:
        shown = ", ".join(sorted(stats["plans"])[:10]) or "none"
        raise BenchmarkFileError(path, None, "--network", network, f"a plan_id of the file: {shown}")
    summary = {
        "without_npi": stats["without_npi"],
        "skipped_other_networks": stats["skipped_other_networks"],
        "plans": {k: sorted(v) for k, v in sorted(stats["plans"].items())},
        "unmapped_specialties": stats["unmapped_specialties"],
        "network_name": f"QHP plan {network}" if network else None,
    }
    return providers, n, summary
