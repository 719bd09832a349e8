"""Tamper-evident evidence: the hash chain over the outreach log, its attachments and the audit log.

The reported attack is replayed with a plain sqlite3 connection (drop the append-only triggers, change or
delete rows, recreate the triggers); each change must be named by ``verify_chain`` and by ``blueprint
verify``. Packages carry the chain head and a content digest that verify later, also after new entries
are appended; a redaction is the one audited way to overwrite text, and the chain still verifies after it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import reports_scenario as sc
from pypdf import PdfReader

from blueprint_desktop.cli import main
from blueprint_desktop.data import phi
from blueprint_desktop.deficiency import outreach
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.reports import package_pdf
from blueprint_desktop.store import open_project
from blueprint_desktop.store.evidence_chain import EXPECTED_TRIGGERS, UPGRADE_META_KEY, verify_chain

SECRET = "Member Jane Q. Public DOB 1950-02-03 called about her claim"


@pytest.fixture
def scenario(project, tmp_path):
    """The reports scenario (a notice, eight outreach entries, one with a letter), complete."""
    return project, sc.build(project, tmp_path, complete=True)


@pytest.fixture
def no_phi_check(monkeypatch):
    """The redaction tests need PHI in the log: text stored before the PHI check (data.phi) existed, or text
    it does not recognise. The check is switched off only to put it there."""
    monkeypatch.setattr(phi, "refuse_phi_in_text", lambda text, what: None, raising=False)


def _pdf_text(path: Path) -> str:
    return "\n".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def _tamper(path: Path, *statements: tuple[str, tuple]) -> None:
    """Exactly the reported attack: drop the triggers, change rows, create the triggers again."""
    raw = sqlite3.connect(path)
    triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        raw.execute(f"DROP TRIGGER {name}")
    for sql, args in statements:
        raw.execute(sql, args)
    for _name, sql in triggers:
        raw.execute(sql)
    raw.commit()
    raw.close()


def _cli_verify(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_clean_project_verifies(scenario, capsys):
    project, info = scenario
    report = verify_chain(project)
    assert report.ok and report.findings == [] and report.first is None
    # Every entry, the letter and every audit row is a link, the project's creation first.
    counts = {
        t: project.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("outreach_log", "outreach_attachments", "audit_log")
    }
    assert counts["outreach_log"] == 8 and counts["outreach_attachments"] == 1
    assert report.entries == sum(counts.values())
    assert (
        report.head
        == project.conn.execute("SELECT chain_sha256 FROM evidence_chain ORDER BY seq DESC").fetchone()[0]
    )
    assert report.upgraded_at is None
    project.close()
    code, out, err = _cli_verify(capsys, str(project.path))
    assert code == 0 and err == ""
    assert out.startswith(f"evidence chain verified: {report.entries} entries, head {report.head}")


def _declined(info) -> dict:
    return next(e for e in info["entries"] if e["outcome"] == "declined" and not e["attachments"])


TAMPERS = {
    "declination turned into interest": (
        lambda info: [
            ("UPDATE outreach_log SET outcome = 'interested' WHERE id = ?", (_declined(info)["id"],))
        ],
        lambda info: ("content changed", "outreach entry", _declined(info)["id"]),
    ),
    "attempt and its audit row deleted": (
        lambda info: [
            ("DELETE FROM outreach_log WHERE id = ?", (info["entries"][1]["id"],)),
            (
                "DELETE FROM audit_log WHERE entity = 'outreach_log' AND entity_id = ?",
                (str(info["entries"][1]["id"]),),
            ),
        ],
        lambda info: ("entry missing", "outreach entry", info["entries"][1]["id"]),
    ),
    "attached letter swapped": (
        lambda info: [
            ("UPDATE outreach_attachments SET content = ?", (b"We would love to join your network.\n",))
        ],
        lambda info: ("content changed", "outreach attachment", 1),
    ),
    "attempt inserted afterwards": (
        lambda info: [
            (
                "INSERT INTO outreach_log(at, npi, channel, outcome, staff, recorded_at, recorded_by)"
                " VALUES ('2027-01-02', ?, 'phone', 'no answer', 'Maria Lopez', '2027-01-02', 'x')",
                (sc.NEURO_1,),
            )
        ],
        lambda info: ("entry inserted", "outreach entry", 9),
    ),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_reported_tampering_is_detected(scenario, capsys, name):
    project, info = scenario
    change, expected = TAMPERS[name]
    kind, what, entry_id = expected(info)
    path = project.path
    project.close()
    _tamper(path, *change(info))
    with open_project(path, read_only=True) as reopened:
        report = verify_chain(reopened)
    assert not report.ok
    assert (report.first.kind, report.first.entry_id) == (kind, entry_id), report.first
    # No trigger is reported: they were recreated exactly; the data itself gives the change away.
    assert not [f for f in report.findings if f.kind.startswith("trigger")]
    code, out, err = _cli_verify(capsys, str(path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"evidence chain BROKEN: {kind}: {what} #{entry_id}")


def test_triggers_dropped_or_weakened_are_findings(scenario, capsys):
    project, _info = scenario
    path = project.path
    project.close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER outreach_log_no_delete")
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0 BEGIN SELECT 1; END")
    raw.commit()
    raw.close()
    with open_project(path, read_only=True) as reopened:
        report = verify_chain(reopened)
    assert [(f.kind, f.detail) for f in report.findings] == [
        ("trigger altered", "append-only trigger audit_log_no_update was rewritten"),
        ("trigger missing", "append-only trigger outreach_log_no_delete is gone"),
    ]
    code, _out, err = _cli_verify(capsys, str(path))
    assert code == 1 and "trigger altered: append-only trigger audit_log_no_update" in err


def test_export_refuses_a_broken_chain_unless_told_and_then_says_so(scenario, tmp_path, capsys):
    project, info = scenario
    path = project.path
    project.close()
    _tamper(path, *TAMPERS["declination turned into interest"][0](info))
    out = tmp_path / "package.pdf"
    with open_project(path) as reopened, pytest.raises(package_pdf.EvidenceChainBroken, match="BROKEN"):
        package_pdf.export_package(reopened, out)
    assert not out.exists()
    assert main(["export", "package", str(path), str(out)]) == 2
    assert "--allow-broken-chain" in capsys.readouterr().err
    assert main(["export", "package", str(path), str(out), "--allow-broken-chain"]) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(out)).pages]
    # The break is the page right after the cover, in plain words, naming the entry.
    assert "DID NOT VERIFY" in pages[1] and f"outreach entry #{_declined(info)['id']}" in pages[1]
    assert package_pdf.read_stamp(out).chain_ok is False


def test_package_carries_head_and_digest_that_verify_later(scenario, tmp_path, capsys):
    project, info = scenario
    out = tmp_path / "package.pdf"
    result = package_pdf.export_package(project, out)
    stamp = result.stamp
    chain = verify_chain(project)
    assert (stamp.chain_head, stamp.chain_entries, stamp.chain_ok) == (chain.head, chain.entries, True)
    text = _pdf_text(out)
    assert "Verification" in text
    # Printed in plain words; the digest is in every footer; both are in the PDF's metadata.
    flat = text.replace(" ", "")
    assert f"Outreachlogchainhead:{stamp.chain_head},{stamp.chain_entries}entries;contentdigest:" in flat
    assert flat.count(stamp.content_digest) >= result.pages
    assert package_pdf.read_stamp(out) == package_pdf.PackageStamp(
        stamp.chain_head, stamp.chain_entries, True, stamp.content_digest, stamp.notice_id, stamp.as_of
    )
    check = package_pdf.verify_package(project, out)
    assert check.ok and check.head_link == stamp.chain_entries and check.digest_equal
    # New evidence after the package: the package's head is an ancestor, the digest as of it is unchanged.
    outreach.add_entry(project, sc.NEURO_1, "phone", "no answer", "Maria Lopez", at="2027-03-01T09:00")
    later = package_pdf.verify_package(project, out)
    assert later.ok and later.chain.entries > stamp.chain_entries and later.digest_equal
    project.close()
    code, stdout, err = _cli_verify(capsys, str(project.path), str(out))
    assert code == 0 and err == ""
    assert (
        "found: entry" in stdout and "appended since the package" in stdout and "recomputes equal" in stdout
    )
    # A rewritten chain (the head the package quotes is gone) fails even when it verifies on its own.
    raw = sqlite3.connect(project.path)
    raw.execute("DROP TRIGGER evidence_chain_no_delete")
    raw.execute("DELETE FROM evidence_chain")
    raw.commit()
    raw.close()
    code, _stdout, err = _cli_verify(capsys, str(project.path), str(out))
    assert code == 1


def test_redaction_hides_the_text_everywhere_and_the_chain_still_verifies(
    scenario, tmp_path, capsys, no_phi_check
):
    project, info = scenario
    entry = outreach.add_entry(
        project, sc.NEURO_2, "phone", "no answer", "Sam Chen", at="2027-03-01T09:00", note=SECRET
    )
    redaction = outreach.redact(project, entry["id"], "member PHI entered by mistake")
    marker = "[redacted: member PHI entered by mistake]"
    assert redaction["text"] == marker
    report = verify_chain(project)
    assert report.ok and report.redactions == 1
    shown = outreach.get_entry(project, entry["id"])
    assert shown["note"] == marker and shown["redacted"] == ["note"]
    assert all(SECRET not in str(e) for e in outreach.list_entries(project))
    audit = project.conn.execute(
        "SELECT detail_json FROM audit_log WHERE action = 'outreach.redact'"
    ).fetchone()
    assert "member PHI entered by mistake" in audit[0] and SECRET not in audit[0]
    with pytest.raises(BlueprintError, match="already redacted"):
        outreach.redact(project, entry["id"], "again")
    out = tmp_path / "package.pdf"
    package_pdf.export_package(project, out, draft=True)
    text = _pdf_text(out)
    assert "[redacted: member PHI" in text and "Jane" not in text and "redaction" in text
    project.close()
    # Nothing of the text is left in the file's bytes (secure_delete, the WAL folded in).
    assert b"Jane Q. Public" not in project.path.read_bytes()
    code, stdout, _err = _cli_verify(capsys, str(project.path), str(out))
    assert code == 0, stdout


def test_cli_redact(scenario, capsys, no_phi_check):
    project, info = scenario
    entry = outreach.add_entry(project, sc.NEURO_2, "phone", "no answer", "Sam Chen", note=SECRET)
    project.close()
    args = ["outreach", "redact", str(project.path), str(entry["id"]), "--reason", "member PHI"]
    assert main(args) == 0
    assert (
        capsys.readouterr().out.strip()
        == f"outreach entry #{entry['id']}: note now reads [redacted: member PHI]"
    )
    assert main(args) == 2
    assert "already redacted" in capsys.readouterr().err
    code, _out, _err = _cli_verify(capsys, str(project.path))
    assert code == 0


def test_shell_update_without_the_redaction_path_is_refused(scenario, no_phi_check):
    project, info = scenario
    entry = outreach.add_entry(project, sc.NEURO_2, "phone", "no answer", "Sam Chen", note=SECRET)
    project.close()
    raw = sqlite3.connect(project.path)
    for sql in (
        "UPDATE outreach_log SET note = '[redacted: x]' WHERE id = ?",
        "UPDATE outreach_log SET note = NULL WHERE id = ?",
        "UPDATE outreach_log SET outcome = 'interested' WHERE id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(sql, (entry["id"],))
    # A redaction row made in the shell lets the overwrite through, but it is not in the chain.
    raw.execute(
        "INSERT INTO outreach_redactions(entry_id, field, reason, before_sha256, after_sha256, redacted_at,"
        " redacted_by) VALUES (?, 'note', 'x', ?, ?, '2027-03-02', 'x')",
        (entry["id"], "0" * 64, "0" * 64),
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE outreach_log SET note = 'something else' WHERE id = ?", (entry["id"],))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(
            "UPDATE outreach_log SET note = '[redacted: x]', staff = 'y' WHERE id = ?", (entry["id"],)
        )
    raw.execute("UPDATE outreach_log SET note = '[redacted: x]' WHERE id = ?", (entry["id"],))
    raw.commit()
    raw.close()
    with open_project(project.path, read_only=True) as reopened:
        report = verify_chain(reopened)
    assert (report.first.kind, report.first.table, report.first.entry_id) == (
        "content changed",
        "outreach_log",
        entry["id"],
    )
    assert ("entry inserted", "outreach_redactions") in [(f.kind, f.table) for f in report.findings]


def test_migration_chains_an_older_projects_rows(scenario, capsys):
    project, info = scenario
    path = project.path
    project.close()
    # Turn the file back into schema 9: no chain, no redactions, v4's update trigger, nothing of v11 on.
    raw = sqlite3.connect(path)
    # v15's and v14's tables, then v13's column, while the triggers the drops below invalidate still hold.
    for name in ("ecp_offers", "ecp_sites", "ecp_lists"):
        raw.execute(f"DROP TABLE {name}")
    raw.execute("ALTER TABLE rule_set_lines DROP COLUMN providers_within")
    for name in ("evidence_chain", "outreach_redactions"):
        raw.execute(f"DROP TABLE {name}")
    for kind, name in raw.execute(
        "SELECT type, name FROM sqlite_master WHERE (type = 'table' AND (name LIKE 'benchmark%' OR name ="
        " 'locations_frame_cache')) OR (type = 'trigger' AND name LIKE '%_empties_frame_cache')"
    ).fetchall():
        raw.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    raw.execute("DROP TRIGGER outreach_log_no_update")
    raw.execute(
        "CREATE TRIGGER outreach_log_no_update BEFORE UPDATE ON outreach_log\nBEGIN SELECT RAISE(ABORT, "
        "'outreach_log is append-only: record a correction that supersedes the entry'); END"
    )
    raw.execute("PRAGMA user_version = 9")
    raw.commit()
    rows = sum(
        raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("outreach_log", "outreach_attachments", "audit_log")
    )
    raw.close()
    with open_project(path) as upgraded:
        assert upgraded.schema_version >= 10
        report = verify_chain(upgraded)
        assert report.ok and report.entries == rows and report.upgrade_entries == rows
        assert report.upgraded_at == upgraded.get_meta(UPGRADE_META_KEY)
        # The new update trigger replaced v4's; a new entry goes on from the upgraded chain.
        sql = upgraded.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'outreach_log_no_update'"
        ).fetchone()[0]
        assert "outreach_redactions" in sql and "outreach_log_no_update" in EXPECTED_TRIGGERS
        outreach.add_entry(upgraded, sc.NEURO_1, "phone", "no answer", "Maria Lopez")
        after = verify_chain(upgraded)
        assert after.ok and after.entries == rows + 2 and after.upgrade_entries == rows
    code, out, _err = _cli_verify(capsys, str(path))
    assert code == 0 and f"{rows} older entries chained at upgrade on {report.upgraded_at[:10]}" in out


def test_window_shows_a_broken_chain_at_open(qtbot, tmp_path, monkeypatch):
    from gui_support import demo_copy, make_window
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    window = make_window(qtbot, tmp_path, open_demo=False)
    clean = demo_copy(tmp_path, "clean.bpproj")
    assert window.open_project_path(clean)
    assert window.evidence_banner.report.ok and window.evidence_banner.isHidden() and shown == []
    window.close_project()
    broken = demo_copy(tmp_path, "broken.bpproj")
    with open_project(broken) as p:  # the demo file may predate v10: open once to upgrade it
        entry = p.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    _tamper(broken, ("DELETE FROM audit_log WHERE id = ?", (entry,)))
    assert window.open_project_path(broken)
    banner = window.evidence_banner
    assert not banner.report.ok and not banner.isHidden()
    assert f"entry missing: audit entry #{entry}" in banner.label.text()
    assert len(shown) == 1 and f"First broken entry: entry missing: audit entry #{entry}" in shown[0]
    window.close_project()
    assert banner.isHidden()


def test_outreach_pane_redacts_the_selected_entry(qtbot, scenario, no_phi_check, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from blueprint_desktop.gui import messages
    from blueprint_desktop.gui.outreach_pane import LOG_COLUMNS, OutreachPane

    project, _info = scenario
    entry = outreach.add_entry(project, sc.NEURO_2, "phone", "no answer", "Sam Chen", note=SECRET)
    pane = OutreachPane()
    qtbot.addWidget(pane)
    pane.set_project(project)
    assert pane.redact_button.isEnabled()
    pane.log.selectRow(0)  # newest first: the entry just added
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("member PHI", True))
    monkeypatch.setattr(messages, "ask", lambda parent, title, question: asked.append(question) or False)
    pane.redact_button.click()  # declined at the confirmation: nothing changes
    assert asked and "cannot be recovered" in asked[0]
    assert outreach.get_entry(project, entry["id"])["note"] == SECRET
    monkeypatch.setattr(messages, "ask", lambda parent, title, question: True)
    with qtbot.waitSignal(pane.entry_added, timeout=2000):
        pane.redact_button.click()
    note_col = LOG_COLUMNS.index("Reason / note")
    assert pane.log.item(0, note_col).text() == "[redacted: member PHI]"
    assert verify_chain(project).ok


def test_phi_in_a_note_is_refused_before_it_is_stored(scenario, tmp_path):
    project, _info = scenario
    before = verify_chain(project).entries
    with pytest.raises(phi.PhiRefused, match="^outreach note: refused"):
        outreach.add_entry(project, sc.NEURO_2, "phone", "no answer", "Sam Chen", note=SECRET)
    with pytest.raises(phi.PhiRefused, match="^outreach declination reason: refused"):
        outreach.add_entry(project, sc.NEURO_2, "phone", "declined", "Sam Chen", reason=SECRET)
    log = tmp_path / "old-log.csv"
    log.write_text(f"at,npi,channel,outcome,staff,reason,note\n2027-02-03,{sc.NEURO_2},phone,,,,{SECRET}\n")
    with pytest.raises(BlueprintError, match="^old-log.csv: row 2: outreach note: refused"):
        outreach.import_log(project, log)
    assert verify_chain(project).entries == before  # nothing stored, not even an audit row
    assert outreach.add_entry(project, sc.NEURO_2, "phone", "voicemail", "Sam Chen", note="left a voicemail")


def test_digest_differs_when_what_the_package_prints_changed(scenario, tmp_path):
    from blueprint_desktop.reports import narrative

    project, info = scenario
    out = tmp_path / "package.pdf"
    package_pdf.export_package(project, out)
    gap = info["gaps"]["019"]
    narrative.save(project, gap, narrative.current(project, gap).text + " Revised after submission.")
    check = package_pdf.verify_package(project, out)
    # The log is intact (the head is there): the digest says the package's content is no longer current.
    assert check.ok and check.head_found and not check.digest_equal
    assert check.lines()[-1].startswith("content digest differs")


def test_verify_refuses_a_file_that_is_not_a_pdf_in_one_line(scenario, tmp_path, capsys, caplog):
    project, _ = scenario
    fake = tmp_path / "package.pdf"
    fake.write_text("hello")
    with caplog.at_level("WARNING"):
        code = main(["verify", str(project.path), str(fake)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [
        f"blueprint: error: {fake}: cannot be read as a PDF (Stream has ended unexpectedly)"
    ]
    # pypdf's own repair chatter ("invalid pdf header", "EOF marker not found") never reaches the user.
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
