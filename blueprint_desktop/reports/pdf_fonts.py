"""The fonts of Blueprint's PDF reports: DejaVu for the text, Noto fallbacks for every other script.

Provider and contact names come in any script. DejaVu Sans (the reports' face since the start) covers
Latin with Vietnamese, Greek, Cyrillic, Arabic and Hebrew; fpdf2 draws a character DejaVu lacks from a
fallback font that has it, so Latin text prints exactly as before. The fallbacks are Noto, from two PyPI
packages (SIL Open Font License 1.1), found where pip put them (a frozen build collects them like any
package data), never downloaded at run time:

- ``manimgx-fonts``: Noto Sans for Arabic, Hebrew, Devanagari and the other Indic scripts, Thai, Lao,
  Khmer, Myanmar, Armenian, Georgian and Ethiopic; Noto Emoji; Noto Sans Symbols; Noto Sans (letters
  DejaVu lacks). Variable fonts: fpdf2 embeds their default (regular) instance.
- ``noto-cjk-sans-jp-regular``: Noto Sans CJK JP Regular, one 16 MB OpenType (CFF) file holding Chinese
  (simplified and traditional), Japanese kana and Korean Hangul; Han characters take their Japanese
  glyph forms (the Simplified Chinese regional file is not on PyPI on its own).

fpdf2 subsets each font to the glyphs a PDF uses, so a PDF grows by a few kilobytes per script it prints.

Noto Emoji is the monochrome emoji font. fpdf2 2.8 can draw colour fonts (COLR, CBDT, sbix, SVG) only as
Type 3 fonts of at most 255 glyphs; a monochrome face prints like text and needs no second package. A ZWJ
sequence such as 👩‍⚕️ prints as its parts (👩⚕), since DejaVu has the joiner and the staff of Aesculapius
and fpdf2 picks a font per character; the text extracted from the PDF keeps the whole sequence.

Text shaping (HarfBuzz, through ``uharfbuzz``) joins Arabic letters, forms Devanagari conjuncts and Thai
mark stacks, and with fpdf2's bidirectional algorithm lays right-to-left names out right to left.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF

from blueprint_desktop.errors import BlueprintError

# Debian's fonts-dejavu-core: where the faces are when running from source (installers/setup.sh).
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
# The frozen app carries its own copies (installers/blueprint.spec), at the same place relative to the
# package as resources/ in the source tree: ``_internal/resources/fonts/dejavu`` beside
# ``_internal/blueprint_desktop``. A laptop without the Debian package (Windows, macOS) prints with these.
BUNDLED_DEJAVU_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "dejavu"
FONT = "DejaVu"
MONO = "DejaVuMono"


@dataclass(frozen=True)
class FontFile:
    family: str
    style: str
    path: Path
    package: str  # where it comes from, named in the error when it is missing


MAIN_FILES = (
    (FONT, "", "DejaVuSans.ttf"),
    (FONT, "B", "DejaVuSans-Bold.ttf"),
    (FONT, "I", "DejaVuSans-Oblique.ttf"),
    (MONO, "", "DejaVuSansMono.ttf"),
)
# (family, package, file). Order matters only for a character several fallbacks share: the script's own
# face comes first, then the CJK font (it also holds Latin, Greek and Cyrillic, in wide CJK forms), then
# the emoji and symbol faces, and Noto Sans last for the rare letters no other font here has.
FALLBACK_FILES = (
    ("NotoSansArabic", "manimgx_fonts", "NotoSansArabic[wght].ttf"),
    ("NotoSansHebrew", "manimgx_fonts", "NotoSansHebrew[wght].ttf"),
    ("NotoSansDevanagari", "manimgx_fonts", "NotoSansDevanagari[wght].ttf"),
    ("NotoSansBengali", "manimgx_fonts", "NotoSansBengali[wght].ttf"),
    ("NotoSansGurmukhi", "manimgx_fonts", "NotoSansGurmukhi[wght].ttf"),
    ("NotoSansGujarati", "manimgx_fonts", "NotoSansGujarati[wght].ttf"),
    ("NotoSansTamil", "manimgx_fonts", "NotoSansTamil[wght].ttf"),
    ("NotoSansTelugu", "manimgx_fonts", "NotoSansTelugu[wght].ttf"),
    ("NotoSansKannada", "manimgx_fonts", "NotoSansKannada[wght].ttf"),
    ("NotoSansMalayalam", "manimgx_fonts", "NotoSansMalayalam[wght].ttf"),
    ("NotoSansThai", "manimgx_fonts", "NotoSansThai[wght].ttf"),
    ("NotoSansLao", "manimgx_fonts", "NotoSansLao[wght].ttf"),
    ("NotoSansKhmer", "manimgx_fonts", "NotoSansKhmer[wght].ttf"),
    ("NotoSansMyanmar", "manimgx_fonts", "NotoSansMyanmar[wght].ttf"),
    ("NotoSansArmenian", "manimgx_fonts", "NotoSansArmenian[wght].ttf"),
    ("NotoSansGeorgian", "manimgx_fonts", "NotoSansGeorgian[wght].ttf"),
    ("NotoSansEthiopic", "manimgx_fonts", "NotoSansEthiopic[wght].ttf"),
    ("NotoSansCJK", "noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
    ("NotoEmoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
    ("NotoSansSymbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    ("NotoSans", "manimgx_fonts", "NotoSans[wght].ttf"),
)
PIP_NAMES = {"manimgx_fonts": "manimgx-fonts", "noto_cjk_sans_jp_regular": "noto-cjk-sans-jp-regular"}


def package_file(package: str, name: str) -> Path:
    try:
        return Path(str(files(package).joinpath(name)))
    except ModuleNotFoundError:
        return Path(f"<{package} not installed>") / name


def _has_main_files(folder: Path) -> bool:
    return all((folder / name).is_file() for _, _, name in MAIN_FILES)


def dejavu_dir() -> Path:
    """The DejaVu folder to print with: the copies inside the frozen app first, else Debian's."""
    return BUNDLED_DEJAVU_DIR if _has_main_files(BUNDLED_DEJAVU_DIR) else DEJAVU_DIR


