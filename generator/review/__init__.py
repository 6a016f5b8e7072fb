"""Review: the commands that help people write and review changes to cases.

Owns the comparison with a base branch (CB4xx), the canonical form (`fmt`),
new cases from the template (`new`), the import of a spreadsheet (`import`, with
its mapping format) and field-level blame. Imports records,
repository, history and checks; never the publishing stage.
"""
