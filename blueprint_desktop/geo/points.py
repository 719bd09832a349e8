"""Population points: where the beneficiaries of each county live, as weighted points.

Adequacy is measured from where people live (42 CFR 422.116(d): the share of beneficiaries within the
time and distance standard). Per county, the first source that has points for it is used:

1. ``enrollees``: the plan's own enrollee counts by ZIP or point (``blueprint import enrollees``);
2. ``population-file``: a finer population the user loaded, e.g. Census blocks or block groups with
   their 65+ counts (``blueprint import population``, ``data/population_import.py``);
3. the census population of the project's **population model** (``population_model``):

   * ``sample`` (the default), source ``census-sample``: each ZCTA's ACS 2018-22 65+ population spread
     over its land area inside its county, a few weighted points per ZCTA (``geo/sample.py``), our
     stand-in for CMS's MA Medicare Sample Census;
   * ``zcta-points``, source ``census-zcta``: one point per ZCTA, its interior point, weighted by its 65+
     population (the model before the sample; kept to compare);

4. ``grid``: for a county with no ZCTA (small independent cities), a regular grid inside its boundary
   sharing the county's population equally (both models).

The census counts the people the project's line of business enrolls (``population_group.py``): residents
aged 65+ for MA (the module doc says 65+ below for that case), under 65 for QHP, every age for Medicaid.
The points and their spread are the same; only the weights differ.

Point ids say where a point came from: ``enr:<row>``, ``pop:<row>``, ``smp:<zcta>:<n>``, ``zcta:<zcta>``,
``grid:<fips>:<n>``; the ``source`` column names the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.counties import county_geometries, load_counties
from blueprint_desktop.geo.paths import geography_file
from blueprint_desktop.geo.population_group import PopulationGroup, counts, group_for, zcta_factor
from blueprint_desktop.geo.sample import SAMPLE_FILE
from blueprint_desktop.geo.sample import SOURCE as SAMPLE_SOURCE

COLUMNS = ["point_id", "county_fips", "lat", "lon", "weight", "source"]
GRID_POINTS = 25  # enough to resolve a small county's extent; its whole population shares them

MODELS = {
    "sample": "each ZIP area's 65+ population spread over its land area in its county (several points per ZIP)",
    "zcta-points": "one point per ZIP area (its interior point) carrying its whole 65+ population",
}  # as worded for MA; ``describe_model`` words them for a project's population group
DEFAULT_MODEL = "sample"
META_KEY = "population_model"
SOURCES = {
    "enrollees": "the plan's enrollees (blueprint import enrollees)",
    "population-file": "a population file loaded into the project (blueprint import population)",
    SAMPLE_SOURCE: "census 65+ population spread over each ZIP area (population model 'sample')",
    "census-zcta": "census 65+ population at each ZIP area's interior point (population model 'zcta-points')",
    "grid": "the county's census 65+ population on a grid (a county with no ZIP area)",
}
POPULATION_FILE_TABLE = "population_file_points"


def describe_model(model: str, project=None) -> str:
    """``MODELS[model]`` in the words of the project's population group (65+, under 65, every age)."""
    return MODELS[model].replace("65+ population", group_for(getattr(project, "lob", None)).short)


def population_model(project) -> str:
    """The project's population model ('sample' unless the user chose 'zcta-points')."""
    value = (project.get_meta(META_KEY, DEFAULT_MODEL) if project is not None else None) or ""
    return value if value in MODELS else DEFAULT_MODEL


def set_population_model(project, model: str) -> None:
    """Store the model (audited); the next score uses it."""
    if model not in MODELS:
        raise BlueprintError(f"population model {model!r} is not one of: {', '.join(MODELS)}")
    with project.transaction():
        before = population_model(project)
        project.set_meta(META_KEY, model)
        project.audit("settings.population_model", "meta", META_KEY, {"from": before, "to": model})


@lru_cache(maxsize=1)
def _census_points() -> pd.DataFrame:
    return pd.read_parquet(geography_file("population_points.parquet"))


@lru_cache(maxsize=1)
def _sample_points() -> pd.DataFrame:
    return pd.read_parquet(geography_file(SAMPLE_FILE))


