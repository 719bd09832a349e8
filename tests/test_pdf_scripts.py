"""The PDF reports print names in every script and text of any length (issue 15).

Provider, contact and plan names in Chinese, Japanese, Korean, Arabic, Hebrew, Vietnamese, Greek,
Cyrillic, Devanagari and Thai, and an emoji, go through the corrective action package and the executive
summary; the text pypdf extracts must hold each name, right-to-left names in their logical order (an
unshaped right-to-left run is stored left to right and comes out reversed), and Devanagari must be shaped
(its conjuncts are ligature glyphs). Outreach notes and narratives of 3,000 and 30,000 characters print
whole, across rows and pages, instead of stopping the export.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest
import reports_scenario as sc
from pypdf import PdfReader

from blueprint_desktop.deficiency import outreach
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.reports import executive_summary, narrative, package_pdf, pdf_fonts
from blueprint_desktop.reports.pdf_document import ReportPDF
from blueprint_desktop.store import create_project, open_project

NAMES = {
    "Chinese": "王秀英",
    "Japanese": "山田太郎",
    "Korean": "김민준",
    "Arabic": "محمد عبد الله",
    "Hebrew": "דוד כהן",
    "Vietnamese": "Nguyễn Văn An",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Иван Петров",
    "Devanagari": "अनीता शर्मा",
    "Thai": "สมชาย ใจดี",
    "Thai with marks": "สมศักดิ์",
    "Emoji": "👩‍⚕️",
}


def _text(path) -> str:
    """The PDF's text, with whitespace and control characters taken out.

    pypdf reads each 2-byte code of the CJK font (an OpenType CFF font, whose encoding CMap pypdf does not
    apply) as two, printing the high byte as NUL, and puts a space between CJK characters; Devanagari
    glyphs inside a shaped cluster carry no text of their own and come out as their raw codes (controls).
    None of these is a letter, so dropping them keeps every name's letters, in order.
    """
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cc")


def _text_of_page(path, i: int) -> str:
    text = PdfReader(str(path)).pages[i].extract_text()
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cc")


def _squash(name: str) -> str:
    return "".join(name.split())


def _font_to_unicode(path, font_word: str) -> list[str]:
    """The Unicode strings the ToUnicode map of the embedded font ``font_word`` names gives its glyphs."""
    out = []
    for page in PdfReader(str(path)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if font_word in str(font["/BaseFont"]):
                cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
                out += re.findall(r"<[0-9A-F]{4}> <([0-9A-F]+)>", cmap)
    return out


@pytest.fixture
def many_scripts(tmp_path):
    """The reports scenario with a plan name, providers and outreach contacts in every script."""
    path = tmp_path / "scripts.bpproj"
    create_project(
        path,
        f"{NAMES['Chinese']} {NAMES['Arabic']} Health",
        plan_year=2026,
        counties=[("48201", "TX"), ("48157", "TX")],
    )
    project = open_project(path)
    info = sc.build(project, tmp_path, complete=True)
    renamed = {
        sc.NEURO_1: NAMES["Japanese"],
        sc.NEURO_2: NAMES["Arabic"],
        sc.CURE_CARDIO: NAMES["Devanagari"],
        sc.npi("110000010"): NAMES["Hebrew"],
        sc.npi("110000011"): NAMES["Thai"],
        sc.npi("110000012"): NAMES["Emoji"],
    }
    with project.transaction():
        for npi, name in renamed.items():
            project.conn.execute("UPDATE providers SET name = ? WHERE npi = ?", (name, npi))
    when = info["notice_day"] + timedelta(days=1)
    for i, name in enumerate(NAMES.values()):
        outreach.add_entry(
            project,
            sc.NEURO_1,
            "phone",
            "no answer",
            name,
            at=f"{when}T{8 + i % 10:02d}:05:00",
            note=f"Called; the office manager {name} took a message.",
        )
    yield project, info
    project.close()


def test_package_prints_every_script(many_scripts, tmp_path):
    project, _ = many_scripts
    out = tmp_path / "package.pdf"
    package_pdf.export_package(project, out, draft=True)
    text = _text(out)
    cover = _text_of_page(out, 0)
    # The plan name starts with a CJK (fallback) character: the cover's later lines still print.
    assert _squash(NAMES["Chinese"]) in cover and "H9876" in cover and "Planyear" in cover
    for script, name in NAMES.items():
        # Right-to-left names too: in logical order, the order an unshaped run comes out reversed.
        assert _squash(name) in text, f"{script} name {name!r} is missing from the package"
    assert _squash(NAMES["Arabic"])[::-1] not in text
    # The Devanagari face drew ligature glyphs (र्मा is one), which only shaping makes.
    assert any(len(u) > 4 for u in _font_to_unicode(out, "NotoSansDevanagari"))
    # Only the fallback faces some page drew with are embedded (fpdf2 would embed every added font).
    embedded = " ".join(
        str(ref.get_object()["/BaseFont"])
        for page in PdfReader(str(out)).pages
        for ref in page["/Resources"]["/Font"].values()
    )
    for face in ("NotoSansCJK", "NotoSansDevanagari", "NotoSansThai", "NotoEmoji"):
        assert face in embedded
    for face in ("NotoSansTamil", "NotoSansEthiopic", "NotoSansGeorgian"):
        assert face not in embedded
    assert len(PdfReader(str(out)).pages) < 20 and out.stat().st_size < 600_000


def test_executive_summary_prints_a_plan_name_in_any_script(many_scripts, tmp_path):
    project, _ = many_scripts
    out = executive_summary.write_executive_summary(project, tmp_path / "summary.pdf")
    text = _text(out)
    assert _squash(NAMES["Chinese"]) in text and _squash(NAMES["Arabic"]) in text


def _marked(n_chars: int, word: str = "attempt") -> tuple[str, list[str]]:
    """A note of about ``n_chars`` characters made of numbered sentences; the numbers show what printed."""
    marks, parts, size, i = [], [], 0, 0
    while size < n_chars:
        mark = f"M{i:05d}"
        sentence = f"{mark} the {word} was logged by the plan's recruiter with the practice."
        marks.append(mark)
        parts.append(sentence)
        size += len(sentence) + 1
        i += 1
    return " ".join(parts)[:n_chars], marks


@pytest.mark.parametrize("n_chars", [3_000, 30_000])
def test_long_outreach_note_prints_whole_across_pages(project, tmp_path, n_chars):
    info = sc.build(project, tmp_path, complete=True)
    pages_before = package_pdf.export_package(project, tmp_path / "before.pdf", draft=True).pages
    note, marks = _marked(n_chars)
    marks = [m for m in marks if m in note]
    entry = outreach.add_entry(
        project,
        sc.NEURO_1,
        "email",
        "no answer",
        "Maria Lopez",
        at=f"{info['notice_day']}T09:00:00",
        note=note,
    )
    out = tmp_path / "package.pdf"
    result = package_pdf.export_package(project, out, draft=True)  # failed: "row ... is too high"
    text = _text(out)
    positions = [text.find(m) for m in marks]
    assert -1 not in positions and positions == sorted(positions)  # every sentence, in order
    assert f"#{entry['id']}cont." in text  # the continuation rows name the entry (narrow column: short form)
    # About 30 characters a line in the note column, 55 lines a page: 30,000 characters take 15+ pages.
    assert result.pages >= pages_before + n_chars // 7_000


def test_long_narrative_prints_whole(project, tmp_path):
    info = sc.build(project, tmp_path, complete=True)
    body, marks = _marked(30_000, "exception rationale")
    # One 15,000-character paragraph, then paragraphs of ordinary length.
    text = body[:15_000] + "\n\n" + "\n\n".join(body[15_000:].split(". "))
    marks = [m for m in marks if m in text]
    narrative.save(project, info["gaps"]["019"], text)
    out = tmp_path / "package.pdf"
    package_pdf.export_package(project, out, draft=True)
    extracted = _text(out)
    positions = [extracted.find(m) for m in marks]
    assert -1 not in positions and positions == sorted(positions)


def test_table_row_longer_than_a_page_is_split_in_any_script(tmp_path):
    """A cell of unbroken characters (a pasted token, CJK without spaces, Arabic) wraps and splits too."""
    pdf = ReportPDF("Scripts", "Scripts", "2027-01-01 00:00 UTC", "0" * 64, draft=False)
    pdf.add_page()
    rows = [
        ["#1", "x" * 4_000],
        ["#2", NAMES["Chinese"] * 1_200],
        ["#3", (NAMES["Arabic"] + " ") * 300],
    ]
    pdf.data_table(["Entry", "Note"], rows, [20, 160])
    out = tmp_path / "t.pdf"
    pdf.output(str(out))
    text = _text(out)
    assert text.count("x") >= 4_000 and text.count(NAMES["Chinese"]) == 1_200
    assert text.count(_squash(NAMES["Arabic"])) == 300
    assert {"#1(continued)", "#2(continued)", "#3(continued)"} <= set(re.findall(r"#\d\(continued\)", text))


def test_text_after_a_line_starting_in_a_fallback_font_still_prints(tmp_path):
    """fpdf2 2.8.9 lost the page's font after such a line drawn in a local context (blank text after)."""
    pdf = ReportPDF("Scripts", "Scripts", "2027-01-01 00:00 UTC", "0" * 64, draft=False)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 10)
    for label, value in (
        (NAMES["Korean"], f"{NAMES['Chinese']} plan"),
        ("Contract", "H9876"),
        ("Year", "2027"),
    ):
        with pdf.local_context(text_color=(108, 117, 125)):
            pdf.cell(50, 6, label)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    out = tmp_path / "f.pdf"
    pdf.output(str(out))
    text = _text(out)
    assert all(
        s in text for s in (_squash(NAMES["Korean"]), NAMES["Chinese"], "Contract", "H9876", "Year2027")
    )


