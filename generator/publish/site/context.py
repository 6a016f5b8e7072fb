"""What each kind of page is given: one documented dataclass per template.

Templates receive exactly these objects (as `page`), never a loose dict, and
every case value in them is plain text that the template escapes where it
lands (see `generator.escape`). Links are relative `.md` paths, which
mkdocs turns into URLs and checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from generator.publish.site.listing import Table


@dataclass(frozen=True, slots=True)
class Site:
    """Shared by every page."""

    name: str
    profile: str
    generated: dt.date
    cases: int
    """How many cases this build publishes."""


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link, and what it leads to where the page says so (the exports)."""

    label: str
    url: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Term:
    """A value as people read it: its label, and what it means (shown as a tooltip)."""

    label: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Fact:
    """One labelled value in a case page's tables; `url` (a final URL, as the table is
    written in HTML) makes the value a link."""

    label: str
    value: str
    url: str | None = None
    hint: str = ""
    """What the value means, shown as its tooltip (an enumeration value's description)."""


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One case in a table of cases."""

    id: str
    title: str
    url: str  # final URL: the table is written in HTML
    incident_date: str
    country: str
    partner_force: str
    harm: str
    stage: str
    status: str
    days_in_stage: str
    next_review: str
    overdue: bool
    stalled: bool
    extra: str = ""
    """The value of the table's extra column, when the page has one."""
    stage_hint: str = ""
    status_hint: str = ""
    partner_hint: str = ""
    """Tooltips of the stage, status and partner force cells."""


@dataclass(frozen=True, slots=True)
class StageCount:
    """One step of the pipeline with its number of cases (on the map: located cases)."""

    stage: str
    label: str
    count: int
    url: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class ProgressStep:
    """One stage in a case's progress bar."""

    label: str
    state: str
    """done, current, todo, or skipped (an open stage a closed case never reached)."""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class WeaponRow:
    """One weapon in a case page's weapons table."""

    category: Term
    designation: str
    us_origin: Term
    basis: list[Term]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One source in a case page's sources table; the body cites it by `key`."""

    key: str
    anchor: str
    type: Term
    visibility: Term
    title: str
    url: str | None
    publisher: str
    published: str
    accessed: str
    grade: str
    """Admiralty grading, e.g. B2; empty when not graded."""


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One action in a case page's actions table."""

    type: Term
    status: Term
    date: str
    note: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One entry of the stage history (the decision record) on a case page."""

    stage: Term
    date: str
    by: str
    note: str


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One commit in a change log, with what it changed in the case's fields."""

    date: str
    author: str
    subject: str
    short: str
    url: str | None
    """The commit on the repository host, when repo_url is set."""
    changes: list[str]
    """Readable lines such as `stage: intake -> incident-analysis`."""
    case_id: str = ""
    case_title: str = ""
    case_url: str = ""


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """A case's audit trail from git."""

    available: bool
    note: str
    """Said when history is partial or missing; empty otherwise."""
    opened: str
    """The case's own `opened` date, which the first commit may follow by years."""
    first_commit: str
    """The date of the first commit that holds the case file."""
    first_author: str
    last_changed: str
    last_changed_ago: str
    last_author: str
    revisions: int
    entries: list[ChangeEntry]


@dataclass(frozen=True, slots=True)
class CasePage:
    """`/cases/<id>/`: one case as a document."""

    site: Site
    id: str
    title: str
    stage: str
    stage_label: str
    status: str
    sensitivity: str
    closure_reason: str
    next_review: str
    overdue: bool
    stalled: bool
    days_in_stage: str
    progress: list[ProgressStep]
    incident: list[Fact]
    harm: list[Fact]
    weapons: list[WeaponRow]
    sources: list[SourceRow]
    assessment: list[Fact]
    recommendations: list[Term]
    actions: list[ActionRow]
    stage_history: list[HistoryRow]
    """The decision record from the file, newest first."""
    related: list[Link]
    aliases: list[str]
    tags: list[Link]
    narrative: Markup
    """The body, rendered and sanitised by `generator.publish.site.narrative`."""
    repo_links: list[Link]
    """Edit, history and blame links on the repository host, when repo_url is set."""
    audit: HistorySummary
    """The audit trail from git."""
    stage_hint: str = ""
    status_hint: str = ""
    closure_hint: str = ""
    sensitivity_label: str = ""
    sensitivity_hint: str = ""
    """The header's badges: what each means (tooltips), and the TLP label."""
    assignee: Link | None = None
    incident_date: str = ""
    """The incident's date, for the search results (Pagefind's metadata)."""
    """Who has the case, linked to their page; None where the profile names no one."""


