"""The page furniture of Blueprint's PDF reports (fpdf2): fonts, header, footer, DRAFT watermark, tables.

Every page footer carries the generation time and the SHA-256 fingerprint of the project file the
report was made from (``Project.file_sha256``), so a reader can tell which state of the project a page
shows, and the page number out of the total. Fonts are DejaVu (Unicode; fpdf2's core fonts are latin-1
only) with Noto fallbacks for every other script, and text shaping on (``pdf_fonts``). Long tables use
fpdf2's ``table()``, which repeats the heading row on every page; a row taller than a page cannot be drawn
by it, so ``data_table`` splits a cell's long text over continuation rows.

Pages are US Letter (8.5 x 11 in, 215.9 x 279.4 mm), the size of US filings, with 15 mm side margins,
20 mm at the top (the running title sits in it) and 22 mm at the bottom (the footer sits in it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager, nullcontext

from fpdf import FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from blueprint_desktop.reports.pdf_fonts import FONT, MONO, ScriptsPDF

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (31, 78, 121)  # headings and rules: a sober dark blue
HEAD_FILL = (226, 232, 240)
ZEBRA = (247, 249, 251)
WATERMARK = (246, 222, 222)
PAGE_FORMAT = "Letter"
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = 15.0, 20.0, 22.0
# Lines of one table cell per row: about a third of a page at 8 pt, so a continuation row always fits
# under the repeated heading and a row pushed to the next page leaves at most a third of a page blank.
ROW_LINES = 18

_IRREGULAR = {
    "county x specialty cell": "county x specialty cells",
    "entry": "entries",
    "facility": "facilities",
}


def plural(n: int | float, noun: str, many: str | None = None) -> str:
    """'1 provider', '2 providers', '0 providers': a count with its noun in the right number.

    ``many`` gives an irregular plural; a few of the package's nouns are known ("entry" -> "entries").
    """
    count = int(n) if float(n).is_integer() else n
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {many or _IRREGULAR.get(noun) or noun + 's'}"


class ReportPDF(ScriptsPDF):
    """US Letter portrait report with a running title, a fingerprint footer and an optional DRAFT watermark."""

    def __init__(
        self,
        title: str,
        running_title: str,
        generated_at: str,
        fingerprint: str,
        draft: bool,
        fingerprint_label: str = "Project file SHA-256",
    ) -> None:
        super().__init__(orientation="P", unit="mm", format=PAGE_FORMAT)
        self.report_title = title
        self.running_title = running_title
        self.generated_at = generated_at
        self.fingerprint = fingerprint
        # What the footer's digest is of: a digest that can be checked later (a run's inputs, an evidence
        # chain head), never the project file's own bytes, which change on every writable open.
        self.fingerprint_label = fingerprint_label
        self.draft = draft
        self.set_title(title)
        self.set_creator("Blueprint Desktop")
        self.set_margins(SIDE_MARGIN, TOP_MARGIN, SIDE_MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.set_text_color(*INK)

    # -- furniture --------------------------------------------------------------------------------
    def header(self) -> None:
        if self.draft:
            self._watermark()
        if self.page_no() > 1:
            with self.local_context(font_family=FONT, font_style="", font_size_pt=8, text_color=MUTED):
                self.set_xy(self.l_margin, 9)
                self.cell(0, 4, self.running_title, align="L")
                self.set_draw_color(*HEAD_FILL)
                self.line(self.l_margin, 14, self.w - self.r_margin, 14)
            self.set_xy(self.l_margin, self.t_margin)

    def _watermark(self) -> None:
        with self.local_context(font_family=FONT, font_style="B", font_size_pt=110, text_color=WATERMARK):
            cx, cy = self.w / 2, self.h / 2
            with self.rotation(angle=55, x=cx, y=cy):
                width = self.get_string_width("DRAFT")
                self.text(cx - width / 2, cy + 15, "DRAFT")

    def footer(self) -> None:
        with self.local_context(font_family=FONT, font_style="", font_size_pt=7, text_color=MUTED):
            self.set_draw_color(*HEAD_FILL)
            self.line(self.l_margin, self.h - 16, self.w - self.r_margin, self.h - 16)
            self.set_xy(self.l_margin, self.h - 15)
            status = "DRAFT - not for submission. " if self.draft else ""
            self.cell(0, 3.5, f"{status}Generated {self.generated_at}", align="L")
            self.set_x(self.l_margin)
            self.cell(
                0, 3.5, f"Page {self.page_no()} of {{nb}}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.set_font(MONO, "", 6.5)
            self.cell(0, 3.5, f"{self.fingerprint_label} {self.fingerprint}", align="L")

    # -- building blocks --------------------------------------------------------------------------
    def section(self, title: str, new_page: bool = True) -> None:
        """A numbered top-level section: new page, bookmark, heading and a rule."""
        if new_page:
            self.add_page()
        self.start_section(title, level=0)
        with self.local_context(font_family=FONT, font_style="B", font_size_pt=15, text_color=ACCENT):
            self.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.set_line_width(0.2)
        self.ln(4)

    def subheading(self, text: str) -> None:
        if self.get_y() > self.h - 50:
            self.add_page()
        with self.local_context(font_family=FONT, font_style="B", font_size_pt=10.5, text_color=INK):
            self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: float = 9.5, style: str = "", color=INK, height: float = 4.8) -> None:
        with self.local_context(font_family=FONT, font_style=style, font_size_pt=size, text_color=color):
            self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def note(self, text: str) -> None:
        self.para(text, size=8, style="I", color=MUTED, height=4)

    def data_table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        align: Sequence[str] | None = None,
        size: float = 8,
        emphasis_rows: set[int] | None = None,
        mono_cols: set[int] | None = None,
    ) -> None:
        """A table whose heading row repeats on every page it spans; empty tables say so."""
        if not rows:
            self.note("(none)")
            return
        emphasis_rows = emphasis_rows or set()
        mono_cols = mono_cols or set()
        line_height, padding = size * 0.5, 1.2
        self.set_font(FONT, "", size)
        self.set_text_color(*INK)
        self.set_draw_color(200, 205, 212)
        # fpdf2 2.8 fills zebra rows with the current fill colour, whatever cell_fill_color says.
        self.set_fill_color(*ZEBRA)
        col_widths = [w / sum(widths) * self.epw for w in widths]

        def face(i: int, j: int) -> FontFace | None:
            if j in mono_cols:
                return FontFace(family=MONO, size_pt=size - 1.5)
            if i in emphasis_rows:
                return FontFace(emphasis="BOLD")
            return None

        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(align) if align else "LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL, color=INK),
            line_height=line_height,
            cell_fill_color=ZEBRA,
            cell_fill_mode=TableCellFillMode.ROWS,
            repeat_headings=1,
            padding=padding,
            width=self.epw,
        ) as table:
            head = table.row()
            for h in headings:
                head.cell(str(h))
            for i, values in enumerate(rows):
                texts = ["" if v is None else str(v) for v in values]
                for part in self._split_row(
                    texts, col_widths, line_height, padding, lambda j, i=i: face(i, j)
                ):
                    row = table.row()
                    for j, text in enumerate(part):
                        row.cell(text, style=face(i, j))
        self.ln(3)

    def _split_row(self, texts, col_widths, line_height, padding, face) -> list[list[str]]:
        """One table row, or several when a cell's text is longer than ``ROW_LINES`` lines.

        fpdf2 draws a table row on one page and refuses a taller one ("too high"), so a long outreach
        note would stop the whole export. The long cells are cut at line ends (wrapped here exactly as
        the table wraps them: same width, padding and font) into continuation rows, which the table
        breaks across pages like any rows, repeating the heading; a continuation row says in its first
        cell which row it continues ("#12 (continued)"). Short cells are printed in the first part only.
        """
        lines = []
        for j, text in enumerate(texts):
            style = face(j)
            size = (style.size_pt if style and style.size_pt else None) or self.font_size_pt
            # Any two consecutive wrapped lines are together wider than the column, and ordinary glyphs
            # (CJK and emoji the widest) are about 1 em wide, 1.5 with a margin: a cell under this bound has
            # at most ROW_LINES lines, so the (slower) exact wrap is only done for long text.
            em = size / self.k
            bound = text.count("\n") + 1 + 2 * len(text) * 1.5 * em / (col_widths[j] - 2 * padding)
            if bound <= ROW_LINES:
                lines.append([text])
                continue
            with self.use_font_face(style) if style else nullcontext():
                lines.append(
                    self.multi_cell(
                        col_widths[j], line_height, text, padding=padding, dry_run=True, output="LINES"
                    )
                )
        if max((len(cell) for cell in lines), default=0) <= ROW_LINES:
            return [texts]
        # "(continued)" broken mid-word in a narrow first column (the outreach log's entry number) reads
        # worse than the short form.
        wide = 1.1 * self.get_string_width("(continued)")  # 10% more for an emphasised (bold) row
        more = "(continued)" if wide < col_widths[0] - 2 * padding else "cont."
        label = f"{texts[0].splitlines()[0] if texts[0] else ''}\n{more}"
        parts = []
        for start in range(0, max(len(cell) for cell in lines), ROW_LINES):
            part = []
            for j, cell in enumerate(lines):
                if len(cell) > ROW_LINES:
                    part.append("\n".join(cell[start : start + ROW_LINES]))
                elif start == 0:
                    part.append(texts[j])
                else:
                    part.append("")
            if start and len(lines[0]) <= ROW_LINES:
                part[0] = label
            parts.append(part)
        return parts

    @contextmanager
    def keep_together(self, height: float):
        """Start a new page first when fewer than ``height`` mm are left (signature blocks, maps)."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        yield
