"""Which pages the site has, and what each is given.

`plan_site` turns the published cases into a list of `Page`s (a path under the
generated docs folder, a template and its context) plus the static files
(exports, assets). Nothing here touches the disk; `generator.publish.build` writes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from iso3166 import countries_by_alpha3
from markupsafe import Markup

from generator.checks.gates import stage_table
from generator.config import Config
from generator.history.reader import Commit, History, HistoryStatus, describe_change
from generator.publish import reference
from generator.publish.profiles import Profile
from generator.publish.site import charts
from generator.publish.site.context import (
    AboutPage,
    ActionRow,
    AnalystCount,
    AssigneeIndexPage,
    AssigneePage,
    CasePage,
    CaseRow,
    ChangeEntry,
    ChangesPage,
    Chart,
    DashboardPage,
    DraftPage,
    ExportDoc,
    ExportsPage,
    Fact,
    Group,
    GroupIndexPage,
    GroupPage,
    HistoryRow,
    HistorySummary,
    HomePage,
    Link,
    ListingPage,
    MapPage,
    MapPoint,
    MovedPage,
    ProblemFile,
    ProblemRow,
    ProblemsPage,
    ProgressStep,
    ReviewPage,
    Site,
    SourceRow,
    StageCount,
    StagePage,
    StagesPage,
    Term,
    WeaponRow,
)
from generator.publish.site.exports import EXPORTS, EXPORTS_FOLDER
from generator.publish.site.facts import CaseFacts, harm_summary, show_count
from generator.publish.site.links import rel, relative, url_between
from generator.publish.site.listing import (
    Cell,
    Columns,
    Listing,
    Place,
    Table,
    listings,
    rows_json,
    split,
)
from generator.publish.site.narrative import render_narrative
from generator.publish.steps import Fresh, Outputs
from generator.records.diagnostics import Diagnostic, Severity
from generator.records.fields import label_at
from generator.records.schema import (
    NOT_RECORDED,
    NOT_RECORDED_MEANING,
    OPEN_STAGES,
    Assessment,
    Case,
    Choice,
    Harm,
    HarmFinding,
    Incident,
    Source,
    SourceType,
    Stage,
    UsOrigin,
    Visibility,
    is_unrecorded,
)


@dataclass(frozen=True, slots=True)
class Page:
    """One generated Markdown page."""

    path: str
    """Relative to the generated docs folder, e.g. `cases/CH-2024-0007.md`."""
    template: str
    title: str
    context: object
    search: bool = True
    """False for long listings, so that a case is found once, on its own page."""


DUPLICATES_PAGE = "duplicates.md"

T = TypeVar("T")
R = TypeVar("R")
_PLAIN = Columns()
_STAGED = Columns(stage=True)
_REVIEW_INTROS = {
    "overdue": "Open cases whose next review date has passed.",
    "stalled": "Open cases that have spent more than {days} days in their current stage.",
    "awaiting": "Open cases awaiting information.",
}


def case_cells(row: CaseRow, columns: Columns) -> list[Cell]:
    """A row's cells as the script draws them, in the order of the table's columns
    (templates/site/_macros.md.j2, `case_table`)."""
    flags = tuple(flag for flag, on in (("overdue", row.overdue), ("stalled", row.stalled))
                  if on)
    cells = [Cell(row.id, row.url), Cell(row.title), Cell(row.incident_date),
             Cell(row.partner_force, hint=row.partner_hint), Cell(row.harm)]
    if columns.stage:
        cells.append(Cell(row.stage, hint=row.stage_hint))
    cells += [Cell(row.status, hint=row.status_hint, flags=flags), Cell(row.days_in_stage),
              Cell(row.next_review)]
    if columns.extra_header:
        cells.append(Cell(row.extra))
    return cells


def map_cells(point: MapPoint) -> list[Cell]:
    """A row of the map's table as the script draws it (templates/site/_macros.md.j2)."""
    return [Cell(point.id, point.url), Cell(point.title), Cell(point.stage_label),
            Cell(point.incident_date), Cell(point.country), Cell(point.lat), Cell(point.lon)]


def gate_facts() -> list[Fact]:
    """The stage table of generator.checks.gates, as the about and stages pages show it."""
    return [Fact(scope, text) for scope, text in stage_table()]


_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A path-safe slug: lowercase ASCII letters, digits and hyphens only."""
    return _SLUG.sub("-", text.lower()).strip("-")[:60].strip("-")


def safe_title(text: str) -> str:
    """A page title for mkdocs' front matter: no characters that markup could use."""
    return re.sub(r"[<>&\"`\\\x00-\x1f]", "", text).strip() or "Untitled"


def case_path(case_id: str) -> str:
    return f"cases/{case_id}.md"


ASSIGNEES = "assignees/index.md"
"""The index of who has what (only in builds that name people)."""


def assignee_path(handle: str) -> str:
    """An analyst's page: handles are path-safe (HANDLE_PATTERN), and a folder of its own
    keeps a handle such as `index` apart from the index."""
    return f"assignees/{handle}/index.md"


def _analyst_count(handle: str, url: str, facts: Sequence[CaseFacts]) -> AnalystCount:
    open_cases = [f for f in facts if f.case.is_open]
    return AnalystCount(handle=handle, url=url, open=len(open_cases),
                        overdue=sum(f.overdue for f in open_cases),
                        stalled=sum(f.stalled for f in open_cases),
                        awaiting=sum(f.awaiting for f in open_cases),
                        closed=len(facts) - len(open_cases))


@dataclass(frozen=True, slots=True)
class _Listing(Generic[R]):
    """A table laid out: its first page, the pages after it, and every page's rows file."""

    first: Table[R]
    pages: tuple[Page, ...]
    files: tuple[tuple[str, bytes], ...]


