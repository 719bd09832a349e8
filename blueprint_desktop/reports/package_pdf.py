"""The one-click corrective action package: one PDF answering a CMS network adequacy deficiency notice.

``export_package`` gathers the notice's data (``package_data``), checks what each section still lacks
(``completeness``) and renders the sections (``package_sections``) with fpdf2. A package with any lack is
refused unless exported as a draft; a draft carries a DRAFT watermark on every page and ends with a page
listing the lacks. Each page footer carries the generation time and the project file's SHA-256, taken
just before rendering; the export writes nothing to the project so that fingerprint stays verifiable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports import completeness, package_sections
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.package_data import gather
from blueprint_desktop.reports.pdf_document import ReportPDF, plural


class PackageIncomplete(BlueprintError):
    """The package lacks evidence and was not exported as a draft."""


@dataclass
class PackageResult:
    path: Path
    notice_id: int
    draft: bool
    pages: int
    fingerprint: str
    generated_at: str
    lacks: list[completeness.Lack] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "notice_id": self.notice_id,
            "draft": self.draft,
            "pages": self.pages,
            "fingerprint": self.fingerprint,
            "generated_at": self.generated_at,
            "lacks": [lack.as_dict() for lack in self.lacks],
        }


def check_package(
    project, notice_id: int | None = None, today: date | None = None
) -> list[completeness.Lack]:
    """What each section still lacks (empty when the package is ready)."""
    return completeness.check(gather(project, notice_id, today))


def export_package(
    project,
    out_path: str | os.PathLike[str],
    notice_id: int | None = None,
    draft: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> PackageResult:
    """Render the package to ``out_path`` (written atomically). Refuses an incomplete one unless ``draft``."""
    progress = progress or Progress()
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise BlueprintError(f"{out_path.parent}: no such folder")
    progress.update(0.05, "gathering the notice's data")
    data = gather(project, notice_id, today)
    lacks = completeness.check(data)
    if lacks and not draft:
        first = "; ".join(f"{completeness.SECTIONS[x.section]}: {x.message}" for x in lacks[:3])
        raise PackageIncomplete(
            f"the package lacks {plural(len(lacks), 'item')} ({first}{'; ...' if len(lacks) > 3 else ''}); "
            "complete them or export a draft (--draft)"
        )
    draft = draft or bool(lacks)
    progress.update(0.3, "fingerprinting the project file")
    fingerprint = project.file_sha256()
    generated = datetime.now(UTC).replace(microsecond=0)
    generated_text = generated.strftime("%Y-%m-%d %H:%M UTC")
    running = (
        f"Corrective action package  |  {data.notice.get('contract_id') or data.project_name}  |  "
        f"notice of {data.notice['notice_date'][:10]}"
    )
    pdf = ReportPDF("Corrective Action Package", running, generated_text, fingerprint, draft)
    pdf.set_subject(
        f"Response to the CMS network adequacy deficiency notice of {data.notice['notice_date'][:10]}"
    )
    pdf.set_creation_date(generated)
    package_sections.cover(pdf, data)
    for i, section in enumerate(package_sections.SECTION_ORDER):
        progress.update(0.35 + 0.55 * i / len(package_sections.SECTION_ORDER), f"drawing {section.__name__}")
        section(pdf, data)
    if lacks:
        package_sections.lacks_page(pdf, lacks)
    progress.update(0.95, "writing the PDF")
    with atomic_output(out_path) as tmp:
        pdf.output(str(tmp))
    progress.update(1.0, f"{pdf.page_no()} pages")
    return PackageResult(
        out_path, data.notice["id"], draft, pdf.page_no(), fingerprint, generated_text, lacks
    )
