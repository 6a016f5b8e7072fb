"""The leak check, and the hostile files that must never take a build down.

`scan` is tested on small trees written here; `casebook leakcheck` on a real
public build and on copies of it into which a removed value was planted;
`casebook build` on a project whose template was deliberately broken to print
a value the profile removes. The last part feeds the loader the corpus in
tests/fixtures/hostile/ (plus the files that cannot be committed as text) and
checks that each gets its own diagnostic, that no traceback is printed, and
that the valid cases still build.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, SAMPLE_CASES, TODAY, run_casebook, search_fragment_files
from generator.config import LeakCheckSettings
from generator.preview.watch import Watch
from generator.publish.leakcheck import Finder, Leak, scan, scan_with, still_clean
from generator.publish.profiles import Removed, Withheld

HOSTILE = FIXTURES / "hostile"
SAMPLES = SAMPLE_CASES
AMBER_ID = "CH-2023-0001"
AMBER_TITLE = ("Night strike on a market street in Example Governorate damaging shops and a "
               "water point")
RED_ID = "CH-2024-0004"
RED_TITLE = "Missile strike on a pickup truck carrying farm workers in Example Region"


def copy_project(target: Path, *, cases: bool = True) -> Path:
    """A copy of the project's site inputs, so that tests never write into the checkout."""
    if cases:
        shutil.copytree(SAMPLES, target / "cases")
    else:
        (target / "cases").mkdir(parents=True)
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    (target / ".generated" / "docs").mkdir(parents=True)
    return target


