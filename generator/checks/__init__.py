"""Checks: the rules a set of loaded cases must follow, as functions that return diagnostics.

Owns the stage gates (as a data table), the per-case and cross-case rules, the
data-quality warnings and the country boundaries they use, possible duplicates, the
checks of a case's stage history against git, and `load_corpus`, which loads
every case and checks it. Imports records, repository and history only.
"""
