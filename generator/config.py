"""Settings, read from the `casebook` plugin's entry in mkdocs.yml.

One file configures both the site and the command line:

    plugins:
      - casebook:
          cases_dir: cases
          id_prefix: CH

A missing mkdocs.yml means defaults, rooted at the current folder; an invalid
entry is a `ConfigError`, which the command line reports with exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_FILE = "mkdocs.yml"


class ConfigError(Exception):
    """Raised by `load_config` only: the settings cannot be used. The CLI exits 2."""


class ProfileSettings(BaseModel):
    """What one build profile publishes (see generator.publish.profiles)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_sensitivity: str = Field(
        "AMBER+STRICT", pattern=r"^(CLEAR|GREEN|AMBER|AMBER\+STRICT)$",
        description="Highest TLP label published; RED is never published by any profile.")
    redact_non_public_sources: bool = Field(
        False, description="Show non-public sources only as 'Undisclosed source (TYPE)'.")
    drop_people: bool = Field(
        False, description="Drop assignee, stage_history[].by and assessment.reviewed_by, "
                           "and show commit authors as 'Analyst'.")
    commit_subjects: bool = Field(True, description="Show commit subjects in histories.")
    coordinate_decimals: int | None = Field(
        None, ge=0, le=6, description="Round coordinates to this many decimals.")
    restricted_fields: tuple[str, ...] = Field(
        (), description="Dotted front matter fields removed from every output, e.g. "
                        "incident.unit (checked against the schema with the cases: "
                        "generator.checks.settings).")


DEFAULT_PROFILES = {
    "internal": ProfileSettings(max_sensitivity="AMBER+STRICT"),
    "public": ProfileSettings(max_sensitivity="CLEAR", redact_non_public_sources=True,
                              drop_people=True, commit_subjects=False, coordinate_decimals=2),
}


LEAK_STOP_WORDS = (
    # The site's own words (navigation, page titles, headings and labels): a removed
    # value made of these alone stands on every clean build.
    "home", "dashboard", "search", "case", "cases", "review", "stage", "stages", "source",
    "sources", "changes", "change", "latest", "about", "browse", "tags", "tag", "countries",
    "country", "partner", "partners", "forces", "force", "incident", "incidents", "months",
    "month", "harm", "findings", "finding", "origin", "needs", "attention", "history",
    "summary", "analysis", "notes", "note", "outcome", "exports", "export", "analyst",
    "public", "internal", "build", "casebook", "undisclosed", "intake", "closed", "open",
    "report", "reports", "feed", "stalled", "overdue", "sensitivity", "narrative",
    # and the words that join others.
    "the", "a", "an", "of", "and", "or", "in", "on", "at", "to", "for", "by", "from",
    "with", "not", "no", "is", "was", "this", "that", "it", "as", "be",
)


