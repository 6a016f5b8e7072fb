"""Records: reading case files into typed cases and diagnostics.

Owns the front matter reader (strict YAML with positions), the schema (every
field and value with its label and description), loading (which never raises
for bad input) and diagnostics (problems as values, and their formats).
Imports nothing from the other stages.
"""
