"""The theme's templates compiled once per server, not once per rebuild.

mkdocs makes a new Jinja environment for every build, and a new environment
compiles every template it renders again: under `mkdocs serve`, the theme's
thirty-odd templates (mkdocs-material's and casebook's overrides) after every
save, which costs more than rendering the few pages a save changed. Jinja's
bytecode cache hands a new environment the code compiled before; each entry
carries a checksum of its template's source, and a template whose source
changed is compiled again, so a saved override shows at once.
"""

from __future__ import annotations

import jinja2
from jinja2.bccache import Bucket


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the environments of one server.

    Compiled code depends on the environment's settings as well as on the
    source: `use` forgets everything when the settings it is given differ from
    those of the last build."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._settings: object = None

    def use(self, env: jinja2.Environment, settings: object) -> None:
        """Make `env` load and keep its compiled templates here."""
        if settings != self._settings:
            self._code.clear()
            self._settings = settings
        env.bytecode_cache = self

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            # Refused (left empty, so compiled again) when the source's checksum differs.
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def __len__(self) -> int:
        return len(self._code)
