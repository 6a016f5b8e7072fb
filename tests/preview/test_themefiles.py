"""The theme's files listed once per server (generator.preview.themefiles)."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.theme import Theme

from generator.preview.themefiles import ThemeListing


def not_html(name: str) -> bool:
    return not name.endswith(".html")


def listed(theme: Theme, **options: object) -> list[str]:
    names: list[str] = theme.get_env().list_templates(**options)  # type: ignore[arg-type]
    return names


def aged(folder: Path, hours: int) -> None:
    """Every folder under `folder` last changed `hours` ago (a theme as installed)."""
    then = folder.stat().st_atime - hours * 3600
    for below, _, _ in os.walk(folder):
        os.utime(below, (then, then))


def test_a_listing_is_kept_until_a_file_is_added_or_removed_anywhere(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    (overrides / "assets" / "deep").mkdir(parents=True)
    (overrides / "assets" / "deep" / "one.css").write_text("a {}", encoding="utf-8")
    aged(overrides, 3)
    listing = ThemeListing()

    def theme() -> Theme:  # mkdocs makes a new one for every build
        made = Theme(name="material", custom_dir=str(overrides))
        listing.use(made)
        return made

    def fresh() -> list[str]:
        return listed(Theme(name="material", custom_dir=str(overrides)), filter_func=not_html)

    first = listed(theme(), filter_func=not_html)
    assert first == fresh() and "assets/deep/one.css" in first
    assert listed(theme(), filter_func=not_html) == first
    assert listing.listed == 1

    (overrides / "assets" / "deep" / "two.css").write_text("b {}", encoding="utf-8")
    aged(overrides, 2)
    added = listed(theme(), filter_func=not_html)
    assert added == fresh() and "assets/deep/two.css" in added
    (overrides / "assets" / "deep" / "one.css").unlink()
    aged(overrides, 1)
    removed = listed(theme(), filter_func=not_html)
    assert removed == fresh() and "assets/deep/one.css" not in removed
    assert listed(theme(), filter_func=not_html) == removed
    assert listing.listed == 3


def test_a_folder_changed_a_moment_before_its_listing_is_listed_again(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()  # a moment ago
    changed = overrides.stat().st_mtime_ns
    listing = ThemeListing()
    theme = Theme(name="material", custom_dir=str(overrides))
    listing.use(theme)
    first = listed(theme, filter_func=not_html)
    # A file added within the same step of the file system's clock: the folder's
    # time stays what the listing saw.
    (overrides / "late.css").write_text("c {}", encoding="utf-8")
    os.utime(overrides, ns=(changed, changed))
    assert "late.css" not in first
    assert "late.css" in listed(theme, filter_func=not_html)
    assert listing.listed == 2


def test_another_filter_is_listed_on_its_own(tmp_path: Path) -> None:
    listing = ThemeListing()
    theme = Theme(name="material")
    listing.use(theme)
    html = listed(theme, extensions=["html"])
    everything = listed(theme)
    assert html == listed(Theme(name="material"), extensions=["html"])
    assert set(html) < set(everything)
    assert listing.listed == 2