@dataclass(frozen=True, slots=True)
class ChangesPage:
    """`/changes/`: the latest changes across all cases, newest first."""

    site: Site
    note: str
    entries: list[ChangeEntry]
    feed_url: str


@dataclass(frozen=True, slots=True)
class HomePage:
    """`/`: where every case stands, at a glance."""

    site: Site
    pipeline: list[StageCount]
    overdue: int
    stalled: int
    awaiting: int
    stalled_days: int
    browse: list[Link]
    recent: Table[CaseRow]


@dataclass(frozen=True, slots=True)
class StagesPage:
    """`/stages/`: the pipeline with counts, and what each stage requires."""

    site: Site
    pipeline: list[StageCount]
    gates: list[Fact]


@dataclass(frozen=True, slots=True)
class StagePage:
    """`/stages/<stage>/`: the cases in one stage, overdue and stalled first."""

    site: Site
    label: str
    description: str
    pipeline: list[StageCount]
    table: Table[CaseRow]
    stalled_days: int


@dataclass(frozen=True, slots=True)
class Group:
    """One group in an index of groups (a source type, a partner force, a month...)."""

    label: str
    url: str
    count: int
    detail: str = ""
    hint: str = ""
    """What the group's value means (an enumeration value's description), as a tooltip."""


@dataclass(frozen=True, slots=True)
class GroupIndexPage:
    """`/sources/`, `/partners/`, ...: the groups of one grouping with their counts."""

    site: Site
    title: str
    intro: str
    detail_header: str
    groups: list[Group]


@dataclass(frozen=True, slots=True)
class GroupPage:
    """`/sources/<type>/`, `/partners/<slug>/`, ...: the cases in one group."""

    site: Site
    title: str
    intro: str
    up: Link
    table: Table[CaseRow]
    description: str = ""
    """What the group's value means, when it is an enumeration value or "Not recorded"."""


@dataclass(frozen=True, slots=True)
class MovedPage:
    """A group page whose cases now live in another group (an `unknown` value that joined
    "Not recorded"): kept so that old links still lead somewhere."""

    site: Site
    title: str
    note: str
    target: Link


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """`/review/`: what needs attention."""

    site: Site
    stalled_days: int
    overdue: Table[CaseRow]
    stalled: Table[CaseRow]
    awaiting: Table[CaseRow]
    duplicates: Link | None = None
    """The page of possible duplicates, on a build that has one."""
    by_analyst: Link | None = None
    """The index of who has what, where the profile names people; the tables then have
    an Assignee column."""


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline SVG chart and the same numbers as a table, for screen readers."""

    title: str
    svg: Markup
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class DashboardPage:
    """`/dashboard/`: counts and times, drawn as charts with their tables."""

    site: Site
    charts: list[Chart]
    exports: list[Link]


@dataclass(frozen=True, slots=True)
class ExportDoc:
    """One export file and its columns, on the about page."""

    file: str
    url: str
    description: str
    columns: list[Fact] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExportsPage:
    """`/exports/`: every export file of the build, with what it holds."""

    site: Site
    exports: list[ExportDoc]
    columns_url: str
    """Where the about page documents every column."""


@dataclass(frozen=True, slots=True)
class AboutPage:
    """`/about/`: the process, the stages and their gates, every field and export."""

    site: Site
    stages: list[Fact]
    gates: list[Fact]
    field_reference: Markup
    """Generated from the schema by `generator.publish.reference` (not from case data)."""
    exports: list[ExportDoc]


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two published cases that may record the same incident."""

    first: Link
    second: Link
    score: str
    reasons: str


