"""Build profiles: which cases a build publishes, and what it removes from them.

Two profiles exist by default (more can be set in mkdocs.yml): `internal`, every
case up to AMBER+STRICT, and `public`, CLEAR cases only, with non-public sources
shown as "Undisclosed source (TYPE)", people's names dropped, commit authors
shown as "Analyst" and coordinates rounded. RED cases are never published by
any profile: they stay in the repository's own checkout.

What a profile removes is also listed (`Removed`), so that the leak check can
prove that none of it reached the built site.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.config import DEFAULT_PROFILES, LeakCheckSettings, ProfileSettings
from generator.history.reader import CaseHistory, Commit, FieldChange
from generator.publish.reading import narrative_sentences, readings
from generator.publish.steps import Fresh, Outputs, same
from generator.records.schema import Case, Sensitivity, Visibility

if TYPE_CHECKING:
    from generator.publish.leakcheck import Finder
    from generator.publish.removedcache import RemovedCache

ANALYST = "Analyst"
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}){0,2}")
DEFAULT_PROFILE = "internal"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    settings: ProfileSettings = field(default_factory=ProfileSettings)

    @property
    def max_sensitivity(self) -> Sensitivity:
        return Sensitivity(self.settings.max_sensitivity)

    def publishes(self, case: Case) -> bool:
        return self.publishes_sensitivity(case.sensitivity)

    def publishes_sensitivity(self, sensitivity: Sensitivity) -> bool:
        return (sensitivity is not Sensitivity.RED
                and sensitivity.rank <= self.max_sensitivity.rank)

    def shows(self, dotted: str) -> bool:
        """Whether the cases this profile publishes keep the field `dotted`: not a
        restricted field, nor a person's name where people are dropped."""
        return not _restricted(dotted, self.settings.restricted_fields,
                               self.settings.drop_people)

    def view(self, case: Case, published_ids: set[str]) -> Case:
        """The case as this profile shows it."""
        update: dict[str, Any] = {}
        related = [other for other in case.related if other in published_ids]
        if related != case.related:
            update["related"] = related
        if case.duplicate_of is not None and case.duplicate_of not in published_ids:
            update["duplicate_of"] = None
        not_duplicates = [other for other in case.not_duplicate_of if other in published_ids]
        if not_duplicates != case.not_duplicate_of:
            update["not_duplicate_of"] = not_duplicates
        settings = self.settings
        if settings.redact_non_public_sources:
            sources = [s if s.visibility is Visibility.PUBLIC else s.model_copy(update={
                "title": f"Undisclosed source ({s.type.label})", "publisher": None,
                "url": None, "archive_url": None, "published": None, "accessed": None,
                "language": None}) for s in case.sources]
            if sources != case.sources:
                update["sources"] = sources
        if settings.drop_people:
            update["assignee"] = None
            update["stage_history"] = [e.model_copy(update={"by": ANALYST})
                                       for e in case.stage_history]
            if case.assessment is not None:
                update["assessment"] = case.assessment.model_copy(update={"reviewed_by": []})
        if settings.coordinate_decimals is not None and case.incident.coordinates is not None:
            places = settings.coordinate_decimals
            point = case.incident.coordinates
            update["incident"] = case.incident.model_copy(update={
                "coordinates": point.model_copy(update={"lat": round(point.lat, places),
                                                        "lon": round(point.lon, places)})})
        viewed = case.model_copy(update=update) if update else case
        for dotted in settings.restricted_fields:
            viewed = _without(viewed, dotted.split("."))
        return viewed

    def view_history(self, history: CaseHistory | None,
                     published_ids: set[str] | None = None) -> CaseHistory | None:
        """The history as this profile shows it: no change that would reveal what the
        profile removes from the case itself, none of a version above the profile's
        sensitivity (a case downgraded from AMBER shows no AMBER-era value), and
        people and subjects as it says."""
        if history is None:
            return None
        above = above_versions(history, self)
        commits = [self._commit(c, published_ids, c.hash in above) for c in history.commits]
        if all(new is old for new, old in zip(commits, history.commits, strict=True)):
            return history
        return CaseHistory(path=history.path, commits=commits)

    def _shows_change(self, change: FieldChange, published_ids: set[str] | None) -> bool:
        settings = self.settings
        name = change.field
        if _restricted(name, settings.restricted_fields, settings.drop_people):
            return False
        if settings.redact_non_public_sources and _under(name, "sources"):
            return False
        if settings.coordinate_decimals is not None and _under(name, "incident.coordinates"):
            return False
        if published_ids is not None and (_under(name, "related")
                                          or _under(name, "duplicate_of")):
            named = {str(v) for v in _flat(change.old) + _flat(change.new)}
            return named <= published_ids
        return True

    def _commit(self, commit: Commit, published_ids: set[str] | None,
                above: bool = False) -> Commit:
        settings = self.settings
        changes = () if above else tuple(c for c in commit.changes
                                         if self._shows_change(c, published_ids))
        if (len(changes) == len(commit.changes) and not settings.drop_people
                and settings.commit_subjects):
            return commit
        return dataclasses.replace(
            commit,
            author=ANALYST if settings.drop_people else commit.author,
            email="" if settings.drop_people else commit.email,
            co_authors=() if settings.drop_people else commit.co_authors,
            # A subject written while the case was above the profile may name what it was.
            subject=commit.subject if settings.commit_subjects and not above else "Change",
            changes=changes, hidden_changes=len(commit.changes) - len(changes))