class SiteBuilder:
    """Builds every page's context from the published cases and their facts."""

    def __init__(self, config: Config, site: Site, facts: Sequence[CaseFacts],
                 today: dt.date, history: History | None = None,
                 memo: Outputs | None = None) -> None:
        self.config = config
        self.memo = memo if memo is not None else Fresh()
        """Asked for each case's rows and page (a watching server's reuses the last
        build's for the cases that are unchanged)."""
        self.site = site
        self.facts = sorted(facts, key=lambda f: f.case.id)
        self.by_id = {f.case.id: f for f in self.facts}
        # Every table's order (overdue and stalled first, then by id), worked out once:
        # a hundred tables sort their cases at each build.
        self._rank = {id(f): i for i, f in enumerate(sorted(self.facts, key=_table_order))}
        self.today = today
        self.stalled_days = config.settings.stalled_days
        self.history = history
        self.pages: list[Page] = []
        self.files: dict[str, bytes] = {}
        """Files other than pages that the site needs (the changes feed)."""

    # ---------------------------------------------------------------- helpers

    def row(self, page: str, f: CaseFacts, extra: str = "") -> CaseRow:
        return self.memo.get(("row", page, f.case.id), (f, extra),
                             functools.partial(self._row, page, f, extra))

    def _row(self, page: str, f: CaseFacts, extra: str) -> CaseRow:
        case = f.case
        partner = _partner_term(case.incident.partner_force)
        return CaseRow(
            id=case.id, title=case.title, url=url_between(page, case_path(case.id)),
            incident_date=str(case.incident.date), country=case.incident.country,
            partner_force=partner.label,
            harm=harm_summary(case), stage=case.stage.label,
            status=case.status.label if case.status else "",
            days_in_stage=str(f.days_in_stage) if case.is_open else "",
            next_review=case.next_review.isoformat() if case.next_review and case.is_open else "",
            overdue=f.overdue, stalled=f.stalled, extra=extra,
            stage_hint=case.stage.description,
            status_hint=case.status.description if case.status else "",
            partner_hint=partner.hint)

    def table(self, place: Place, facts: Iterable[CaseFacts], columns: Columns = _PLAIN,
              extra: Callable[[CaseFacts], str] | None = None,
              intro: str = "") -> Table[CaseRow]:
        """The cases as the table on `place.base` shows them, overdue and stalled first:
        every row, or when they are more than a page holds, the first page's (the later
        pages are added, with every page's rows file)."""
        given = tuple(facts)
        # A save changes a few of the site's hundreds of tables: a watching server
        # sorts and lays out again only those whose cases (or their columns) changed.
        # `extra` is compared too: a function of the case alone, or an `_Extra`.
        made = self.memo.get(
            ("table", place), (given, extra, columns, intro, self.site,
                               self.config.settings.listing_page_size),
            functools.partial(self._laid_out, place, given, columns, extra, intro))
        return self._placed(made)

    def _laid_out(self, place: Place, given: tuple[CaseFacts, ...], columns: Columns,
                  extra: Callable[[CaseFacts], str] | None, intro: str) -> _Listing[CaseRow]:
        rank = self._rank
        try:
            ordered = sorted(given, key=lambda f: rank[id(f)])
        except KeyError:  # a fact the builder was not given: by the order itself
            ordered = sorted(given, key=_table_order)
        extras = list(map(extra, ordered)) if extra else [""] * len(ordered)

        def rows(path: str, chunk: Sequence[tuple[CaseFacts, str]]) -> list[CaseRow]:
            return [self.row(path, f, more) for f, more in chunk]

        return self._pages_of(place, list(zip(ordered, extras, strict=True)), rows,
                              columns, intro, lambda row: case_cells(row, columns))

    def _split(self, place: Place, items: Sequence[T],
               rows: Callable[[str, Sequence[T]], list[R]], columns: Columns | None, intro: str,
               cells: Callable[[R], list[Cell]]) -> Table[R]:
        """`items` as a table on `place.base`, split into pages when they are many."""
        return self._placed(self._pages_of(place, items, rows, columns, intro, cells))

    def _placed(self, made: _Listing[R]) -> Table[R]:
        """The table's first page; its later pages and rows files are added."""
        for page in made.pages:
            self.add(page)
        self.files.update(made.files)
        return made.first

    def _pages_of(self, place: Place, items: Sequence[T],
                  rows: Callable[[str, Sequence[T]], list[R]], columns: Columns | None,
                  intro: str, cells: Callable[[R], list[Cell]]) -> _Listing[R]:
        size = self.config.settings.listing_page_size
        pages = listings(place, len(items), size)
        if pages is None:
            return _Listing(Table(rows(place.base, items), columns), (), ())
        first: Table[R] | None = None
        later: list[Page] = []
        files: list[tuple[str, bytes]] = []
        for listing, chunk in zip(pages, split(items, size), strict=True):
            path = place.page(listing.number)
            # A save changes one page of a long listing: the others' rows are not
            # asked for one by one (thousands at 2,000 cases).
            table = self.memo.get(("page rows", path), (chunk, columns, listing),
                                  functools.partial(_page_table, rows, path, chunk, columns,
                                                    listing))
            file = place.rows_file(listing.number)
            # A watching server writes again only the rows that a save changed.
            files.append((file, self.memo.get(
                ("rows", file), table, functools.partial(_rows_file, table.rows, cells))))
            if listing.number == 1:
                first = table
                continue
            title = f"{place.title}, page {listing.number} of {listing.count}"
            later.append(Page(path, "listing.md.j2", title, ListingPage(
                site=self.site, title=title, intro=intro, table=table,
                up=Link("the first page", rel(path, place.base)
                        + (f"#{place.anchor}" if place.anchor else ""))), search=False))
        assert first is not None
        return _Listing(first, tuple(later), tuple(files))

    @functools.cached_property
    def _stage_counts(self) -> Counter[Stage]:
        return Counter(f.case.stage for f in self.facts)  # for every page's pipeline

    def pipeline(self, page: str, current: Stage | None = None) -> list[StageCount]:
        counts = self._stage_counts
        return [StageCount(stage.value, stage.label, counts[stage],
                           rel(page, f"stages/{stage.value}.md"), stage is current)
                for stage in Stage]

    def add(self, page: Page) -> None:
        self.pages.append(page)

    # ---------------------------------------------------------------- pages

    def build(self) -> list[Page]:
        self.home()
        for f in self.facts:
            self.case_page(f)
        self.stages()
        self.groupings()
        self.duplicates()
        self.review()
        self.assignees()
        self.changes()
        self.dashboard()
        self.exports_index()
        self.map()
        self.about()
        return self.pages

    # ---------------------------------------------------------------- history

    def _history_note(self) -> str:
        history = self.history
        if history is None or history.status is HistoryStatus.MISSING:
            reason = history.message if history else "history was not read"
            return f"The change history is unavailable ({reason})."
        if history.status is HistoryStatus.PARTIAL:
            return "The change history is partial: this site was built from a shallow clone."
        return ""

    def _commit_url(self, commit_hash: str) -> str | None:
        base = self.config.settings.repo_url
        return f"{base.rstrip('/')}/commit/{commit_hash}" if base else None

    def _entry(self, commit: Commit, page: str | None = None,
               f: CaseFacts | None = None) -> ChangeEntry:
        if commit.deleted:
            changes = ["the file was deleted"]
        elif commit.created:
            stage = next((c.new for c in commit.changes if c.field == "stage"), None)
            changes = [f"the case was added, in stage {stage}" if stage
                       else "the case was added"]
        else:
            changes = [describe_change(c) for c in commit.changes]
            if commit.hidden_changes:
                changes.append(f"{commit.hidden_changes} change"
                               f"{'s' if commit.hidden_changes != 1 else ''} not shown in "
                               "this build")
            changes = changes or ["the narrative changed"]
        return ChangeEntry(
            date=commit.date.date().isoformat(), author=commit.author,
            subject=commit.subject, short=commit.short, url=self._commit_url(commit.hash),
            changes=changes,
            case_id=f.case.id if f else "", case_title=f.case.title if f else "",
            case_url=rel(page, case_path(f.case.id)) if f and page else "")

    def _history_summary(self, f: CaseFacts) -> HistorySummary:
        found = f.history
        note = self._history_note()
        opened = f.case.opened.isoformat()
        if found is None or not found.commits:
            return HistorySummary(
                available=False, note=note or "This case has no committed history yet.",
                opened=opened, first_commit="", first_author="", last_changed="",
                last_changed_ago="", last_author="", revisions=0, entries=[])
        first, last = found.commits[-1], found.commits[0]
        return HistorySummary(
            available=True, note=note, opened=opened,
            first_commit=first.date.date().isoformat(), first_author=first.author,
            last_changed=last.date.date().isoformat(),
            last_changed_ago=_ago(last.date.date(), self.today),
            last_author=last.author, revisions=len(found.commits),
            entries=[self._entry(c) for c in found.commits])

    def changes(self) -> None:
        path = "changes/index.md"
        every = [(c, f) for f in self.facts if f.history for c in f.history.commits]
        every.sort(key=lambda cf: (cf[0].committed, cf[0].hash, cf[1].case.id), reverse=True)
        latest = every[: self.config.settings.changes_limit]
        entries = [self._entry(c, path, f) for c, f in latest]
        self.add(Page(path, "changes.md.j2", "Latest changes", ChangesPage(
            site=self.site, note=self._history_note(), entries=entries,
            feed_url="feed.xml"), search=False))
        self.files["changes/feed.xml"] = atom_feed(self.site, entries, self.today)

    def home(self) -> None:
        path = "index.md"
        recent = sorted(self.facts, key=lambda f: (f.case.opened, f.case.id), reverse=True)[:10]
        self.add(Page(path, "home.md.j2", self.site.name, HomePage(
            site=self.site, pipeline=self.pipeline(path),
            overdue=sum(f.overdue for f in self.facts),
            stalled=sum(f.stalled for f in self.facts),
            awaiting=sum(f.awaiting for f in self.facts),
            stalled_days=self.stalled_days,
            browse=[Link(g.title, rel(path, f"{g.slug}/index.md")) for g in GROUPINGS]
            + self._assignees_links(path, "Assignees: who has what"),
            recent=Table([self.row(path, f) for f in recent], _STAGED),
        ), search=False))

    def case_page(self, f: CaseFacts) -> None:
        # Everything the page shows beyond the case's own facts: the cases it links
        # to (by title), the site, the history's state, the settings and the day.
        case = f.case
        related = tuple((other, self.by_id[other].case.title)
                        for other in (case.duplicate_of, *case.related)
                        if other is not None and other in self.by_id)
        inputs = (f, related, self.site, self._history_note(), self.today,
                  self.config.settings)
        self.add(self.memo.get(("case", case.id), inputs,
                               functools.partial(self._case_page, f)))

    def _case_page(self, f: CaseFacts) -> Page:
        case = f.case
        path = case_path(case.id)
        assessment, recommendations = _assessment_facts(case.assessment)
        return Page(path, "case.md.j2", case.id, CasePage(
            site=self.site, id=case.id, title=case.title, stage=case.stage.value,
            stage_label=case.stage.label,
            status=case.status.label if case.status and case.is_open else "",
            sensitivity=case.sensitivity.value,
            closure_reason=case.closure_reason.label if case.closure_reason else "",
            next_review=case.next_review.isoformat() if case.next_review and case.is_open
            else "",
            overdue=f.overdue, stalled=f.stalled,
            days_in_stage=str(f.days_in_stage) if case.is_open else "",
            progress=_progress(case),
            incident=_incident_facts(path, case.incident),
            incident_date=str(case.incident.date),
            harm=_harm_facts(case.harm),
            weapons=[WeaponRow(_term(w.category), w.designation or "", _term(w.us_origin),
                               [_term(b) for b in w.us_origin_basis])
                     for w in case.weapons],
            sources=[_source_row(s) for s in case.sources],
            assessment=assessment,
            recommendations=recommendations,
            actions=[ActionRow(_term(a.type), _term(a.status),
                               a.date.isoformat() if a.date else "", a.note or "")
                     for a in case.actions],
            stage_history=[HistoryRow(_term(e.stage), e.date.isoformat(), e.by, e.note)
                           for e in reversed(case.stage_history)],
            related=self._related(path, case),
            aliases=list(case.aliases),
            tags=[Link(t, rel(path, f"tags/{t}.md")) for t in case.tags],
            narrative=render_narrative(f.body),
            repo_links=self._repo_links(case.id),
            audit=self._history_summary(f),
            stage_hint=case.stage.description,
            status_hint=case.status.description if case.status and case.is_open else "",
            closure_hint=case.closure_reason.description if case.closure_reason else "",
            sensitivity_label=case.sensitivity.label,
            sensitivity_hint=case.sensitivity.description,
            assignee=self._assignee_link(path, case),
        ))

    def _related(self, path: str, case: Case) -> list[Link]:
        links = []
        ids = ([case.duplicate_of] if case.duplicate_of else []) + list(case.related)
        for other in dict.fromkeys(ids):
            target = self.by_id.get(other)
            if target is None:
                # Not published by this profile: name no title and link nowhere.
                continue
            label = f"{other}: {target.case.title}"
            if other == case.duplicate_of:
                label = f"{label} (this case duplicates it)"
            links.append(Link(label, rel(path, case_path(other))))
        return links

    def _repo_links(self, case_id: str) -> list[Link]:
        settings = self.config.settings
        if not settings.repo_url:
            return []
        base = settings.repo_url.rstrip("/")
        file = f"{settings.cases_dir.strip('/')}/{case_id}.md"
        branch = settings.repo_branch
        return [Link("Edit this case", f"{base}/edit/{branch}/{file}"),
                Link("History", f"{base}/commits/{branch}/{file}"),
                Link("Blame", f"{base}/blame/{branch}/{file}")]

    def stages(self) -> None:
        index = "stages/index.md"
        self.add(Page(index, "stages.md.j2", "Stages", StagesPage(
            site=self.site, pipeline=self.pipeline(index), gates=gate_facts()), search=False))
        by_stage: dict[Stage, list[CaseFacts]] = defaultdict(list)
        for f in self.facts:
            by_stage[f.case.stage].append(f)
        for stage in Stage:
            path = f"stages/{stage.value}.md"
            members = by_stage[stage]
            self.add(Page(path, "stage.md.j2", stage.label, StagePage(
                site=self.site, label=stage.label, description=stage.description,
                pipeline=self.pipeline(path, stage),
                table=self.table(Place(path, stage.label), members,
                                 intro=f"The cases in {stage.label}, overdue and stalled "
                                       "first."),
                stalled_days=self.stalled_days), search=False))

    def groupings(self) -> None:
        # Each case's groups in every grouping, asked once (a watching server's memo
        # keeps them while the case's facts are as they were).
        keys_of = [(f, self.memo.get(("group keys", f.case.id), (f,),
                                     functools.partial(_group_keys, f)))
                   for f in self.facts]
        for number, grouping in enumerate(GROUPINGS):
            members: dict[str, list[CaseFacts]] = defaultdict(list)
            labels: dict[str, str] = {}
            for f, keys in keys_of:
                for key, label in keys[number]:
                    members[key].append(f)
                    labels[key] = label
            index = f"{grouping.slug}/index.md"
            slugs = _unique_slugs(members, grouping)
            groups = []
            for key in grouping.order(list(members)):
                path = f"{grouping.slug}/{slugs[key]}.md"
                facts = tuple(members[key])
                hint = grouping.hint(key) if grouping.hint else ""
                detail = "" if grouping.detail is None else self.memo.get(
                    ("group detail", grouping.slug, key), (facts,),
                    functools.partial(grouping.detail, facts, key))
                groups.append(Group(labels[key], rel(index, path), len(facts), detail, hint))
                self.add(Page(path, "group.md.j2", f"{grouping.title}: {labels[key]}", GroupPage(
                    site=self.site, title=f"{grouping.singular}: {labels[key]}",
                    intro=grouping.intro, up=Link(grouping.title, rel(path, index)),
                    table=self.table(
                        Place(path, f"{grouping.singular}: {labels[key]}"), facts,
                        Columns(stage=True, extra_header=grouping.extra_header),
                        grouping.extra_for(key), intro=grouping.intro),
                    description=hint), search=False))
            self.add(Page(index, "group_index.md.j2", grouping.title, GroupIndexPage(
                site=self.site, title=grouping.title, intro=grouping.intro,
                detail_header=grouping.detail_header, groups=groups), search=False))
            self._retired(grouping, set(members))

    def _retired(self, grouping: Grouping, present: set[str]) -> None:
        """A page at each retired group's address, pointing to "Not recorded" (or to the
        index while no case is in that bucket), so that old links lead somewhere."""
        for key in grouping.retired:
            if key in present:
                continue  # a real group holds the address (a force named "Unknown!")
            path = f"{grouping.slug}/{key}.md"
            bucket = NOT_RECORDED_KEY in present
            target = f"{grouping.slug}/{NOT_RECORDED_KEY}.md" if bucket \
                else f"{grouping.slug}/index.md"
            self.add(Page(path, "moved.md.j2", f"{grouping.title}: moved", MovedPage(
                site=self.site, title=f"{grouping.singular}: moved",
                note="Cases recorded as unknown are listed with the cases where nothing is "
                     f"recorded, under {NOT_RECORDED}.",
                target=Link(NOT_RECORDED if bucket else grouping.title, rel(path, target))),
                search=False))

    def review(self) -> None:
        path = "review.md"
        self.add(Page(path, "review.md.j2", "Needs attention", ReviewPage(
            site=self.site, stalled_days=self.stalled_days,
            overdue=self._review_table("overdue", "Overdue reviews",
                                       (f for f in self.facts if f.overdue)),
            stalled=self._review_table("stalled", "Stalled cases",
                                       (f for f in self.facts if f.stalled)),
            awaiting=self._review_table("awaiting", "Awaiting information",
                                        (f for f in self.facts if f.awaiting)),
            duplicates=(Link("Possible duplicates", rel(path, DUPLICATES_PAGE))
                        if self.shows_duplicates else None),
            by_analyst=next(iter(self._assignees_links(path, "Assignees")), None),
        ), search=False))

    def _review_table(self, key: str, heading: str,
                      facts: Iterable[CaseFacts]) -> Table[CaseRow]:
        columns = Columns(stage=True, extra_header="Assignee" if self.shows_assignees else "",
                          extra_left=True)
        return self.table(Place("review.md", f"Needs attention: {heading.lower()}", key,
                                slugify(heading)),
                          facts, columns, self._assignee_cell,
                          intro=_REVIEW_INTROS[key].format(days=self.stalled_days))

    @property
    def shows_duplicates(self) -> bool:
        """A working build (one that names the analysts) lists possible duplicates."""
        chosen = self.config.settings.profiles.get(self.site.profile)
        return chosen is not None and not chosen.drop_people

    def duplicates(self) -> None:
        from generator.checks.duplicates import Features, candidates, features, ranked
        from generator.publish.site.context import DuplicatePair, DuplicatesPage

        if not self.shows_duplicates:
            return
        path = DUPLICATES_PAGE
        # Pairs are only ever within one country: each country's are asked for apart,
        # so that a watching server finds again only those of the saved case's country.
        by_country: dict[str, list[CaseFacts]] = defaultdict(list)
        for f in self.facts:
            by_country[f.case.incident.country].append(f)

        def read(case: Case, body: str) -> Features:
            # A saved case's country is scored again, from its other cases' words kept.
            return self.memo.get(("duplicate features", case.id), (case, body),
                                 functools.partial(features, case, body))

        found = ranked(pair for country, block in by_country.items()
                       for pair in self.memo.get(
                           ("duplicates", country), tuple((f.case, f.body) for f in block),
                           functools.partial(candidates, [f.case for f in block],
                                             {f.case.id: f.body for f in block}, read=read)))
        pairs = [DuplicatePair(
            first=Link(p.first, url_between(path, case_path(p.first))),
            second=Link(p.second, url_between(path, case_path(p.second))),
            score=f"{p.score:.2f}", reasons="; ".join(p.reasons)) for p in found]
        self.add(Page(path, "duplicates.md.j2", "Possible duplicates",
                      DuplicatesPage(site=self.site, pairs=pairs), search=False))

    # ---------------------------------------------------------------- who has what

    @functools.cached_property
    def shows_assignees(self) -> bool:
        """Whether this build names who has each case: not where the profile drops
        people's names or restricts the assignee."""
        settings = self.config.settings.profiles.get(self.site.profile)
        return settings is not None and Profile(self.site.profile, settings).shows("assignee")

    @property
    def _assignee_cell(self) -> Callable[[CaseFacts], str] | None:
        """The review tables' Assignee column, where the build names people."""
        return _assignee_of if self.shows_assignees else None

    def _assignees_links(self, page: str, label: str) -> list[Link]:
        return [Link(label, rel(page, ASSIGNEES))] if self.shows_assignees else []

    def _assignee_link(self, page: str, case: Case) -> Link | None:
        """Who has the case, for its page's header: their page, or the open cases that
        nobody has; None where the build names no one."""
        if not self.shows_assignees:
            return None
        if case.assignee:
            return Link(case.assignee, url_between(page, assignee_path(case.assignee)))
        if case.is_open:
            return Link("nobody", url_between(page, ASSIGNEES) + "#not-assigned")
        return Link("nobody", "")

    def assignees(self) -> None:
        """The index of who has what, and a page of each analyst's cases."""
        if not self.shows_assignees:
            return
        by_handle: dict[str, list[CaseFacts]] = defaultdict(list)
        for f in self.facts:
            if f.case.assignee:
                by_handle[f.case.assignee].append(f)
        analysts = []
        for handle in sorted(by_handle, key=lambda h: (h.casefold(), h)):
            path, facts = assignee_path(handle), by_handle[handle]
            counts = _analyst_count(handle, rel(ASSIGNEES, path), facts)
            analysts.append(counts)
            self.add(Page(path, "assignee.md.j2", f"Assignee: {handle}", AssigneePage(
                site=self.site, handle=handle, stalled_days=self.stalled_days,
                up=Link("Assignees", rel(path, ASSIGNEES)),
                review=Link("Needs attention", rel(path, "review.md")), counts=counts,
                open=self.table(Place(path, f"Open cases of {handle}", "open", "open-cases"),
                                (f for f in facts if f.case.is_open), _STAGED),
                closed=self.table(Place(path, f"Closed cases of {handle}", "closed",
                                        "closed-cases"),
                                  (f for f in facts if not f.case.is_open), _STAGED)),
                search=False))
        unassigned = (f for f in self.facts if f.case.is_open and not f.case.assignee)
        self.add(Page(ASSIGNEES, "assignees.md.j2", "Assignees", AssigneeIndexPage(
            site=self.site, stalled_days=self.stalled_days, analysts=analysts,
            unassigned=self.table(Place(ASSIGNEES, "Open cases not assigned",
                                        anchor="not-assigned"), unassigned, _STAGED,
                                  intro="Open cases that nobody is assigned to.")),
            search=False))

    def dashboard(self) -> None:
        path = "dashboard.md"
        self.add(Page(path, "dashboard.md.j2", "Dashboard", DashboardPage(
            site=self.site, charts=dashboard_charts(self, path),
            exports=[Link(e.file, rel(path, f"{EXPORTS_FOLDER}{e.file}"), e.description)
                     for e in EXPORTS])))

    def exports_index(self) -> None:
        """`/exports/`, so that the folder of export files has a page of its own."""
        path = f"{EXPORTS_FOLDER}index.md"
        self.add(Page(path, "exports.md.j2", "Exports", ExportsPage(
            site=self.site,
            exports=[ExportDoc(e.file, rel(path, f"{EXPORTS_FOLDER}{e.file}"), e.description)
                     for e in EXPORTS],
            columns_url=rel(path, "about.md") + "#exports"), search=False))

    def map(self) -> None:
        """`/map/`: the cases with coordinates, as points for the map's script (which
        reads `exports/cases.geojson`, written from the same published cases) and
        as a table for keyboard and screen-reader users."""
        path = "map.md"
        located = [f for f in self.facts if f.case.incident.coordinates is not None]

        def points(page: str, chunk: Sequence[CaseFacts]) -> list[MapPoint]:
            return [_map_point(page, f) for f in chunk]

        counts = {stage: sum(1 for f in located if f.case.stage is stage) for stage in Stage}
        stages = [StageCount(stage.value, stage.label, counts[stage],
                             rel(path, f"stages/{stage.value}.md")) for stage in Stage]
        table = self._split(Place(path, "The cases on the map", anchor="the-cases-on-the-map"),
                            located, points, None,
                            "The located cases, as a table.", map_cells)
        self.add(Page(path, "map.md.j2", "Map", MapPage(
            site=self.site, table=table, located=len(located), stages=stages,
            unlocated=len(self.facts) - len(located),
            geojson_url=relative(f"{EXPORTS_FOLDER}cases.geojson", "map")), search=False))

    def about(self) -> None:
        path = "about.md"
        self.add(Page(path, "about.md.j2", "About", AboutPage(
            site=self.site,
            stages=[Fact(s.label, s.description) for s in Stage],
            gates=gate_facts(),
            field_reference=Markup(reference.field_reference()),
            exports=[ExportDoc(e.file, rel(path, f"{EXPORTS_FOLDER}{e.file}"), e.description,
                               [Fact(c.name, c.description) for c in e.columns])
                     for e in EXPORTS])))


    # ---------------------------------------------------------------- drafts

    def problem_pages(self, problems: Problems) -> list[Page]:
        """The live preview's pages for what it cannot publish: each case file with errors
        where its page would be, with its problems, and the problems page listing them
        all. Not added to `pages`: a build for readers never makes them."""
        taken = {case_path(f.case.id) for f in self.facts} | {PROBLEMS_PATH}
        pages, files = [], []
        for draft in problems.drafts:
            if not draft.shown:
                continue
            path = _draft_path(draft, taken)
            rows = [_problem_row(d, draft.lines) for d in draft.diagnostics]
            title = _draft_title(draft)
            pages.append(Page(path, "draft.md.j2", title, DraftPage(
                site=self.site, file=draft.rel, title=title, errors=draft.errors,
                problems=rows, read=_read_facts(draft.data),
                narrative=render_narrative(draft.body),
                problems_url=rel(path, PROBLEMS_PATH)), search=False))
            files.append(ProblemFile(draft.rel, title, rel(PROBLEMS_PATH, path), draft.errors,
                                     rows))
        pages.append(Page(PROBLEMS_PATH, "problems.md.j2", "Problems", ProblemsPage(
            site=self.site, summary=problems.summary, files=files,
            hidden=sum(1 for d in problems.drafts if not d.shown),
            elsewhere=[_problem_row(d, ()) for d in problems.elsewhere]), search=False))
        return pages


