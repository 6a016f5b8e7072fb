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


PROFILES = {
    "internal": Profile("internal", Sensitivity.AMBER_STRICT),
    "public": Profile("public", Sensitivity.CLEAR),
}
DEFAULT_PROFILE = "internal"


def published(cases: Iterable[Case], profile: Profile) -> list[Case]:
    return [case for case in cases if profile.publishes(case)]
