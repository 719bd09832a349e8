"""A project's service area from the text a user types: states, and optionally some of their counties.

Shared by ``blueprint new`` (``--states``/``--counties``) and the New Project dialog, so both accept
and refuse exactly the same input with the same messages.
"""

from __future__ import annotations

from blueprint_desktop.errors import BlueprintError


def service_area_from_args(states_arg: str, counties_arg: str | None) -> list[tuple[str, str]]:
    """(fips, state) pairs for ``--states``/``--counties``; every listed county must lie in a listed state."""
    from blueprint_desktop.geo import counties as geo

    states = [s.strip().upper() for s in states_arg.split(",") if s.strip()]
    if not states:
        raise BlueprintError("--states needs at least one state abbreviation, e.g. TX")
    all_in_states = geo.counties_in_states(states)
    if not counties_arg:
        return [(f, geo.state_of(f)) for f in all_in_states]
    chosen = []
    for raw in counties_arg.split(","):
        fips = raw.strip()
        if not fips:
            continue
        if not (fips.isdigit() and len(fips) == 5):
            raise BlueprintError(f"--counties: {fips!r} is not a 5-digit county FIPS code")
        if not geo.is_county(fips):
            raise BlueprintError(f"--counties: {fips} is not a US county FIPS code")
        if fips not in all_in_states and geo.canonical_fips(fips) not in all_in_states:
            raise BlueprintError(
                f"--counties: {fips} ({geo.county_name(fips)}) is not in {', '.join(states)}"
            )
        chosen.append((fips, geo.state_of(fips)))
    return sorted(set(chosen))