def _assignee_of(f: CaseFacts) -> str:
    return f.case.assignee or "nobody"


def _table_order(f: CaseFacts) -> tuple[bool, bool, str]:
    return (not f.overdue, not f.stalled, f.case.id)


def _page_table(rows: Callable[[str, Sequence[T]], list[R]], path: str, chunk: Sequence[T],
                columns: Columns | None, listing: Listing) -> Table[R]:
    return Table(rows(path, chunk), columns, listing)


def _rows_file(rows: list[R], cells: Callable[[R], list[Cell]]) -> bytes:
    return rows_json(map(cells, rows))


def _map_point(page: str, f: CaseFacts) -> MapPoint:
    where = f.case.incident.coordinates
    assert where is not None
    return MapPoint(
        id=f.case.id, title=f.case.title, url=url_between(page, case_path(f.case.id)),
        stage=f.case.stage.value, stage_label=f.case.stage.label,
        incident_date=str(f.case.incident.date), country=f.case.incident.country,
        lat=f"{where.lat:g}", lon=f"{where.lon:g}")


def _ago(then: dt.date, today: dt.date) -> str:
    days = (today - then).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def atom_feed(site: Site, entries: Sequence[ChangeEntry], today: dt.date) -> bytes:
    """The latest changes as an Atom feed; links are relative to the feed's own address."""
    from xml.sax.saxutils import escape, quoteattr

    updated = (entries[0].date if entries else today.isoformat()) + "T00:00:00Z"
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"  <title>{escape(site.name)}: latest changes</title>",
             f"  <id>tag:casebook,2023:{escape(site.name)}/changes</id>",
             f"  <updated>{updated}</updated>",
             '  <link rel="self" href="feed.xml"/>',
             '  <link rel="alternate" href="./"/>']
    for entry in entries:
        summary = "\n".join(entry.changes)
        url = f"../cases/{entry.case_id}/"
        lines += [
            "  <entry>",
            f"    <title>{escape(entry.case_id)}: {escape(entry.subject)}</title>",
            f"    <id>tag:casebook,2023:{escape(entry.short)}/{escape(entry.case_id)}</id>",
            f"    <updated>{entry.date}T00:00:00Z</updated>",
            f"    <author><name>{escape(entry.author)}</name></author>",
            f"    <link href={quoteattr(url)}/>",
            f"    <summary>{escape(summary)}</summary>",
            "  </entry>"]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _term(value: Choice) -> Term:
    """An enumeration value as people read it: its label, its description as a tooltip."""
    return Term(value.label, value.description)


