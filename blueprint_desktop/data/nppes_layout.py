"""The real layout of the CMS NPPES Data Dissemination files (the monthly "NPI file").

Source: CMS, *NPPES Data Dissemination - Readme* (updated February 1, 2025), section 2 "File Layouts":
Exhibit 2-1 "Data File Layout" (``npidata_pfile_yyyymmdd-yyyymmdd.csv``, 330 columns) and Exhibit 2-3
"Practice Location Reference File Layout" (``pl_pfile_yyyymmdd-yyyymmdd.csv``, 10 columns). Code values
come from *NPPES_Data_Dissemination_CodeValues.pdf*: Entity Type Code 1 = Individual, 2 = Organization;
Healthcare Provider Primary Taxonomy Switch Y = primary, N = not primary, X = not answered. Dates are
MM/DD/YYYY. Every value is enclosed in double quotes (Readme 1.1).

Two spellings differ between the Readme's table and the files CMS actually ships, and we follow the
files: the identifier issuer columns are ``Other Provider Identifier Issuer_N`` (the Readme's table says
``Issue_N``), and the practice-location file's second address column has two spaces,
``Provider Secondary Practice Location Address-  Address Line 2``. Headers are matched with runs of
whitespace collapsed and case ignored, so either spelling is accepted.

The repeated groups are generated rather than listed: 15 taxonomy groups of 4 columns (code, licence
number, licence state, primary switch), 50 other-identifier groups of 4, and 15 taxonomy-group columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TAXONOMY_SLOTS = 15  # Readme Exhibit 2-1: Healthcare Provider Taxonomy Code_1 .. _15
OTHER_IDENTIFIER_SLOTS = 50  # Readme Exhibit 2-1: Other Provider Identifier_1 .. _50

NPI = "NPI"
ENTITY_TYPE = "Entity Type Code"
REPLACEMENT_NPI = "Replacement NPI"
ORG_NAME = "Provider Organization Name (Legal Business Name)"
LAST_NAME = "Provider Last Name (Legal Name)"
FIRST_NAME = "Provider First Name"
MIDDLE_NAME = "Provider Middle Name"
NAME_PREFIX = "Provider Name Prefix Text"
NAME_SUFFIX = "Provider Name Suffix Text"
CREDENTIAL = "Provider Credential Text"
PRACTICE_LINE1 = "Provider First Line Business Practice Location Address"
PRACTICE_LINE2 = "Provider Second Line Business Practice Location Address"
PRACTICE_CITY = "Provider Business Practice Location Address City Name"
PRACTICE_STATE = "Provider Business Practice Location Address State Name"
PRACTICE_ZIP = "Provider Business Practice Location Address Postal Code"
PRACTICE_COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
PRACTICE_PHONE = "Provider Business Practice Location Address Telephone Number"
ENUMERATION_DATE = "Provider Enumeration Date"
LAST_UPDATE_DATE = "Last Update Date"
DEACTIVATION_REASON = "NPI Deactivation Reason Code"
DEACTIVATION_DATE = "NPI Deactivation Date"
REACTIVATION_DATE = "NPI Reactivation Date"
SEX_CODE = "Provider Sex Code"


def taxonomy_code(i: int) -> str:
    return f"Healthcare Provider Taxonomy Code_{i}"


def primary_switch(i: int) -> str:
    return f"Healthcare Provider Primary Taxonomy Switch_{i}"


TAXONOMY_CODES = tuple(taxonomy_code(i) for i in range(1, TAXONOMY_SLOTS + 1))
PRIMARY_SWITCHES = tuple(primary_switch(i) for i in range(1, TAXONOMY_SLOTS + 1))

ENTITY_INDIVIDUAL, ENTITY_ORGANIZATION = "1", "2"  # Code Values: Entity Type Code


def _data_file_columns() -> tuple[str, ...]:
    cols = [
        NPI,
        ENTITY_TYPE,
        REPLACEMENT_NPI,
        "Employer Identification Number (EIN)",
        ORG_NAME,
        LAST_NAME,
        FIRST_NAME,
        MIDDLE_NAME,
        NAME_PREFIX,
        NAME_SUFFIX,
        CREDENTIAL,
        "Provider Other Organization Name",
        "Provider Other Organization Name Type Code",
        "Provider Other Last Name",
        "Provider Other First Name",
        "Provider Other Middle Name",
        "Provider Other Name Prefix Text",
        "Provider Other Name Suffix Text",
        "Provider Other Credential Text",
        "Provider Other Last Name Type Code",
        "Provider First Line Business Mailing Address",
        "Provider Second Line Business Mailing Address",
        "Provider Business Mailing Address City Name",
        "Provider Business Mailing Address State Name",
        "Provider Business Mailing Address Postal Code",
        "Provider Business Mailing Address Country Code (If outside U.S.)",
        "Provider Business Mailing Address Telephone Number",
        "Provider Business Mailing Address Fax Number",
        PRACTICE_LINE1,
        PRACTICE_LINE2,
        PRACTICE_CITY,
        PRACTICE_STATE,
        PRACTICE_ZIP,
        PRACTICE_COUNTRY,
        PRACTICE_PHONE,
        "Provider Business Practice Location Address Fax Number",
        ENUMERATION_DATE,
        LAST_UPDATE_DATE,
        DEACTIVATION_REASON,
        DEACTIVATION_DATE,
        REACTIVATION_DATE,
        SEX_CODE,
        "Authorized Official Last Name",
        "Authorized Official First Name",
        "Authorized Official Middle Name",
        "Authorized Official Title or Position",
        "Authorized Official Telephone Number",
    ]
    for i in range(1, TAXONOMY_SLOTS + 1):
        cols += [
            taxonomy_code(i),
            f"Provider License Number_{i}",
            f"Provider License Number State Code_{i}",
            primary_switch(i),
        ]
    for i in range(1, OTHER_IDENTIFIER_SLOTS + 1):
        cols += [
            f"Other Provider Identifier_{i}",
            f"Other Provider Identifier Type Code_{i}",
            f"Other Provider Identifier State_{i}",
            f"Other Provider Identifier Issuer_{i}",
        ]
    cols += [
        "Is Sole Proprietor",
        "Is Organization Subpart",
        "Parent Organization LBN",
        "Parent Organization TIN",
        "Authorized Official Name Prefix Text",
        "Authorized Official Name Suffix Text",
        "Authorized Official Credential Text",
    ]
    cols += [f"Healthcare Provider Taxonomy Group_{i}" for i in range(1, TAXONOMY_SLOTS + 1)]
    cols.append("Certification Date")
    return tuple(cols)


DATA_FILE_COLUMNS = _data_file_columns()
# 47 single columns + 15 x 4 taxonomy + 50 x 4 identifiers + 7 + 15 taxonomy groups + 1 = 330.
assert len(DATA_FILE_COLUMNS) == 330, len(DATA_FILE_COLUMNS)
assert len(set(DATA_FILE_COLUMNS)) == 330

PL_NPI = "NPI"
PL_LINE1 = "Provider Secondary Practice Location Address- Address Line 1"
PL_LINE2 = "Provider Secondary Practice Location Address-  Address Line 2"
PL_CITY = "Provider Secondary Practice Location Address - City Name"
PL_STATE = "Provider Secondary Practice Location Address - State Name"
PL_ZIP = "Provider Secondary Practice Location Address - Postal Code"
PL_PHONE = "Provider Secondary Practice Location Address - Telephone Number"

PL_FILE_COLUMNS = (
    PL_NPI,
    PL_LINE1,
    PL_LINE2,
    PL_CITY,
    PL_STATE,
    PL_ZIP,
    "Provider Secondary Practice Location Address - Country Code (If outside U.S.)",
    PL_PHONE,
    "Provider Secondary Practice Location Address - Telephone Extension",
    "Provider Practice Location Address - Fax Number",
)
assert len(PL_FILE_COLUMNS) == 10

# What the market import reads from the data file (45 of 330): the rest is never converted.
IMPORT_COLUMNS = (
    NPI,
    ENTITY_TYPE,
    ORG_NAME,
    LAST_NAME,
    FIRST_NAME,
    MIDDLE_NAME,
    NAME_SUFFIX,
    CREDENTIAL,
    PRACTICE_LINE1,
    PRACTICE_LINE2,
    PRACTICE_CITY,
    PRACTICE_STATE,
    PRACTICE_ZIP,
    DEACTIVATION_DATE,
    REACTIVATION_DATE,
    *TAXONOMY_CODES,
    *PRIMARY_SWITCHES,
)
PL_IMPORT_COLUMNS = (PL_NPI, PL_LINE1, PL_LINE2, PL_CITY, PL_STATE, PL_ZIP)
# Read when the header has them, never required: a practice phone is shown to the user (recruit tables), not
# scored, and trimmed extracts and re-saves (e.g. a PL file of six columns) leave it out.
OPTIONAL_IMPORT_COLUMNS = (PRACTICE_PHONE,)
PL_OPTIONAL_IMPORT_COLUMNS = (PL_PHONE,)


def phone_display(value: object) -> str | None:
    """A practice phone as NPPES gives it (10 digits, or a float after a spreadsheet re-save) for display."""
    text = str(value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return text or None


def header_key(name: str) -> str:
    """Matching key of a header: whitespace runs collapsed, case folded, a UTF-8 BOM dropped."""
    return " ".join(str(name).replace("\ufeff", "").split()).casefold()


def find_columns(header: Sequence[str], wanted: Iterable[str]) -> tuple[dict[str, str], str | None]:
    """Map each wanted (official) name to the header's own spelling; also the first one missing."""
    by_key = {header_key(h): h for h in header}
    found: dict[str, str] = {}
    for name in wanted:
        actual = by_key.get(header_key(name))
        if actual is None:
            return found, name
        found[name] = actual
    return found, None


def data_file_name(start: str = "20050523", end: str = "20251109") -> str:
    """The name CMS gives the monthly data file (Readme 1.4), e.g. npidata_pfile_20050523-20251109.csv."""
    return f"npidata_pfile_{start}-{end}.csv"


def pl_file_name(start: str = "20050523", end: str = "20251109") -> str:
    return f"pl_pfile_{start}-{end}.csv"
