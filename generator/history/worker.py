"""Compare versions of case files for `generator.history.reader`, in a process of its own.

Run as ``python -m generator.history.worker REPOSITORY`` with lines of
``OLD_BLOB NEW_BLOB`` on standard input; writes, as JSON, the field changes of
each pair in turn as ``[[field, old, new], ...]``. The history hands out slices
of a long history to such workers so that composing YAML uses every core.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    import git

    from generator.history.reader import compare_versions, plain_changes

    pairs = []
    for line in sys.stdin.read().splitlines():
        old, new = line.split()
        pairs.append((old, new))
    repo = git.Repo(argv[0])
    try:
        answers = compare_versions(repo, pairs)
    finally:
        repo.close()
    sys.stdout.write(json.dumps([plain_changes(changes) for changes in answers],
                                separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
