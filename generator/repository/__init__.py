"""Repository: the one gateway to git.

Every git operation the project makes (log, rev-list, cat-file, diff-tree,
blame, ls-tree, merge-base, rev-parse, version) goes through this package
(`generator.repository.git`), with typed results and one error type,
`GitError`. It is the only package that imports subprocess or GitPython
(tests/test_architecture_git.py); it imports no stage of its own.
"""
