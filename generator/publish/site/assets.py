"""The small stylesheet and scripts the pages need, shipped with the site (no CDN).

The map's library comes from npm: `make` installs Leaflet, its clustering plugin,
topojson-client and world-atlas (Natural Earth's boundaries) inside the virtual
environment (`.venv/share/casebook/node_modules`), and the build copies their
distributed files, with their licences, into `assets/map/`. Without them the
map's script is told so and the map pages keep their tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.publish.site.charts import CHART_CSS

NODE_MODULES = Path(sys.prefix) / "share" / "casebook" / "node_modules"
"""Where `make` installs the npm packages (beside the coordinates check's boundaries)."""

MAP_FILES = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "LICENSE-leaflet.txt": "leaflet/LICENSE",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "LICENSE-leaflet.markercluster.txt": "leaflet.markercluster/MIT-LICENCE.txt",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "LICENSE-topojson-client.txt": "topojson-client/LICENSE",
    "countries-110m.json": "world-atlas/countries-110m.json",
    "LICENSE-world-atlas.txt": "world-atlas/LICENSE",
}
"""What `assets/map/` holds, from which file of which npm package."""


def map_files(node_modules: Path = NODE_MODULES) -> dict[str, bytes]:
    """`assets/map/*` when every file of the map's library is installed, else nothing."""
    sources = {name: node_modules / path for name, path in MAP_FILES.items()}
    if not all(path.is_file() for path in sources.values()):
        return {}
    return {f"assets/map/{name}": path.read_bytes() for name, path in sources.items()}


def asset_files(folder: Path, node_modules: Path = NODE_MODULES) -> dict[str, bytes]:
    """`assets/casebook.css` (with the charts' rules), `assets/casebook.js`,
    `assets/incident-map.js` and, when installed, the map's library."""
    css = (folder / "casebook.css").read_text(encoding="utf-8") + "\n" + CHART_CSS
    library = map_files(node_modules)
    flag = f"var CB_MAP_LIBRARY = {'true' if library else 'false'};\n".encode()
    return {
        "assets/casebook.css": css.encode("utf-8"),
        "assets/casebook.js": (folder / "casebook.js").read_bytes(),
        "assets/incident-map.js": flag + (folder / "incident-map.js").read_bytes(),
        **library,
    }