def build(project: Path, *args: str, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return run_casebook("build", "--today", TODAY.isoformat(), "--quiet", *args, cwd=project,
                        env=env)


def test_the_planted_values_are_what_the_samples_say() -> None:
    amber = (SAMPLES / f"{AMBER_ID}.md").read_text(encoding="utf-8")
    assert f"title: {AMBER_TITLE}\n" in amber and "sensitivity: AMBER\n" in amber
    red = (SAMPLES / f"{RED_ID}.md").read_text(encoding="utf-8")
    assert f"title: {RED_TITLE}\n" in red and "sensitivity: RED\n" in red


# --------------------------------------------------------------------------
# scan, on small trees.


def tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def withheld(value: str) -> Withheld:
    return Withheld("CH-2024-0009", "sources[S2].title", f"the removed value {value}")


def removed(*values: str) -> Removed:
    return Removed(values={v: withheld(v) for v in values})


def found(site: Path, *values: str) -> list[tuple[str, str]]:
    return [(leak.path, leak.value) for leak in scan(site, removed(*values))]


def test_a_plain_value_is_found_and_named_with_its_file_and_what_it_is(tmp_path: Path) -> None:
    site = tree(tmp_path, {"cases/CH-2024-0001/index.html": f"<p>See {RED_ID}.</p>",
                           "index.html": "<p>Nothing here.</p>"})
    what = Withheld(RED_ID, "id", "a case left out: RED")
    leaks = scan(site, Removed(values={RED_ID: what}))
    assert leaks == [Leak("cases/CH-2024-0001/index.html", RED_ID, what,
                          "/cases/CH-2024-0001/", f"see {RED_ID.lower().replace('-', ' ')}")]
    assert str(leaks[0]) == (f"cases/CH-2024-0001/index.html: id of {RED_ID} (a case left "
                             f"out: RED): '{RED_ID}' at /cases/CH-2024-0001/: "
                             "\u2026see ch 2024 0004\u2026")


@pytest.mark.parametrize("written", [
    "&#x43;H-2024-0004", "&#67;H-2024-0004", "CH&#x2d;2024&#45;0004", "&#X43;&#x48;-2024-0004",
])
def test_html_entities_are_decoded(tmp_path: Path, written: str) -> None:
    site = tree(tmp_path, {"about/index.html": f"<p>{written}</p>"})
    assert found(site, RED_ID) == [("about/index.html", RED_ID)]


def test_a_named_entity_in_a_title_is_decoded(tmp_path: Path) -> None:
    site = tree(tmp_path, {"index.html": "<td>Smith &amp; Sons &lt;report&gt;</td>"})
    assert found(site, "Smith & Sons <report>") == [("index.html", "Smith & Sons <report>")]


@pytest.mark.parametrize("name", ["search/search_index.json", "exports/cases.geojson"])
def test_json_escapes_are_decoded(tmp_path: Path, name: str) -> None:
    raw = '{"docs": [{"title": "\\u0043H-2024-0004", "text": "Smith \\u0026 Sons"}]}'
    assert json.loads(raw)["docs"][0]["title"] == RED_ID
    site = tree(tmp_path, {name: raw})
    assert found(site, RED_ID, "Smith & Sons") == [(name, RED_ID), (name, "Smith & Sons")]


def test_entities_inside_json_strings_are_decoded(tmp_path: Path) -> None:
    site = tree(tmp_path, {"search/search_index.json":
                           json.dumps({"docs": [{"text": "by &#x72;lopez"}]})})
    assert found(site, "rlopez") == [("search/search_index.json", "rlopez")]


@pytest.mark.parametrize("written", [
    "https://host.example/search?q=Smith%20%26%20Sons",
    "https://host.example/search?q=Smith%20&amp;%20Sons",
    "https://host.example/search?q=Smith+%26+Sons",
    "https://host.example/search?q=Smith%2520%2526%2520Sons",
])
def test_percent_encoded_values_in_addresses_are_decoded(tmp_path: Path, written: str) -> None:
    site = tree(tmp_path, {"index.html": f'<a href="{written}">a search</a>'})
    assert found(site, "Smith & Sons") == [("index.html", "Smith & Sons")]


@pytest.mark.parametrize(("values", "text", "expected"), [
    (["The Valley Report", "The Valley"], "see The  valley report here",
     ["The Valley Report", "The Valley"]),  # two spaces, as pasted
    (["The Valley Report", "The Valley"], "see THE VALLEY REPORT here",
     ["The Valley Report", "The Valley"]),
    (["The Valley Report", "The Valley"], "see the valley, then", ["The Valley"]),
    (["@rlopez", "rlopez"], "mail @rlopez now", ["@rlopez", "rlopez"]),
    (["ana"], "bananas and ana.", ["ana"]),
])
def test_values_sharing_leading_words_are_told_apart(tmp_path: Path, values: list[str],
                                                      text: str, expected: list[str]) -> None:
    site = tree(tmp_path, {"index.html": f"<p>{text}</p>"})
    assert found(site, *values) == [("index.html", v) for v in sorted(expected)]


def test_a_removed_value_inside_a_published_title_is_a_leak(tmp_path: Path) -> None:
    # A published title gets no exemption: the value stands in it, readers see it.
    site = tree(tmp_path, {"a.html": "<td>Explosion in Sabim Heights</td>",
                           "b.html": "<td>The 2024 sabim explosion</td>"})
    assert found(site, "Explosion in Sabim") == [("a.html", "Explosion in Sabim")]


def test_json_objects_of_one_line_are_read_whole(tmp_path: Path) -> None:
    # The search index is one line; a value inside one string is found and placed
    # in its entry, even next to what looks like the seams between objects.
    docs = [{"location": f"cases/X-{n}/", "title": f"Case {n}", "text": "},{" + '"'}
            for n in range(3)]
    docs[1]["text"] = 'ends with "}, {" then Smith & Sons'
    raw = json.dumps({"docs": docs}, separators=(",", ":"))
    assert "\n" not in raw
    site = tree(tmp_path, {"search/search_index.json": raw})
    [leak] = scan(site, removed("Smith & Sons"))
    assert (leak.path, leak.where) == ("search/search_index.json",
                                       "page cases/X-1/, field docs[1].text")


# --------------------------------------------------------------------------
# Where a leak stands in the output.


def test_a_leak_on_a_page_is_placed_in_its_section_and_row(tmp_path: Path) -> None:
    page = ("<html><head><title>Listing - Casebook</title></head><body>"
            "<nav>Home Dashboard</nav><article class=\"md-content__inner md-typeset\">"
            "<h1>Stage: intake</h1><h2 id=\"open\">Open cases</h2><table><tbody>"
            "<tr><td><a href=\"../../cases/CH-2024-0002/\">CH-2024-0002</a></td>"
            "<td>A quiet title</td></tr>"
            "<tr><td><a href=\"../../cases/CH-2024-0003/\">CH-2024-0003</a></td>"
            "<td>Strike on the Quokka depot</td></tr></tbody></table></article>"
            "<footer>Quokka depot</footer></body></html>")
    site = tree(tmp_path, {"stages/intake/index.html": page})
    [leak] = scan(site, removed("Quokka depot"))
    assert leak.where == ("/stages/intake/, section 'Open cases', row 'CH-2024-0003', "
                          "case CH-2024-0003")
    assert leak.context == "cases ch 2024 0003 ch 2024 0003 strike on the quokka depot"


@pytest.mark.parametrize(("rel", "content", "where"), [
    ("exports/cases.json", json.dumps({"cases": [{"id": "CH-2024-0001", "sources": [
        {"key": "S1", "title": "the Quokka depot"}]}]}),
     "case CH-2024-0001, field cases[0].sources[0].title"),
    ("exports/sources.csv", "\ufeffcase_id,key,title\r\nCH-2024-0001,S1,the Quokka depot\r\n",
     "case CH-2024-0001, column title"),
    ("changes/feed.xml", "<feed><title>Changes</title><entry><title>the Quokka depot</title>"
     "<link href=\"https://x.example/cases/CH-2024-0001/\"/></entry></feed>",
     "entry https://x.example/cases/CH-2024-0001/, element title"),
])
def test_a_leak_in_an_export_or_feed_names_its_record_and_field(
        tmp_path: Path, rel: str, content: str, where: str) -> None:
    site = tree(tmp_path, {rel: content})
    assert [leak.where for leak in scan(site, removed("Quokka depot"))] == [where]


def test_the_theme_s_navigation_is_not_read_but_the_page_s_title_is(tmp_path: Path) -> None:
    def page(title: str, chrome: str) -> str:
        return (f"<html><head><title>{title}</title></head><body><header>{chrome}</header>"
                "<article class=\"md-content__inner md-typeset\"><p>Text.</p></article>"
                f"<footer>{chrome}</footer></body></html>")

    site = tree(tmp_path, {"a/index.html": page("Casebook", "Wombat Gully raid"),
                           "b/index.html": page("Wombat Gully raid - Casebook", "")})
    assert found(site, "Wombat Gully raid") == [("b/index.html", "Wombat Gully raid")]


# --------------------------------------------------------------------------
# The watch of a server that builds again: what it may skip, and what it must not.


def test_still_clean_when_no_value_is_added() -> None:
    before = removed("Alpha", "Beta")
    assert still_clean(before, removed("Alpha"))
    # A new value may sit in a file no one read for it.
    assert not still_clean(before, removed("Alpha", "Gamma"))
    # Values read another way may be found where they were not before.
    assert not still_clean(before, Removed(values=dict(before.values),
                                           settings=LeakCheckSettings(min_chars=1)))


def age(path: Path, seconds: float) -> None:
    """Make a file look written `seconds` ago, as one an earlier build wrote."""
    when = path.stat().st_mtime - seconds
    os.utime(path, (when, when))


def test_the_watch_reads_only_what_a_rebuild_wrote(tmp_path: Path) -> None:
    site = tree(tmp_path, {"a.html": "<p>clean</p>", "b.html": "<p>clean too</p>"})
    watch = Watch()
    assert watch.scan(site, removed("Alpha"), time.time()) == []
    # The next build: a.html was written by the first (and is planted here to show
    # that it is not read again); b.html is written by this one.
    (site / "a.html").write_text("<p>Alpha</p>", encoding="utf-8")
    age(site / "a.html", 60)
    started = time.time()
    (site / "b.html").write_text("<p>Alpha</p>", encoding="utf-8")
    assert [(leak.path, leak.value) for leak in watch.scan(site, removed("Alpha"), started)
            ] == [("b.html", "Alpha")]
    # A build from nothing reads both.
    assert found(site, "Alpha") == [("a.html", "Alpha"), ("b.html", "Alpha")]


def test_the_watch_reads_everything_when_the_values_grow(tmp_path: Path) -> None:
    site = tree(tmp_path, {"a.html": "<p>Gamma</p>"})
    watch = Watch()
    assert watch.scan(site, removed("Alpha"), time.time()) == []
    age(site / "a.html", 60)
    # Nothing was written since, but Gamma was never looked for in a.html.
    assert [(leak.path, leak.value) for leak in watch.scan(
        site, removed("Alpha", "Gamma"), time.time())] == [("a.html", "Gamma")]


def test_the_watch_reads_everything_after_a_leak(tmp_path: Path) -> None:
    site = tree(tmp_path, {"a.html": "<p>Alpha</p>"})
    watch = Watch()
    assert len(watch.scan(site, removed("Alpha"), time.time())) == 1
    age(site / "a.html", 60)
    assert len(watch.scan(site, removed("Alpha"), time.time())) == 1


def test_the_watch_stops_looking_for_a_value_no_longer_removed(tmp_path: Path) -> None:
    # A case published since the last build: its title is no longer a removed value.
    site = tree(tmp_path, {"a.html": "<p>Alpha</p>"})
    watch = Watch()
    assert len(watch.scan(site, removed("Alpha", "Beta"), time.time())) == 1
    assert watch.scan(site, removed("Beta"), time.time()) == []


def test_gzip_is_opened(tmp_path: Path) -> None:
    sitemap = (b'<urlset><url><loc>https://example.org/cases/CH-2024-0004/</loc></url>'
               b'</urlset>')
    site = tree(tmp_path, {"sitemap.xml.gz": gzip.compress(sitemap),
                           "sitemap.xml": "<urlset></urlset>"})
    assert found(site, RED_ID) == [("sitemap.xml.gz", RED_ID)]
    [leak] = scan(site, removed(RED_ID))
    assert leak.where == "url https://example.org/cases/CH-2024-0004/, element loc"


def _pagefind_chunk(*strings: str) -> bytes:
    """A Pagefind CBOR chunk as the search index writes it: gzip, signature, an array of
    text strings (each shorter than 24 bytes, so its length stands in its first byte)."""
    data = bytes([0x80 | len(strings)])
    for string in strings:
        encoded = string.encode("utf-8")
        data += bytes([0x60 | len(encoded)]) + encoded
    return gzip.compress(b"pagefind_dcd" + data)


def test_words_that_run_on_from_one_string_of_a_search_chunk_into_the_next_are_no_value(
        tmp_path: Path) -> None:
    # The index lists the site's words sorted: `qaluzan` and `quarter` stand side by
    # side without any page saying "Qaluzan Quarter".
    site = tree(tmp_path, {"pagefind/index/en_1.pf_index":
                           _pagefind_chunk("qalova", "qaluzan", "quarter", "rudino")})
    assert found(site, "Qaluzan Quarter") == []


def test_a_value_inside_one_string_of_a_search_chunk_is_found(tmp_path: Path) -> None:
    site = tree(tmp_path, {"pagefind/filter/en_1.pf_filter":
                           _pagefind_chunk("place", "Qaluzan Quarter", "CH-2024-0004")})
    assert found(site, "Qaluzan Quarter", RED_ID) == [
        ("pagefind/filter/en_1.pf_filter", RED_ID),
        ("pagefind/filter/en_1.pf_filter", "Qaluzan Quarter")]
    [leak, _] = scan(site, removed("Qaluzan Quarter", RED_ID))
    assert leak.where == "string 3"


@pytest.mark.parametrize("written", ["ch-2024-0004", "Ch-2024-0004", "CH-2024-0004"])
def test_values_are_found_whatever_their_case_and_named_as_removed(tmp_path: Path,
                                                                    written: str) -> None:
    site = tree(tmp_path, {"index.html": f"<p>{written}</p>",
                           "about/index.html": f"<p>{RED_TITLE.upper()}</p>"})
    assert found(site, RED_ID, RED_TITLE) == [("about/index.html", RED_TITLE),
                                              ("index.html", RED_ID)]


@pytest.mark.parametrize("text", ["analysis", "banana", "Kana", "anastasia", "anas"])
def test_a_short_handle_does_not_match_inside_a_longer_word(tmp_path: Path, text: str) -> None:
    # A value's last word runs on with letters only when it is four characters or more.
    site = tree(tmp_path, {"index.html": f"<p>{text}</p>"})
    assert found(site, "ana") == []


@pytest.mark.parametrize("text", ["reviewed by ana.", "by Ana, then", "(ana)", "ANA",
                                  "<li>ana</li>", '"by":"ana"', "ana-lysis",
                                  "ana@example.org", "ana_b", "email: x.ana"])
def test_a_short_handle_is_found_as_a_word(tmp_path: Path, text: str) -> None:
    site = tree(tmp_path, {"index.html": f"<p>{text}</p>"})
    assert found(site, "ana") == [("index.html", "ana")]


@pytest.mark.parametrize(("text", "expected"), [
    ("XQ-7731s", True), ("xq-7731-annex", True), ("xq-7731_x", True), ("ref.xq-7731", True),
    ("xq-77310", False), ("xq-773", False), ("axq-7731", False),
])
def test_a_value_s_last_word_may_run_on_with_letters(tmp_path: Path, text: str,
                                                      expected: bool) -> None:
    site = tree(tmp_path, {"index.html": f"<p>{text}</p>"})
    assert found(site, "XQ-7731") == ([("index.html", "XQ-7731")] if expected else [])


def test_a_removed_url_is_found_inside_a_link(tmp_path: Path) -> None:
    url = "https://intranet.example/cables/xq-7731"
    site = tree(tmp_path, {"cases/x/index.html": f'<a href="{url}">a cable</a>',
                           "exports/sources.csv": f"CH-2024-0001,S2,{url}\r\n"})
    assert found(site, url) == [("cases/x/index.html", url), ("exports/sources.csv", url)]


@pytest.mark.parametrize("attribute", ["title", "alt", "data-note", "content", "aria-label"])
def test_attribute_values_are_text(tmp_path: Path, attribute: str) -> None:
    site = tree(tmp_path, {"index.html": f'<span {attribute}="the Quokka depot">x</span>'})
    assert found(site, "Quokka depot") == [("index.html", "Quokka depot")]


def test_each_value_is_reported_once_per_file(tmp_path: Path) -> None:
    site = tree(tmp_path, {"a.html": f"{RED_ID} {RED_ID} {RED_ID.lower()}",
                           "b/c.xml": f"<x>{RED_ID}</x>"})
    assert found(site, RED_ID) == [("a.html", RED_ID), ("b/c.xml", RED_ID)]


def test_static_assets_and_binary_files_are_skipped(tmp_path: Path) -> None:
    site = tree(tmp_path, {
        "assets/javascripts/bundle.js": f"var x = '{RED_ID}';",
        "assets/stylesheets/main.css": f"/* {RED_ID} */",
        "assets/images/logo.png": RED_ID.encode(),
        "assets/casebook.js": f"var y = '{RED_ID}';",
        "logo.png": RED_ID.encode(),
        "changes/feed.xml": f"<entry>{RED_ID}</entry>",
        "exports/cases.csv": f"{RED_ID},x\r\n",
        "notes.txt": f"{RED_ID}",
    })
    assert found(site, RED_ID) == [("changes/feed.xml", RED_ID), ("exports/cases.csv", RED_ID),
                                   ("notes.txt", RED_ID)]


def test_nothing_removed_means_nothing_to_find(tmp_path: Path) -> None:
    site = tree(tmp_path, {"index.html": RED_ID})
    assert scan(site, Removed()) == []


def test_punctuation_and_regex_characters_separate_words_only(tmp_path: Path) -> None:
    title = "Strike (reported) on a [market] + 2 shops?"
    site = tree(tmp_path, {"index.html": f"<h1>{title}</h1>",
                           "other.html": "<h1>Strike reported on a market  2 shops</h1>",
                           "third.html": "<h1>Strike reported on a market, 3 shops</h1>"})
    assert found(site, title) == [("index.html", title), ("other.html", title)]


@pytest.mark.parametrize(("value", "why"), [
    ("Home", "too common"), ("Dashboard", "too common"), ("search", "too common"),
    ("Latest changes", "too common"), ("The 2024 report", "too common"), ("bo", "too short"),
    ("--", "too short"),
])
def test_values_the_site_itself_writes_are_warnings_not_leaks(tmp_path: Path, value: str,
                                                               why: str) -> None:
    site = tree(tmp_path, {"index.html": "<title>Home</title><p>Search the latest changes "
                                         "to the 2024 report, bo -- Dashboard</p>"})
    finder = Finder(removed(value))
    assert scan_with(site, finder) == []
    assert [str(u) for u in finder.unprovable] == [
        f"cannot be proven absent: {why}: {withheld(value)}: {value!r}"]
    assert finder.checked == 0


# --------------------------------------------------------------------------
# casebook leakcheck on a real public build.


@pytest.fixture(scope="module")
def public_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("leakcheck"))
    result = build(project, "--profile", "public")
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def leakcheck(project: Path, site: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_casebook("leakcheck", site, *args, cwd=project)


@pytest.mark.slow
@pytest.mark.xdist_group("leakcheck")
def test_leakcheck_passes_a_clean_public_build(public_build: Path) -> None:
    result = leakcheck(public_build, "site", "--profile", "public")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\d+ removed values checked in site: 0 leaks, \d+ cannot be proven "
                     r"absent$", result.stdout, re.M), result.stdout
    checked = int(result.stdout.split()[0])
    # Every value of 16 cases left out (their narratives' sentences too), and the handles.
    assert checked > 200
    internal = leakcheck(public_build, "site", "--profile", "internal")
    assert internal.returncode == 0, internal.stdout


