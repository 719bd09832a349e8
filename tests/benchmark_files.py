"""Fixture builders for benchmark (competitor) network files, each written to its published schema.

- Plan-Net: HL7 Da Vinci PDex Plan-Net IG STU 1.2.0, http://hl7.org/fhir/us/davinci-pdex-plan-net/
  (profiles plannet-Practitioner, plannet-PractitionerRole with the network-reference extension,
  plannet-Organization, plannet-Network (Organization type ``ntwk`` of OrgTypeCS), plannet-Location,
  plannet-OrganizationAffiliation, plannet-InsurancePlan; modelled on the IG's examples JoeSmithRole1,
  HospLoc1, AcmeofCTStdNet).
- QHP providers.json: CMS QHP Provider and Formulary APIs, https://github.com/CMSgov/QHP-provider-formulary-APIs
  (README.md "Providers - providers.json" and data/providers.json).
- TiC in-network rates: CMS price-transparency-guide schemas/in-network-rates (v2.0.0); CMS's own example files
  are in /work/shared/data/real/tic/ and are read by the tests directly.

The providers are real rows of the demo project (its NPPES market and roster), so the networks place, score
and compare against ours.
"""

from __future__ import annotations

import json
from pathlib import Path

PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"
TIC_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "tic"


def demo_rows(
    project, source: str, lines: tuple[str, ...], limit: int, credited_only: bool = False
) -> list[dict]:
    """Providers of the demo (npi, name, entity, taxonomy, line, address, point) on ``lines``."""
    extra = (
        " AND p.contract_status = 'executed' AND p.credentialing_status IN ('active', 'provisional')"
        if (credited_only)
        else ""
    )
    marks = ",".join("?" * len(lines))
    rows = project.conn.execute(
        "SELECT p.npi, p.name, p.entity_type, pl.taxonomy_code, pl.line_code, l.address, l.city, l.state, l.zip,"
        " l.latitude, l.longitude FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        f" JOIN locations l ON l.provider_id = p.id WHERE p.source = ? AND pl.line_code IN ({marks})"
        f" AND pl.taxonomy_code IS NOT NULL AND l.latitude IS NOT NULL{extra} ORDER BY p.npi, l.id LIMIT ?",
        (source, *lines, limit),
    ).fetchall()
    keys = ["npi", "name", "entity", "taxonomy", "line", "address", "city", "state", "zip", "lat", "lon"]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _meta(profile: str) -> dict:
    return {"lastUpdated": "2026-10-01T00:00:00Z", "profile": [f"{PLAN_NET}/StructureDefinition/{profile}"]}


def plannet_resources(
    rows: list[dict], network_id: str = "GulfCompetitorNet", other_rows: list[dict] | None = None
) -> list[dict]:
    """A Plan-Net directory: a network, an insurance plan, and per row a Practitioner (or facility
    Organization), a Location and a PractitionerRole (or OrganizationAffiliation) in that network.
    ``other_rows`` go into a second network (``OtherNet``), to test ``--network``."""
    res: list[dict] = []
    for net, name in ((network_id, "Gulf Competitor MA Network"), ("OtherNet", "Other Commercial Network")):
        res.append(
            {
                "resourceType": "Organization",
                "id": net,
                "meta": _meta("plannet-Network"),
                "active": True,
                "type": [
                    {
                        "coding": [
                            {
                                "system": f"{PLAN_NET}/CodeSystem/OrgTypeCS",
                                "code": "ntwk",
                                "display": "Network",
                            }
                        ]
                    }
                ],
                "name": name,
            }
        )
    res.append(
        {
            "resourceType": "InsurancePlan",
            "id": "GulfCompetitorHMO",
            "meta": _meta("plannet-InsurancePlan"),
            "status": "active",
            "name": "Gulf Competitor Medicare Advantage HMO",
            "type": [
                {"coding": [{"system": f"{PLAN_NET}/CodeSystem/InsuranceProductTypeCS", "code": "medicare"}]}
            ],
            "network": [{"reference": f"Organization/{network_id}"}],
        }
    )
    for net, group in ((network_id, rows), ("OtherNet", other_rows or [])):
        for k, r in enumerate(group):
            key = f"{net}-{k}"
            res.append(
                {
                    "resourceType": "Location",
                    "id": f"Loc-{key}",
                    "meta": _meta("plannet-Location"),
                    "status": "active",
                    "name": f"{r['name']} office",
                    "address": {
                        "line": [r["address"]],
                        "city": r["city"],
                        "state": r["state"],
                        "postalCode": r["zip"],
                    },
                    "position": {"longitude": r["lon"], "latitude": r["lat"]},
                }
            )
            specialty = [{"coding": [{"system": NUCC, "code": r["taxonomy"]}]}]
            network_ext = [
                {
                    "url": f"{PLAN_NET}/StructureDefinition/network-reference",
                    "valueReference": {"reference": f"Organization/{net}"},
                }
            ]
            if r["entity"] == "organization":
                res.append(
                    {
                        "resourceType": "Organization",
                        "id": f"Org-{key}",
                        "meta": _meta("plannet-Organization"),
                        "active": True,
                        "name": r["name"],
                        "identifier": [{"system": NPI_SYSTEM, "value": r["npi"]}],
                        "type": [{"coding": [{"system": f"{PLAN_NET}/CodeSystem/OrgTypeCS", "code": "fac"}]}],
                    }
                )
                res.append(
                    {
                        "resourceType": "OrganizationAffiliation",
                        "id": f"Aff-{key}",
                        "meta": _meta("plannet-OrganizationAffiliation"),
                        "active": True,
                        "organization": {"reference": f"Organization/{net}"},
                        "participatingOrganization": {"reference": f"Organization/Org-{key}"},
                        "network": [{"reference": f"Organization/{net}"}],
                        "specialty": specialty,
                        "location": [{"reference": f"Location/Loc-{key}"}],
                    }
                )
            else:
                family, _, given = r["name"].partition(", ")
                res.append(
                    {
                        "resourceType": "Practitioner",
                        "id": f"Pr-{key}",
                        "meta": _meta("plannet-Practitioner"),
                        "active": True,
                        "identifier": [{"use": "official", "system": NPI_SYSTEM, "value": r["npi"]}],
                        "name": [{"text": r["name"], "family": family or r["name"]}],
                    }
                )
                res.append(
                    {
                        "resourceType": "PractitionerRole",
                        "id": f"Role-{key}",
                        "meta": _meta("plannet-PractitionerRole"),
                        "extension": network_ext,
                        "active": True,
                        "practitioner": {"reference": f"Practitioner/Pr-{key}"},
                        "specialty": specialty,
                        "location": [{"reference": f"Location/Loc-{key}"}],
                    }
                )
    return res


