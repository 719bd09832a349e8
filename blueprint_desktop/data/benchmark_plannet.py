"""Read an MA plan's CMS-mandated provider directory: FHIR R4, Da Vinci PDex Plan-Net profiles.

Source of every field read (HL7 Da Vinci PDex Plan-Net IG, STU 1.2.0,
http://hl7.org/fhir/us/davinci-pdex-plan-net/):

- ``Practitioner.identifier`` with system ``http://hl7.org/fhir/sid/us-npi``: the NPI (plannet-Practitioner;
  US Core NPI slice). ``Practitioner.name`` (HumanName: text, or given + family).
- ``PractitionerRole``: ``practitioner``, ``location[]`` (Reference(plannet-Location)), ``specialty[]``
  (codings of ``http://nucc.org/provider-taxonomy``), ``active``, and the network it participates in
  through the extension ``http://hl7.org/fhir/us/davinci-pdex-plan-net/StructureDefinition/network-reference``
  (``valueReference`` to a plannet-Network, an Organization of type ``ntwk``).
- ``OrganizationAffiliation``: a facility's (``participatingOrganization``) participation in ``network[]``
  at ``location[]`` with ``specialty[]`` (plannet-OrganizationAffiliation).
- ``Organization``: ``identifier`` (us-npi), ``name``, ``type`` (``OrgTypeCS``: ``ntwk`` = a network,
  plannet-Network).
- ``Location.position`` (``latitude``, ``longitude``, decimal WGS84) and ``Location.address`` (``line[]``,
  ``city``, ``state``, ``postalCode``) (plannet-Location, US Core Location).
- ``InsurancePlan.network[]``: the networks a plan uses (plannet-InsurancePlan), used for the name.

Input: a Bundle (``entry[].resource``, streamed), a single resource, NDJSON (one resource a line, as a
FHIR bulk export writes, streamed), or a folder of such files (one per resource type). A resource type that
carries member data (Patient, Coverage, Claim, ExplanationOfBenefit...) refuses the file: a provider
directory never holds PHI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.data.benchmark_store import (
    BenchLocation,
    BenchmarkFileError,
    BenchProvider,
    require_json_start,
)
from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.data.phi import PhiRefused
from blueprint_desktop.progress import Progress

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
NETWORK_REFERENCE = "http://hl7.org/fhir/us/davinci-pdex-plan-net/StructureDefinition/network-reference"
ORG_TYPE_SYSTEM = "http://hl7.org/fhir/us/davinci-pdex-plan-net/CodeSystem/OrgTypeCS"
# Resource types that describe members, never providers: their presence means the file is not a directory.
MEMBER_RESOURCES = {
    "Patient",
    "Coverage",
    "Claim",
    "ClaimResponse",
    "ExplanationOfBenefit",
    "Encounter",
    "Condition",
    "Observation",
    "RelatedPerson",
    "Person",
    "MedicationRequest",
    "AllergyIntolerance",
}
FILE_SUFFIXES = (".json", ".ndjson", ".jsonl")


@dataclass
class _Dir:
    practitioners: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # key -> (npi, name)
    orgs: dict[str, tuple[str | None, str, bool]] = field(
        default_factory=dict
    )  # key -> (npi, name, is_network)
    locations: dict[str, BenchLocation] = field(default_factory=dict)
    roles: list[tuple[str, str | None, list[str], list[str], list[str]]] = field(default_factory=list)
    affiliations: list[tuple[str, str | None, list[str], list[str], list[str]]] = field(default_factory=list)
    plans: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # Bundle fullUrl -> Type/id
    counts: dict[str, int] = field(default_factory=dict)


def _iter_file(path: Path) -> Iterator[tuple[str, Any, str | None]]:
    """(where, resource, fullUrl) for every resource of one file, streamed."""
    import ijson

    if path.suffix.lower() in (".ndjson", ".jsonl"):
        import json

        with path.open("rb") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield f"line {n}", json.loads(line), None
                except ValueError as exc:
                    raise BenchmarkFileError(
                        path,
                        f"line {n}",
                        "(JSON)",
                        line[:40].decode("utf-8", "replace"),
                        f"one FHIR resource per line (NDJSON): {exc}",
                    ) from None
        return
    require_json_start(path, b"{", "a FHIR JSON resource or Bundle ({...}), or NDJSON")
    try:
        with path.open("rb") as fh:
            kind = next((v for p, e, v in ijson.parse(fh) if p == "resourceType"), None)
        if kind != "Bundle":
            import json

            with path.open("rb") as fh:
                yield "resource", json.load(fh), None
            return
        with path.open("rb") as fh:
            for i, entry in enumerate(ijson.items(fh, "entry.item", use_float=True)):
                if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                    raise BenchmarkFileError(
                        path, f"entry[{i}]", "resource", entry, "a Bundle entry holding a FHIR resource"
                    )
                yield f"entry[{i}]", entry["resource"], entry.get("fullUrl")
    except ijson.JSONError as exc:
        raise BenchmarkFileError(path, None, "(JSON)", path.name, f"well-formed JSON: {exc}") from None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES and p.is_file())
        if not files:
            raise BenchmarkFileError(
                path, None, "(folder)", path.name, "a folder of FHIR .json or .ndjson files"
            )
        return files
    return [path]


def _ref_key(ref: Any) -> str | None:
    """'Location/HospLoc1' from 'Location/HospLoc1', 'https://x/fhir/Location/HospLoc1' or a fullUrl."""
    if not isinstance(ref, dict):
        return None
    text = ref.get("reference")
    if not isinstance(text, str) or not text:
        return None
    if text.startswith("urn:"):
        return text
    parts = text.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:]) if len(parts) >= 2 else text


def _npi_of(resource: dict, path: Path, where: str) -> str | None:
    for k, ident in enumerate(resource.get("identifier") or []):
        if isinstance(ident, dict) and ident.get("system") == NPI_SYSTEM:
            value = str(ident.get("value") or "").strip()
            if not is_valid_npi(value):
                raise BenchmarkFileError(
                    path,
                    where,
                    f"{resource.get('resourceType')}.identifier[{k}].value",
                    value,
                    f"a 10-digit NPI with a valid check digit (system {NPI_SYSTEM})",
                )
            return value
    return None


def _human_name(resource: dict) -> str:
    for name in resource.get("name") or []:
        if not isinstance(name, dict):
            continue
        if name.get("text"):
            return str(name["text"])
        parts = [
            *(name.get("prefix") or []),
            *(name.get("given") or []),
            name.get("family") or "",
            *(name.get("suffix") or []),
        ]
        text = " ".join(str(p) for p in parts if p)
        if text:
            return text
    return ""


def _nucc(concepts: Any) -> list[str]:
    out = []
    for concept in concepts or []:
        for coding in (concept or {}).get("coding") or []:
            if isinstance(coding, dict) and coding.get("system") == NUCC_SYSTEM and coding.get("code"):
                out.append(str(coding["code"]).strip().upper())
    return out


def _refs(values: Any) -> list[str]:
    return [k for k in (_ref_key(v) for v in values or []) if k]


def _location(resource: dict, path: Path, where: str) -> BenchLocation:
    addr = resource.get("address") or {}
    if not isinstance(addr, dict):
        raise BenchmarkFileError(path, where, "Location.address", addr, "a FHIR Address object")
    lines = [str(x) for x in addr.get("line") or [] if x]
    loc = BenchLocation(
        address=", ".join(lines) or None,
        city=addr.get("city"),
        state=addr.get("state"),
        zip=str(addr.get("postalCode")) if addr.get("postalCode") else None,
    )
    pos = resource.get("position")
    if pos is not None:
        lat, lon = (pos or {}).get("latitude"), (pos or {}).get("longitude")
        for name, v, lim in (("latitude", lat, 90), ("longitude", lon, 180)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not -lim <= v <= lim:
                raise BenchmarkFileError(
                    path,
                    where,
                    f"Location.position.{name}",
                    v,
                    f"a decimal number of degrees between -{lim} and {lim}",
                )
        loc.lat, loc.lon, loc.geocode_quality = float(lat), float(lon), "exact"
    return loc


def _collect(d: _Dir, resource: Any, path: Path, where: str, full_url: str | None) -> None:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise BenchmarkFileError(path, where, "resourceType", resource, "a FHIR resource with a resourceType")
    kind = resource["resourceType"]
    if kind in MEMBER_RESOURCES:
        raise PhiRefused(
            f"{path.name}: {where}: refused: a {kind} resource is member-level data (PHI); a provider "
            "directory holds only Practitioner, PractitionerRole, Organization, Location and InsurancePlan; "
            "nothing was imported"
        )
    if kind == "Bundle":  # a Bundle inside an NDJSON line or a folder file: read its entries
        for i, entry in enumerate(resource.get("entry") or []):
            _collect(
                d, (entry or {}).get("resource"), path, f"{where} entry[{i}]", (entry or {}).get("fullUrl")
            )
        return
    d.counts[kind] = d.counts.get(kind, 0) + 1
    rid = str(resource.get("id") or "")
    key = f"{kind}/{rid}"
    if full_url:
        d.aliases[full_url] = key
    if kind == "Practitioner":
        d.practitioners[key] = (_npi_of(resource, path, where), _human_name(resource))
    elif kind == "Organization":
        is_network = any(
            c.get("system") == ORG_TYPE_SYSTEM and c.get("code") == "ntwk"
            for t in resource.get("type") or []
            for c in (t or {}).get("coding") or []
            if isinstance(c, dict)
        )
        d.orgs[key] = (_npi_of(resource, path, where), str(resource.get("name") or ""), is_network)
    elif kind == "Location":
        d.locations[key] = _location(resource, path, where)
    elif kind in ("PractitionerRole", "OrganizationAffiliation"):
        if resource.get("active") is False:
            d.counts["inactive_" + kind] = d.counts.get("inactive_" + kind, 0) + 1
            return
        specialties = _nucc(resource.get("specialty"))
        locations = _refs(resource.get("location"))
        if kind == "PractitionerRole":
            networks = [
                k
                for k in (
                    _ref_key(e.get("valueReference"))
                    for e in resource.get("extension") or []
                    if isinstance(e, dict) and e.get("url") == NETWORK_REFERENCE
                )
                if k
            ]
            d.roles.append((where, _ref_key(resource.get("practitioner")), networks, specialties, locations))
        else:
            d.affiliations.append(
                (
                    where,
                    _ref_key(resource.get("participatingOrganization")),
                    _refs(resource.get("network")),
                    specialties,
                    locations,
                )
            )
    elif kind == "InsurancePlan":
        d.plans[key] = (str(resource.get("name") or ""), _refs(resource.get("network")))


def read_plannet(
    path: Path | str, network: str | None = None, progress: Progress | None = None
) -> tuple[list[BenchProvider], int, dict[str, Any]]:
    """Providers of a Plan-Net directory (of one network when ``network`` names its id or name)."""
    path = Path(path)
    progress = progress or Progress()
    d = _Dir()
    entries = 0
    files = _files(path)
    for n, f in enumerate(files):
        progress.update(n / len(files), f"reading {f.name}")
        for where, resource, full_url in _iter_file(f):
            entries += 1
            if (
                entries % 2000 == 0
            ):  # a directory Bundle can hold millions of resources: report, hear a cancel
                progress.update(n / len(files), f"{entries:,} resources read")
            _collect(d, resource, f, where if len(files) == 1 else f"{f.name} {where}", full_url)

    def resolve(key: str | None) -> str | None:
        return d.aliases.get(key, key) if key else None

    networks = {k: v[1] for k, v in d.orgs.items() if v[2]}
    wanted: set[str] | None = None
    if network:
        wanted = {
            k
            for k, name in networks.items()
            if network in (k, k.split("/", 1)[1]) or name.strip().lower() == network.strip().lower()
        }
        if not wanted:
            shown = "; ".join(f"{k.split('/', 1)[1]} ({name})" for k, name in networks.items()) or "none"
            raise BenchmarkFileError(path, None, "--network", network, f"a network of the file: {shown}")
    providers: list[BenchProvider] = []
    skipped = {"roles_without_npi": 0, "skipped_other_networks": 0, "unresolved_references": 0}
    for kind, items in (("individual", d.roles), ("organization", d.affiliations)):
        for _where, who, nets, specialties, locs in items:
            nets = [resolve(k) for k in nets]
            if wanted is not None and not wanted.intersection(nets):
                skipped["skipped_other_networks"] += 1
                continue
            who = resolve(who)
            rec = (d.practitioners if kind == "individual" else d.orgs).get(who or "")
            if rec is None or not rec[0]:
                skipped["roles_without_npi"] += 1
                continue
            places = []
            for key in locs:
                loc = d.locations.get(resolve(key) or "")
                if loc is None:
                    skipped["unresolved_references"] += 1
                else:
                    places.append(BenchLocation(**vars(loc)))
            providers.append(
                BenchProvider(rec[0], rec[1] or f"NPI {rec[0]}", kind, None, specialties, {}, places)
            )
    name = None
    if wanted:
        name = networks[sorted(wanted)[0]]
    elif len(networks) == 1:
        name = next(iter(networks.values()))
    summary: dict[str, Any] = {
        "resources": d.counts,
        "networks": {k.split("/", 1)[1]: v for k, v in networks.items()},
        "insurance_plans": [v[0] for v in d.plans.values() if v[0]],
        "network_name": name,
        **skipped,
    }
    progress.update(1.0, "read")
    return providers, entries, summary
