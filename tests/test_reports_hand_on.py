"""Reports people hand on: the results matrix workbook, the servicing-provider report and the one-page
executive summary, on the conftest project (Harris 48201 and Fort Bend 48157, TX) with hand-placed
providers."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from blueprint_desktop.cli import main
from blueprint_desktop.engine import runs
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.engine.travel_time import straight_miles_per_minute
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.reports import executive_summary, matrix_xlsx, servicing_providers
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.status_colors import status_tint

HARRIS, FORT_BEND = "48201", "48157"
DALLAS = (32.78, -96.80)


def _add(
    project, npi, name, lines, places, contract="executed", cred="active", telehealth_only=0, exclusion=None
):
    """One provider with ``lines`` (codes) and one location per (lat, lon, county) in ``places``."""
    with project.transaction():
        pid = project.conn.execute(
            "INSERT INTO providers(npi, name, source, contract_status, credentialing_status, panel_status,"
            " telehealth_only, exclusion) VALUES (?,?,'roster',?,?,'open',?,?)",
            (npi, name, contract, cred, telehealth_only, exclusion),
        ).lastrowid
        for code in lines:
            project.conn.execute(
                "INSERT INTO provider_lines(provider_id, line_code) VALUES (?,?)", (pid, code)
            )
        for i, (lat, lon, fips) in enumerate(places):
            project.conn.execute(
                "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
                " geocode_quality) VALUES (?,?,?,?,?,?,?,?,'exact')",
                (pid, f"{100 + i} Main St", "Town", "TX", "77001", fips, lat, lon),
            )
    return pid


def _haversine(lat1, lon1, lat2, lon2):
    r = 3958.7613
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def _far_points():
    """The Fort Bend point farthest from Harris, and the Harris point farthest from Fort Bend."""
    pts = population_points([HARRIS, FORT_BEND])
    pts = pts[pts.weight > 0]
    h, f = pts[pts.county_fips == HARRIS], pts[pts.county_fips == FORT_BEND]

    def farthest(a, b):
        d = np.array(
            [_haversine(r.lat, r.lon, b.lat.to_numpy(), b.lon.to_numpy()).min() for r in a.itertuples()]
        )
        row = a.iloc[int(d.argmax())]
        return float(row.lat), float(row.lon), float(d.max())

    return farthest(f, h), farthest(h, f)


@pytest.fixture
def network(project):
    """Hand-placed providers whose servicing rows are known without the engine (see each comment)."""
    (fb_lat, fb_lon, fb_gap), (h_lat, h_lon, h_gap) = _far_points()
    # Far enough that no Harris cardiology/ENT standard reaches across (Large Metro: 10 mi at most).
    assert fb_gap > 15 and h_gap > 15
    # At a Fort Bend point: serves Fort Bend for both lines, 0 miles from a beneficiary point.
    _add(project, "1000000001", "Adams Heart and ENT", ["008", "013"], [(fb_lat, fb_lon, FORT_BEND)])
    # Provisional, two offices, one per county: one row per county.
    _add(
        project, "1000000002", "Baker Cardiology", ["008"],
        [(fb_lat, fb_lon, FORT_BEND), (h_lat, h_lon, HARRIS)], cred="provisional",
    )  # fmt: skip
    # Not credited: a letter of intent, a telehealth-only provider, an office in Dallas, a children's hospital.
    _add(project, "1000000003", "Cole LOI", ["008"], [(h_lat, h_lon, HARRIS)], contract="loi")
    _add(project, "1000000004", "Dunn Telehealth", ["008"], [(h_lat, h_lon, HARRIS)], telehealth_only=1)
    _add(project, "1000000005", "Evans Dallas", ["008"], [(*DALLAS, "48113")])
    _add(project, "1000000006", "Fox Children's", ["040"], [(h_lat, h_lon, HARRIS)], exclusion="children")
    return project


EXPECTED = [
    # County FIPS, NPI, name, lines, location county, miles, locations, contract, credentialing
    (FORT_BEND, "1000000001", "Adams Heart and ENT", "008 Cardiology; 013 ENT/Otolaryngology", FORT_BEND, 0.0, 1,
     "executed", "active"),
    (FORT_BEND, "1000000002", "Baker Cardiology", "008 Cardiology", FORT_BEND, 0.0, 1, "executed", "provisional"),
    (HARRIS, "1000000002", "Baker Cardiology", "008 Cardiology", HARRIS, 0.0, 1, "executed", "provisional"),
]  # fmt: skip


def _as_tuples(rows):
    return [
        (
            r["County FIPS"], r["NPI"], r["Provider name"], r["Lines credited in this county"],
            r["Location county FIPS"], float(r["Miles to nearest beneficiary point"]),
            int(r["Locations serving this county"]), r["Contract status"], r["Credentialing status"],
        )
        for r in rows
    ]  # fmt: skip


def test_servicing_providers_hand_computed_table(network, tmp_path):
    rows = servicing_providers.build_rows(network)
    assert _as_tuples(rows) == EXPECTED
    assert rows[0]["County"] == "Fort Bend, TX" and rows[2]["County"] == "Harris, TX"

    out = servicing_providers.write_servicing_providers(network, tmp_path / "servicing.csv")
    with out.open(newline="", encoding="utf-8") as fh:
        read = list(csv.DictReader(fh))
    assert _as_tuples(read) == EXPECTED
    out = servicing_providers.write_servicing_providers(network, tmp_path / "servicing.xlsx")
    ws = load_workbook(out).active
    values = list(ws.values)
    assert list(values[0]) == servicing_providers.COLUMNS
    assert _as_tuples([dict(zip(values[0], v, strict=True)) for v in values[1:]]) == EXPECTED
    assert ws["C2"].value == "1000000001" and ws["C2"].number_format == "@"  # NPI kept as text
    with pytest.raises(BlueprintError, match=r"\.xlsx or \.csv"):
        servicing_providers.write_servicing_providers(network, tmp_path / "servicing.txt")


def test_servicing_providers_reach_matches_a_brute_force_check_and_the_engine(project):
    """Providers scattered over both counties: every row agrees with a brute-force great-circle check of
    the straight-line reach (both time and distance), and the distinct NPIs per county x line equal the
    engine's credited counts (42 CFR 422.116(a)(2)(i))."""
    rng = np.random.default_rng(7)
    for i in range(25):
        lat, lon = 29.45 + rng.random() * 0.6, -96.0 + rng.random() * 0.9
        _add(project, f"20000000{i:02d}", f"Doc {i:02d}", ["008"], [(lat, lon, None)])
    rows = servicing_providers.build_rows(project)
    got = {(r["County FIPS"], r["NPI"]): r["Miles to nearest beneficiary point"] for r in rows}
    pts = population_points([HARRIS, FORT_BEND])
    pts = pts[pts.weight > 0]
    locs = dict(
        project.conn.execute(
            "SELECT p.npi, l.latitude || ',' || l.longitude FROM providers p JOIN locations l ON l.provider_id = p.id"
        ).fetchall()
    )
    expected = {}
    for fips in (HARRIS, FORT_BEND):
        std = standards_for_county(project, fips)
        line = std.lines["008"]
        radius = min(line.max_miles, line.max_minutes * straight_miles_per_minute(std.designation))
        cp = pts[pts.county_fips == fips]
        for npi, where in locs.items():
            lat, lon = (float(x) for x in where.split(","))
            d = _haversine(lat, lon, cp.lat.to_numpy(), cp.lon.to_numpy()).min()
            if d <= radius - 0.01:
                expected[(fips, npi)] = d
            elif d <= radius + 0.01:  # on the boundary: either answer is right
                got.pop((fips, npi), None)
    assert set(got) == set(expected) and len(got) > 5
    for key, d in expected.items():
        assert math.isclose(got[key], d, abs_tol=0.02)

    score_project(project, lines=["008"])
    counts = {(r["county_fips"], r["line_code"]): r["credited_count"] for r in runs.latest_results(project)}
    for fips in (HARRIS, FORT_BEND):
        assert counts[(fips, "008")] == sum(1 for r in rows if r["County FIPS"] == fips)


