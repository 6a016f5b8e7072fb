"""The live preview's banner "N cases have problems", put into every page as it is served.

The theme override leaves a slot (`SLOT`) in the header of every page. A banner
written into the built pages would change every page whenever the count of
problems changes, and a dirty build would then render the whole site again: at
2,000 cases, a minute after each draft saved with an error or fixed. The
preview's server fills the slot as it answers instead, with what the latest
generation found, so that saving a draft renders only its own page and the
problems page, and no page ever shows a stale count.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

SLOT = b"<!--casebook:problems-->"
"""Where the theme override (templates/overrides/main.html) wants the banner."""


def banner_html(text: str, href: str) -> bytes:
    """The banner: a link to the problems page, styled as the profile banner beside it."""
    return (f'<a class="cb-problems-banner" href="{html.escape(href, quote=True)}" '
            'style="display: inline-block; margin-left: 1em; font-weight: 700; '
            f'color: inherit; text-decoration: underline;">{html.escape(text)}</a>'
            ).encode()


class ProblemsBanner:
    """WSGI middleware around the preview's server: every HTML page it answers with
    gets the banner in its slot while `text()` says there are problems."""

    def __init__(self, app: WSGIApplication, text: Callable[[], str], href: str) -> None:
        self.app = app
        self.text = text
        self.href = href

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        held: list[tuple[str, list[tuple[str, str]]]] = []
        written: list[bytes] = []

        def hold(status: str, headers: list[tuple[str, str]],
                 exc_info: object = None) -> Callable[[bytes], object]:
            held[:] = [(status, headers)]
            return written.append

        body = self.app(environ, hold)
        try:
            content = b"".join([*written, *body])
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        status, headers = held[-1] if held else ("500 Internal Server Error", [])
        text = self.text()
        if text and SLOT in content and _is_html(headers):
            content = content.replace(SLOT, banner_html(text, self.href), 1)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(content))))
        start_response(status, headers)
        return [content]


def _is_html(headers: list[tuple[str, str]]) -> bool:
    return any(k.lower() == "content-type" and v.startswith("text/html") for k, v in headers)
