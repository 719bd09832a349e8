"""Does the road network cover the people it is asked to measure? Checked at import and before scoring.

A road extract can be fine as a file and still wrong for the project: Monaco's or Aguascalientes's roads
loaded into an Ohio project, or a city extract asked to measure a whole county. Measured on such a graph,
every point "snaps" to the nearest node, miles or a continent away, and the run would score without a
word. So:

- **At import** (``check_extract_near``): an extract none of whose roads comes within
  ``OFF_NETWORK_MILES`` of a service-area county (or, with no service area yet, of any US county) is
  refused, with the distance and the service area named.
- **Before a road run** (``Coverage``): each population point and each credited location is *off the
  network* when the nearest road node is farther than its county's off-network distance (below). A run
  in which any county has more than ``MAX_OFF_NETWORK_SHARE`` of its population weight off the network
  is refused, naming those counties and the share. Below that, the run goes ahead: the legs between a
  point or location and its road node are estimated with the straight-line model
  (``travel_time.estimated_minutes`` for the county's designation), each cell gives
  ``detail["off_network_share"]`` (the share of its population weight whose trip used an off-network leg)
  and says so in its reasons, and the time half of the confidence "rules" part counts as measured only
  for the on-network share (``confidence.rules_fraction``).

**Off-network distance.** 1 mile, or a tenth of the county's tightest distance standard when that is
larger: 1 mile in Large Metro and Metro counties, 2 in Micro, 3 in Rural and 6 in CEAC counties with
CMS's primary care standards (5/10/20/30/60 miles). Why: drivable OSM roads in built-up areas are a few
hundred feet apart, so a residence or office more than a mile from every road node is almost always
outside the extract, not in a gap between streets; where roads are sparse (rural ZCTAs are large and
their interior points can sit a mile or two from the nearest road) the distance grows with the county's
own standard, so a leg that short can move a point across its standard by at most a tenth of it even if
its estimate were wrong by 100%.

**Threshold: 10% of a county's population weight.** CMS requires 90% (85% in Micro/Rural/CEAC) of
beneficiaries within standard; if more than a tenth of a county's people can only be reached by
estimate, a "measured" pass or fail could rest on the estimate alone, so the run refuses and says to
import an extract that covers the county (or score it with the straight-line method, which is labelled
as an estimate throughout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from blueprint_desktop.errors import InputFileError
from blueprint_desktop.geo.distance import haversine_miles

OFF_NETWORK_MILES = 1.0
OFF_NETWORK_FRACTION_OF_STANDARD = 0.10
MAX_OFF_NETWORK_SHARE = 0.10
NAMED_COUNTIES = 5  # counties named in one-line messages before "and N more"


def off_network_miles(county_standards: Sequence) -> np.ndarray:
    """Per county, the distance from the nearest road node beyond which a point is off the network."""
    out = []
    for std in county_standards:
        miles = [
            float(s.max_miles)
            for s in getattr(std, "lines", {}).values()
            if s.max_miles is not None and np.isfinite(s.max_miles) and s.max_miles > 0
        ]
        tight = min(miles) if miles else 0.0
        out.append(max(OFF_NETWORK_MILES, OFF_NETWORK_FRACTION_OF_STANDARD * tight))
    return np.array(out, dtype=float)


def _county_label(fips: str) -> str:
    try:
        from blueprint_desktop.geo.counties import county_name

        return f"{county_name(fips)} {fips}"
    except Exception:  # an unknown code (hand-made tests): the code alone
        return fips


def _miles(x: float) -> str:
    return f"{x:g} mile" if x == 1 else f"{x:g} miles"


@dataclass
class Coverage:
    """Off-network population weight per county, and off-network credited locations."""

    counties: list[str]
    off_miles: np.ndarray  # per county
    weight: np.ndarray  # per county: total population weight
    off_weight: np.ndarray  # per county: weight farther than off_miles from the network
    locations: int = 0
    off_locations: int = 0
    max_share: float = MAX_OFF_NETWORK_SHARE

    @classmethod
    def measure(
        cls,
        counties: Sequence[str],
        off_miles: np.ndarray,
        point_county: np.ndarray,
        point_weight: np.ndarray,
        point_leg_miles: np.ndarray,
        loc_leg_miles: np.ndarray | None = None,
        loc_off_miles: np.ndarray | None = None,
    ) -> Coverage:
        n = len(counties)
        off = point_leg_miles > off_miles[point_county]
        weight = np.bincount(point_county, weights=point_weight, minlength=n)
        off_weight = np.bincount(point_county, weights=point_weight * off, minlength=n)
        n_loc = off_loc = 0
        if loc_leg_miles is not None and len(loc_leg_miles):
            limit = OFF_NETWORK_MILES if loc_off_miles is None else loc_off_miles
            n_loc = len(loc_leg_miles)
            off_loc = int((loc_leg_miles > limit).sum())
        return cls(list(counties), np.asarray(off_miles, float), weight, off_weight, n_loc, off_loc)

    @property
    def shares(self) -> np.ndarray:
        return np.where(self.weight > 0, self.off_weight / np.where(self.weight > 0, self.weight, 1), 0.0)

    @property
    def overall_share(self) -> float:
        total = float(self.weight.sum())
        return float(self.off_weight.sum()) / total if total > 0 else 0.0

    @property
    def location_share(self) -> float:
        return self.off_locations / self.locations if self.locations else 0.0

    def missed(self) -> list[tuple[str, float]]:
        """(county, off-network share) of the counties above the threshold, largest share first."""
        shares = self.shares
        over = [
            (self.counties[i], float(shares[i]))
            for i in range(len(self.counties))
            if shares[i] > self.max_share
        ]
        return sorted(over, key=lambda t: (-t[1], t[0]))

    @property
    def refused(self) -> bool:
        return bool(self.missed())

    def as_dict(self) -> dict:
        shares = self.shares
        return {
            "off_network_share": round(self.overall_share, 4),
            "off_network_locations": self.off_locations,
            "locations": self.locations,
            "off_network_location_share": round(self.location_share, 4),
            "max_off_network_share": self.max_share,
            "counties": {
                f: {
                    "off_network_share": round(float(shares[i]), 4),
                    "off_network_miles": float(self.off_miles[i]),
                }
                for i, f in enumerate(self.counties)
            },
            "refused_counties": [f for f, _ in self.missed()],
        }

    def _named(self, items: list[tuple[str, float]]) -> str:
        text = ", ".join(
            f"{_county_label(f)} ({share * 100:.1f}% beyond {_miles(float(self.off_miles[self.counties.index(f)]))})"
            for f, share in items[:NAMED_COUNTIES]
        )
        return text + (f" and {len(items) - NAMED_COUNTIES} more" if len(items) > NAMED_COUNTIES else "")

    def summary(self) -> str:
        """One line: how much of the population (and of the credited locations) is off the network."""
        text = f"{self.overall_share * 100:.1f}% of the population weight"
        if self.locations:
            text += f" and {self.location_share * 100:.1f}% of the {self.locations:,} credited locations in the area are"
        else:
            text += " is"
        return text + " off the road network (farther from a road than the county's off-network distance)"

    def refusal(self, file_name: str, prefix: str = "drive-time scoring refused") -> str:
        missed = self.missed()
        return (
            f"{prefix}: the road network{f' ({file_name})' if file_name else ''} misses "
            f"{len(missed)} {'county' if len(missed) == 1 else 'counties'}: {self._named(missed)}; "
            f"at most {self.max_share * 100:g}% of a county's population weight may lie off the network "
            f"({self.overall_share * 100:.1f}% of the whole area does). Import an extract that covers "
            f"{'it' if len(missed) == 1 else 'them'}, or score {'it' if len(missed) == 1 else 'them'} with the "
            "straight-line method"
        )


def bbox_text(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> str:
    return f"lat {min_lat:.4f} to {max_lat:.4f}, lon {min_lon:.4f} to {max_lon:.4f}"


def check_extract_near(lat: np.ndarray, lon: np.ndarray, area: Sequence[str], file_name: str) -> float:
    """Refuse an extract that comes nowhere near the service area (or the US when the area is empty).

    Returns the distance in miles (0 when a road node lies inside a service-area county).
    """
    import shapely

    from blueprint_desktop.geo.counties import county_geometries, load_counties

    fips = list(area) if area else list(load_counties().index)
    geoms = county_geometries(fips, display=not area)
    if geoms.empty:
        return 0.0
    polys = geoms.geometry.to_numpy()
    tree = shapely.STRtree(polys)
    step = max(1, len(lat) // 50_000)
    pts = shapely.points(np.asarray(lon)[::step], np.asarray(lat)[::step])
    hits = tree.query(pts, predicate="within")
    if hits.shape[1]:
        return 0.0
    hull = shapely.convex_hull(shapely.multipoints(pts))
    nearest = int(tree.query_nearest(hull)[0])
    line = shapely.shortest_line(hull, polys[nearest])
    (x1, y1), (x2, y2) = shapely.get_coordinates(line)
    miles = float(haversine_miles(y1, x1, y2, x2))
    if miles <= OFF_NETWORK_MILES:
        return miles
    box = bbox_text(float(np.min(lat)), float(np.min(lon)), float(np.max(lat)), float(np.max(lon)))
    if area:
        names = ", ".join(_county_label(f) for f in list(area)[:NAMED_COUNTIES])
        more = f" and {len(area) - NAMED_COUNTIES} more" if len(area) > NAMED_COUNTIES else ""
        where = f"the service area ({names}{more})"
    else:
        where = f"any US county (nearest: {_county_label(str(geoms.fips.iloc[nearest]))})"
    raise InputFileError(
        f"{file_name}: its roads ({box}) lie {miles:,.0f} miles from {where}; nothing there could be measured "
        "on them. Import an extract that covers the service area"
    )
