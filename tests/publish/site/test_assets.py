"""The site's own assets, and the map's library copied from the installed npm packages."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT
from generator.publish.site.assets import MAP_FILES, asset_files

ASSETS = ROOT / "templates" / "assets"


def _packages(root: Path, skip: str = "") -> Path:
    for name, path in MAP_FILES.items():
        if name != skip:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(f"/* {name} */", encoding="utf-8")
    return root


def test_the_map_library_is_copied_with_its_licences(tmp_path: Path) -> None:
    files = asset_files(ASSETS, _packages(tmp_path))
    assert {f"assets/map/{name}" for name in MAP_FILES} <= set(files)
    assert files["assets/map/leaflet.js"] == b"/* leaflet.js */"
    assert all(f"assets/map/LICENSE-{package}.txt" in files
               for package in ("leaflet", "leaflet.markercluster", "topojson-client",
                               "world-atlas"))
    assert files["assets/incident-map.js"].startswith(b"var CB_MAP_LIBRARY = true;\n")


def test_without_every_file_the_map_is_told_and_nothing_is_copied(tmp_path: Path) -> None:
    files = asset_files(ASSETS, _packages(tmp_path, skip="leaflet.js"))
    assert not [name for name in files if name.startswith("assets/map/")]
    assert files["assets/incident-map.js"].startswith(b"var CB_MAP_LIBRARY = false;\n")
    assert set(files) == {"assets/casebook.css", "assets/casebook.js", "assets/incident-map.js"}