def _plant_in_html(site: Path) -> tuple[str, str]:
    path = site / "cases" / "CH-2024-0001" / "index.html"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</article>", f"<p>{AMBER_TITLE}</p></article>", 1),
                    encoding="utf-8")
    return "cases/CH-2024-0001/index.html", AMBER_TITLE


def _plant_entity(site: Path) -> tuple[str, str]:
    path = site / "about" / "index.html"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</article>", "<p>&#x43;H-2023-0003</p></article>", 1),
                    encoding="utf-8")
    return "about/index.html", "CH-2023-0003"


def _plant_in_search_fragment(site: Path) -> tuple[str, str]:
    """A removed id in one page's text in Pagefind's index: gzip-compressed JSON, the
    value written with a JSON escape."""
    path = search_fragment_files(site)[0]
    data = gzip.decompress(path.read_bytes())
    planted = data.replace(b'"content":"', b'"content":"\\u0043H-2023-0005 ', 1)
    assert planted != data
    path.write_bytes(gzip.compress(planted))
    return path.relative_to(site).as_posix(), "CH-2023-0005"


def _plant_in_search_filter(site: Path) -> tuple[str, str]:
    """A removed id among the id filter's values (compressed CBOR): it replaces a
    published id of the same length, so the CBOR stays valid."""
    for path in sorted((site / "pagefind").glob("*/filter/*.pf_filter")):
        data = gzip.decompress(path.read_bytes())
        if (found := re.search(rb"CH-\d{4}-\d{4}", data)) is not None:
            path.write_bytes(gzip.compress(data.replace(found.group(), b"CH-2023-0004", 1)))
            return path.relative_to(site).as_posix(), "CH-2023-0004"
    raise AssertionError("no id filter in the search index")