def bundle_font_source() -> Path:
    """Where the app build takes the DejaVu files it bundles from (build time only, never at run time).

    Debian's package on Linux; elsewhere matplotlib's copies of the same DejaVu release (the ``build``
    extra installs matplotlib for that reason: no PyPI package ships DejaVu alone). Found without importing
    matplotlib, which the app itself never uses.
    """
    import importlib.util

    candidates = [DEJAVU_DIR]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "mpl-data" / "fonts" / "ttf" for p in spec.submodule_search_locations]
    for folder in candidates:
        if _has_main_files(folder):
            return folder
    raise BlueprintError(
        "DejaVu fonts not found for the app build (looked in "
        f"{', '.join(str(c) for c in candidates)}); install fonts-dejavu-core (Debian) or matplotlib"
    )


@cache
def main_fonts() -> tuple[FontFile, ...]:
    folder = dejavu_dir()
    return tuple(
        FontFile(family, style, folder / name, "fonts-dejavu-core (Debian)")
        for family, style, name in MAIN_FILES
    )


@cache
def fallback_fonts() -> tuple[FontFile, ...]:
    return tuple(
        FontFile(family, "", package_file(package, name), f"{PIP_NAMES[package]} (PyPI)")
        for family, package, name in FALLBACK_FILES
    )


def check_fonts(fonts: tuple[FontFile, ...]) -> None:
    """Refuse, naming the package to install, when a font file is missing (before any page is drawn)."""
    missing = [f for f in fonts if not f.path.is_file()]
    if missing:
        packages = sorted({f.package for f in missing})
        raise BlueprintError(
            f"font file(s) {', '.join(str(f.path) for f in missing)} not found; install {', '.join(packages)}"
        )