def above_versions(history: CaseHistory, chosen: Profile) -> dict[str, str]:
    """The commits (by hash) that wrote or left a version of the case above the
    profile's sensitivity, each with that sensitivity: the profile shows none of
    their changes, since each holds a value of such a version."""
    above: dict[str, str] = {}
    for commit, before, after in _levels(history):
        high = next((str(x) for x in (after, before) if _is_above(x, chosen)), None)
        if high is not None:
            above[commit.hash] = high
    return above


def _levels(history: CaseHistory) -> list[tuple[Commit, object, object]]:
    """Each commit, oldest first, with the case's sensitivity before and after it.

    A commit that changes `sensitivity` says what it was before and after. Before
    the first change the level is that change's old value; with no change at all
    it never moved in the history known (a shallow clone knows only part), and is
    the case's own, which a profile showing the history publishes: None here.
    """
    moves = [c for commit in reversed(history.commits) for c in commit.changes
             if c.field == "sensitivity"]
    level: object = moves[0].old if moves else None
    out = []
    for commit in reversed(history.commits):
        before = level
        for change in commit.changes:
            if change.field == "sensitivity":
                level = change.new
        out.append((commit, before, level))
    return out


def _is_above(level: object, chosen: Profile) -> bool:
    if level is None:
        return False
    try:
        return not chosen.publishes_sensitivity(Sensitivity(str(level)))
    except ValueError:
        return True  # a level that is no level: take the safe side


_PEOPLE_FIELDS = ("assignee", "stage_history", "assessment.reviewed_by")


def _under(field_path: str, name: str) -> bool:
    return field_path == name or field_path.startswith((f"{name}.", f"{name}["))


def _flat(value: object) -> list[object]:
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _flat(item)]
    return [] if value is None else [value]


def _restricted(field_path: str, restricted: Sequence[str], drop_people: bool) -> bool:
    names = list(restricted) + (list(_PEOPLE_FIELDS) if drop_people else [])
    # A change to stage_history shows its entries, people included: leave it out when
    # people are dropped; the stage field itself still shows every move.
    return any(_under(field_path, n) for n in names)


def _without(model: Any, path: list[str]) -> Any:
    head, rest = path[0], path[1:]
    if head not in type(model).model_fields:
        return model
    value = getattr(model, head)
    if not rest:
        info = type(model).model_fields[head]
        empty = [] if isinstance(value, list) else None if not info.is_required() else value
        return model.model_copy(update={head: empty})
    if value is None:
        return model
    if isinstance(value, list):
        return model.model_copy(update={head: [_without(v, rest) for v in value]})
    return model.model_copy(update={head: _without(value, rest)})


def profile(name: str, profiles: dict[str, ProfileSettings] | None = None) -> Profile:
    """The profile called `name`; KeyError names the known ones."""
    known = profiles if profiles is not None else DEFAULT_PROFILES
    if name not in known:
        raise KeyError(f"unknown profile '{name}': choose one of {', '.join(sorted(known))}")
    return Profile(name, known[name])


@dataclass(frozen=True, slots=True)
class Withheld:
    """Where a removed value comes from: the case, the field, and why it is removed."""

    case: str
    field: str
    """As shown in messages: `title`, `sources[S2].title`, `narrative`."""
    reason: str
    sentence: bool = False
    """A sentence of a narrative: looked for only when it is long enough to tell."""
    name: bool = False
    """A person's name: found as whole words only (`Mark` is no part of `marketing`)."""

    @property
    def reading(self) -> str:
        """How the leak check reads the value: a sentence, a name or a field's value."""
        return "sentence" if self.sentence else "name" if self.name else "value"

    def __str__(self) -> str:
        return f"{self.field} of {self.case} ({self.reason})"


