"""The roster and geocoding commands: template, import (refused / skipping / mapped / JSON), the Census
round trip through ``export geocode-request`` and ``import geocodes``."""

from __future__ import annotations

import csv
import json

from roster_files import CARDIO, NEURO, provider_row, provider_table, template_file, template_row, write_csv

from blueprint_desktop.cli import main
from blueprint_desktop.store import open_project


def _bad_table(tmp_path):
    return provider_table(
        tmp_path / "roster.csv",
        [
            provider_row(CARDIO, "Dr. Ada Heart", "008"),
            provider_row("1234567890", "Dr. Typo", "008"),
            provider_row(NEURO, "Dr. Cy Neuro", "099"),
        ],
    )


def test_template_roster(tmp_path, capsys) -> None:
    assert main(["template", "roster", str(tmp_path / "t.xlsx")]) == 0
    assert main(["template", "roster", str(tmp_path / "t.csv")]) == 0
    assert "wrote the roster template" in capsys.readouterr().out
    with (tmp_path / "t.csv").open() as fh:
        assert next(csv.reader(fh))[:3] == ["npi", "name", "entity_type"]
    assert main(["template", "roster", str(tmp_path / "t.txt")]) == 2


def test_refused_import_lists_every_problem_and_writes_the_report(project_path, tmp_path, capsys) -> None:
    path = _bad_table(tmp_path)
    assert main(["import", "roster", str(project_path), str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"{path}:3: National Provider Identifier (NPI) Number: got 1234567890, expected a valid NPI check digit "
        "(45 CFR 162.406; for 123456789 the 10th digit is 3)"
    )
    assert err[1].startswith(
        f"{path}:4: Provider Specialty Code: got 099, expected a provider specialty code"
    )
    assert err[2].startswith("blueprint: error: roster.csv: refused, 2 problem(s) in 2 row(s)")
    report = tmp_path / "roster.csv.problems.csv"
    assert err[3] == f"blueprint: problem report written to {report}"
    with report.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["row"], r["column"], r["value"]) for r in rows] == [
        ("3", "National Provider Identifier (NPI) Number", "1234567890"),
        ("4", "Provider Specialty Code", "099"),
    ]
    with open_project(project_path) as project:
        assert project.conn.execute("SELECT count(*) FROM providers").fetchone() == (0,)


def test_skip_bad_rows_with_json_and_an_errors_path(project_path, tmp_path, capsys) -> None:
    out = tmp_path / "errs.csv"
    code = main(
        [
            "import",
            "roster",
            str(project_path),
            str(_bad_table(tmp_path)),
            "--skip-bad-rows",
            "--errors",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert (data["rows_imported"], data["rows_rejected"], data["problems_file"]) == (1, 2, str(out))
    assert data["changes"]["counts"] == {"added": 1, "dropped": 0, "changed": 0}
    assert len(captured.err.strip().splitlines()) == 2 and out.exists()
    # Again: recognised by its hash.
    assert main(["import", "roster", str(project_path), str(_bad_table(tmp_path)), "--skip-bad-rows"]) == 0
    assert "already imported as batch 1; nothing changed" in capsys.readouterr().out


def test_import_with_a_mapping_file_and_the_summary(project_path, tmp_path, capsys) -> None:
    headers = ["Prov NPI", "Full Name", "HSD", "ST", "Postal", "Contract", "Cred"]
    path = write_csv(
        tmp_path / "custom.csv",
        headers,
        [dict(zip(headers, [CARDIO, "Dr. A", "008", "TX", "77030", "Executed", "Active"], strict=True))],
    )
    assert main(["import", "roster", str(project_path), str(path)]) == 2
    assert "give a column mapping" in capsys.readouterr().err
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "npi": "Prov NPI",
                "name": "Full Name",
                "specialty_code": "HSD",
                "state": "ST",
                "zip": "Postal",
                "contract_status": "Contract",
                "credentialing_status": "Cred",
            }
        )
    )
    assert main(["import", "roster", str(project_path), str(path), "--mapping", str(mapping)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0] == "imported 1 of 1 rows (provider roster, layout mapped) as batch 1: 1 providers, 1 locations"
    )
    assert out[1] == "  changes: 1 added, 0 dropped, 0 changed"
    assert out[2] == "  geocodes: zip-centroid 1"


def test_census_round_trip_through_the_cli(project_path, tmp_path, capsys) -> None:
    roster = template_file(tmp_path / "r.csv", [template_row(CARDIO, "Dr. A")])
    assert main(["import", "roster", str(project_path), str(roster)]) == 0
    request = tmp_path / "request.csv"
    assert main(["export", "geocode-request", str(project_path), str(request), "--json"]) == 0
    capsys.readouterr()
    record = next(csv.reader(request.open()))
    assert record[1:] == ["6565 Fannin St", "Houston", "TX", "77030"]
    result = tmp_path / "GeocodeResults.csv"
    result.write_text(
        f'"{record[0]}","6565 Fannin St, Houston, TX, 77030","Match","Exact","6565 FANNIN ST, HOUSTON, TX, 77030",'
        '"-95.40117,29.70706","15598302","R"\n'
    )
    assert main(["import", "geocodes", str(project_path), str(result)]) == 0
    assert "locations upgraded: 1 exact" in capsys.readouterr().out
    with open_project(project_path) as project:
        assert project.conn.execute("SELECT geocode_quality, latitude FROM locations").fetchone() == (
            "exact",
            29.70706,
        )
    bad = tmp_path / "bad.csv"
    bad.write_text('"x","a","b"\n')
    assert main(["import", "geocodes", str(project_path), str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0]
        == f"{bad}:1: id: got x, expected a location id from 'blueprint export geocode-request' (a whole number)"
    )
    assert err[1].startswith("blueprint: error: bad.csv: not a Census Bureau batch geocoder result file")


def test_export_group_keeps_its_other_commands(project_path, tmp_path, capsys) -> None:
    # data_commands adds geocode-request to the ``export`` group export_commands creates: hsd still works.
    assert main(["export", "hsd", str(project_path), str(tmp_path / "hsd"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["provider_rows"] == 0