def census_points(
    fips: Sequence[str], model: str = DEFAULT_MODEL, group: PopulationGroup | None = None
) -> pd.DataFrame:
    """The census population points of these counties under ``model`` (no grid for counties without any),
    weighted by ``group`` (``population_group.py``; MA's 65+ when None)."""
    if model not in MODELS:
        raise BlueprintError(f"population model {model!r} is not one of: {', '.join(MODELS)}")
    group = group or group_for("ma")
    wanted = set(fips)
    if model == "sample":
        pts = _sample_points()
        sub = pts[pts.county_fips.isin(wanted)]
        weight = sub.weight.astype(float)
        if group.key != "65+":
            # The sample spreads each ZCTA's 65+ count; the same spread carries the group's count.
            weight = weight * zcta_factor(group).reindex(sub.zcta.astype(str)).fillna(1.0).to_numpy()
        out = pd.DataFrame(
            {
                "point_id": sub.point_id,
                "county_fips": sub.county_fips,
                "lat": sub.lat,
                "lon": sub.lon,
                "weight": weight,
                "source": SAMPLE_SOURCE,
            }
        )
        return out.reset_index(drop=True)
    pts = _census_points()
    sub = pts[pts.county_fips.isin(wanted)]
    out = pd.DataFrame(
        {
            "point_id": "zcta:" + sub.point_id,
            "county_fips": sub.county_fips,
            "lat": sub.lat,
            "lon": sub.lon,
            # The group's count; a ZCTA whose count rounds to 0 still has residents, so keep a floor of 1.
            "weight": counts(sub, group),
            "source": "census-zcta",
        }
    )
    return out.reset_index(drop=True)


def grid_points(fips: str, n: int = GRID_POINTS, group: PopulationGroup | None = None) -> pd.DataFrame:
    """A population-weighted grid inside a county's boundary (its ``group`` count spread evenly)."""
    geo = county_geometries([fips], display=False)
    if geo.empty:
        return pd.DataFrame(columns=COLUMNS)
    poly = geo.geometry.iloc[0]
    minx, miny, maxx, maxy = poly.bounds
    side = int(np.ceil(np.sqrt(n * 2)))
    for _ in range(6):  # refine until enough grid nodes fall inside irregular shapes
        xs, ys = np.meshgrid(np.linspace(minx, maxx, side + 2)[1:-1], np.linspace(miny, maxy, side + 2)[1:-1])
        cand = shapely.points(xs.ravel(), ys.ravel())
        inside = cand[shapely.contains(poly, cand)]
        if len(inside) >= n // 2:
            break
        side *= 2
    if len(inside) == 0:
        rp = poly.representative_point()
        inside = np.array([rp])
    row = load_counties().loc[fips]
    if group is None or group.key == "65+":
        total = float(row.pop_65 or row.population or 1)
    else:
        total = float(counts(pd.DataFrame([row]), group)[0])
    return pd.DataFrame(
        {
            "point_id": [f"grid:{fips}:{i}" for i in range(len(inside))],
            "county_fips": fips,
            "lat": shapely.get_y(inside),
            "lon": shapely.get_x(inside),
            "weight": total / len(inside),
            "source": "grid",
        }
    )


def _project_points(project, table: str, prefix: str, source: str, fips: Sequence[str]) -> pd.DataFrame:
    if project is None or not fips or table not in project.db.table_names():
        return pd.DataFrame(columns=COLUMNS)
    marks = ",".join("?" * len(fips))
    rows = project.conn.execute(
        f"SELECT rowid, county_fips, latitude, longitude, weight FROM {table} WHERE county_fips IN ({marks})",
        list(fips),
    ).fetchall()
    df = pd.DataFrame(rows, columns=["rowid", "county_fips", "lat", "lon", "weight"])
    df["point_id"] = prefix + df.rowid.astype(str)
    df["source"] = source
    return df[COLUMNS]


def enrollee_points(project, fips: Sequence[str]) -> pd.DataFrame:
    """The project's imported enrollee points for these counties (empty when none were imported)."""
    return _project_points(project, "enrollee_points", "enr:", "enrollees", list(fips))


def population_file_points(project, fips: Sequence[str]) -> pd.DataFrame:
    """The project's loaded population-file points for these counties (empty when none were loaded)."""
    return _project_points(project, POPULATION_FILE_TABLE, "pop:", "population-file", list(fips))


def population_points(
    fips: Sequence[str], project=None, model: str | None = None, lob: str | None = None
) -> pd.DataFrame:
    """Weighted population points for the given counties (see the module doc for the sources).

    ``model`` overrides the project's population model (``population_model``) for this call only; ``lob``
    the project's line of business, which decides whom the census points count (``population_group.py``).
    """
    fips = sorted(set(fips))
    model = model or population_model(project)
    group = group_for(lob or getattr(project, "lob", None))
    enrolled = enrollee_points(project, fips)
    covered = set(enrolled.county_fips)
    filed = population_file_points(project, [f for f in fips if f not in covered])
    covered |= set(filed.county_fips)
    census = census_points([f for f in fips if f not in covered], model, group)
    frames = [enrolled, filed, census]
    with_census = set(census.county_fips)
    for f in fips:
        if f not in covered and f not in with_census:
            frames.append(grid_points(f, group=group))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    out["lat"] = out.lat.astype(float)
    out["lon"] = out.lon.astype(float)
    out["weight"] = out.weight.astype(float)
    return out.sort_values(["county_fips", "point_id"]).reset_index(drop=True)