def _plant_in_sitemap(site: Path) -> tuple[str, str]:
    path = site / "sitemap.xml.gz"
    xml = gzip.decompress(path.read_bytes()).decode("utf-8")
    path.write_bytes(gzip.compress(xml.replace(
        "</urlset>", "<url><loc>cases/CH-2023-0006/</loc></url></urlset>").encode("utf-8")))
    return "sitemap.xml.gz", "CH-2023-0006"


def _plant_handle(handle: str) -> Callable[[Path], tuple[str, str]]:
    def plant(site: Path) -> tuple[str, str]:
        path = site / "exports" / "cases.csv"
        path.write_bytes(path.read_bytes().replace(
            b",public\r\n", f",public reviewed by {handle}\r\n".encode(), 1))
        return "exports/cases.csv", handle

    return plant


def leak_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("leak: ")]


@pytest.mark.slow
@pytest.mark.xdist_group("leakcheck")
def test_leakcheck_names_every_value_planted_in_a_built_site(public_build: Path,
                                                             tmp_path: Path) -> None:
    site = tmp_path / "planted"
    shutil.copytree(public_build / "site", site)
    planted = [plant(site) for plant in (_plant_in_html, _plant_entity, _plant_in_search_fragment,
                                         _plant_in_search_filter, _plant_in_sitemap,
                                         _plant_handle("asmith"))]
    result = leakcheck(public_build, str(site), "--profile", "public")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    leaks = leak_lines(result)
    # The planted title holds another value of its case (its admin1): found as well.
    assert {line.split(":")[1].strip() for line in leaks} == {w for w, _ in planted}, leaks
    for where, value in planted:
        assert any(line.startswith(f"leak: {where}: ") and f": '{value}' at " in line
                   for line in leaks), (where, value, leaks)
    assert f"{len(leaks)} leaks" in result.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("leakcheck")
