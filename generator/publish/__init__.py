"""Publish: what a build profile may show, and the site and exports made from it.

Owns profiles and redaction, page contexts and pages, charts, exports, the
generated reference, the leak check and `generate`, the one top-down function
that writes the site's source files. Imports every earlier stage; never
`generator.preview` or the command line.
"""