@dataclass(frozen=True, slots=True)
class DuplicatesPage:
    """`/duplicates/`: open candidate pairs of duplicates (`casebook duplicates`)."""

    site: Site
    pairs: list[DuplicatePair]


@dataclass(frozen=True, slots=True)
class AnalystCount:
    """One analyst in the index of who has what: how many of their cases are where."""

    handle: str
    url: str
    open: int
    overdue: int
    stalled: int
    awaiting: int
    closed: int


@dataclass(frozen=True, slots=True)
class AssigneeIndexPage:
    """`/assignees/`: each analyst's open cases, with how many are overdue or stalled."""

    site: Site
    stalled_days: int
    analysts: list[AnalystCount]
    unassigned: Table[CaseRow]
    """Open cases that nobody is assigned to."""


@dataclass(frozen=True, slots=True)
class AssigneePage:
    """`/assignees/<handle>/`: one analyst's cases, what needs attention first."""

    site: Site
    handle: str
    stalled_days: int
    up: Link
    review: Link
    counts: AnalystCount
    open: Table[CaseRow]
    """Overdue, then stalled, then the others."""
    closed: Table[CaseRow]


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """One problem in a case file, with the line of the file it points at (live preview)."""

    path: str
    code: str
    rule: str
    severity: str
    line: int
    column: int
    message: str
    source: str
    """The file's line as written, shortened when very long; empty when it could not be read."""
    gutter: str
    """The line number, right-aligned, as the margin of `source`."""
    pointer: str
    """The margin, then blanks (tabs where the line has tabs) up to the column: the
    line under `source` that ends with a caret."""


@dataclass(frozen=True, slots=True)
class ProblemFile:
    """One case file with errors, on the problems page."""

    file: str
    title: str
    url: str
    """The case's preview page (a `.md` link that mkdocs checks)."""
    errors: int
    problems: list[ProblemRow]


@dataclass(frozen=True, slots=True)
class ProblemsPage:
    """`/problems/` (the live preview only, while a case has errors): every problem."""

    site: Site
    summary: str
    """The banner's text, e.g. "2 cases have problems"."""
    files: list[ProblemFile]
    hidden: int
    """Case files with errors that this profile may not show: counted, never named."""
    elsewhere: list[ProblemRow]
    """Problems in no case file (the settings in mkdocs.yml)."""


@dataclass(frozen=True, slots=True)
class DraftPage:
    """`/cases/<file name>/` (the live preview only) for a case file with errors: its
    problems, in place of the parts that could not be read, and what could be read."""

    site: Site
    file: str
    title: str
    errors: int
    problems: list[ProblemRow]
    read: list[Fact]
    """The front matter's plain values as written (`incident.date` for nested ones)."""
    narrative: Markup
    """The body, rendered and sanitised as a published case's is."""
    problems_url: str


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One located case on the map and in the table beside it; the coordinates are
    the ones this build publishes (a public build's are rounded)."""

    id: str
    title: str
    url: str
    stage: str
    stage_label: str
    incident_date: str
    country: str
    lat: str
    lon: str


@dataclass(frozen=True, slots=True)
class MapPage:
    """`/map/`: the located cases over country boundaries, and the same cases as a table."""

    site: Site
    table: Table[MapPoint]
    """The located cases, as the map's table lists them (its first page, when long)."""
    located: int
    stages: list[StageCount]
    unlocated: int
    """Published cases without coordinates, which the map cannot show."""
    geojson_url: str
    """Final URL of `exports/cases.geojson`, which the map's script draws."""


@dataclass(frozen=True, slots=True)
class ListingPage:
    """A later page of a long table (`<table's page>/page/<n>/`): its rows, and the
    pager to the others."""

    site: Site
    title: str
    intro: str
    up: Link
    """The table's first page."""
    table: Table[Any]
    """Of cases, or of the map's points (a table without `columns`)."""