def test_leakcheck_looks_for_people_named_only_in_cases_left_out(public_build: Path,
                                                                 tmp_path: Path) -> None:
    site = tmp_path / "planted"
    shutil.copytree(public_build / "site", site)
    where, value = _plant_handle("rlopez")(site)
    result = leakcheck(public_build, str(site), "--profile", "public")
    assert result.returncode == 1, result.stdout
    assert leak_lines(result)[0].startswith(f"leak: {where}: ")
    assert f"(a name the profile drops): '{value}' at case " in leak_lines(result)[0]


@pytest.mark.slow
@pytest.mark.xdist_group("leakcheck")
def test_leakcheck_with_the_internal_profile_looks_for_red_cases(public_build: Path,
                                                                  tmp_path: Path) -> None:
    site = tmp_path / "planted"
    shutil.copytree(public_build / "site", site)
    _plant_in_html(site)  # an AMBER title: fine for internal
    path = site / "index.html"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{RED_TITLE}</p></article>", 1), encoding="utf-8")
    result = leakcheck(public_build, str(site), "--profile", "internal")
    assert result.returncode == 1, result.stdout
    [line] = leak_lines(result)
    assert line.startswith(f"leak: index.html: title of {RED_ID} (a case left out: RED): "
                           f"'{RED_TITLE}' at /, section "), line


