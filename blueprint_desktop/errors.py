"""Errors a user can act on.

Everything the core raises for bad input or a bad file is a ``BlueprintError`` whose message is one
plain sentence naming the file, row, column and what was expected. The CLI prints it as one line and
exits non-zero; the GUI shows it in a dialog. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class BlueprintError(Exception):
    """A problem the user can fix; ``str(err)`` is the one-line message shown to them."""


class ProjectFileError(BlueprintError):
    """The project file cannot be used as asked (not a project, corrupt, too new, locked)."""


class NotAProjectFile(ProjectFileError):
    pass


class ProjectCorrupt(ProjectFileError):
    pass


class ProjectTooNew(ProjectFileError):
    pass


class ProjectReadOnly(ProjectFileError):
    """A write was attempted on a project opened read-only (another instance is writing it)."""


class InputFileError(BlueprintError):
    """An input file (roster, reference file, notice...) was refused; nothing was imported."""


class Cancelled(BlueprintError):
    """The user cancelled a long-running operation; nothing partial was kept."""