def test_matrix_workbook_views_values_and_fills(network, tmp_path):
    score_project(network, lines=["008", "013", "040"])
    results = {(r["county_fips"], r["line_code"]): r for r in runs.latest_results(network)}
    out = tmp_path / "matrix.xlsx"
    out.write_text("an older export")
    assert matrix_xlsx.write_matrix_xlsx(network, out) == out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    wb = load_workbook(out)
    assert wb.sheetnames == [*(v.replace("/", "-") for v in matrix_xlsx.VIEWS), "Basis"]
    share = wb["Share within standard"]
    header = [c.value for c in share[1]]
    assert header[:3] == ["FIPS", "County", "Designation"]
    assert header[3:] == ["008 Cardiology", "013 ENT/Otolaryngology", "040 Acute Inpatient Hospitals"]
    by_fips = {row[0].value: row for row in share.iter_rows(min_row=2) if row[0].value in (HARRIS, FORT_BEND)}
    assert list(by_fips) == [FORT_BEND, HARRIS]  # sorted
    for fips, row in by_fips.items():
        for cell, code in zip(row[3:6], ("008", "013", "040"), strict=True):
            r = results[(fips, code)]
            assert cell.value == pytest.approx(r["pct_within"] / 100)
            assert cell.number_format == "0.0%"
            assert cell.fill.fgColor.rgb[-6:] == status_tint(r["status"]).lstrip("#").upper()
    # Harris has no credited hospital: Failing, filled with the Failing tint.
    assert results[(HARRIS, "040")]["status"] == "Failing"
    assert by_fips[HARRIS][5].fill.fgColor.rgb[-6:] == "FBE0E0"
    status = {row[0].value: [c.value for c in row[3:6]] for row in wb["Status"].iter_rows(min_row=2)}
    assert status[HARRIS] == [results[(HARRIS, c)]["status"] for c in ("008", "013", "040")]
    credited = {row[0].value: row[3].value for row in wb["Credited vs minimum"].iter_rows(min_row=2)}
    r = results[(FORT_BEND, "008")]
    assert credited[FORT_BEND] == f"{r['credited_count']} / {r['min_count']}"
    basis = {row[0].value: row[1].value for row in wb["Basis"].iter_rows() if row[0].value}
    assert "CMS HSD Reference File 2026" in basis["Criteria"]
    assert "points" in basis["Population points"] and "straight-line" in basis["Travel time"]
    assert basis["Scoring run"].startswith(f"run {runs.latest_run_id(network)},")
    assert basis["Plan"] == "Test plan" and basis["Plan year"] == 2026