def _fact(path: str, value: Choice | None) -> Fact:
    """The key at `path` by its label, and its value's label with what it means."""
    if value is None:
        return Fact(label_at(path), NOT_RECORDED)
    return Fact(label_at(path), value.label, hint=value.description)


def _text_fact(path: str, text: str | None) -> Fact:
    return Fact(label_at(path), text or NOT_RECORDED)


def _incident_facts(path: str, incident: Incident) -> list[Fact]:
    """What happened, where and by whom, as a case page shows it."""
    place = ", ".join(p for p in (incident.place, incident.admin2, incident.admin1) if p)
    country = countries_by_alpha3.get(incident.country)
    facts = [
        Fact(label_at("incident.date"),
             str(incident.date) + (" (approximate)" if incident.date.approximate else "")),
        Fact(label_at("incident.country"), f"{country.name} ({incident.country})" if country
             else incident.country,
             url_between(path, f"countries/{incident.country.lower()}.md")),
        _text_fact("incident.place", place),
        _fact("incident.location_precision", incident.location_precision),
    ]
    if incident.coordinates:
        facts.append(Fact(label_at("incident.coordinates"),
                          f"{incident.coordinates.lat}, {incident.coordinates.lon}"))
    partner = _partner_term(incident.partner_force)
    return [*facts,
            Fact(label_at("incident.partner_force"), partner.label,
                 url_between(path, f"partners/{_partner_key(incident.partner_force)}.md"),
                 partner.hint),
            _text_fact("incident.unit", incident.unit),
            _fact("incident.operation_type", incident.operation_type),
            _fact("incident.attribution", incident.attribution)]


