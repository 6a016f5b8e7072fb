"""Country boundaries, read offline, and the distance from a point to a country.

The polygons are Natural Earth's admin-0 countries at 1:50m (public domain), as
the npm package `world-atlas` ships them in TopoJSON; `make` installs it inside
the virtual environment (`.venv/share/casebook`). Another copy can be named with
the environment variable CASEBOOK_BOUNDARIES. Only the countries asked about are
decoded, once per process; each ring keeps its bounding box, so that most points
are settled by comparing four numbers.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOUNDARIES_ENV = "CASEBOOK_BOUNDARIES"
PACKAGE_FILE = Path("node_modules") / "world-atlas" / "countries-50m.json"
EARTH_KM_PER_DEGREE = 111.195
"""Length of one degree of latitude (mean Earth radius 6,371 km)."""

Point = tuple[float, float]
"""(lon, lat) in degrees, the order GeoJSON and TopoJSON use."""


def boundaries_file() -> Path:
    """Where the country boundaries are read from."""
    named = os.environ.get(BOUNDARIES_ENV)
    if named:
        return Path(named)
    return Path(sys.prefix) / "share" / "casebook" / PACKAGE_FILE


@dataclass(frozen=True, slots=True)
class Ring:
    points: tuple[Point, ...]
    box: tuple[float, float, float, float]
    """min lon, min lat, max lon, max lat."""

    def contains(self, lon: float, lat: float) -> bool:
        """Even-odd rule, with the box first."""
        x0, y0, x1, y1 = self.box
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        inside = False
        pts = self.points
        xj, yj = pts[-1]
        for xi, yi in pts:
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            xj, yj = xi, yi
        return inside

    def km_to(self, lon: float, lat: float) -> float:
        """Distance from the point to the ring's edge, in km (locally flat Earth)."""
        scale = math.cos(math.radians(lat))
        best = math.inf
        pts = self.points
        ax, ay = pts[-1]
        for bx, by in pts:
            # Degrees of longitude shrink with latitude: scale x to keep distances true.
            px, py = (lon - ax) * scale, lat - ay
            dx, dy = (bx - ax) * scale, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length))
            ex, ey = px - t * dx, py - t * dy
            best = min(best, ex * ex + ey * ey)
            ax, ay = bx, by
        return math.sqrt(best) * EARTH_KM_PER_DEGREE


@dataclass(frozen=True, slots=True)
class Polygon:
    outer: Ring
    holes: tuple[Ring, ...]

    def contains(self, lon: float, lat: float) -> bool:
        return self.outer.contains(lon, lat) and not any(h.contains(lon, lat)
                                                         for h in self.holes)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    polygons: tuple[Polygon, ...]

    def contains(self, lon: float, lat: float) -> bool:
        return any(p.contains(lon, lat) for p in self.polygons)

    def km_outside(self, lon: float, lat: float, within: float) -> float:
        """0 inside; else the distance to the border in km when it is under `within`,
        else `within` or more (rings whose box is farther are not measured)."""
        if self.contains(lon, lat):
            return 0.0
        margin = within / EARTH_KM_PER_DEGREE
        lon_margin = margin / max(0.01, math.cos(math.radians(lat)))
        best = math.inf
        for polygon in self.polygons:
            x0, y0, x1, y1 = polygon.outer.box
            if x0 - lon_margin <= lon <= x1 + lon_margin and y0 - margin <= lat <= y1 + margin:
                best = min(best, polygon.outer.km_to(lon, lat))
        return best


class Atlas:
    """The countries of one TopoJSON file, decoded when first asked for."""

    def __init__(self, topology: dict[str, Any]) -> None:
        self._topology = topology
        transform = topology.get("transform")
        self._scale = tuple(transform["scale"]) if transform else (1.0, 1.0)
        self._translate = tuple(transform["translate"]) if transform else (0.0, 0.0)
        self._arcs: dict[int, list[Point]] = {}
        self._by_code = _geometries_by_code(topology)
        self._countries: dict[str, Country | None] = {}

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._by_code)

    def country(self, code: str) -> Country | None:
        """The country with this alpha-3 code, or None when the atlas has none."""
        if code not in self._countries:
            geometry = self._by_code.get(code)
            self._countries[code] = (None if geometry is None
                                     else Country(code, tuple(self._polygons(geometry))))
        return self._countries[code]

    def _polygons(self, geometry: dict[str, Any]) -> list[Polygon]:
        if geometry["type"] == "Polygon":
            shapes = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            shapes = geometry["arcs"]
        else:
            return []
        polygons = []
        for shape in shapes:
            rings = [self._ring(arcs) for arcs in shape]
            polygons.append(Polygon(rings[0], tuple(rings[1:])))
        return polygons

    def _ring(self, arc_indexes: list[int]) -> Ring:
        points: list[Point] = []
        for index in arc_indexes:
            arc = self._arc(~index if index < 0 else index)
            if index < 0:
                arc = arc[::-1]
            # Consecutive arcs share their end point.
            points.extend(arc[1:] if points else arc)
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        return Ring(tuple(points), (min(lons), min(lats), max(lons), max(lats)))

    def _arc(self, index: int) -> list[Point]:
        if index not in self._arcs:
            (sx, sy), (tx, ty) = self._scale, self._translate
            x = y = 0
            points: list[Point] = []
            for dx, dy in self._topology["arcs"][index]:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
            self._arcs[index] = points
        return self._arcs[index]


def _geometries_by_code(topology: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each geometry by ISO 3166-1 alpha-3 code (world-atlas keys them by numeric code)."""
    from iso3166 import countries_by_numeric

    found: dict[str, dict[str, Any]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = str(geometry.get("id", ""))
        country = countries_by_numeric.get(numeric.zfill(3)) if numeric.isdigit() else None
        if country is not None:
            found[country.alpha3] = geometry
    return found


@functools.cache
def _load(path: Path) -> Atlas | None:
    try:
        return Atlas(json.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def atlas() -> Atlas | None:
    """The installed country boundaries, or None when they are missing or unreadable."""
    return _load(boundaries_file())