def test_reports_refuse_an_unscored_project(project, tmp_path):
    with pytest.raises(BlueprintError, match="score the project first"):
        matrix_xlsx.write_matrix_xlsx(project, tmp_path / "m.xlsx")
    with pytest.raises(BlueprintError, match="score the project first"):
        executive_summary.write_executive_summary(project, tmp_path / "s.pdf")
    assert list(tmp_path.glob("*.xlsx")) == [] and list(tmp_path.glob("*.pdf")) == []


def test_executive_summary_is_one_letter_page_with_trend_and_gaps(network, tmp_path):
    first = score_project(network)
    # A second cardiologist in Harris, then a new full run: the trend compares it with the first.
    _, (h_lat, h_lon, _) = _far_points()
    _add(network, "1000000007", "Gray Cardiology", ["008"], [(h_lat, h_lon, HARRIS)])
    second = score_project(network)
    out = executive_summary.write_executive_summary(network, tmp_path / "summary.pdf")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # US Letter
    text = " ".join(reader.pages[0].extract_text().split())
    counts = matrix_xlsx.status_counts(runs.latest_results(network))
    then = first.results
    assert "Network adequacy: executive summary" in text
    assert "Test plan" in text and "plan year 2026" in text and "42 CFR 422.116" in text
    assert "CMS HSD Reference File 2026" in text
    assert f"run {first.run_id} of" in text and f"scoring run {second.run_id}" in text
    for status in ("Pass", "At Risk", "Failing"):
        before = sum(1 for r in then if r.status == status)
        assert f"{status}: {before:,} → {counts[status]:,}" in text
    assert "The 10 worst gaps" in text and "What these results rest on" in text
    worst = executive_summary.worst_gaps(runs.latest_results(network))
    assert worst[0]["status"] == "Failing" and worst[0]["pct_within"] == min(
        r["pct_within"] for r in runs.latest_results(network) if r["status"] == "Failing"
    )
    assert "Harris, TX" in text or "Fort Bend, TX" in text
    # Regulator-facing text cites the CFR and CMS only.
    assert "docs/" not in text and "rules.md" not in text
    # The footer names a digest that can be checked later: the run's stored inputs fingerprint.
    stored = network.conn.execute(
        "SELECT inputs_fingerprint FROM scoring_runs WHERE id = ?", (second.run_id,)
    ).fetchone()[0]
    assert f"Scoring run {second.run_id} inputs fingerprint {stored}" in text
    assert "Project file SHA-256" not in text


