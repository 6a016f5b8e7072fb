"""Relative links between the pages and files of the generated docs folder.

The site works from any static file server and under a sub-path, so every link is
relative; these compute them without asking the file system (listings call them for
every row, tens of thousands of times a build).
"""

from __future__ import annotations

import posixpath


def relative(target: str, start: str) -> str:
    """`posixpath.relpath(target, start)` for the clean relative paths of the generated
    folder ("" is its top), without asking the file system for the working folder."""
    to = [part for part in target.split("/") if part]
    at = [part for part in start.split("/") if part]
    common = 0
    while common < len(to) and common < len(at) and to[common] == at[common]:
        common += 1
    return "/".join([".."] * (len(at) - common) + to[common:]) or "."


def rel(from_page: str, to_page: str) -> str:
    """A relative link between two pages of the generated folder."""
    return relative(to_page, posixpath.dirname(from_page))


def page_url(path: str) -> str:
    """The directory URL mkdocs gives a page: `stages/intake.md` -> `stages/intake/`."""
    stem = path.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def url_between(from_page: str, to_page: str) -> str:
    """A final relative URL between two pages, for raw HTML that mkdocs does not rewrite
    (the SVG charts, the tables); Markdown links use `rel` and are checked by mkdocs."""
    link = relative(page_url(to_page), page_url(from_page))
    return "./" if link == "." else link + "/"


def url_to_file(from_page: str, file: str) -> str:
    """A final relative URL from a page to a file that is no page (a JSON file)."""
    return relative(file, page_url(from_page))