@dataclass(slots=True)
class Removed:
    """Values a profile kept out of a build, each with where it comes from, and what
    the leak check is told about telling them from ordinary text."""

    values: dict[str, Withheld] = field(default_factory=dict)
    settings: LeakCheckSettings = field(default_factory=LeakCheckSettings)
    unprovable: dict[str, tuple[Withheld, str]] = field(default_factory=dict)
    """Values that cannot be looked for, with why: the leak check warns of each."""
    words: dict[str, str] = field(default_factory=dict)
    """Values read as the leak check reads them, when known already (sentences)."""
    prepared: object = None
    """The leak check's finder that `removed_values` built over these values and more
    (generator.publish.leakcheck.Finder), to be used again rather than built twice."""

    def add(self, value: object, withheld: Withheld) -> None:
        text = value.strip() if isinstance(value, str) else ""
        if text and text not in self.values:
            self.values[text] = withheld


# Text fields whose values say nothing of a case by themselves: references to other
# cases, source keys, codes, shared vocabularies (tags, weapon designations, which the
# field reference quotes as examples), and people (dropped by `drop_people`,
# or shown on the other cases of a profile that keeps them).
_NOT_WITHHELD = frozenset({"duplicate_of", "related", "sources.key", "sources.language",
                           "incident.country", "tags", "assignee", "stage_history.by",
                           "assessment.reviewed_by", "weapons.designation"})


@functools.cache
def withheld_fields() -> tuple[str, ...]:
    """The text fields (dotted, list items not counted) whose every value a case left
    out of a build is looked for."""
    from generator.records.fields import schema_fields

    return tuple(f.path for f in schema_fields() if f.kind in ("text", "list of text")
                 and f.path not in _NOT_WITHHELD)


def _strings(model: Any, parts: list[str], shown: str = "") -> list[tuple[str, str]]:
    """(where, value) of every string at a dotted path; list items are named by their
    key when they have one (`sources[S2].title`), else by their index."""
    if model is None:
        return []
    if isinstance(model, list):
        return [pair for i, item in enumerate(model)
                for pair in _strings(item, parts, f"{shown}[{getattr(item, 'key', i)}]")]
    if not parts:
        ok = isinstance(model, str) and not isinstance(model, enum.Enum)
        return [(shown, model)] if ok else []
    name = parts[0]
    return _strings(getattr(model, name, None), parts[1:], f"{shown}.{name}" if shown else name)


def _withheld_strings(model: Any) -> list[tuple[str, str, str]]:
    """(path, where, value) of every string in every withheld field, path by path in
    the order of `withheld_fields` (the first place a value stands names it), in one
    walk of the case: each list (its sources, its stage history) is read once for all
    the fields inside it."""
    found: list[tuple[str, str, str]] = []
    _walk(model, _withheld_tree(), "", found)
    order = _withheld_order()
    found.sort(key=lambda item: order[item[0]])
    return found


@functools.cache
def _withheld_tree() -> dict[str, Any]:
    """The withheld fields as a tree of attribute names; a leaf is its dotted path."""
    tree: dict[str, Any] = {}
    for path in withheld_fields():
        *parents, last = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = path
    return tree


@functools.cache
def _withheld_order() -> dict[str, int]:
    return {path: i for i, path in enumerate(withheld_fields())}


def _walk(model: Any, node: dict[str, Any], shown: str,
          found: list[tuple[str, str, str]]) -> None:
    for name, below in node.items():
        _visit(getattr(model, name, None), below, f"{shown}.{name}" if shown else name, found)


