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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.config import DEFAULT_PROFILES, ProfileSettings
from generator.history.reader import CaseHistory, Commit, FieldChange
from generator.records.schema import Case, Sensitivity, Visibility

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
        profile removes from the case itself, and people and subjects as it says."""
        if history is None:
            return None
        commits = [self._commit(c, published_ids) for c in history.commits]
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

    def _commit(self, commit: Commit, published_ids: set[str] | None) -> Commit:
        settings = self.settings
        changes = tuple(c for c in commit.changes if self._shows_change(c, published_ids))
        if (len(changes) == len(commit.changes) and not settings.drop_people
                and settings.commit_subjects):
            return commit
        return dataclasses.replace(
            commit,
            author=ANALYST if settings.drop_people else commit.author,
            email="" if settings.drop_people else commit.email,
            co_authors=() if settings.drop_people else commit.co_authors,
            subject=commit.subject if settings.commit_subjects else "Change",
            changes=changes, hidden_changes=len(commit.changes) - len(changes))


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


@dataclass(slots=True)
class Removed:
    """Values a profile kept out of a build, each with what it was (for messages)."""

    values: dict[str, str] = field(default_factory=dict)
    # Text published on purpose that may contain a removed value as a whole word (a
    # published title that begins with an unpublished case's title): a hit inside
    # it is not a leak.
    kept: set[str] = field(default_factory=set)

    def add(self, value: object, what: str) -> None:
        text = str(value).strip() if value is not None else ""
        # The scan matches whole words, so even a two-letter handle is safe to look for.
        if len(text) >= 2 and text not in self.values:
            self.values[text] = what


def removed_values(cases: Iterable[Case], histories: dict[str, CaseHistory | None],
                   profile: Profile) -> Removed:
    """Everything this profile leaves out that could identify or expose something."""
    removed = Removed()
    every = list(cases)
    published = [c for c in every if profile.publishes(c)]
    published_ids = {c.id for c in published}
    for case in every:
        if case.id not in published_ids:
            removed.add(case.id, f"the id of unpublished case {case.id}")
            removed.add(case.title, f"the title of unpublished case {case.id}")
    kept_people: set[str] = set()
    settings = profile.settings
    if settings.drop_people:
        # A profile that names no one must show no name from any case, published or not.
        for case in every:
            people = [case.assignee, *(e.by for e in case.stage_history),
                      *(case.assessment.reviewed_by if case.assessment else [])]
            history = histories.get(case.id)
            if history is not None:
                for commit in history.commits:
                    people += [commit.author, commit.email, *commit.co_authors]
            for person in people:
                removed.add(person, f"a name removed from {case.id}")
    for case in published:
        viewed = profile.view(case, published_ids)
        if settings.redact_non_public_sources:
            for source in case.sources:
                if source.visibility is Visibility.NON_PUBLIC:
                    what = f"non-public source {source.key} of {case.id}"
                    for value in (source.title, source.url, source.archive_url,
                                  source.publisher):
                        removed.add(value, what)

        for dotted in settings.restricted_fields:
            kept = _values_at(viewed, dotted.split("."))
            for value in _values_at(case, dotted.split(".")):
                # Free text only: an enumeration word, a number or a date also stands
                # in other fields and on the about page, and proves nothing.
                if (isinstance(value, str) and not isinstance(value, enum.Enum)
                        and not _DATE.fullmatch(value) and value not in kept):
                    removed.add(value, f"restricted field {dotted} of {case.id}")
        kept_people.update(_visible_people(viewed))
    # A name still shown elsewhere in the build (a reviewer of another case on a
    # profile that keeps people) is not a leak.
    for person in kept_people:
        removed.values.pop(person, None)
    # Text the build publishes on purpose (a published case with the same title as
    # one left out) is not a leak of the other.
    for case in published:
        removed.values.pop(case.title, None)
        removed.kept.add(case.title)
    return removed


def _values_at(model: Any, path: list[str]) -> list[Any]:
    if model is None:
        return []
    if isinstance(model, list):
        return [v for item in model for v in _values_at(item, path)]
    if not path:
        return [model] if not isinstance(model, list | dict) else []
    value = getattr(model, path[0], None)
    return _values_at(value, path[1:])


def _visible_people(case: Case) -> set[str]:
    people = {e.by for e in case.stage_history}
    if case.assignee:
        people.add(case.assignee)
    if case.assessment:
        people.update(case.assessment.reviewed_by)
    people.discard(ANALYST)
    return people


def published(cases: Iterable[Case], chosen: Profile) -> list[Case]:
    return [case for case in cases if chosen.publishes(case)]
