"""The preview server's banner: filled into the theme's slot of every HTML page it serves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from conftest import ROOT
from generator.preview.banner import SLOT, ProblemsBanner


def _app(content: bytes, content_type: str) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", content_type),
                                  ("Content-Length", str(len(content)))])
        return [content[:5], content[5:]]
    return app


def _serve(banner: ProblemsBanner) -> tuple[str, dict[str, str], bytes]:
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: object = None) -> object:
        seen.append((status, headers))
        return None

    body = banner({"PATH_INFO": "/"}, start_response)
    return seen[0][0], dict(seen[0][1]), b"".join(body)


def test_the_banner_fills_the_slot_of_an_html_page() -> None:
    page = b"<html><body><aside>" + SLOT + b"</aside><p>" + SLOT + b"</p></body></html>"
    app = _app(page, "text/html; charset=utf-8")
    status, headers, body = _serve(ProblemsBanner(app, lambda: "2 cases <have> problems",
                                                  "/sub/problems/"))
    assert status == "200 OK"
    assert body.count(SLOT) == 1  # the theme's slot only, not text that looks like it
    assert (b'<a class="cb-problems-banner" href="/sub/problems/"' in body
            and b">2 cases &lt;have&gt; problems</a></aside>" in body)
    assert headers["Content-Length"] == str(len(body))


def test_no_banner_without_problems_nor_outside_html() -> None:
    page = b"<html><body>" + SLOT + b"</body></html>"
    for app, text in ((_app(page, "text/html"), ""), (_app(page, "application/json"), "1")):
        _, headers, body = _serve(ProblemsBanner(app, lambda text=text: text, "/problems/"))
        assert body == page and headers["Content-Length"] == str(len(page))


def test_the_theme_override_has_the_slot() -> None:
    main = (ROOT / "templates" / "overrides" / "main.html").read_text(encoding="utf-8")
    assert SLOT.decode() in main
    assert main.index(SLOT.decode()) > main.index("{% block announce %}")
