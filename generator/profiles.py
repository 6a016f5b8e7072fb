"""Build profiles: which cases a build may publish.

RED cases are never published by any profile: they stay in the repository's
own checkout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator.schema import Case, Sensitivity


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    max_sensitivity: Sensitivity
    """The highest TLP label this profile publishes."""

    def publishes(self, case: Case) -> bool:
        return (case.sensitivity is not Sensitivity.RED
                and case.sensitivity.rank <= self.max_sensitivity.rank)

    def view(self, case: Case, published_ids: set[str]) -> Case:
        """The case as this profile shows it: no reference to a case it leaves out."""
        related = [other for other in case.related if other in published_ids]
        duplicate_of = case.duplicate_of if case.duplicate_of in published_ids else None
        if related == case.related and duplicate_of == case.duplicate_of:
            return case
        return case.model_copy(update={"related": related, "duplicate_of": duplicate_of})


PROFILES = {
    "internal": Profile("internal", Sensitivity.AMBER_STRICT),
    "public": Profile("public", Sensitivity.CLEAR),
}
DEFAULT_PROFILE = "internal"


def published(cases: Iterable[Case], profile: Profile) -> list[Case]:
    return [case for case in cases if profile.publishes(case)]