# --------------------------------------------------------------------------
# A deliberately broken template: the build must fail, name the leak and delete the site.

BROKEN_LINE = (f"\n\nPlanted by a broken template: {AMBER_TITLE} (&#x43;H-2023-0003), "
               "reviewed by asmith.\n")


@pytest.mark.slow
def test_a_build_whose_template_prints_a_removed_value_fails_and_deletes_the_site(
        tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    home = project / "templates" / "site" / "home.md.j2"
    home.write_text(home.read_text(encoding="utf-8") + BROKEN_LINE, encoding="utf-8")

    result = build(project, "--profile", "public")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    leaks = [line for line in result.stderr.splitlines() if line.startswith("leak: ")]
    assert any(line.startswith(f"leak: index.html: title of {AMBER_ID} (a case left out: "
                               f"AMBER): '{AMBER_TITLE}' at /") for line in leaks), leaks
    assert any(line.startswith("leak: index.html: id of CH-2023-0003 (a case left out: ")
               for line in leaks), leaks
    assert any(line.startswith("leak: index.html: ") and
               "(a name the profile drops): 'asmith' at /" in line for line in leaks), leaks
    # The search index does not hold the home page (listings are left out of it).
    assert {line.split(":")[1].strip() for line in leaks} == {"index.html"}
    assert "the site was deleted" in result.stderr
    assert not (project / "site").exists()


@pytest.mark.slow
def test_plain_mkdocs_with_casebook_profile_fails_on_the_same_leak(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    home = project / "templates" / "site" / "home.md.j2"
    home.write_text(home.read_text(encoding="utf-8") + BROKEN_LINE, encoding="utf-8")
    env = {**os.environ, "CASEBOOK_PROFILE": "public", "SOURCE_DATE_EPOCH": "1795737600"}
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build"],
                            cwd=project, capture_output=True, text=True, env=env, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"leak: index.html: title of {AMBER_ID} (a case left out: AMBER)" in result.stderr
    assert "the public profile removed" in result.stderr
    # mkdocs wrote the pages before the check ran: they must not stay on disk.
    assert not (project / "site").exists()


# --------------------------------------------------------------------------
# Hostile files: each its own diagnostic, no traceback, the valid cases still build.

MIB = 1024 * 1024
# What each hostile file must produce; files that only warn (or are valid) build.
ERRORS = {
    "CH-2024-0301": "CB103",  # alias bomb
    "CH-2024-0302": "CB107",  # a thousand levels of nesting
    "CH-2024-0303": "CB101",  # a key written twice
    "CH-2024-0304": "CB100",  # 2 MiB
    "CH-2024-0305": "CB100",  # binary
    "CH-2024-0306": "CB100",  # Latin-1
    "CH-2024-0308": "CB207",  # a tag ../../etc
    "CH-2024-0309": "CB207",  # an id with slashes
    "CH-2024-0310": "CB207",  # a javascript: source URL
    "CH-2024-0311": "CB106",  # !!python/object/apply
    "CH-2024-0314": "CB100",  # a symbolic link out of the repository
}
WARNINGS = {"CH-2024-0312": "CB357"}
VALID = ("CH-2024-0307", "CH-2024-0313")
MESSAGES = {
    "CH-2024-0304": "over the limit of 1,048,576 bytes",
    "CH-2024-0305": "NUL byte",
    "CH-2024-0306": "not valid UTF-8 (byte 0xe9)",
    "CH-2024-0308": "'../../etc' is not a lowercase slug",
    "CH-2024-0309": "'CH-2024/../../0309' is not a case id",
    "CH-2024-0310": "'javascript:alert(1)' is not an http(s) URL",
    "CH-2024-0311": "explicit tag !!python/object/apply:os.system is not allowed",
    "CH-2024-0314": "symbolic link to a place outside the repository",
}


def add_hostile_files(cases: Path, outside: Path) -> None:
    """The committed hostile files, and those made here because they cannot be text."""
    for path in sorted(HOSTILE.glob("CH-*.md")):
        shutil.copy(path, cases / path.name)
    template = (HOSTILE / "CH-2024-0307.md").read_bytes().replace(b"0307", b"0304")
    (cases / "CH-2024-0304.md").write_bytes(
        template + b"Padding text for a file far over the limit.\n" * (2 * MIB // 44))
    assert (cases / "CH-2024-0304.md").stat().st_size >= 2 * MIB
    (cases / "CH-2024-0305.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                            + bytes(range(256)) * 16)
    (cases / "CH-2024-0306.md").write_bytes(
        (HOSTILE / "CH-2024-0307.md").read_bytes().replace(b"0307", b"0306")
        .replace(b"Logged from a media report.", "Enregistré d'après un article.".encode(
            "latin-1")))
    secret = outside / "secret.md"
    secret.write_text((HOSTILE / "CH-2024-0307.md").read_text(encoding="utf-8")
                      .replace("0307", "0314"), encoding="utf-8")
    (cases / "CH-2024-0314.md").symlink_to(secret)


@pytest.fixture
def hostile_project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    add_hostile_files(project / "cases", outside)
    return project


def test_the_hostile_corpus_is_what_the_tests_expect() -> None:
    committed = {p.stem for p in HOSTILE.glob("CH-*.md")}
    assert committed == set(ERRORS) - {"CH-2024-0304", "CH-2024-0305", "CH-2024-0306",
                                       "CH-2024-0314"} | set(WARNINGS) | set(VALID)
    for path in HOSTILE.glob("*.md"):
        path.read_text(encoding="utf-8")  # text files only
    assert "</title><script>" in (HOSTILE / "CH-2024-0307.md").read_text(encoding="utf-8")


def test_validate_reports_every_hostile_file_in_one_run(hostile_project: Path) -> None:
    result = run_casebook("validate", "--format", "json", "--today", TODAY.isoformat(),
                          cwd=hostile_project)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    samples = len(list(SAMPLES.glob("*.md")))
    assert report["cases"] == samples + len(ERRORS) + len(WARNINGS) + len(VALID)
    by_file: dict[str, list[dict[str, object]]] = {}
    for d in report["diagnostics"]:
        by_file.setdefault(Path(str(d["path"])).stem, []).append(d)
    for case_id, code in ERRORS.items():
        codes = {d["code"] for d in by_file.get(case_id, [])}
        assert code in codes, (case_id, by_file.get(case_id))
        assert all(str(d["path"]) == f"cases/{case_id}.md" for d in by_file[case_id])
    for case_id, message in MESSAGES.items():
        assert any(message in str(d["message"]) for d in by_file[case_id]), by_file[case_id]
    for case_id, code in WARNINGS.items():
        assert {(d["code"], d["severity"]) for d in by_file[case_id]} == {(code, "warning")}
    # The alias bomb: every anchor and alias reported where it is written, none expanded.
    bomb = [d for d in by_file["CH-2024-0301"] if d["code"] == "CB103"]
    assert len(bomb) == 9 + 8 * 9
    # Nothing about the valid files, the samples included.
    assert set(by_file) == set(ERRORS) | set(WARNINGS)
    assert not (hostile_project.parent / "outside" / "casebook-pwned").exists()


def test_validate_as_text_names_each_file_on_its_own_line(hostile_project: Path) -> None:
    result = run_casebook("validate", "--today", TODAY.isoformat(), cwd=hostile_project)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    for case_id, code in {**ERRORS, **WARNINGS}.items():
        assert re.search(rf"^cases/{case_id}\.md:\d+:\d+: \w+ {code} ", result.stdout, re.M), \
            case_id
    assert re.search(r"^\d+ cases, \d+ errors, 3 warnings$", result.stdout.splitlines()[-1])


@pytest.mark.slow
def test_a_build_with_hostile_errors_publishes_nothing_and_names_every_file(
        hostile_project: Path) -> None:
    result = build(hostile_project)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "nothing was published" in result.stderr
    for case_id in ERRORS:
        assert f"cases/{case_id}.md:" in result.stdout, case_id
    assert not (hostile_project / "site").exists()


@pytest.mark.slow
def test_the_valid_and_warning_only_hostile_files_build_with_the_samples(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    for case_id in (*VALID, *WARNINGS):
        shutil.copy(HOSTILE / f"{case_id}.md", project / "cases")
    result = build(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count(" warning CB357 ") == 3
    site = project / "site"
    for case_id in (*VALID, *WARNINGS, *(p.stem for p in SAMPLES.glob("*.md")
                                        if "sensitivity: RED" not in p.read_text("utf-8"))):
        assert (site / "cases" / case_id / "index.html").is_file(), case_id

    closing = (site / "cases" / "CH-2024-0307" / "index.html").read_text(encoding="utf-8")
    assert "<title>CH-2024-0307 - Casebook</title>" in closing
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; closes its tag" in closing
    assert "<script>alert(1)" not in closing

    narrative = (site / "cases" / "CH-2024-0312" / "index.html").read_text(encoding="utf-8")
    body = narrative[narrative.index('class="cb-narrative"'):]
    body = body[:body.index("</div>")]
    assert "hostile-312" not in body.replace('title="hostile-312"', "")
    assert not re.search(r"<script|<img|onerror|javascript:", body, re.I), body

    # Values that look like paths are only ever text: the partner's page has a slug.
    assert (site / "partners" / "tmp-casebook-partner" / "index.html").is_file()
    written = [p for p in tmp_path.rglob("*casebook-*") if "tmp-casebook-partner" not in p.name]
    assert written == []
    assert not Path("/tmp/casebook-partner").exists()
    assert not Path("/tmp/casebook-place").exists()



def test_the_strings_of_a_pagefind_chunk_are_read_as_item_by_item(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from generator.publish import reading

    _cbor_strings = reading._cbor_strings

    def _cbor_item_by_item(data: bytes) -> list[str] | None:
        """The same reading with no run skipped: each item on its own."""
        with monkeypatch.context() as each:
            each.setattr(reading, "_NOT_STRINGS", re.compile(b""))
            return _cbor_strings(data)

    # A chunk as Pagefind writes one: words, each with pages and positions of every
    # size of integer, and a string whose length takes two bytes to say.
    word = b"quokka"
    long = ("w" * 300).encode()
    chunk = (b"\x83" + b"\x63" + word[:3] + b"\x18\x2a\x19\x01\x00\x1a\x00\x01\x00\x00"
             + b"\x1b" + bytes(8) + b"\x39\x01\x00\xf5\xc1\xa1" + b"\x79\x01\x2c" + long
             + b"\x46" + word)
    assert _cbor_strings(chunk) == ["quo", "w" * 300, "quokka"]
    assert _cbor_strings(chunk) == _cbor_item_by_item(chunk)
    # Any bytes at all, cut anywhere: the same strings, or the same refusal.
    shuffled = random.Random(7)
    for _ in range(3000):
        data = bytes(shuffled.choice(chunk[:40] + bytes(range(256)))
                     for _ in range(shuffled.randrange(1, 60)))
        assert _cbor_strings(data) == _cbor_item_by_item(data), data
    for cut in range(len(chunk)):
        assert _cbor_strings(chunk[:cut]) == _cbor_item_by_item(chunk[:cut])
