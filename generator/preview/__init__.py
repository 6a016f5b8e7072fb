"""Preview: the live preview, an incremental layer around `generate`, and the mkdocs plugin.

Owns the caches that make a rebuild redo only what a saved case changes and
the plugin that adapts mkdocs events to the pipeline. Imports every earlier
stage; nothing but the command line imports it.
"""
