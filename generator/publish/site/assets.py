"""The small stylesheet and script the pages need, shipped with the site (no CDN)."""

from __future__ import annotations

from pathlib import Path

from generator.publish.site.charts import CHART_CSS


def asset_files(folder: Path) -> dict[str, bytes]:
    """`assets/casebook.css` (with the charts' rules) and `assets/casebook.js`."""
    css = (folder / "casebook.css").read_text(encoding="utf-8") + "\n" + CHART_CSS
    return {
        "assets/casebook.css": css.encode("utf-8"),
        "assets/casebook.js": (folder / "casebook.js").read_bytes(),
    }
