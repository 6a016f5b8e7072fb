"""Repository: the one gateway to git.

Every git operation the project makes (log, rev-list, cat-file, diff-tree,
blame, ls-tree, merge-base, show) goes through this package, with typed
results and one error type. Imports records only.
"""
