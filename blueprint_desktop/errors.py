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


class RowsRejected(InputFileError):
    """A file refused because of bad rows; ``.problems`` lists every one (row, column, value, expected)
    and nothing was changed. Importers subclass it to name what they import."""

    outcome = "nothing was changed"

    def __init__(self, file_name: str, problems: list, bad_rows: int) -> None:
        self.file_name = file_name
        self.problems = list(problems)
        self.bad_rows = bad_rows
        super().__init__(
            f"{file_name}: refused, {len(self.problems)} problem(s) in {bad_rows} row(s), the first: "
            f"{self.problems[0]}; {self.outcome}"
        )


class PassphraseNeeded(NotAProjectFile):
    """The file is not a plain SQLite database: it is an encrypted project (give its passphrase) or not a
    project at all (an encrypted file looks like random bytes, so the two cannot be told apart without it)."""


class WrongPassphrase(PassphraseNeeded):
    """A passphrase was given but does not open the file (wrong passphrase, or not a project file)."""


class EncryptionUnavailable(BlueprintError):
    """Encrypted projects need the SQLCipher binding (the sqlcipher3-wheels package), which is missing."""


class DiskFull(ProjectFileError):
    """SQLite ran out of space (disk or database size limit); the transaction was rolled back whole."""