_HARM_KEYS = ("killed", "injured", "children_killed", "children_injured",
              "women_killed", "women_injured", "men_killed", "men_injured")


def _harm_facts(harm: Harm | None) -> list[Fact]:
    """The counts written in the case (an unwritten count is not shown), and the objects."""
    if harm is None:
        return []
    facts = [Fact(label_at(f"harm.{key}"), show_count(getattr(harm, key)))
             for key in _HARM_KEYS if key in harm.model_fields_set]
    if harm.civilian_objects:
        objects = harm.civilian_objects
        facts.append(Fact(label_at("harm.civilian_objects"),
                          ", ".join(o.label for o in objects),
                          hint="; ".join(f"{o.label}: {o.description}" for o in objects)))
    return facts


def _assessment_facts(a: Assessment | None) -> tuple[list[Fact], list[Term]]:
    """The findings, and the recommendations by name."""
    if a is None:
        return [], []
    return [
        _fact("assessment.harm_finding", a.harm_finding),
        _fact("assessment.ihl_concern", a.ihl_concern),
        _fact("assessment.avoidable", a.avoidable),
        _fact("assessment.recurrence_risk", a.recurrence_risk),
        _fact("assessment.partner_position", a.partner_position),
        Fact(label_at("assessment.reviewed_by"), ", ".join(a.reviewed_by) or "Nobody yet"),
    ], [_term(r) for r in a.recommendations]


