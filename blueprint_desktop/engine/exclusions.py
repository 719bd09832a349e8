"""Contracted providers that do not count toward adequacy, and why, whatever code the roster gives.

Each rule drops the credit of one (location, line) row and says why in words a network manager can act
on. The rules (sources in brackets):

- ``excluded``: specialized, long-term care and pediatric/children's hospitals, and providers available
  only in a residential facility, never count [42 CFR 422.116(a)(3)(i)(A)-(B)]. From the roster's
  exclusion field (``providers.exclusion``), so an HSD code of 040 on a children's hospital does not
  bring it back.
- ``not_ma``: a contract only for the organization's commercial, Medicaid or other products does not
  count [42 CFR 422.116(a)(3)(i)(C)]. From the roster's MA-product field or its HSD "Contract Type".
- ``obh_listed_elsewhere``: a provider listed under Psychiatry (029), Clinical Psychology (036) or Clinical
  Social Work (037) cannot also be submitted for Outpatient Behavioral Health (068); its 068 row does not
  count [CMS HSD Reference File 2026, Notes tab, 068].
- ``np_pa_not_primary_source``: physician assistants (005) and nurse practitioners (006) count toward
  primary care only as the enrollee's primary care source in a physician shortage area, so the row must
  record that [CMS HSD Reference File 2026, Notes tab, 005 and 006].
- ``np_pa_not_fully_credentialed``: the same Notes require the PA/NP to be "fully credentialed by the
  organization as a provider of primary care services", so provisional credentialing does not count
  for them (it does for physicians, with the At Risk flag of ``rollup``).

The functions take the frame of ``credited.load_locations`` and return one reason per row (None: no
exclusion), so the engine, the import warnings and ``blueprint checks`` all apply the same rules.

Every rule above is a Medicare Advantage rule (42 CFR 422.116 and the MA HSD Reference File's Notes), so
they apply to MA projects only (``lob="ma"``, the default). A Medicaid or QHP project credits these rows:
a children's hospital serves Medicaid and QHP children, a contract for the commercial or Medicaid product
is the contract that counts there, and the 068 and PA/NP notes are instructions for MA's HSD tables. Lines
of business are never mixed, and MA's exclusions are not borrowed by the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blueprint_desktop.store.schema_credit_rules import EXCLUSIONS

OBH_LINE = "068"
OTHER_BH_CODES = ("029", "036", "037")
NP_PA_CODES = ("005", "006")

# Rule key -> (short label for tables, rule cited).
RULES = {
    "excluded": ("excluded facility or setting", "42 CFR 422.116(a)(3)(i)(A)-(B)"),
    "not_ma": ("not contracted for Medicare Advantage", "42 CFR 422.116(a)(3)(i)(C)"),
    "obh_listed_elsewhere": (
        "listed as Psychiatry, Clinical Psychology or Clinical Social Work",
        "CMS HSD Reference File, Notes tab, 068",
    ),
    "np_pa_not_primary_source": (
        "PA/NP not recorded as the primary care source",
        "CMS HSD Reference File, Notes tab, 005/006",
    ),
    "np_pa_not_fully_credentialed": (
        "PA/NP not fully credentialed",
        "CMS HSD Reference File, Notes tab, 005/006",
    ),
}


def reason_text(rule: str, exclusion: str | None = None) -> str:
    """The sentence shown for one excluded row."""
    if rule == "excluded":
        words, cite = EXCLUSIONS.get(exclusion or "", ("excluded facility", RULES["excluded"][1]))
        return f"{words}: does not count toward network adequacy ({cite})"
    if rule == "not_ma":
        return (
            "contracted only for commercial, Medicaid or other products, not Medicare Advantage: "
            f"does not count ({RULES['not_ma'][1]})"
        )
    if rule == "obh_listed_elsewhere":
        return (
            "also listed under Psychiatry, Clinical Psychology or Clinical Social Work, so it cannot count for "
            f"Outpatient Behavioral Health ({RULES['obh_listed_elsewhere'][1]})"
        )
    if rule == "np_pa_not_primary_source":
        return (
            "physician assistant or nurse practitioner not recorded as the primary care source in a shortage "
            f"area: no primary care credit ({RULES['np_pa_not_primary_source'][1]})"
        )
    if rule == "np_pa_not_fully_credentialed":
        return (
            "physician assistant or nurse practitioner with provisional credentialing: primary care credit "
            f"needs full credentialing ({RULES['np_pa_not_fully_credentialed'][1]})"
        )
    raise ValueError(f"unknown exclusion rule {rule!r}")


def _col(df: pd.DataFrame, name: str, default) -> pd.Series:
    return df[name] if name in df.columns else pd.Series([default] * len(df), index=df.index, dtype=object)


def exclusion_rules(df: pd.DataFrame, lob: str = "ma") -> np.ndarray:
    """One rule key (or None) per row of a ``load_locations`` frame; the first rule that applies wins.
    Only an MA project (``lob``) has any: the rules are MA's (module doc)."""
    out = np.full(len(df), None, dtype=object)
    if df.empty or lob != "ma":
        return out
    exclusion = _col(df, "exclusion", None)
    ma = _col(df, "ma_contracted", None)
    submitted = _col(df, "submitted_code", None).fillna("").astype(str)
    pcs = _col(df, "primary_care_source", None)
    line = df.line_code.astype(str)

    # 068 rule: per NPI, over the plan's own (non-market) rows only.
    roster = (df.source != "market").to_numpy()
    bh_npis = set(df.npi[roster & submitted.isin(OTHER_BH_CODES).to_numpy()])
    obh_dup = roster & (line == OBH_LINE).to_numpy() & df.npi.isin(bh_npis).to_numpy()

    is_np_pa = submitted.isin(NP_PA_CODES).to_numpy()
    np_pa = is_np_pa & ~(pd.to_numeric(pcs, errors="coerce") == 1).to_numpy()
    cred = _col(df, "credentialing_status", None).astype(str)
    np_pa_provisional = is_np_pa & (cred == "provisional").to_numpy()
    not_ma = (pd.to_numeric(ma, errors="coerce") == 0).to_numpy()
    excluded = exclusion.notna().to_numpy() & (exclusion.astype(str) != "").to_numpy()

    # Later assignments win, so write them from the weakest to the strongest rule.
    out[np_pa_provisional] = "np_pa_not_fully_credentialed"
    out[np_pa] = "np_pa_not_primary_source"
    out[obh_dup] = "obh_listed_elsewhere"
    out[not_ma] = "not_ma"
    out[excluded] = "excluded"
    return out


def excluded_mask(df: pd.DataFrame, lob: str = "ma") -> np.ndarray:
    """True for rows that must not be credited (any rule applies)."""
    rules = exclusion_rules(df, lob)
    return np.array([r is not None for r in rules], dtype=bool)


def excluded_rows(df: pd.DataFrame, lob: str = "ma") -> pd.DataFrame:
    """The excluded rows with ``rule`` and ``reason`` columns (for import warnings, checks and reasons)."""
    rules = exclusion_rules(df, lob)
    keep = np.array([r is not None for r in rules], dtype=bool)
    sub = df[keep].copy()
    sub["rule"] = rules[keep]
    excl = _col(sub, "exclusion", None)
    sub["reason"] = [reason_text(r, e) for r, e in zip(sub.rule, excl, strict=True)]
    return sub.reset_index(drop=True)