def _visit(value: Any, below: dict[str, Any] | str, where: str,
           found: list[tuple[str, str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _visit(item, below, f"{where}[{getattr(item, 'key', i)}]", found)
    elif isinstance(below, str):
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            found.append((below, where, value))
    else:
        _walk(value, below, where, found)


# A narrative sentence of a case left out that a published narrative holds as well
# is public through that case, as any other field's value is: narratives written
# from a template (an import's body, a team's stock phrases) share whole sentences,
# and looking for them would fail every build. A sentence copied from one
# narrative into another is the limit of this rule (README, "The leak check").
_BOILERPLATE = 1


# What a watching server keeps between builds (`Outputs`), by these keys.
_SHOWN, _CANDIDATES, _FINDER, _SHOWS, _LEFT_OUT, _SENTENCES, _HISTORY, _HISTORY_KEPT = (
    "removed: shown", "removed: candidates", "removed: finder", "removed: shows",
    "removed: left out", "removed: sentences", "removed: history", "removed: history kept")

_Pending = tuple["Withheld", str, str]
"""A candidate's record, its field, and how published cases may show it: `exact`,
`identity` (an id or a title), `sentence`, `name`, or `words`."""


def _candidate(path: str, withheld: Withheld, exact: bool = False) -> _Pending:
    how = ("name" if withheld.name else "exact" if exact
           else "identity" if path in ("id", "title")
           else "sentence" if withheld.sentence else "words")
    return (withheld, path, how)


_Entry = tuple[str, str, str, str, str, bool]
"""A candidate as gathered: its text, its field (none for a person's name), its
record's case, place and reason (`Withheld`), and whether only a value as written
shows it (`_candidate`'s `exact`). Plain strings: a hundred thousand of them cross
from one process to another in a tenth of the time their records would take."""


def _pending(entry: _Entry) -> tuple[str, _Pending]:
    text, path, case, where, reason, exact = entry
    return text, _candidate(path, Withheld(case, where, reason, name=not path), exact)


_BLOCK = 64
"""Published cases whose findings `_Collector.finish` gathers as one."""
_GATHERED = "removed: gathered"


@dataclass(frozen=True, slots=True)
class _Gathered:
    """What a block of published cases shows of the candidates, together."""

    fields: Mapping[str, frozenset[str]]
    """The fields each candidate is found in."""
    holders: Mapping[str, int]
    """How many of the cases' narratives hold each candidate."""
    words: frozenset[str]
    titles: frozenset[str]


def _gathered(shows: Sequence[_Shows]) -> _Gathered:
    fields: dict[str, set[str]] = {}
    holders: dict[str, int] = {}
    for one in shows:
        for value, path in one.fields:
            fields.setdefault(value, set()).add(path)
        for value in one.held:
            holders[value] = holders.get(value, 0) + 1
    return _Gathered({value: frozenset(paths) for value, paths in fields.items()}, holders,
                     frozenset().union(*(one.words for one in shows)),
                     frozenset().union(*(one.titles for one in shows)))


@dataclass(frozen=True, slots=True)
class _Shows:
    """What one published case shows of the values a profile may remove."""

    fields: frozenset[tuple[str, str]]
    """(candidate, field) of each candidate found in one of the case's fields."""
    held: frozenset[str]
    """The candidates its narrative holds."""
    words: frozenset[str]
    titles: frozenset[str]
    """Its id and title, read as the leak check reads them."""


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A case the profile leaves out, as the leak check lists it."""

    case: str
    entries: tuple[_Entry, ...]
    """Its fields' values, in the order of `withheld_fields`."""
    body: str
    reason: str


@dataclass(frozen=True, slots=True)
class Shown:
    """A published case, as the leak check holds what it shows against what it removes."""

    case: str
    strings: tuple[tuple[str, str, str], ...]
    """(path, where, value) of what it shows in the withheld fields."""
    body: str
    entries: tuple[_Entry, ...]
    """What the profile removes from it: its non-public sources, its restricted fields."""
    history: tuple[tuple[_Entry, str], ...]
    """Each value it had only while above the profile, as written, before the values
    it shows now are held against them (`_Collector.history`)."""


@dataclass(frozen=True, slots=True)
class Withholding:
    """Every candidate a profile withholds from a build, gathered from the cases and
    their history as plain data, before any text is read (`withholding`). What the
    leak check then reads and decides of it (`removed_from`) needs nothing else: the
    build gathers it where the cases are, and decides it in the process that checks
    the site, while mkdocs builds the site beside it."""

    settings: LeakCheckSettings
    left_out: tuple[LeftOut, ...]
    people: tuple[_Entry, ...]
    """The names the profile drops (a person's field is none: `_pending`)."""
    published: tuple[Shown, ...]
    drafts: tuple[str, ...]
    """The narratives of the case files with errors shown on pages of their own."""


def _entry(value: object, path: str, case: str, where: str, reason: str,
           exact: bool = False) -> Iterator[_Entry]:
    text = value.strip() if isinstance(value, str) else ""
    if text:
        yield text, path, case, where, reason, exact


class _Collector:
    """Adds removed values, except those published cases show on their own.

    A value whose words stand in what a published case shows in the same field (a
    publisher, a place, a note, written the same or inside a longer one) is public
    through that case, and looking for it would only cry wolf; so is a one-word
    value that published cases use anywhere (`Taiz` of a case left out, `Taiz
    Governorate` of a published one): it cannot be proven absent. Ids and titles
    are the exception: a case's identity is never public through another's, so one
    inside a published title is a leak, and one equal to a published title cannot
    be proven absent. What published cases show is found in one pass of the leak
    check's automaton over every candidate (`finish`).
    """

    def __init__(self, removed: Removed, published: Sequence[Shown],
                 cache: RemovedCache | None = None, outputs: Outputs | None = None) -> None:
        from generator.publish.reading import normalise, normalise_each

        self.cache = cache
        self.outputs: Outputs = outputs or Fresh()
        self.normalise: Callable[[str], str] = normalise if cache is None else (
            lambda text: cache.words(text, normalise))
        self.normalise_each = normalise_each
        # Many texts read in passes of a few hundred (a call each would cost more than
        # the text), through the cache when there is one.
        self.normalise_all: Callable[[list[str]], list[str]] = _in_passes if cache is None \
            else functools.partial(cache.words_each, read=_in_passes)
        self.words: dict[str, str] = {}
        self.removed = removed
        self.ids = [one.case for one in published]
        self.bodies = {one.case: one.body for one in published}
        self.shown = {one.case: one.strings for one in published}
        """What each published case shows of the withheld fields."""
        self.exact: dict[str, set[str]] = {}
        for strings in self.shown.values():
            for path, _, value in strings:
                self.exact.setdefault(path, set()).add(value.strip())
        self.drafts: list[str] = []
        """The narratives published on draft pages (`Withholding.drafts`)."""
        self.read_ahead: dict[str, list[tuple[str, str]]] = {}
        """Narratives' sentences with their words, read before they were asked for."""
        self.pending: dict[str, _Pending] = {}
        """Each candidate, as `_Pending` holds it."""

    def add_each(self, entries: Iterable[tuple[str, _Pending]]) -> None:
        """Each candidate of `entries`: the first of a value stands."""
        pending = self.pending
        for text, entry in entries:
            if text not in pending:
                pending[text] = entry

    def case(self, one: LeftOut) -> None:
        """Every value of a case the profile leaves out (a watching server's memo keeps
        its sentences while its narrative and the reason are as they were)."""
        entries, words = self.outputs.get((_SENTENCES, one.case), (one,),
                                          functools.partial(self._narrative, one))
        self.add_each(entries)
        for sentence, read in words:
            self.words.setdefault(sentence, read)

    def _narrative(self, one: LeftOut
                   ) -> tuple[tuple[tuple[str, _Pending], ...], tuple[tuple[str, str], ...]]:
        """The candidates of a case left out, in order, and its sentences' words."""
        read = self._sentences
        sentences = tuple(read(one.body) if self.cache is None
                          else self.cache.sentences(one.body, read))
        # One place for all the sentences of one narrative: it only names the case.
        narrative = (Withheld(one.case, "narrative", one.reason, sentence=True), "", "sentence")
        return (*map(_pending, one.entries), *((text, narrative) for sentence, _ in sentences
                                                if (text := sentence.strip()))), sentences

    def _sentences(self, body: str) -> list[tuple[str, str]]:
        ahead = self.read_ahead.pop(body, None)
        if ahead is not None:
            return ahead
        sentences = narrative_sentences(body)
        return list(zip(sentences, self.normalise_each(sentences), strict=True))

    def read_before(self, bodies: Iterable[str]) -> None:
        """Read the sentences of these narratives (those the cache does not know) on
        every core, before `case` asks for them one by one, when they are many."""
        from generator.publish.leakcheck import spread

        known = self.cache.knows_sentences if self.cache is not None else None
        unread = list(dict.fromkeys(
            body for body in bodies if body and (known is None or not known(body))))
        if sum(map(len, unread)) < _SPREAD_CHARS:
            return
        shares: list[list[str]] = [[]]
        size = 0
        for body in unread:
            if size >= _SHARE_CHARS:
                shares.append([])
                size = 0
            shares[-1].append(body)
            size += len(body)
        for share, read in zip(shares, spread(sentences_of, shares), strict=True):
            self.read_ahead.update(zip(share, read, strict=True))

    def finish(self) -> None:
        """Decide each candidate from what the published cases show, found in one pass."""
        known = self.words
        if self.cache is not None:  # every value read once, and kept for the next build
            unread = [v for v in self.pending if not known.get(v)]
            read = dict(zip(unread, self.normalise_all(unread), strict=True))
            known = {v: known.get(v) or read[v] for v in self.pending}
        candidates = Removed(values={v: w for v, (w, _, _) in self.pending.items()},
                             settings=self.removed.settings, words=known)
        # Equal candidates make an equal finder, and equal findings in a case that
        # shows the same: a watching server finds them again only in what changed.
        looked_for = same(self.outputs, _CANDIDATES, (candidates.settings, tuple(
            (v, w, known.get(v)) for v, (w, _, _) in self.pending.items())))
        finder = self.outputs.get(_FINDER, (looked_for,), lambda: self._finder(candidates))
        shows = [self._shows_of(case_id, looked_for, finder) for case_id in self.ids]
        # Gathered by blocks of cases: a watching server gathers again only the block
        # of the case saved, and joins a few dozen blocks, not every case's words.
        blocks = [self.outputs.get((_GATHERED, at), tuple(shows[at:at + _BLOCK]),
                                   functools.partial(_gathered, shows[at:at + _BLOCK]))
                  for at in range(0, len(shows), _BLOCK)]
        in_fields: dict[str, set[str]] = {}
        holders: dict[str, int] = {}
        for block in blocks:
            for value, paths in block.fields.items():
                in_fields.setdefault(value, set()).update(paths)
            for value, count in block.holders.items():
                holders[value] = holders.get(value, 0) + count
        words = set().union(*(block.words for block in blocks))
        titles = set().union(*(block.titles for block in blocks))
        for body in self.drafts:
            for value in {hit.value for hit in finder.find(self.normalise(body))}:
                holders[value] = holders.get(value, 0) + 1
        for value, (withheld, path, how) in self.pending.items():
            why = self._decide(value, path, how, in_fields, holders, words, titles)
            if why is None:
                self.removed.add(value, withheld)
            elif why:
                self.removed.unprovable.setdefault(value, (withheld, why))
        self.removed.prepared = finder

    def _finder(self, candidates: Removed) -> Finder:
        """The automaton over every candidate: the one kept by the last build, when it
        knows nearly all of them, with a small table of its own for the others; else
        one made afresh, whose automaton an earlier build (at another code) may have
        kept over the same keys."""
        from generator.publish.leakcheck import Finder, builds_on

        cache = self.cache
        kept = cache.kept_finder(candidates.settings) if cache else None
        if kept is not None and not builds_on(kept, candidates):
            kept = None
        if kept is not None or cache is None:
            return Finder(candidates, base=kept)
        finder = Finder(candidates, kept=cache.kept_automaton)
        cache.keep_finder(finder)
        return finder

    def _shows_of(self, case_id: str, looked_for: object, finder: Finder) -> _Shows:
        # What `_shows` read went through the cache (a watching server's carries it
        # over to its next build, with what its earlier ones read).
        body = self.bodies.get(case_id, "")
        return self.outputs.get((_SHOWS, case_id), (self.shown[case_id], body, looked_for),
                                functools.partial(self._shows, case_id, body, finder))

    def _shows(self, case_id: str, body: str, finder: Finder) -> _Shows:
        """What one published case shows of the candidates, as `finish` counts it."""
        values = [value for _, _, value in self.shown[case_id]]
        *words_of, text = self.normalise_all([*values, body])
        read = list(zip(values, words_of, strict=True))
        fields = {(hit.value, path) for (path, _, _), (_, words) in zip(
            self.shown[case_id], read, strict=True) for hit in finder.find(words)}
        return _Shows(
            fields=frozenset(fields), held=frozenset(hit.value for hit in finder.find(text)),
            words=frozenset(w for _, words in [*read, ("", text)] for w in words.split()),
            titles=frozenset(words for (path, _, _), (_, words) in zip(
                self.shown[case_id], read, strict=True) if path in ("id", "title")))

    def _decide(self, value: str, path: str, how: str, in_fields: dict[str, set[str]],
                holders: dict[str, int], words: set[str], titles: set[str]) -> str | None:
        """None: look for the value; "": not (public); else why it cannot be proven absent."""
        if how == "exact":
            return "" if value in self.exact.get(path, ()) else None
        if how == "identity":
            same = self.normalise(value) in titles
            return f"a published case has the same {path}" if same else None
        if how == "sentence":
            return "" if holders.get(value, 0) >= _BOILERPLATE else None
        # As written, or (when the automaton could look for it) inside a longer value;
        # a name stands in no field a profile that drops people shows.
        if how != "name" and (value in self.exact.get(path, ())
                              or path in in_fields.get(value, ())):
            return ""
        alone = readings(self.normalise(value))[0].split()
        return "published cases use the word" if len(alone) == 1 and alone[0] in words \
            else None

    def history(self, one: Shown) -> None:
        """What a published case had only in versions above the profile, but for what
        it shows now (a watching server's memo keeps them while both are as they were)."""
        self.add_each(self.outputs.get((_HISTORY_KEPT, one.case), (one.history, one.strings),
                                       functools.partial(self._not_shown_now, one)))

    def _not_shown_now(self, one: Shown) -> tuple[tuple[str, _Pending], ...]:
        shown_now: dict[str, list[str]] = {path: [] for path in withheld_fields()}
        for path, _, value in one.strings:
            shown_now[path].append(self.normalise(value))
        now = {path: "|".join(texts) for path, texts in shown_now.items()}
        return tuple(_pending(entry) for entry, value in one.history
                     if self.normalise(value) not in now[entry[1]])


def _hidden_history(view: Case, history: CaseHistory, chosen: Profile
                    ) -> tuple[tuple[_Entry, str], ...]:
    """Every value the case had only in versions above the profile's sensitivity: not
    one a version it shows holds (`Shown.history`)."""
    levels = _levels(history)
    known: dict[str | None, bool] = {}

    def above(level: object) -> bool:  # a case's history has few levels, read often
        key = None if level is None else str(level)
        if key not in known:
            known[key] = _is_above(level, chosen)
        return known[key]

    if not any(above(before) or above(after) for _, before, after in levels):
        return ()  # every version was one the profile shows
    shown: set[str] = set()
    hidden: list[tuple[str, str, str]] = []
    for commit, before, after in levels:
        era = above(after)
        for change in commit.changes:
            olds = _leaves(change.old, change.field)
            news = _leaves(change.new, change.field)
            if era or above(before):
                level = str(after if era else before)
                hidden += [(w, v, level) for w, v in olds + (news if era else [])]
                shown.update(v for _, v in ([] if era else news))
            else:
                shown.update(v for _, v in olds + news)
    return tuple(
        ((text, path, view.id, f"{where} (history)", f"a version of the case while {level}",
          False), value)
        for where, value, level in hidden
        if (path := re.sub(r"\[[^]]*\]", "", where)) in withheld_fields()
        and path != "id" and value not in shown and (text := value.strip()))

# Below this much text to read, starting processes would cost more than it saves;
# a process is given this much at a time.
_SPREAD_CHARS = 4 << 20
_SHARE_CHARS = 1 << 18


def sentences_of(bodies: list[str]) -> list[list[tuple[str, str]]]:
    """Each narrative's sentences with their words (what `_Collector` reads of it)."""
    from generator.publish.reading import normalise_each

    return [list(zip(sentences, normalise_each(sentences), strict=True))
            for sentences in map(narrative_sentences, bodies)]


_PASS = 256


def _in_passes(texts: list[str]) -> list[str]:
    """`normalise` of each text, a few hundred in one pass of `normalise_each` (which
    reads each alone when one of a pass holds what it cannot join)."""
    from generator.publish.reading import normalise_each

    return [words for at in range(0, len(texts), _PASS)
            for words in normalise_each(texts[at:at + _PASS])]


def _leaves(value: object, where: str) -> list[tuple[str, str]]:
    """(where, text) of every string inside a value as git's history holds it."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _leaves(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _leaves(v, f"{where}[{i}]")]
    return [(where, value.strip())] if isinstance(value, str) and value.strip() else []


def removed_values(cases: Iterable[Case], histories: Mapping[str, CaseHistory | None],
                   profile: Profile, *, bodies: Mapping[str, str] | None = None,
                   settings: LeakCheckSettings | None = None,
                   views: Mapping[str, Case] | None = None,
                   cache: RemovedCache | None = None, outputs: Outputs | None = None,
                   drafts: Iterable[str] = ()) -> Removed:
    """Everything this profile leaves out that could identify or expose something: every
    value of a case it leaves out (and the sentences of its narrative, from `bodies` by
    case id), the sources and fields it removes from a published case, the values a
    published case had only while above the profile, and the people it drops.
    `views`: the published cases as the profile shows them, by id, if made already;
    `cache`: what earlier builds read of the same texts (the caller saves it);
    `outputs`: where a watching server keeps what it found in each published case;
    `drafts`: the narratives of the case files with errors that the build shows on
    pages of their own (drafts mode), as published as a case's for the boilerplate
    rule: a sentence one holds is public through its page.

    The two halves, `withholding` and `removed_from`, may run in two processes."""
    gathered = withholding(cases, histories, profile, bodies=bodies, settings=settings,
                           views=views, outputs=outputs, drafts=drafts)
    return removed_from(gathered, cache=cache, outputs=outputs)


def withholding(cases: Iterable[Case], histories: Mapping[str, CaseHistory | None],
                profile: Profile, *, bodies: Mapping[str, str] | None = None,
                settings: LeakCheckSettings | None = None,
                views: Mapping[str, Case] | None = None, outputs: Outputs | None = None,
                drafts: Iterable[str] = ()) -> Withholding:
    """The candidates of `removed_values`, gathered from the cases and their history
    without reading any text (its arguments are `removed_values`')."""
    from generator.publish.removedcache import collector_paused

    outputs = outputs or Fresh()
    bodies = bodies or {}
    with collector_paused():
        every = list(cases)
        published = [c for c in every if profile.publishes(c)]
        published_ids = {c.id for c in published}
        # The published cases as the profile shows them, unless the build has them already.
        views = {c.id: views[c.id] if views and c.id in views
                 else profile.view(c, published_ids) for c in published}
        left_out = tuple(
            outputs.get((_LEFT_OUT, case.id), (case, body, reason),
                        functools.partial(_left_out, case, body, reason))
            for case in every if case.id not in published_ids
            for body, reason in [(bodies.get(case.id, ""),
                                  f"a case left out: {case.sensitivity.value}")])
        chosen = profile.settings
        people: dict[str, _Entry] = {}  # a name once, where it stands first
        if chosen.drop_people:
            for case in every:
                for where, person in _people(case, histories.get(case.id)):
                    for entry in _entry(person, "", case.id, where, "a name the profile drops"):
                        people.setdefault(entry[0], entry)
        shown = tuple(_shown(case, views[case.id], histories.get(case.id), profile,
                             bodies.get(case.id, ""), outputs) for case in published)
    return Withholding(settings=settings or LeakCheckSettings(), left_out=left_out,
                       people=tuple(people.values()), published=shown,
                       drafts=tuple(body for body in drafts if body))


def _left_out(case: Case, body: str, reason: str) -> LeftOut:
    return LeftOut(case.id, tuple(
        (text, path, case.id, where, reason, False)
        for path, where, value in _withheld_strings(case) if (text := value.strip())),
        body, reason)


def _shown(case: Case, view: Case, history: CaseHistory | None, chosen: Profile, body: str,
           outputs: Outputs) -> Shown:
    """A published case: what it shows, and what the profile removes from it."""
    settings = chosen.settings
    entries: list[_Entry] = []
    if settings.redact_non_public_sources:
        for source in case.sources:
            if source.visibility is Visibility.NON_PUBLIC:
                for name in ("title", "url", "archive_url", "publisher"):
                    entries += _entry(str(getattr(source, name) or ""), f"sources.{name}",
                                      case.id, f"sources[{source.key}].{name}",
                                      "a non-public source", exact=True)
    for dotted in settings.restricted_fields:
        for where, value in _strings(case, dotted.split(".")):
            # Free text only: a date proves nothing, and stands in other fields too.
            if not _DATE.fullmatch(value):
                entries += _entry(value, dotted, case.id, where, "a restricted field",
                                  exact=True)
    hidden = () if history is None else outputs.get(
        (_HISTORY, case.id), (view, history, chosen),
        functools.partial(_hidden_history, view, history, chosen))
    strings = outputs.get((_SHOWN, case.id), (view,),
                          lambda: tuple(_withheld_strings(view)))
    return Shown(case.id, strings, body, tuple(entries), hidden)


def removed_from(withheld: Withholding, *, cache: RemovedCache | None = None,
                 outputs: Outputs | None = None) -> Removed:
    """What `removed_values` lists of what `withholding` gathered: each candidate read,
    and decided from what the published cases show (`cache` and `outputs` as there)."""
    from generator.publish.removedcache import collector_paused

    removed = Removed(settings=withheld.settings)
    with collector_paused():
        collect = _Collector(removed, withheld.published, cache, outputs)
        collect.drafts = list(withheld.drafts)
        collect.read_before(one.body for one in withheld.left_out)
        for left_out in withheld.left_out:
            collect.case(left_out)
        collect.add_each(map(_pending, withheld.people))
        for shown in withheld.published:
            collect.add_each(map(_pending, shown.entries))
            if shown.history:
                collect.history(shown)
        collect.finish()
    return removed


def _people(case: Case, history: CaseHistory | None) -> list[tuple[str, str]]:
    """(where, name) of everyone a case and its commits name: a profile that names no
    one must show no name from any case, published or not."""
    people = [("assignee", case.assignee or "")]
    people += [(f"stage_history[{i}].by", e.by) for i, e in enumerate(case.stage_history)]
    if case.assessment:
        people += [(f"assessment.reviewed_by[{i}]", name)
                   for i, name in enumerate(case.assessment.reviewed_by)]
    if history is not None:
        for commit in history.commits:
            people += [("history: author", commit.author), ("history: email", commit.email)]
            for co in commit.co_authors:
                name, _, email = co.partition("<")
                people += [("history: co-author", name), ("history: co-author", co),
                           ("history: co-author", email.rstrip(">"))]
    return people


def published(cases: Iterable[Case], chosen: Profile) -> list[Case]:
    return [case for case in cases if chosen.publishes(case)]
