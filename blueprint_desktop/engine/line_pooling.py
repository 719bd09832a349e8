"""Count one line's providers toward another where the rules say so (``rules.other_lines.pooled_lines``).

A Medicaid set whose primary care is "adult and pediatric" (42 CFR 438.68(b)(1)(i)) credits pediatricians
(Blueprint's PPC line, ``resources/rules/other_lines.csv``) to primary care (S03); a set with one dental
subspecialty standard credits every dental specialty to it (DSS); vision providers (VIS) count ophthalmologists
(023). Each pooled location gets a row of the target line, as if the roster had listed the line itself; a
location already on the target line keeps its own row. MA projects are never pooled (the caller skips them),
and a set with none of the target lines gets the frame read, unchanged.
"""

from __future__ import annotations

import pandas as pd

from blueprint_desktop.rules.other_lines import pooled_lines


def pool_locations(locations: pd.DataFrame, lob: str, line_codes: set[str]) -> pd.DataFrame:
    """The location rows with each pooled line's rows added under the line they count for."""
    pools = pooled_lines(lob, line_codes)
    extra = [
        locations[locations.line_code.isin(sources)].assign(line_code=target)
        for target, sources in pools.items()
    ]
    extra = [e for e in extra if len(e)]
    if not extra:
        return locations
    out = pd.concat([locations, *extra], ignore_index=True)
    # One row per location x line, its own row first (a pediatrician also listed as 001 keeps that row).
    return out.drop_duplicates(["location_id", "line_code"], keep="first").reset_index(drop=True)