def _source_row(s: Source) -> SourceRow:
    return SourceRow(
        key=s.key, anchor=f"source-{s.key.lower()}", type=_term(s.type),
        visibility=_term(s.visibility), title=s.title or "",
        url=s.url, publisher=s.publisher or "",
        published=s.published.isoformat() if s.published else "",
        accessed=s.accessed.isoformat() if s.accessed else "",
        grade=f"{s.reliability or ''}{s.credibility or ''}")


def _progress(case: Case) -> list[ProgressStep]:
    reached = {entry.stage for entry in case.stage_history}
    steps = []
    current_rank = case.stage.rank
    for stage in OPEN_STAGES:
        if case.stage is Stage.CLOSED:
            state = "done" if stage in reached else "skipped"
        elif stage is case.stage:
            state = "current"
        else:
            state = "done" if stage.rank < current_rank else "todo"
        steps.append(ProgressStep(stage.label, state, stage.description))
    steps.append(ProgressStep(Stage.CLOSED.label,
                              "current" if case.stage is Stage.CLOSED else "todo",
                              Stage.CLOSED.description))
    return steps


# -------------------------------------------------------------------- groupings


@dataclass(frozen=True, slots=True)
class Grouping:
    """One way of grouping cases: an index page and a page per group."""

    slug: str
    title: str
    singular: str
    intro: str
    keys: Callable[[CaseFacts], list[tuple[str, str]]]
    """The groups a case belongs to, as (key, label)."""
    order: Callable[[list[str]], list[str]] = sorted
    detail_header: str = ""
    detail: Callable[[Sequence[CaseFacts], str], str] | None = None
    extra_header: str = ""
    extra: Callable[[CaseFacts, str], str] | None = None
    hint: Callable[[str], str] | None = None
    """What the value of group `key` means (a tooltip), when the groups are values with a
    description."""
    retired: tuple[str, ...] = ()
    """Keys of groups that now belong to "Not recorded" (values recorded as unknown): each
    keeps a page at its old address that points to the bucket."""

    def extra_for(self, key: str) -> Callable[[CaseFacts], str] | None:
        """The extra column's value for the cases of group `key`."""
        return None if self.extra is None else _Extra(self.extra, key)


@dataclass(frozen=True, slots=True)
class _Extra:
    """The extra column of one group's table. Equal for the same group at every build
    (where a closure would not be): a table is laid out again only when it changes."""

    cell: Callable[[CaseFacts, str], str]
    key: str

    def __call__(self, f: CaseFacts) -> str:
        return self.cell(f, self.key)


