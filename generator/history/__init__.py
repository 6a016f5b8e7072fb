"""History: each case's commits and field-level changes, read from git in one pass.

Owns the reading of the log, its cache (keyed by commit and blob ids) and the
worker processes that compare versions. Built on `generator.repository` and
`generator.records`; imports no later stage.
"""