def write_plannet_bundle(path: Path, resources: list[dict]) -> Path:
    bundle = {
        "resourceType": "Bundle",
        "id": "gulf-competitor-directory",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"https://directory.example.org/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
    path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    return path


def write_plannet_ndjson(folder: Path, resources: list[dict]) -> Path:
    """A FHIR bulk export: one NDJSON file per resource type."""
    folder.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[dict]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    for kind, items in by_type.items():
        (folder / f"{kind}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    return folder


def qhp_providers(
    rows: list[dict], specialty_words: dict[str, str], plan_id: str = "12345TX0010001"
) -> list[dict]:
    """providers.json entries for ``rows``; ``specialty_words`` maps an HSD line to the words the issuer uses."""
    out = []
    for r in rows:
        plans = [{"plan_id_type": "HIOS-PLAN-ID", "plan_id": plan_id, "network_tier": "PREFERRED"}]
        address = {"address": r["address"], "city": r["city"], "state": r["state"], "zip": r["zip"]}
        if r["entity"] == "organization":
            out.append(
                {
                    "npi": r["npi"],
                    "type": "FACILITY",
                    "facility_name": r["name"],
                    "facility_type": specialty_words.get(r["line"], "Hospital"),
                    "address": address,
                    "phone": "7135550100",
                    "plans": plans,
                }
            )
        else:
            parts = r["name"].replace(",", "").split()
            out.append(
                {
                    "npi": r["npi"],
                    "type": "INDIVIDUAL",
                    "name": {"first": parts[0], "middle": "", "last": parts[-1]},
                    "address": address,
                    "phone": "7135550101",
                    "specialty": specialty_words.get(r["line"], "Cardiology"),
                    "accepting": True,
                    "plans": plans,
                }
            )
    return out


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def tic_with_npis(sample: str, replacements: dict[str, str], path: Path) -> Path:
    """CMS's sample in-network file with its placeholder NPIs replaced (they fail the check digit)."""
    text = (TIC_SAMPLES / sample).read_text(encoding="utf-8")
    for old, new in replacements.items():
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


def write_large_tic(
    path: Path, npis: list[str], items: int, rates_per_item: int = 20, references_first: bool = True
) -> Path:
    """A TiC v2.0.0 in-network file with ``items`` billing codes of negotiated rates (the bulk of real files),
    written as a stream. ``references_first`` False puts in_network before provider_references."""
    refs = {
        "provider_group_id": 1,
        "network_name": ["Gulf Choice"],
        "provider_groups": [
            {
                "npi": [int(n) for n in npis],
                "tin": {"type": "ein", "value": "76-1234567", "business_name": "Gulf Physicians"},
            }
        ],
    }
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '{"reporting_entity_name": "Gulf Competitor Health", "reporting_entity_type": "health insurance'
            ' issuer", "plan_name": "Gulf PPO", "plan_id_type": "ein", "plan_id": "761234567", '
            '"plan_market_type": "group", "last_updated_on": "2026-10-01", "version": "2.0.0",\n'
        )
        if references_first:
            fh.write(f'"provider_references": [{json.dumps(refs)}],\n')
        fh.write('"in_network": [\n')
        price = (
            '{"negotiated_type": "negotiated", "negotiated_rate": 123.45, "expiration_date": "9999-12-31",'
            ' "service_code": ["11", "22"], "billing_class": "professional"}'
        )
        for i in range(items):
            rates = ",".join(
                f'{{"provider_references": [1], "negotiated_prices": [{price}]}}'
                for _ in range(rates_per_item)
            )
            sep = "," if i < items - 1 else ""
            fh.write(
                f'{{"negotiation_arrangement": "ffs", "name": "Code {i}", "billing_code_type": "CPT", '
                f'"billing_code_type_version": "2026", "billing_code": "{10000 + i}", "description": '
                f'"Procedure {i}", "negotiated_rates": [{rates}]}}{sep}\n'
            )
        fh.write("]")
        if not references_first:
            fh.write(f',\n"provider_references": [{json.dumps(refs)}]')
        fh.write("}\n")
    return path