def test_executive_summary_without_an_earlier_run_says_so(network, tmp_path):
    score_project(network, lines=["008"])
    out = executive_summary.write_executive_summary(network, tmp_path / "s.pdf")
    text = " ".join(PdfReader(str(out)).pages[0].extract_text().split())
    assert "No earlier full run" in text


def test_cli_export_matrix_providers_summary(network, tmp_path, capsys):
    path = str(network.path)
    network.close()  # the CLI opens the file itself
    score_project_path(path)
    for kind, name in (("matrix", "m.xlsx"), ("providers", "p.csv"), ("summary", "s.pdf")):
        assert main(["export", kind, path, str(tmp_path / name)]) == 0
        assert f"wrote {tmp_path / name}" in capsys.readouterr().out
        assert (tmp_path / name).stat().st_size > 0
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
    assert main(["export", "providers", path, str(tmp_path / "p.txt")]) == 2
    assert "written as .xlsx or .csv" in capsys.readouterr().err


def score_project_path(path: str) -> None:
    from blueprint_desktop.store import open_project

    with open_project(Path(path)) as proj:
        score_project(proj, lines=["008", "013"])


def test_a_qhp_summary_cites_no_medicare_advantage_rule(tmp_path):
    """A QHP project's summary and results workbook name its own rule set; 42 CFR 422.116, the MA credits and the telehealth basis
    are Medicare Advantage's and are not printed for it."""
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "qhp.bpproj"
    create_project(
        path, "Marketplace plan", lob="qhp", plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")]
    )
    with open_project(path) as qhp:
        (fb_lat, fb_lon, _), (h_lat, h_lon, _) = _far_points()
        _add(qhp, "1000000001", "Adams Heart", ["008"], [(fb_lat, fb_lon, FORT_BEND), (h_lat, h_lon, HARRIS)])
        score_project(qhp)
        out = executive_summary.write_executive_summary(qhp, tmp_path / "q.pdf")
        book = matrix_xlsx.write_matrix_xlsx(qhp, tmp_path / "q.xlsx")
    from openpyxl import load_workbook

    basis = " ".join(
        str(cell)
        for ws in load_workbook(book).worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
    )
    assert "422.116" not in basis and "ACA marketplace (QHP) network adequacy" in basis
    text = " ".join(PdfReader(str(out)).pages[0].extract_text().split())
    assert "ACA marketplace (QHP) network adequacy" in text and "qhp-ffe-td-2026" in text
    assert "422.116" not in text and "Telehealth basis" not in text
    assert "residents under 65" in text and "Medicare Advantage's" in text
