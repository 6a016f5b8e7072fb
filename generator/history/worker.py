"""Compare versions of case files for `generator.history.reader`, in a process of its own.

Run as ``python -m generator.history.worker REPOSITORY`` with lines of
``OLD_BLOB NEW_BLOB`` on standard input; writes, as JSON, the field changes of
each pair in turn as ``[[field, old, new], ...]``. The history hands out slices
of a long history to such workers so that composing YAML uses every core.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from generator.history.reader import compare_versions, plain_changes
    from generator.repository.git import Repository

    pairs = []
    for line in sys.stdin.read().splitlines():
        old, new = line.split()
        pairs.append((old, new))
    with Repository.open(Path(argv[0]), search_parents=False) as repo:
        answers = compare_versions(repo, pairs)
    sys.stdout.write(json.dumps([plain_changes(changes) for changes in answers],
                                separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