def _group_keys(f: CaseFacts) -> tuple[list[tuple[str, str]], ...]:
    """The groups of a case in each of `GROUPINGS`, in their order."""
    return tuple(grouping.keys(f) for grouping in GROUPINGS)


def _source_keys(f: CaseFacts) -> list[tuple[str, str]]:
    types = dict.fromkeys(s.type for s in f.case.sources)
    return [(t.value, t.label) for t in types]


def _source_detail(facts: Sequence[CaseFacts], key: str) -> str:
    kind = SourceType(key)  # compared by identity: an enum's value is a slow attribute
    public = hidden = 0
    for f in facts:
        for s in f.case.sources:
            if s.type is kind:
                if s.visibility is Visibility.PUBLIC:
                    public += 1
                elif s.visibility is Visibility.NON_PUBLIC:
                    hidden += 1
    return f"{public} public, {hidden} non-public"


def _source_extra(f: CaseFacts, key: str) -> str:
    kind = SourceType(key)
    return str(sum(1 for s in f.case.sources if s.type is kind))


NOT_RECORDED_KEY = "not-recorded"
"""The key, and so the page, of the "Not recorded" group in every grouping."""


def _meaning(cls: type[Choice]) -> Callable[[str], str]:
    """The description of the value that a group's key is, for a grouping by `cls`."""
    def hint(key: str) -> str:
        return NOT_RECORDED_MEANING if key == NOT_RECORDED_KEY else cls(key).description
    return hint


def _partner_term(partner: str | None) -> Term:
    """A partner force as cells and charts show it: "unknown" and none are "Not recorded"."""
    if partner is None or is_unrecorded(partner):
        return Term(NOT_RECORDED, NOT_RECORDED_MEANING)
    return Term(partner)


@functools.lru_cache(maxsize=4096)  # a few dozen forces, asked of every case at every build
def _partner_key(partner: str | None) -> str:
    """The group of a partner force: its slug (names that differ only in case or
    punctuation share one), a hash for a name without letters or digits."""
    if partner is None or is_unrecorded(partner):
        return NOT_RECORDED_KEY
    return slugify(partner) or "partner-" + hashlib.sha1(partner.encode(), usedforsecurity=False
                                             ).hexdigest()[:8]


def _partner_keys(f: CaseFacts) -> list[tuple[str, str]]:
    partner = f.case.incident.partner_force
    return [(_partner_key(partner), _partner_term(partner).label)]


def _partner_hint(key: str) -> str:
    return NOT_RECORDED_MEANING if key == NOT_RECORDED_KEY else ""


def _country_keys(f: CaseFacts) -> list[tuple[str, str]]:
    code = f.case.incident.country
    country = countries_by_alpha3.get(code)
    return [(code.lower(), f"{country.name} ({code})" if country else code)]


def _month_keys(f: CaseFacts) -> list[tuple[str, str]]:
    return [_month(f.case.incident.date.start)]


@functools.lru_cache(maxsize=4096)
def _month(start: dt.date) -> tuple[str, str]:
    return (start.strftime("%Y-%m"), start.strftime("%B %Y"))


def _finding_keys(f: CaseFacts) -> list[tuple[str, str]]:
    finding = f.harm_finding
    return [(finding.value, finding.label)]


def _origin_keys(f: CaseFacts) -> list[tuple[str, str]]:
    """The strongest confidence among the weapons; no weapon, or only unknown ones, is
    "Not recorded"."""
    origin = f.us_origin
    if origin is None or is_unrecorded(origin.value):
        return [(NOT_RECORDED_KEY, NOT_RECORDED)]
    return [(origin.value, origin.label)]


def _tag_keys(f: CaseFacts) -> list[tuple[str, str]]:
    return [(t, t) for t in f.case.tags]


def _bucket_last(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: (k == NOT_RECORDED_KEY, k))


def _enum_order(values: Sequence[str]) -> Callable[[list[str]], list[str]]:
    rank = {v: i for i, v in enumerate(values)}
    return lambda keys: sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


GROUPINGS = (
    Grouping("sources", "Sources", "Source type",
             "Cases that cite at least one source of each type, with how many they cite.",
             _source_keys, _enum_order([t.value for t in SourceType]),
             "sources", _source_detail, "sources of this type", _source_extra,
             hint=_meaning(SourceType)),
    Grouping("partners", "Partner forces", "Partner force",
             "Cases by the partner force believed responsible.", _partner_keys,
             _bucket_last, hint=_partner_hint, retired=("unknown",)),
    Grouping("countries", "Countries", "Country", "Cases by the country of the incident.",
             _country_keys),
    Grouping("months", "Incident months", "Incident month",
             "Cases by the month in which the incident happened (its first possible day).",
             _month_keys, lambda keys: sorted(keys, reverse=True)),
    Grouping("findings", "Harm findings", "Harm finding",
             "Cases by the finding on whether the reported harm occurred.", _finding_keys,
             _enum_order([h.value for h in HarmFinding]), hint=_meaning(HarmFinding)),
    Grouping("origin", "U.S.-origin confidence", "U.S.-origin confidence",
             "Cases by the strongest U.S.-origin confidence among their weapons.",
             _origin_keys, _enum_order([*(o.value for o in UsOrigin if not is_unrecorded(o)),
                                        NOT_RECORDED_KEY]),
             hint=_meaning(UsOrigin), retired=("unknown", "none")),
    Grouping("tags", "Tags", "Tag", "Cases by tag.", _tag_keys),
)

def _unique_slugs(members: dict[str, list[CaseFacts]], grouping: Grouping) -> dict[str, str]:
    # Keys are already path-safe (enum values, ISO codes, slugs, YYYY-MM), and
    # partner slugs that collide were merged into one group on purpose.
    safe = re.compile(r"^[a-z0-9][a-z0-9-]*$")
    result = {}
    for key in members:
        if not safe.match(key):
            raise ValueError(f"unsafe group key {key!r} in {grouping.slug}")
        result[key] = key
    return result


# -------------------------------------------------------------------- dashboard


