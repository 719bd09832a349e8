"""Benchmark networks import from each of the three published formats, refuse bad input whole, and stay
apart from our own providers. Fixtures: tests/benchmark_files.py (built to the published schemas) and CMS's
own Transparency in Coverage example files."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc

import pytest
from benchmark_files import (
    TIC_SAMPLES,
    demo_rows,
    plannet_resources,
    qhp_providers,
    tic_with_npis,
    write_json,
    write_large_tic,
    write_plannet_bundle,
    write_plannet_ndjson,
)
from map_scenario import open_demo_copy

from blueprint_desktop.data.benchmark_store import BenchmarkFileError, import_benchmark
from blueprint_desktop.data.benchmark_tic import read_tic
from blueprint_desktop.data.npi import npi_with_check_digit
from blueprint_desktop.data.phi import PhiRefused
from blueprint_desktop.store.migrations import SCHEMA_VERSION

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    project = open_demo_copy(tmp_path_factory, tmp_path)
    yield project
    project.close()


def _count(project, table: str) -> int:
    return project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _untouched(project, before: dict[str, int]) -> None:
    for table, n in before.items():
        assert _count(project, table) == n, table


def _snapshot(project) -> dict[str, int]:
    return {
        t: _count(project, t) for t in ("benchmark_networks", "benchmark_providers", "providers", "audit_log")
    }


def test_migration_11_adds_benchmark_tables_and_keeps_providers_to_our_sources(demo):
    # Migration 11 added them; later migrations (other features) keep them.
    assert SCHEMA_VERSION >= 11 and demo.schema_version == SCHEMA_VERSION
    tables = set(demo.db.table_names())
    assert {
        "benchmark_networks",
        "benchmark_providers",
        "benchmark_provider_lines",
        "benchmark_locations",
    } <= tables
    with pytest.raises(sqlite3.IntegrityError):  # a benchmark row can never enter our providers table
        demo.conn.execute("INSERT INTO providers(npi, name, source) VALUES ('1234567893', 'x', 'benchmark')")


def test_plannet_bundle_imports_practitioners_and_facilities_of_the_network(demo, tmp_path):
    people = demo_rows(demo, "market", ("008", "S03"), 6)
    facilities = demo_rows(demo, "market", ("040",), 2)
    others = demo_rows(demo, "market", ("011",), 2)
    resources = plannet_resources(people + facilities, other_rows=others)
    bundle = write_plannet_bundle(tmp_path / "directory.json", resources)
    roster_before = _count(demo, "providers")

    result = import_benchmark(demo, bundle, "plannet", network="GulfCompetitorNet")

    npis = {r["npi"] for r in people + facilities}
    assert result.name == "Gulf Competitor MA Network"  # the network Organization's name
    assert result.providers == len(npis)
    assert result.located_from_file == len(npis) and result.unlocated == 0
    assert result.summary["skipped_other_networks"] == len(others)
    stored = {r[0]: r[1] for r in demo.conn.execute("SELECT npi, entity_type FROM benchmark_providers")}
    assert set(stored) == npis
    assert {stored[r["npi"]] for r in facilities} == {"organization"}
    # Lines from the NUCC specialty through our crosswalk; the hospital is 040.
    lines = {r[0] for r in demo.conn.execute("SELECT line_code FROM benchmark_provider_lines")}
    assert "040" in lines
    # Positions kept exactly as the Location gave them.
    first = people[0]
    lat, lon, quality = demo.conn.execute(
        "SELECT latitude, longitude, geocode_quality FROM benchmark_locations bl JOIN benchmark_providers bp"
        " ON bp.id = bl.provider_id WHERE bp.npi = ? ORDER BY bl.id LIMIT 1",
        (first["npi"],),
    ).fetchone()
    assert (lat, lon, quality) == (pytest.approx(first["lat"]), pytest.approx(first["lon"]), "exact")
    assert _count(demo, "providers") == roster_before  # never mixed with ours
    # The same file again is recognised and changes nothing.
    again = import_benchmark(demo, bundle, "plannet", network="GulfCompetitorNet")
    assert again.already_imported and _count(demo, "benchmark_networks") == 1
    audit = demo.conn.execute(
        "SELECT detail_json FROM audit_log WHERE action = 'import.benchmark'"
    ).fetchall()
    assert len(audit) == 1 and json.loads(audit[0][0])["format"] == "plannet"


def test_plannet_ndjson_folder_reads_the_same_directory(demo, tmp_path):
    rows = demo_rows(demo, "market", ("008",), 4)
    resources = plannet_resources(rows)
    folder = write_plannet_ndjson(tmp_path / "export", resources)
    assert sorted(p.name for p in folder.iterdir())[:2] == ["InsurancePlan.ndjson", "Location.ndjson"]
    result = import_benchmark(demo, folder, "plannet", name="Bulk export")
    assert result.providers == len({r["npi"] for r in rows}) and result.name == "Bulk export"


def test_plannet_bad_npi_is_refused_with_entry_and_field_and_nothing_changes(demo, tmp_path):
    rows = demo_rows(demo, "market", ("008",), 2)
    resources = plannet_resources(rows)
    bad = next(r for r in resources if r["resourceType"] == "Practitioner")
    good = bad["identifier"][0]["value"]
    bad["identifier"][0]["value"] = good[:9] + str((int(good[9]) + 1) % 10)
    bundle = write_plannet_bundle(tmp_path / "bad.json", resources)
    before = _snapshot(demo)
    with pytest.raises(BenchmarkFileError) as err:
        import_benchmark(demo, bundle, "plannet")
    index = resources.index(bad)
    assert f"entry[{index}]" in str(err.value)
    assert "Practitioner.identifier[0].value" in str(err.value) and "check digit" in str(err.value)
    _untouched(demo, before)


def test_plannet_bad_position_and_member_resources_are_refused(demo, tmp_path):
    rows = demo_rows(demo, "market", ("008",), 1)
    resources = plannet_resources(rows)
    loc = next(r for r in resources if r["resourceType"] == "Location")
    loc["position"]["latitude"] = "29.7"
    with pytest.raises(BenchmarkFileError, match=r"Location.position.latitude: got '29.7'"):
        import_benchmark(demo, write_plannet_bundle(tmp_path / "pos.json", resources), "plannet")
    resources = plannet_resources(rows) + [{"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"}]
    with pytest.raises(PhiRefused, match="Patient resource is member-level"):
        import_benchmark(demo, write_plannet_bundle(tmp_path / "phi.json", resources), "plannet")
    assert _count(demo, "benchmark_networks") == 0


def test_plannet_unknown_network_names_the_networks_of_the_file(demo, tmp_path):
    bundle = write_plannet_bundle(
        tmp_path / "d.json", plannet_resources(demo_rows(demo, "market", ("008",), 1))
    )
    with pytest.raises(BenchmarkFileError, match="GulfCompetitorNet .Gulf Competitor MA Network."):
        import_benchmark(demo, bundle, "plannet", network="NoSuchNet")


def test_qhp_providers_json_imports_with_specialty_words_and_zip_centroids(demo, tmp_path):
    people = demo_rows(demo, "market", ("008", "011"), 4)
    hospitals = demo_rows(demo, "market", ("040",), 1)
    words = {"008": "Cardiology", "011": "Dermatology", "040": "Hospital"}
    data = qhp_providers(people + hospitals, words)
    data.append(dict(data[0], npi=None))  # the schema allows a null NPI: counted, not placed
    path = write_json(tmp_path / "providers.json", data)

    result = import_benchmark(demo, path, "qhp", name="Exchange issuer", network="12345TX0010001")

    assert result.providers == len({r["npi"] for r in people + hospitals})
    assert result.summary["without_npi"] == 1 and result.unlocated == 0
    q = demo.conn.execute(
        "SELECT bp.npi, group_concat(DISTINCT bpl.line_code), min(bl.geocode_quality), min(bl.county_fips)"
        " FROM benchmark_providers bp JOIN benchmark_provider_lines bpl ON bpl.provider_id = bp.id"
        " JOIN benchmark_locations bl ON bl.provider_id = bp.id GROUP BY bp.npi"
    ).fetchall()
    by_npi = {r[0]: r for r in q}
    for r in people + hospitals:
        assert r["line"] in by_npi[r["npi"]][1].split(","), (r, by_npi[r["npi"]])
        assert by_npi[r["npi"]][2] == "zip-centroid" and by_npi[r["npi"]][3].startswith("48")


def test_qhp_bad_entries_name_the_entry_and_field(demo, tmp_path):
    rows = demo_rows(demo, "market", ("008",), 3)
    data = qhp_providers(rows, {"008": "Cardiology"})
    data[1]["type"] = "PERSON"
    with pytest.raises(
        BenchmarkFileError, match=r"entry 2: type: got 'PERSON', expected INDIVIDUAL or FACILITY"
    ):
        import_benchmark(demo, write_json(tmp_path / "a.json", data), "qhp")
    data = qhp_providers(rows, {"008": "Cardiology"})
    data[2]["npi"] = "1234567890123949"  # the 16-digit value of CMS's README example breaks its own schema
    with pytest.raises(BenchmarkFileError, match=r"entry 3: npi: got '1234567890123949'"):
        import_benchmark(demo, write_json(tmp_path / "b.json", data), "qhp")
    data = qhp_providers(rows, {"008": "Cardiology"})
    data[0]["member_dob"] = "1950-02-03"
    with pytest.raises(PhiRefused, match="member_dob"):
        import_benchmark(demo, write_json(tmp_path / "c.json", data), "qhp")
    assert _count(demo, "benchmark_networks") == 0


def test_tic_cms_examples_are_read_streamed_with_their_placeholder_npis_counted():
    # CMS's examples: two provider references with network names; NPIs 1111111111... fail the check digit.
    providers, entries, summary = read_tic(TIC_SAMPLES / "in-network-rates-multiple-plans-sample.json")
    assert entries == 2 and providers == []
    assert summary["networks"] == {"ACME Choice Provider Group": 1, "ACME Choice Provider Group Plus": 1}
    assert summary["invalid_npis"] == 15 and summary["stopped_at_in_network"]
    assert summary["file"]["reporting_entity_name"] == "cms" and summary["file"]["version"] == "2.0.0"
    providers, entries, summary = read_tic(TIC_SAMPLES / "in-network-rates-all-negotiated-types-sample.json")
    assert summary["file"]["plan_name"] == "Plan D PPO" and summary["provider_groups"] == 3
    _, _, summary = read_tic(TIC_SAMPLES / "in-network-rates-no-npi.json")
    assert summary["provider_groups"] == 1


def test_tic_cms_example_with_valid_npis_imports_placed_from_the_market(demo, tmp_path):
    market = [r["npi"] for r in demo_rows(demo, "market", ("008", "S03"), 40)]
    a, b = sorted(set(market))[:2]
    unknown = npi_with_check_digit("333333333")
    path = tic_with_npis(
        "in-network-rates-fee-for-service-single-plan-sample.json",
        {"1111111111": a, "2222222222": b, "3333333333": unknown},
        tmp_path / "tic.json",
    )
    before = _snapshot(demo)
    with pytest.raises(BenchmarkFileError, match="a network_name of the file"):
        import_benchmark(demo, path, "tic", network="Nope")
    _untouched(demo, before)
    result = import_benchmark(demo, path, "tic", name="TiC", network="ACME Choice Provider Group Plus")
    assert result.providers == 3
    assert result.located_from_market == 2 and result.unlocated == 1  # counted, never dropped
    assert result.summary["unlocated_npis"] == [unknown]
    assert result.summary["skipped_other_networks"] == 1
    names = dict(demo.conn.execute("SELECT npi, name FROM benchmark_providers"))
    market_name = demo.conn.execute(
        "SELECT name FROM providers WHERE npi = ? AND source = 'market'", (a,)
    ).fetchone()[0]
    assert names[a] == market_name and names[unknown] == "Midland Medical Group"  # TIN business name


def test_tic_schema_breaks_refuse_the_file(demo, tmp_path):
    doc = json.loads((TIC_SAMPLES / "in-network-rates-no-npi.json").read_text())
    doc["provider_references"][0]["provider_groups"][0]["tin"] = {"value": "1234567890"}
    with pytest.raises(BenchmarkFileError, match=r"provider_references\[0\].provider_groups\[0\]: tin"):
        import_benchmark(demo, write_json(tmp_path / "t.json", doc), "tic")
    doc = json.loads((TIC_SAMPLES / "in-network-rates-no-npi.json").read_text())
    doc["provider_references"][0]["provider_groups"][0]["npi"] = ["abc"]
    with pytest.raises(BenchmarkFileError, match=r"npi\[0\]: got 'abc'"):
        import_benchmark(demo, write_json(tmp_path / "u.json", doc), "tic")
    assert _count(demo, "benchmark_networks") == 0


def test_tic_large_file_streams_in_constant_memory(tmp_path):
    npis = [npi_with_check_digit(f"1{n:08d}") for n in range(200)]
    big = write_large_tic(tmp_path / "big.json", npis, items=4000, references_first=False)
    size = big.stat().st_size
    assert size > 10_000_000
    tracemalloc.start()
    providers, _, summary = read_tic(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(providers) == 200 and not summary["stopped_at_in_network"]  # rates first: read to the end
    assert peak < 5_000_000, peak  # the rates are never held: memory does not grow with the file
    # References first (the usual order): reading stops at in_network.
    first = write_large_tic(tmp_path / "first.json", npis, items=4000)
    providers, _, summary = read_tic(first)
    assert len(providers) == 200 and summary["stopped_at_in_network"]
    assert summary["bytes_read"] < first.stat().st_size / 10


def _v1_rates_first(path, npis_ref: list[str], npis_inline: list[str]):
    """A version 1.x file, rates first, with one inline provider group in the rates and the top-level
    reporting_entity_name placed after everything (the schema fixes no order)."""
    group = {"npi": [int(n) for n in npis_inline], "tin": {"type": "ein", "value": "76-7654321"}}
    ref = {
        "provider_group_id": 7,
        "network_name": ["Gulf Choice"],
        "provider_groups": [
            {
                "npi": [int(n) for n in npis_ref],
                "tin": {"type": "ein", "value": "76-1", "business_name": "Ref"},
            }
        ],
    }
    doc = {
        "version": "1.3.1",
        "plan_name": "Gulf PPO",
        "in_network": [
            {
                "billing_code": "99213",
                "negotiated_rates": [
                    {"provider_groups": [group], "negotiated_prices": [{"negotiated_rate": 1.0}]},
                    {"provider_references": [7], "negotiated_prices": [{"negotiated_rate": 2.0}]},
                ],
            }
        ],
        "provider_references": [ref],
        "reporting_entity_name": "Gulf Competitor Health",
    }
    return write_json(path, doc)


def test_tic_reads_the_same_in_either_order_and_finds_inline_groups_and_late_fields(tmp_path):
    npis = [npi_with_check_digit(f"1{n:08d}") for n in range(50)]
    first = write_large_tic(tmp_path / "first.json", npis, items=300)
    last = write_large_tic(tmp_path / "last.json", npis, items=300, references_first=False)
    a, ea, sa = read_tic(first)
    b, eb, sb = read_tic(last)
    assert sa["stopped_at_in_network"] and not sb["stopped_at_in_network"]
    assert [vars(p) for p in a] == [vars(p) for p in b] and ea == eb == 1
    assert sb["bytes_read"] == last.stat().st_size and sa["file"] == sb["file"]
    # 1.x, rates first: the inline group (in the rates) and the references; the late required field.
    v1 = _v1_rates_first(tmp_path / "v1.json", npis[:3], npis[3:5])
    providers, entries, summary = read_tic(v1)
    assert sorted(p.npi for p in providers) == sorted(npis[:5]) and entries == 2
    assert (
        summary["inline_groups"] == 1 and summary["file"]["reporting_entity_name"] == "Gulf Competitor Health"
    )
    # Malformed JSON in the rates is still found when the whole file is read.
    broken = tmp_path / "broken.json"
    broken.write_text(last.read_text().replace('"negotiated_rate": 123.45', '"negotiated_rate": 12 3', 1))
    with pytest.raises(BenchmarkFileError, match="well-formed JSON"):
        read_tic(broken)


def test_a_cancel_inside_the_write_rolls_the_whole_network_back(demo, tmp_path):
    from blueprint_desktop.errors import Cancelled
    from blueprint_desktop.progress import Progress

    rows = demo_rows(demo, "market", ("007", "008"), 1500)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    before = _snapshot(demo)
    seen: list[str] = []

    def report(fraction: float, message: str) -> None:
        # The first report made inside the write transaction (rows already inserted by the next one).
        if demo.conn.in_transaction and not seen:
            seen.append(message)
            progress.cancel()

    progress = Progress(report, min_interval=0.0)
    with pytest.raises(Cancelled):
        import_benchmark(demo, bundle, "plannet", name="Rival", progress=progress)
    assert seen == ["writing the benchmark network"]
    _untouched(demo, before)
    assert _count(demo, "benchmark_locations") == 0 and not demo.conn.in_transaction
    # A cancel before anything was read also leaves nothing, and the same file imports afterwards.
    early = Progress(min_interval=0.0)
    early.cancel()
    with pytest.raises(Cancelled):
        import_benchmark(demo, bundle, "plannet", progress=early)
    _untouched(demo, before)
    assert import_benchmark(demo, bundle, "plannet", name="Rival").providers > 0