def test_english_line_starting_with_a_hebrew_name_stays_left_to_right(tmp_path):
    """The Unicode bidi algorithm takes a paragraph's direction from its first letter; the reports are
    English, so "דוד כהן: contract executed" must read name first, not "contract executed :דוד כהן"."""
    pdf = ReportPDF("Scripts", "Scripts", "2027-01-01 00:00 UTC", "0" * 64, draft=False)
    pdf.add_page()
    pdf.para(f"{NAMES['Hebrew']}: contract executed")
    pdf.data_table(["Action"], [[f"{NAMES['Arabic']}: credentialing decision"]], [180])
    out = tmp_path / "ltr.pdf"
    pdf.output(str(out))
    text = _text(out)
    assert text.index(_squash(NAMES["Hebrew"])) < text.index("contractexecuted")
    assert text.index(_squash(NAMES["Arabic"])) < text.index("credentialingdecision")


def test_needs_shaping_only_for_what_harfbuzz_changes():
    for plain in ("Dr. Alice Nguyen", "Nguyễn Văn An", "Иван Петров", "Ελένη", "王秀英", "김민준", "สมชาย"):
        assert not pdf_fonts.needs_shaping(plain), plain
    for shaped in (NAMES["Arabic"], NAMES["Hebrew"], NAMES["Devanagari"], "สมศักดิ์", "👩‍⚕️", "Nguye\u0303n"):
        assert pdf_fonts.needs_shaping(shaped), shaped


def test_fallback_fonts_cover_every_script_and_come_from_packages():
    fonts = pdf_fonts.fallback_fonts()
    pdf_fonts.check_fonts(fonts)
    faces = (pdf_fonts.main_fonts()[0], *fonts)
    for script, name in NAMES.items():
        for c in name.replace(" ", ""):
            assert any(ord(c) in pdf_fonts.font_coverage(f.path) for f in faces), (
                f"{script}: {c!r} in no font"
            )
    assert all("site-packages" in str(f.path) or "dist-packages" in str(f.path) for f in fonts)


def test_a_missing_font_package_is_named(monkeypatch):
    missing = pdf_fonts.FontFile(
        "NotoSansCJK", "", pdf_fonts.package_file("no_such_pkg", "x.otf"), "x-y (PyPI)"
    )
    monkeypatch.setattr(pdf_fonts, "fallback_fonts", lambda: (missing,))
    with pytest.raises(BlueprintError, match=r"install x-y \(PyPI\)"):
        ReportPDF("t", "t", "now", "0" * 64, draft=False)
