"""The outreach log: validation, corrections that supersede, attempt counts, and the append-only guarantee."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from deficiency_scenario import TARGET_NEURO_1, TARGET_NEURO_2

from blueprint_desktop.cli import main
from blueprint_desktop.deficiency import outreach
from blueprint_desktop.errors import BlueprintError, InputFileError


def test_add_and_validate(project) -> None:
    e = outreach.add_entry(project, TARGET_NEURO_1, "Phone", "no answer", "J. Alvarez", at="2027-02-03T09:15")
    assert (e["channel"], e["outcome"], e["at"], e["in_force"], e["missing"]) == (
        "phone",
        "no answer",
        "2027-02-03T09:15:00",
        True,
        [],
    )
    with pytest.raises(BlueprintError, match="declination reason"):
        outreach.add_entry(project, TARGET_NEURO_1, "phone", "declined", "J. Alvarez")
    with pytest.raises(BlueprintError, match="channel 'pigeon' is not one of"):
        outreach.add_entry(project, TARGET_NEURO_1, "pigeon", "no answer", "J. Alvarez")
    with pytest.raises(BlueprintError, match="not a valid NPI"):
        outreach.add_entry(project, "1234567890", "phone", "no answer", "J. Alvarez")
    with pytest.raises(BlueprintError, match="needs its staff"):
        outreach.add_entry(project, TARGET_NEURO_1, "phone", "no answer", " ")


def test_append_only_even_through_raw_sql(project, tmp_path) -> None:
    doc = tmp_path / "letter.pdf"
    doc.write_bytes(b"%PDF-1.4 declination letter")
    e = outreach.add_entry(
        project, TARGET_NEURO_1, "letter", "declined", "J. Alvarez", reason="rates", attachments=[doc]
    )
    assert e["attachments"][0]["sha256"] == hashlib.sha256(b"%PDF-1.4 declination letter").hexdigest()
    name, content = outreach.attachment_bytes(project, e["attachments"][0]["id"])
    assert (name, content) == ("letter.pdf", b"%PDF-1.4 declination letter")
    for sql in (
        "UPDATE outreach_log SET outcome = 'interested' WHERE id = 1",
        "UPDATE outreach_log SET note = 'x'",
        "DELETE FROM outreach_log WHERE id = 1",
        "DELETE FROM outreach_log",
        "UPDATE outreach_attachments SET content = x'00'",
        "DELETE FROM outreach_attachments",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            project.conn.execute(sql)
    # Also through a separate, plain sqlite3 connection to the file.
    project.close()
    raw = sqlite3.connect(project.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM outreach_log")
    assert raw.execute("SELECT count(*), max(outcome) FROM outreach_log").fetchone() == (1, "declined")
    raw.close()


def test_correction_supersedes_and_both_stay(project) -> None:
    first = outreach.add_entry(
        project, TARGET_NEURO_1, "phone", "voicemail", "M. Chen", at="2027-02-03T10:00"
    )
    fix = outreach.add_entry(
        project,
        TARGET_NEURO_1,
        "phone",
        "no answer",
        "M. Chen",
        at="2027-02-03T10:00",
        supersedes=first["id"],
    )
    rows = outreach.list_entries(project)
    assert [(r["id"], r["in_force"], r["superseded_by"], r["supersedes"]) for r in rows] == [
        (first["id"], False, fix["id"], None),
        (fix["id"], True, None, first["id"]),
    ]
    with pytest.raises(BlueprintError, match="already corrected"):
        outreach.add_entry(project, TARGET_NEURO_1, "email", "no answer", "M. Chen", supersedes=first["id"])
    with pytest.raises(BlueprintError, match="no outreach entry"):
        outreach.add_entry(project, TARGET_NEURO_1, "email", "no answer", "M. Chen", supersedes=99)
    # The superseded entry does not count: one documented attempt, not two.
    assert outreach.attempt_counts(project)[TARGET_NEURO_1].documented == 1


def test_attempt_counts_against_four(project) -> None:
    for i, (ch, out) in enumerate(
        [("phone", "no answer"), ("email", "no answer"), ("letter", "voicemail"), ("fax", "interested")]
    ):
        outreach.add_entry(project, TARGET_NEURO_1, ch, out, "J. Alvarez", at=f"2027-02-0{i + 2}T09:00")
    outreach.add_entry(project, TARGET_NEURO_2, "phone", "no answer", "J. Alvarez", at="2027-02-02T09:00")
    counts = outreach.attempt_counts(project)
    assert (counts[TARGET_NEURO_1].documented, counts[TARGET_NEURO_1].meets_standard) == (4, True)
    assert counts[TARGET_NEURO_1].latest_outcome == "interested"
    assert (counts[TARGET_NEURO_2].documented, counts[TARGET_NEURO_2].meets_standard) == (1, False)


def test_import_old_log_keeps_incomplete_rows(project, tmp_path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "at,npi,channel,outcome,staff,reason,note\n"
        f"2027-02-02T09:00,{TARGET_NEURO_1},phone,no answer,J. Alvarez,,\n"
        f",{TARGET_NEURO_1},email,,,,sent the rate sheet\n",
        encoding="utf-8",
    )
    assert outreach.import_log(project, path)["rows"] == 2
    rows = outreach.list_entries(project)
    assert rows[1]["missing"] == ["at", "staff", "outcome"]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"at,npi,channel,outcome,staff\n2027-02-02,{TARGET_NEURO_1},smoke,no answer,X\n")
    with pytest.raises(InputFileError, match="row 2: channel 'smoke'"):
        outreach.import_log(project, bad)
    assert len(outreach.list_entries(project)) == 2


def test_cli_outreach_add_and_list(project_path, tmp_path, capsys) -> None:
    args = ["outreach", "add", str(project_path), "--npi", TARGET_NEURO_1, "--channel", "in person"]
    assert main([*args, "--outcome", "declined", "--staff", "S. Patel"]) == 2
    assert "declination reason" in capsys.readouterr().err
    note = tmp_path / "call.txt"
    note.write_text("call notes")
    assert (
        main(
            [
                *args,
                "--outcome",
                "declined",
                "--staff",
                "S. Patel",
                "--reason",
                "retiring",
                "--at",
                "2027-02-05T14:30",
                "--attach",
                str(note),
                "--json",
            ]
        )
        == 0
    )
    entry = json.loads(capsys.readouterr().out)
    assert entry["attachments"][0]["file_name"] == "call.txt" and entry["attempts"]["documented"] == 1
    assert main(["outreach", "list", str(project_path), "--npi", TARGET_NEURO_1, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["reason"] for e in listed["entries"]] == ["retiring"]
    assert listed["attempts"][0]["standard"] == 4
