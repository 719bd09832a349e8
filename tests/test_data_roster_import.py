"""Roster import: providers, lines and locations from HSD tables and the template; all or nothing;
skipping bad rows; re-import by hash; the diff against the roster a newer one replaces; table kinds;
XLSX = CSV; the column mapping saved and reused; cancelling."""

from __future__ import annotations

import json

import pytest
from deficiency_scenario import npi
from roster_files import (
    CARDIO,
    FAMILY,
    FORT_BEND_SSA,
    HOSPITAL,
    NEURO,
    ONCO,
    SNF,
    dump,
    facility_row,
    facility_table,
    provider_row,
    provider_table,
    roster,
    template_file,
    template_row,
    write_csv,
    write_xlsx,
)

from blueprint_desktop.data.roster_import import (
    MODE_REPLACE,
    ROSTER_FIELDS,
    RosterRejected,
    import_roster,
    preview_roster,
    write_problem_report,
)
from blueprint_desktop.data.roster_layouts import TEMPLATE_FIELDS
from blueprint_desktop.errors import Cancelled, InputFileError
from blueprint_desktop.geo.zips import zip_centroid
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.hsd_tables import PROVIDER_COLUMNS


def _provider(project, npi_: str) -> dict:
    cur = project.conn.execute("SELECT * FROM providers WHERE npi = ? AND source = 'roster'", (npi_,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


def _locations(project, npi_: str) -> list[tuple]:
    return project.conn.execute(
        "SELECT l.id, l.address, l.zip, l.county_fips, l.latitude, l.longitude, l.geocode_quality, l.beds"
        " FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.npi = ? ORDER BY l.id",
        (npi_,),
    ).fetchall()


def test_hsd_provider_table_one_provider_per_npi(project, tmp_path) -> None:
    rows = [
        provider_row(CARDIO, "Dr. Ada Heart", "008"),
        provider_row(CARDIO, "Dr. Ada Heart", "008", ssa=FORT_BEND_SSA),  # same office, another county served
        provider_row(FAMILY, "Dr. Ben Family", "002", zip="77002", address="100 Main St"),
        provider_row(
            FAMILY, "Dr. Ben Family", "002", zip="77479-0001", address="200 Sugar Ln", city="Sugar Land"
        ),
    ]
    result = import_roster(project, provider_table(tmp_path / "p.csv", rows))
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (4, 4, 0)
    assert (result.providers, result.locations, result.layout, result.table_kinds) == (
        2,
        3,
        "hsd-provider",
        ["provider"],
    )
    assert result.changes["counts"] == {"added": 2, "dropped": 0, "changed": 0}
    assert result.geocodes == {"zip-centroid": 3}
    cardio = _provider(project, CARDIO)
    # An HSD table lists executed contracts of credentialed network providers (module doc).
    assert (cardio["contract_status"], cardio["credentialing_status"], cardio["panel_status"]) == (
        "executed",
        "active",
        "unknown",
    )
    assert (cardio["contract_type"], cardio["medical_group_affiliation"]) == ("Direct", "Bayou Heart Group")
    assert cardio["batch_id"] == result.batch_id
    lat, lon, county = zip_centroid("77030")
    assert _locations(project, CARDIO) == [
        (1, "6565 Fannin St", "77030", "48201", lat, lon, "zip-centroid", None)
    ]
    assert [(x[2], x[3]) for x in _locations(project, FAMILY)] == [("77002", "48201"), ("77479", "48157")]
    assert roster(project) == {(CARDIO, "008", "77030"), (FAMILY, "002", "77002"), (FAMILY, "002", "77479")}
    batch = project.conn.execute("SELECT kind, rows_read, summary_json FROM import_batches").fetchone()
    assert batch[0] == "roster" and json.loads(batch[2])["changes"] == {
        "added": 2,
        "dropped": 0,
        "changed": 0,
    }
    assert project.conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone() == (
        "roster.import",
    )


def _bad_rows(tmp_path):
    return provider_table(
        tmp_path / "bad.csv",
        [
            provider_row(NEURO, "Dr. Neuro", "013"),
            provider_row("1234567890", "Dr. Typo", "008"),
            provider_row(ONCO, "Dr. Onco", "099"),
            provider_row(npi("300000009"), "Dr. Far", "008", zip="ABCDE"),
        ],
    )


def test_a_file_with_bad_rows_changes_nothing(project, tmp_path) -> None:
    import_roster(project, provider_table(tmp_path / "p.csv", [provider_row(CARDIO, "Dr. Ada Heart", "008")]))
    before = dump(project)
    with pytest.raises(RosterRejected) as err:
        import_roster(project, _bad_rows(tmp_path))
    assert dump(project) == before
    exc = err.value
    assert isinstance(exc, InputFileError) and "\n" not in str(exc)
    assert str(exc).startswith(
        "bad.csv: refused, 3 problem(s) in 3 row(s), the first: row 3, column National Provider Identifier (NPI)"
        " Number: got 1234567890, expected a valid NPI check digit"
    )
    assert [(p.row_number, p.column) for p in exc.problems] == [
        (3, "National Provider Identifier (NPI) Number"),
        (4, "Provider Specialty Code"),
        (5, "Provider Zip Code"),
    ]
    report = write_problem_report(exc.problems, tmp_path / "problems.csv")
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,expected,severity"
    assert lines[1].startswith(
        "3,National Provider Identifier (NPI) Number,1234567890,a valid NPI check digit"
    )
    assert len(lines) == 4


def test_skip_bad_rows_imports_the_good_ones_and_keeps_the_rejects(project, tmp_path) -> None:
    result = import_roster(project, _bad_rows(tmp_path), skip_bad_rows=True)
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (4, 1, 3)
    assert roster(project) == {(NEURO, "013", "77030")}
    kept = project.conn.execute(
        "SELECT batch_id, row_number, column, value FROM import_problems ORDER BY row_number"
    ).fetchall()
    assert kept == [
        (result.batch_id, 3, "National Provider Identifier (NPI) Number", "1234567890"),
        (result.batch_id, 4, "Provider Specialty Code", "099"),
        (result.batch_id, 5, "Provider Zip Code", "ABCDE"),
    ]
    assert project.conn.execute("SELECT rows_rejected FROM import_batches").fetchone() == (3,)


def test_every_row_bad_or_no_rows_imports_nothing(project, tmp_path) -> None:
    before = dump(project)
    only_bad = provider_table(tmp_path / "b.csv", [provider_row("1234567890", "Dr. Typo", "008")])
    with pytest.raises(InputFileError, match="every one of the 1 rows has a problem"):
        import_roster(project, only_bad, skip_bad_rows=True)
    with pytest.raises(InputFileError, match="no data rows"):
        import_roster(project, provider_table(tmp_path / "e.csv", []))
    assert dump(project) == before


def test_the_same_file_again_is_recognised(project, tmp_path) -> None:
    path = provider_table(tmp_path / "p.csv", [provider_row(CARDIO, "Dr. Ada Heart", "008")])
    first = import_roster(project, path)
    before = dump(project)
    again = import_roster(project, path)
    assert again.already_imported and again.batch_id == first.batch_id
    assert (again.rows_imported, again.layout) == (1, "hsd-provider")
    assert dump(project) == before
    assert preview_roster(path, project).already_imported


def test_a_newer_roster_replaces_the_previous_one_and_records_the_diff(project, tmp_path) -> None:
    first = import_roster(
        project,
        template_file(
            tmp_path / "march.csv",
            [
                template_row(CARDIO, "Dr. Ada Heart"),
                template_row(
                    FAMILY, "Dr. Ben Family", specialty_code="002", zip="77002", address="100 Main St"
                ),
                template_row(NEURO, "Dr. Cy Neuro", specialty_code="013"),
            ],
        ),
    )
    ids = {n: _provider(project, n)["id"] for n in (CARDIO, FAMILY)}
    loc_id = _locations(project, FAMILY)[0][0]
    second = import_roster(
        project,
        template_file(
            tmp_path / "april.csv",
            [
                template_row(CARDIO, "Dr. Ada Heart", contract_status="terminated"),  # changed
                template_row(
                    FAMILY, "Dr. Ben Family", specialty_code="002", zip="77002", address="100 main st."
                ),
                template_row(ONCO, "Dr. Di Onco", specialty_code="021"),  # added; NEURO dropped
            ],
        ),
        mode=MODE_REPLACE,
    )
    assert second.changes["counts"] == {"added": 1, "dropped": 1, "changed": 1}
    assert (second.changes["added"], second.changes["dropped"]) == ([ONCO], [NEURO])
    assert second.changes["changed"] == [
        {"npi": CARDIO, "fields": {"contract_status": {"before": "executed", "after": "terminated"}}}
    ]
    # Ids stay for NPIs still there; the same office (spelled differently) is the same location row.
    assert {n: _provider(project, n)["id"] for n in (CARDIO, FAMILY)} == ids
    assert _locations(project, FAMILY)[0][0] == loc_id
    assert _provider(project, NEURO) == {}
    assert _provider(project, FAMILY)["batch_id"] == second.batch_id
    changes = project.conn.execute(
        "SELECT batch_id, previous_batch_id, npi, change, detail_json FROM roster_changes WHERE batch_id = ?"
        " ORDER BY change, npi",
        (second.batch_id,),
    ).fetchall()
    assert [(c[0], c[1], c[2], c[3]) for c in changes] == [
        (second.batch_id, None, ONCO, "added"),
        (second.batch_id, first.batch_id, CARDIO, "changed"),
        (second.batch_id, first.batch_id, NEURO, "dropped"),
    ]
    dropped = json.loads(changes[2][4])
    assert dropped["specialty"] == ["013"] and dropped["address"] == ["6565 Fannin St, Houston, TX 77030"]
    assert project.conn.execute("SELECT id, superseded_by FROM import_batches ORDER BY id").fetchall() == [
        (first.batch_id, second.batch_id),
        (second.batch_id, None),
    ]
    # The first file is no longer the current roster: importing it again is a real import (a rollback).
    back = import_roster(project, tmp_path / "march.csv", mode=MODE_REPLACE)
    assert not back.already_imported and back.changes["counts"] == {"added": 1, "dropped": 1, "changed": 1}


def test_specialty_and_address_changes_are_recorded(project, tmp_path) -> None:
    import_roster(project, template_file(tmp_path / "a.csv", [template_row(CARDIO, "Dr. Ada Heart")]))
    result = import_roster(
        project,
        template_file(
            tmp_path / "b.csv",
            [template_row(CARDIO, "Dr. Ada Heart", specialty_code="007", address="1 New Rd", zip="77002")],
        ),
    )
    fields = result.changes["changed"][0]["fields"]
    assert fields["specialty"] == {"before": ["008"], "after": ["007"]}
    assert fields["address"] == {
        "before": ["6565 Fannin St, Houston, TX 77030"],
        "after": ["1 New Rd, Houston, TX 77002"],
    }
    assert [x[1] for x in _locations(project, CARDIO)] == ["1 New Rd"]


def test_provider_and_facility_tables_replace_only_their_own_kind(project, tmp_path) -> None:
    import_roster(
        project,
        provider_table(
            tmp_path / "p1.csv", [provider_row(CARDIO, "Dr. A", "008"), provider_row(NEURO, "Dr. N", "013")]
        ),
    )
    fac = import_roster(
        project,
        facility_table(
            tmp_path / "f1.csv",
            [
                facility_row(HOSPITAL, "Bayou Memorial", "040", beds="312"),
                facility_row(HOSPITAL, "Bayou Memorial", "040", beds="312", ssa=FORT_BEND_SSA),
                facility_row(SNF, "Oak Manor", "043", zip="77479"),
            ],
        ),
    )
    assert fac.changes["counts"] == {"added": 2, "dropped": 0, "changed": 0} and fac.table_kinds == [
        "facility"
    ]
    assert _provider(project, HOSPITAL)["entity_type"] == "organization"
    assert [x[7] for x in _locations(project, HOSPITAL)] == [312]
    assert {n for n, *_ in roster(project)} == {CARDIO, NEURO, HOSPITAL, SNF}
    # A newer provider table drops NEURO; the facilities stay.
    result = import_roster(
        project,
        provider_table(tmp_path / "p2.csv", [provider_row(CARDIO, "Dr. A", "008")]),
        mode=MODE_REPLACE,
    )
    assert result.changes["dropped"] == [NEURO]
    assert {n for n, *_ in roster(project)} == {CARDIO, HOSPITAL, SNF}
    # A template holding both kinds replaces both.
    both = import_roster(
        project,
        template_file(
            tmp_path / "t.csv",
            [
                template_row(ONCO, "Dr. O", specialty_code="021"),
                template_row(SNF, "Oak Manor", specialty_code="043"),
            ],
        ),
        mode=MODE_REPLACE,
    )
    assert both.table_kinds == ["facility", "provider"]
    assert sorted(both.changes["dropped"]) == sorted([CARDIO, HOSPITAL])
    assert {n for n, *_ in roster(project)} == {ONCO, SNF}
    # The batches that hold nothing any more are superseded; the facility batch went with the template.
    current = project.conn.execute("SELECT id FROM import_batches WHERE superseded_by IS NULL").fetchall()
    assert current == [(both.batch_id,)]


def test_a_census_geocode_survives_a_newer_roster(project, tmp_path) -> None:
    import_roster(project, template_file(tmp_path / "a.csv", [template_row(CARDIO, "Dr. Ada Heart")]))
    loc_id = _locations(project, CARDIO)[0][0]
    with project.transaction():
        project.conn.execute(
            "UPDATE locations SET latitude = 29.7071, longitude = -95.4012, geocode_quality = 'exact' WHERE id = ?",
            (loc_id,),
        )
    import_roster(
        project,
        template_file(tmp_path / "b.csv", [template_row(CARDIO, "Dr. Ada Heart", panel_status="closed")]),
    )
    assert _locations(project, CARDIO) == [
        (loc_id, "6565 Fannin St", "77030", "48201", 29.7071, -95.4012, "exact", None)
    ]
    assert _provider(project, CARDIO)["panel_status"] == "closed"


def test_skipped_rows_never_drop_a_provider(project, tmp_path) -> None:
    import_roster(
        project,
        template_file(
            tmp_path / "a.csv",
            [template_row(CARDIO, "Dr. A"), template_row(NEURO, "Dr. N", specialty_code="013")],
        ),
    )
    result = import_roster(
        project,
        template_file(
            tmp_path / "b.csv",
            [
                template_row(CARDIO, "Dr. A"),
                template_row(NEURO, "Dr. N", specialty_code="013", contract_status="??"),
            ],
        ),
        skip_bad_rows=True,
    )
    assert result.rows_rejected == 1 and result.changes["dropped"] == []
    assert _provider(project, NEURO)["contract_status"] == "executed"


def test_taxonomy_only_rows_credit_every_crosswalk_line(project, tmp_path) -> None:
    row = template_row(ONCO, "Dr. Surg Onc", specialty_code="", taxonomy="2086X0206X")
    import_roster(project, template_file(tmp_path / "t.csv", [row]))
    lines = project.conn.execute(
        "SELECT line_code, taxonomy_code FROM provider_lines ORDER BY line_code"
    ).fetchall()
    assert lines == [("015", "2086X0206X"), ("021", "2086X0206X")]


def test_given_coordinates_are_kept_exact_with_the_county_of_the_point(project, tmp_path) -> None:
    row = template_row(CARDIO, "Dr. A", zip="77030", latitude="29.57", longitude="-95.77", county="")
    result = import_roster(project, template_file(tmp_path / "t.csv", [row]))
    assert result.geocodes == {"exact": 1}
    assert _locations(project, CARDIO)[0][3:7] == ("48157", 29.57, -95.77, "exact")


def test_xlsx_and_csv_import_the_same_roster(project_path, tmp_path) -> None:
    from blueprint_desktop.store import create_project, open_project

    values = [
        template_row(CARDIO, "Dr. A"),
        template_row(FAMILY, "Dr. B", specialty_code="002", zip="02139", state="MA", city="Cambridge"),
    ]
    csv_path = template_file(tmp_path / "r.csv", values)
    # In Excel the NPI, the ZIP and the code are typed as numbers: 2139 lost its zero, 8 is 008.
    xlsx_rows = []
    for v in values:
        r = [v[f] for f in TEMPLATE_FIELDS]
        for f, cast in (("npi", int), ("zip", int), ("specialty_code", int)):
            r[TEMPLATE_FIELDS.index(f)] = cast(v[f])
        xlsx_rows.append(r)
    xlsx_path = write_xlsx(tmp_path / "r.xlsx", list(TEMPLATE_FIELDS), xlsx_rows)
    other = tmp_path / "other.bpproj"
    create_project(other, "Other", plan_year=2026, counties=[("48201", "TX")])
    with open_project(project_path) as a, open_project(other) as b:
        import_roster(a, csv_path)
        import_roster(b, xlsx_path)
        assert roster(a) == roster(b) == {(CARDIO, "008", "77030"), (FAMILY, "002", "02139")}
        assert _locations(a, FAMILY)[0][3] == "25017"  # Middlesex MA, from the ZIP centroid


def test_an_unknown_layout_needs_a_mapping_which_is_saved_and_reused(project, tmp_path) -> None:
    headers = ["Prov NPI", "Full Name", "HSD", "Street", "Town", "ST", "Postal", "Contract", "Cred"]

    def row(npi_, name, code):
        return dict(
            zip(
                headers,
                [npi_, name, code, "6565 Fannin St", "Houston", "TX", "77030", "Executed", "Active"],
                strict=True,
            )
        )

    first = write_csv(tmp_path / "custom1.csv", headers, [row(CARDIO, "Dr. A", "008")])
    before = dump(project)
    with pytest.raises(InputFileError, match="give a column mapping"):
        import_roster(project, first)
    assert dump(project) == before
    preview = preview_roster(first, project)
    assert preview.layout is None and preview.mapping_source == "guess"
    assert preview.mapping["name"] == "Full Name"
    assert "specialty_code" in preview.missing_required
    mapping = {
        "npi": "Prov NPI",
        "name": "Full Name",
        "specialty_code": "HSD",
        "address": "Street",
        "city": "Town",
        "state": "ST",
        "zip": "Postal",
        "contract_status": "Contract",
        "credentialing_status": "Cred",
    }
    result = import_roster(project, first, mapping)
    assert result.layout == "mapped" and roster(project) == {(CARDIO, "008", "77030")}
    saved = project.conn.execute("SELECT kind, mapping_json FROM column_mappings").fetchall()
    assert saved == [("roster", json.dumps(mapping, sort_keys=True))]
    # The next file with these headers needs no mapping.
    second = write_csv(
        tmp_path / "custom2.csv", headers, [row(CARDIO, "Dr. A", "008"), row(NEURO, "Dr. N", "013")]
    )
    preview = preview_roster(second, project)
    assert (preview.layout, preview.mapping_source, preview.mapping) == ("saved-mapping", "saved", mapping)
    result = import_roster(project, second)
    assert result.layout == "saved-mapping" and result.changes["added"] == [NEURO]


def test_a_mapping_missing_a_required_field_is_refused(project, tmp_path) -> None:
    path = write_csv(
        tmp_path / "c.csv", ["Prov NPI", "Full Name"], [{"Prov NPI": CARDIO, "Full Name": "Dr. A"}]
    )
    with pytest.raises(
        InputFileError, match="no column for the required field.s. specialty_code, state, zip"
    ):
        import_roster(project, path, {"npi": "Prov NPI", "name": "Full Name"})


def test_preview_of_an_hsd_table(project, tmp_path) -> None:
    rows = [provider_row(CARDIO, f"Dr. {i}", "008", address=f"{i} Main St") for i in range(60)]
    rows.append(provider_row("1234567890", "Dr. Typo", "008"))
    preview = preview_roster(provider_table(tmp_path / "p.csv", rows), project)
    assert (preview.layout, preview.layout_title, preview.mapping_source) == (
        "hsd-provider",
        "CMS HSD Provider table",
        "layout",
    )
    assert preview.headers == PROVIDER_COLUMNS and preview.rows_read == 61
    assert len(preview.rows) == 50 and preview.row_numbers[:2] == [2, 3]
    assert preview.rows[0]["Provider Street Address"] == "0 Main St"
    assert preview.missing_required == []
    assert [(p.row_number, p.value) for p in preview.problems] == [(62, "1234567890")]
    assert set(preview.mapping) <= set(ROSTER_FIELDS)
    assert not preview.already_imported


def test_cancelling_leaves_the_project_unchanged(project, tmp_path) -> None:
    path = provider_table(tmp_path / "p.csv", [provider_row(CARDIO, "Dr. A", "008")])
    before = dump(project)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        import_roster(project, path, progress=progress)
    assert dump(project) == before


def test_a_network_npi_is_no_longer_a_market_recruit(project, tmp_path) -> None:
    with project.transaction():
        project.conn.executemany(
            "INSERT INTO providers(npi, name, source) VALUES (?, ?, 'market')",
            [(CARDIO, "ADA HEART"), (NEURO, "CY")],
        )
    result = import_roster(
        project, template_file(tmp_path / "a.csv", [template_row(CARDIO, "Dr. Ada Heart")])
    )
    assert result.market_rows_removed == 1
    assert project.conn.execute("SELECT npi, source FROM providers ORDER BY npi").fetchall() == [
        (CARDIO, "roster"),
        (NEURO, "market"),
    ]


def test_the_canonical_template_columns_are_recognised(project, tmp_path) -> None:
    """The engine issue's template header (taxonomy_code, county_fips) is the template, no mapping needed."""
    from blueprint_desktop.data.roster_import import import_roster

    path = tmp_path / "canonical.csv"
    path.write_text(
        "npi,name,taxonomy_code,address,city,state,zip,county_fips,latitude,longitude,contract_status,"
        "credentialing_status,panel_status,telehealth_only\n"
        "1234567893,Maria Lopez MD,207RC0000X,6565 Fannin St,Houston,TX,77030,48201,29.71,-95.398,executed,"
        "active,open,N\n",
        encoding="utf-8",
    )
    result = import_roster(project, path)
    assert result.layout == "template" and result.rows_imported == 1
    row = project.conn.execute(
        "SELECT l.county_fips, pl.line_code, l.geocode_quality FROM locations l"
        " JOIN provider_lines pl ON pl.provider_id = l.provider_id"
    ).fetchone()
    assert tuple(row) == ("48201", "008", "exact")