@cache
def font_coverage(path: Path) -> frozenset[int]:
    """The code points a font file maps (read once per process; the CJK font's takes ~0.1 s)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


class ScriptsPDF(FPDF):
    """An FPDF that prints every script: DejaVu, Noto fallbacks loaded on first use, shaping as needed.

    fpdf2 parses each added font (the CJK one alone takes ~0.2 s) and embeds it, used or not, so a
    fallback is added only when a character first needs it (``get_fallback_font``): a report in Latin
    script loads none. One small fallback is registered from the start, since fpdf2 looks for missing
    glyphs only when some fallback font is set.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        main, fallbacks = main_fonts(), fallback_fonts()
        check_fonts(main + fallbacks)
        for f in main:
            self.add_font(f.family, f.style, str(f.path))
        self._loaded_fallbacks: list[str] = []
        self._load_fallback(min(fallbacks, key=lambda f: f.path.stat().st_size))  # Hebrew, 25 KB
        # Needs uharfbuzz; fpdf2 then also applies the Unicode bidirectional algorithm to each paragraph.
        # The reports are in English: a paragraph is left to right even when it starts with an Arabic or
        # Hebrew name (the algorithm would otherwise make "דוד כהן: contract executed" right to left).
        self.set_text_shaping(True, direction="ltr")

    def _load_fallback(self, font: FontFile) -> str:
        key = font.family.lower()
        if font.family not in self._loaded_fallbacks:
            self.add_font(font.family, "", str(font.path))
            self._loaded_fallbacks.append(font.family)
            # Bold and italic text falls back to the one (regular) Noto face rather than losing the letter.
            self.set_fallback_fonts(self._loaded_fallbacks, exact_match=False)
        return key

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """The first fallback font (``FALLBACK_FILES`` order) that has ``char``, loaded now if need be."""
        code = ord(char)
        for font in fallback_fonts():
            if code in font_coverage(font.path):
                return self._load_fallback(font)
        return None

    def _preload_bidirectional_text(self, text: str, markdown: bool):
        # fpdf2 shapes every string once text shaping is on, measuring it a character at a time through
        # HarfBuzz (package export 0.9 s -> 2.4 s). Text with nothing to shape (no right-to-left
        # letter, combining mark, format character or emoji) is laid out unshaped, exactly as before.
        if self.text_shaping and not needs_shaping(text):
            shaping, self.text_shaping = self.text_shaping, None
            fallbacks = self._fallback_font_ids
            # With fallback fonts set, fpdf2 looks each character up in Python, one at a time; text the
            # current font wholly covers takes fpdf2's one-fragment path instead.
            cmap = getattr(self.current_font, "cmap", None)
            if not markdown and cmap is not None and all(ord(c) in cmap for c in set(text) - {"\n"}):
                self._fallback_font_ids = []
            try:
                return self._preload_font_styles(text, markdown)
            finally:
                self.text_shaping, self._fallback_font_ids = shaping, fallbacks
        return super()._preload_bidirectional_text(text, markdown)

    def _render_styled_text_line(self, text_line, *args, **kwargs):
        # fpdf2 2.8.9 bug (its fix for issue #1772 is incomplete): when the first text drawn at a graphics
        # state level starts with a fallback-font character (a CJK plan name on the cover), fpdf2 sets the
        # main font inside the line's own q/Q block yet records it as set for the page, so every later
        # line there is drawn with no font at all ("No font in show": blank text). Setting the main font
        # outside the block first, as fpdf2 does for a line that starts in the main font, avoids it.
        frags = text_line.fragments
        if (
            frags
            and not kwargs.get("prevent_font_change")
            and not self.current_font_is_set_on_page
            and self.current_font is not None
            and frags[0].font is not self.current_font
            and frags[0].font.fontkey in self._fallback_font_ids
        ):
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        return super()._render_styled_text_line(text_line, *args, **kwargs)

    def output(self, *args, **kwargs):
        self._drop_unused_fallbacks()
        return super().output(*args, **kwargs)

    def _drop_unused_fallbacks(self) -> None:
        """Forget the fallback fonts no page drew with, just before output.

        A fallback loaded while measuring text that was then not printed (or the one registered from
        the start) would still be embedded. A font whose subset holds only the glyphs fpdf2 reserves
        (.notdef and space: ids 0 and 0x20) drew nothing; pages name fonts by their own index, so
        removing an unused one changes nothing else.
        """
        for family in self._loaded_fallbacks:
            key = family.lower()
            font = self.fonts.get(key)
            if font is not None and all(char_id in (0x00, 0x20) for _, char_id in font.subset.items()):
                del self.fonts[key]


_SHAPED_CATEGORIES = frozenset(("Mn", "Mc", "Me", "Cf"))
_RTL_CLASSES = frozenset(("R", "AL", "AN"))


def needs_shaping(text: str) -> bool:
    """Whether HarfBuzz must lay ``text`` out: right-to-left letters (Arabic, Hebrew), combining marks
    (Indic and Thai vowel signs, decomposed Vietnamese), format characters (joiners, bidi controls) or
    emoji (sequences, skin tones). Latin, Greek, Cyrillic and CJK text prints the same unshaped."""
    if text.isascii():
        return False
    return any(
        ord(c) >= 0x1F000
        or unicodedata.category(c) in _SHAPED_CATEGORIES
        or unicodedata.bidirectional(c) in _RTL_CLASSES
        for c in text
        if ord(c) >= 0x300
    )