class LeakCheckSettings(BaseModel):
    """What the leak check (generator.publish.leakcheck) can tell from ordinary text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_chars: int = Field(
        3, ge=1, le=20,
        description="A removed value with fewer letters and digits than this cannot be told "
                    "from ordinary text: it is reported as a warning (cannot be proven "
                    "absent), not looked for.")
    stop_words: tuple[str, ...] = Field(
        LEAK_STOP_WORDS,
        description="Words of the site's own pages: a removed value made only of these (and "
                    "of numbers of up to four digits) is reported as a warning, not looked "
                    "for. Setting the list replaces the default one.")
    sentence_words: int = Field(
        8, ge=3,
        description="Sentences of the narrative of a case a profile leaves out are looked "
                    "for when they have at least this many words.")


class Settings(BaseModel):
    """The casebook settings, with the defaults that apply when a key is absent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cases_dir: str = Field("cases", description="Folder of case files, relative to mkdocs.yml.")
    id_prefix: str = Field("CH", pattern=r"^[A-Z][A-Z0-9]*$",
                           description="Prefix of case ids: PREFIX-YYYY-NNNN.")
    max_file_bytes: int = Field(1024 * 1024, gt=0,
                                description="Case files larger than this are refused.")
    max_depth: int = Field(16, ge=4, le=64,
                           description="Deepest nesting allowed in front matter.")
    stalled_days: int = Field(60, gt=0,
                              description="Days in one open stage after which a case "
                                          "counts as stalled.")
    history_tolerance_days: int = Field(
        7, ge=0, description="Days by which a stage_history date may differ from the date git "
                             "recorded the move before it is a warning.")
    coordinates_tolerance_km: float = Field(
        10.0, ge=0, description="How far outside its country's boundary (Natural Earth "
                                "1:50m) a case's coordinates may lie before warning CB361, "
                                "so that coastal and border points raise no false alarm.")
    changes_limit: int = Field(100, gt=0, description="How many recent changes the changes "
                                                      "page and its feed list.")
    listing_page_size: int = Field(
        200, gt=0, description="Rows on each page of a long table of cases (a stage, a "
                                "group, what needs attention, the map's table); a longer "
                                "table continues on further pages.")
    search_part_pages: int = Field(
        1000, gt=0, description="Case pages in each part of the search index: the index is "
                                "written in parts of this many cases, one after another, so "
                                "that the indexer's memory stays that of one part (about "
                                "0.35 MiB a page).")
    repo_url: str | None = Field(
        None, pattern=r"^https?://",
        description="Web address of the repository on its host; case pages then link to "
                    "edit, history and blame. Kept apart from mkdocs' own repo_url so that "
                    "the theme does not query the host from readers' browsers.")
    cache_dir: str | None = Field(
        ".cache/casebook", description="Folder, relative to mkdocs.yml, where what was read "
                                       "from git is kept so that the next build reads only "
                                       "what is new; empty to keep nothing. Safe to delete.")
    repo_branch: str = Field("main", description="Branch that the repository links point at.")
    leakcheck: LeakCheckSettings = Field(
        default_factory=LeakCheckSettings,
        description="How the leak check tells a removed value from ordinary text.")
    profiles: dict[str, ProfileSettings] = Field(
        default_factory=lambda: dict(DEFAULT_PROFILES),
        description="Build profiles by name; `internal` and `public` exist unless redefined.")

    @field_validator("profiles", mode="after")
    @classmethod
    def _keep_defaults(cls, value: dict[str, ProfileSettings]) -> dict[str, ProfileSettings]:
        return {**DEFAULT_PROFILES, **value}


class Config(BaseModel):
    """Settings plus where they came from, and what mkdocs.yml says about the site."""

    model_config = ConfigDict(frozen=True)

    root: Path
    settings: Settings
    source: Path | None = None
    site_name: str = "casebook"
    docs_dir: str = "docs"
    site_dir: str = "site"

    @property
    def generated_dir(self) -> Path:
        """The folder the generator writes pages into: mkdocs' docs_dir."""
        return self.root / self.docs_dir

    @property
    def cases_dir(self) -> Path:
        return self.root / self.settings.cases_dir

    def relative(self, path: Path) -> str:
        """A path as shown in messages: relative to the root when it is inside it."""
        # abspath, not resolve: a symbolic link is shown under its own name (and
        # abspath needs no system call, which counts at ten thousand files).
        try:
            return Path(os.path.abspath(path)).relative_to(self.root).as_posix()  # noqa: PTH100
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose other plugins may use tags such as !ENV or !!python/name."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return None  # pragma: no cover


_LenientLoader.add_multi_constructor("!", _ignore_tag)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def find_config(start: Path) -> Path | None:
    """The nearest mkdocs.yml in `start` or a parent folder."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _plugin_entry(plugins: Any) -> tuple[bool, Any]:
    if isinstance(plugins, dict):
        return ("casebook" in plugins, plugins.get("casebook"))
    if isinstance(plugins, list):
        for item in plugins:
            if item == "casebook":
                return (True, None)
            if isinstance(item, dict) and "casebook" in item:
                return (True, item["casebook"])
    return (False, None)


def load_config(config_file: Path | None = None, *, start: Path | None = None) -> Config:
    """Read the settings from `config_file`, or from the nearest mkdocs.yml above `start`."""
    if config_file is None:
        config_file = find_config((start or Path.cwd()).resolve())
        if config_file is None:
            return Config(root=(start or Path.cwd()).resolve(), settings=Settings())
    if not config_file.is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    try:
        raw = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"{config_file}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected a mapping of settings")
    _, entry = _plugin_entry(raw.get("plugins"))
    try:
        settings = Settings.model_validate(entry or {})
    except ValidationError as err:
        problems = "; ".join(
            f"plugins.casebook.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in err.errors())
        raise ConfigError(f"{config_file}: {problems}") from None
    return Config(
        root=config_file.resolve().parent,
        settings=settings,
        source=config_file.resolve(),
        site_name=str(raw.get("site_name") or "casebook"),
        docs_dir=str(raw.get("docs_dir") or "docs"),
        site_dir=str(raw.get("site_dir") or "site"),
    )