def dashboard_charts(builder: SiteBuilder, path: str) -> list[Chart]:
    # Every count in one pass over the cases: a watching server counts again at
    # every save.
    stages: Counter[Stage] = Counter()
    sources: Counter[SourceType] = Counter()
    months: dict[str, int] = defaultdict(int)
    # Counted by group, as the partners index counts them: "unknown" and no partner are
    # one bar, "Not recorded".
    partners: dict[str, int] = defaultdict(int)
    partner_labels: dict[str, str] = {}
    durations: dict[Stage, list[float]] = defaultdict(list)
    for f in builder.facts:
        case = f.case
        stages[case.stage] += 1
        sources.update({s.type for s in case.sources})
        months[case.opened.strftime("%Y-%m")] += 1
        for key, label in _partner_keys(f):
            partners[key] += 1
            partner_labels[key] = label
        for span in f.spans:
            if span.stage is not Stage.CLOSED:
                durations[span.stage].append(float(span.days(builder.today)))
    by_stage = [charts.Bar(s.label, stages[s], url_between(path, f"stages/{s.value}.md"),
                           s.description) for s in Stage]
    by_source = [charts.Bar(t.label, sources[t],
                            url_between(path, f"sources/{t.value}.md") if sources[t] else None,
                            t.description) for t in SourceType]
    by_month = [charts.Bar(m, months[m]) for m in _month_range(sorted(months))]
    by_partner = [charts.Bar(partner_labels[key], n,
                             url_between(path, f"partners/{key}.md"), _partner_hint(key))
                  for key, n in sorted(partners.items(), key=lambda kv: (-kv[1], kv[0]))]
    spreads = [(s.label, charts.spread(durations[s])) for s in OPEN_STAGES]

    def bars_table(bars: Sequence[charts.Bar]) -> list[tuple[str, ...]]:
        return [(b.label, str(b.value)) for b in bars]

    spread_rows: list[tuple[str, ...]] = []
    for label, summary in spreads:
        if summary is None:
            spread_rows.append((label, "0", "", "", ""))
        else:
            spread_rows.append((label, str(summary.count), _days(summary.median),
                                f"{_days(summary.q1)}-{_days(summary.q3)}",
                                f"{_days(summary.minimum)}-{_days(summary.maximum)}"))
    def bars(items: Sequence[charts.Bar], title: str, columns: bool = False) -> Markup:
        # Drawn again only when its bars change (a watching server's memo): a saved
        # title changes no count.
        return builder.memo.get(("chart", title), (tuple(items), columns),
                                functools.partial(_bars_chart, items, title, columns))

    spread_title = "Time spent in each stage"
    return [
        Chart("Cases by stage", bars(by_stage, "Cases by stage"), ("Stage", "Cases"),
              bars_table(by_stage)),
        Chart("Cases by source type", bars(by_source, "Cases by source type"),
              ("Source type", "Cases"), bars_table(by_source)),
        Chart("Cases opened per month", bars(by_month, "Cases opened per month", columns=True),
              ("Month", "Cases opened"), bars_table(by_month)),
        Chart(spread_title, builder.memo.get(("chart", spread_title), tuple(spreads),
                                             functools.partial(_spread_chart, spreads,
                                                               spread_title)),
              ("Stage", "Cases", "Median days", "Middle half (days)", "Range (days)"),
              spread_rows),
        Chart("Cases by partner force", bars(by_partner, "Cases by partner force"),
              ("Partner force", "Cases"), bars_table(by_partner)),
    ]


def _bars_chart(items: Sequence[charts.Bar], title: str, columns: bool) -> Markup:
    wide = (charts.column_chart if columns else charts.bar_chart)(items, title=title)
    # On a phone, columns become horizontal bars: one row each, legible labels.
    return Markup(charts.responsive(wide, charts.bar_chart(items, title=title,
                                                           width=charts.NARROW)))


def _spread_chart(spreads: Sequence[tuple[str, charts.Spread | None]], title: str) -> Markup:
    return Markup(charts.responsive(charts.spread_chart(spreads, title=title),
                                    charts.spread_chart(spreads, title=title,
                                                        width=charts.NARROW)))


def _days(value: float) -> str:
    return f"{value:.0f}"


def _month_range(months: list[str]) -> list[str]:
    """Every month from the first to the last, so that empty months show as gaps."""
    if not months:
        return []
    year, month = (int(p) for p in months[0].split("-"))
    last = months[-1]
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append(key)
        if key >= last:
            return out
        month += 1
        if month > 12:
            year, month = year + 1, 1



# -------------------------------------------------------------------- drafts

PROBLEMS_PATH = "problems/index.md"
"""The live preview's list of problems, linked from the banner of every page."""
_SOURCE_WIDTH = 240
"""Characters of a file's line shown under a problem (a minified line can be huge)."""
_FILE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Draft:
    """A case file with errors, as the live preview shows it: what could be read of it,
    its problems, and its lines (for the line each problem points at)."""

    rel: str
    data: object
    """The front matter as read (None when it could not be read)."""
    body: str
    diagnostics: tuple[Diagnostic, ...]
    lines: tuple[str, ...]
    shown: bool
    """False when the profile may not show the file: then it is counted, never named."""

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(frozen=True, slots=True)
class Problems:
    """What the live preview cannot publish: the case files with errors (in file order)
    and the errors in no case file (the settings)."""

    drafts: tuple[Draft, ...]
    elsewhere: tuple[Diagnostic, ...] = ()

    @property
    def summary(self) -> str:
        """The banner's text."""
        count = len(self.drafts)
        if count == 1:
            return "1 case has problems"
        if count:
            return f"{count} cases have problems"
        return "The casebook settings have problems"


def _draft_path(draft: Draft, taken: set[str]) -> str:
    """Where a case file with errors is shown: where its page would be (its file name),
    unless the name is unsafe as a path or taken; then under problems/."""
    stem = posixpath.splitext(posixpath.basename(draft.rel))[0]
    path = case_path(stem)
    if not _FILE_STEM.match(stem) or stem.lower() == "index" or path in taken:
        base = slugify(draft.rel) or "case"
        path, number = f"problems/{base}.md", 1
        while path in taken:
            number += 1
            path = f"problems/{base}-{number}.md"
    taken.add(path)
    return path


def _draft_title(draft: Draft) -> str:
    data = draft.data
    title = data.get("title") if isinstance(data, dict) else None
    if isinstance(title, str) and title.strip():
        return title.strip()
    return posixpath.basename(draft.rel)


def _plain(value: object) -> str | None:
    """A front matter value as written, when it is a plain one (not a list or mapping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _read_facts(data: object) -> list[Fact]:
    """The plain values of the front matter, and of its mappings one level down."""
    if not isinstance(data, dict):
        return []
    facts = []
    for key, value in data.items():
        if isinstance(value, dict):
            facts += [Fact(f"{key}.{inner}", text) for inner, item in value.items()
                      if (text := _plain(item)) is not None]
        elif (text := _plain(value)) is not None:
            facts.append(Fact(str(key), text))
    return facts


def _problem_row(d: Diagnostic, lines: Sequence[str]) -> ProblemRow:
    source = lines[d.line - 1] if 0 < d.line <= len(lines) else ""
    shown = source[:_SOURCE_WIDTH] + ("…" if len(source) > _SOURCE_WIDTH else "")
    gutter = str(d.line)
    blanks = "".join("\t" if ch == "\t" else " "
                     for ch in source[:min(max(d.column - 1, 0), _SOURCE_WIDTH)])
    return ProblemRow(path=d.path, code=d.code, rule=d.rule, severity=d.severity.value,
                      line=d.line, column=d.column, message=d.message, source=shown,
                      gutter=gutter, pointer=f"{' ' * len(gutter)} | {blanks}")
