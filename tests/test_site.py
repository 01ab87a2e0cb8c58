"""The published book, checked in a real browser the way a reader meets it.

Once per session the book is built strictly (`jupyter-book build . -W -n --keep-going`) into
a temporary folder, served on an ephemeral 127.0.0.1 port, and every page is opened in
headless Chromium (the system one, /usr/bin/chromium, driven by Playwright) at a desktop
and a phone viewport. Requests to any host but localhost are aborted and recorded: a page
that needs the network fails here.

    BOOK_HTML=/path/to/_build/html python -m pytest tests/test_site.py

skips the build and checks an existing site (it must have been built from this checkout:
the download test compares the offered notebooks with the files in chapters/).

Screenshots of every page land in test-artifacts/screenshots/{desktop,phone}/.

Besides loading cleanly, every page is measured: display math, tables and figures fit the text
column (on a phone, long equations and wide tables may scroll inside their own box), figure text
stays readable at phone width, numbers glued into the prose keep their meaning in the format the
page prints them with, and the launch and download buttons give a reader a lesson that runs
(Binder from binder/, Colab only for notebooks, downloads that install the course package when
it is missing: see _ext/course_launch.py).

The pages come from _toc.yml (plus the search and index pages Sphinx adds), so a new
chapter is checked without touching this file.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import nbformat
import pytest
import site_helpers as sh
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.slow

TOC = sh.toc_pages()
TOC_BY_HTML = {p.html: p for p in TOC}
# Pages Sphinx writes on its own; readers land on them too.
GENERATED = ["search.html", "genindex.html"]
ALL_PAGES = [p.html for p in TOC] + GENERATED
CHAPTER_PAGES = [p.html for p in TOC if p.is_chapter]
EXERCISE_PAGES = [p.html for p in TOC if p.is_exercise]
SEARCH_TERM = "running_var"


def both_viewports(pages):
    return [pytest.param(vp, page, id=f"{vp}-{page}") for vp in sh.VIEWPORTS for page in pages]


# --------------------------------------------------------------------------------------
# Fixtures: one build, one server, one browser, one visit per page and viewport


@pytest.fixture(scope="session")
def book_html(tmp_path_factory, request) -> Path:
    """The built site: BOOK_HTML if set, else a strict build of this checkout (once per run)."""
    prebuilt = sh.env_book_html()
    if prebuilt is not None:
        assert (prebuilt / "index.html").is_file(), f"BOOK_HTML={prebuilt} has no index.html"
        return prebuilt
    # Under pytest-xdist every worker has its own session: build once, in the folder they share.
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # an xdist worker
        root = root.parent
    out = root / "book-site"
    out.mkdir(exist_ok=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        html_dir = out / "_build" / "html"
        if not (out / ".built").exists():
            try:
                sh.build_book(sh.REPO, out, out / "build.log")
            except RuntimeError as error:
                pytest.fail(f"the book does not build strictly:\n{error}", pytrace=False)
            (out / ".built").touch()
    return html_dir


@pytest.fixture(scope="session")
def site_url(book_html):
    with sh.serve(book_html) as url:
        yield url


@pytest.fixture(scope="session")
def visits(browser, site_url):
    """visits(page, viewport) -> PageReport; each page is loaded once per viewport and session."""
    shutil.rmtree(sh.SCREENSHOTS, ignore_errors=True)  # no screenshots of pages that are gone

    @functools.cache
    def visit(page: str, viewport: str) -> sh.PageReport:
        return sh.visit(browser, site_url, page, viewport, screenshot=sh.screenshot_path(page, viewport))

    return visit


@functools.cache
def status_of(url: str) -> int:
    return sh.http_status(url)


# --------------------------------------------------------------------------------------
# The site as a whole


def test_every_toc_page_is_built_and_nothing_else(book_html):
    built = sh.built_pages(book_html)
    expected = {p.html for p in TOC}
    assert built - expected == set(), f"pages built but not in _toc.yml: {sorted(built - expected)}"
    assert expected - built == set(), f"pages in _toc.yml but not built: {sorted(expected - built)}"
    for page in GENERATED:
        assert (book_html / page).is_file(), f"{page} was not built"


def test_every_exercise_notebook_is_a_page():
    """Each chapters/*/ex*.ipynb is in the book (so the download tests below cover them all)."""
    notebooks = {
        p.relative_to(sh.REPO).with_suffix(".html").as_posix()
        for p in sh.REPO.glob(sh.EXERCISE_GLOB)
    }
    assert notebooks, f"no exercise notebooks match {sh.EXERCISE_GLOB}"
    assert notebooks == set(EXERCISE_PAGES), (
        f"exercise notebooks not in _toc.yml: {sorted(notebooks - set(EXERCISE_PAGES))}"
    )


def test_index_redirects_to_the_first_page(book_html, browser, site_url):
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        page = context.new_page()
        page.goto(site_url, wait_until="load")
        try:
            page.wait_for_url(re.compile(re.escape(TOC[0].html) + "$"), timeout=10_000)
        except PlaywrightTimeout:
            pytest.fail(f"index.html: stayed at {page.url}, no redirect to {TOC[0].html}", pytrace=False)
        assert page.locator("article h1").count() == 1, f"index.html landed on {page.url}, a page without its h1"
    finally:
        context.close()
    assert outside == [], f"index.html: requests to the network: {outside}"


def test_search_finds_running_var(browser, site_url, book_html):
    """search.html?q=running_var lists every page whose text has the word, with the word in the excerpt."""
    expected = {
        page
        for page in TOC_BY_HTML
        if re.search(rf"\b{SEARCH_TERM}\b", _article_text(book_html / page))
    }
    assert expected, f"no built page mentions {SEARCH_TERM}: the search check would be empty"
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{site_url}search.html?q={SEARCH_TERM}", wait_until="load")
        page.wait_for_selector("#search-results p.search-summary", timeout=30_000)
        summary = page.inner_text("#search-results p.search-summary")
        results = page.locator("#search-results ul.search li")
        found = {
            urllib.parse.urlparse(results.nth(i).locator("a").first.evaluate("a => a.href")).path.lstrip("/")
            for i in range(results.count())
        }
        excerpts = [results.nth(i).inner_text() for i in range(results.count())]
    finally:
        context.close()
    assert errors == [], f"search.html: uncaught exceptions: {errors}"
    assert outside == [], f"search.html: requests to the network: {outside}"
    assert found, f"search.html?q={SEARCH_TERM} found nothing ({summary!r})"
    assert expected <= found, (
        f"search.html?q={SEARCH_TERM} misses pages that contain it: {sorted(expected - found)} "
        f"(found {sorted(found)})"
    )
    assert any(SEARCH_TERM in text for text in excerpts), (
        f"search.html?q={SEARCH_TERM}: no result excerpt shows the word: {excerpts}"
    )


def _article_text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    match = re.search(r"<article[^>]*>(.*)</article>", html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1) if match else html)


# --------------------------------------------------------------------------------------
# Every page, at both viewports


def test_network_guard_blocks_and_records_outside_requests(browser, site_url):
    """The guard every page test relies on: an outside load is aborted and recorded, a local one is not."""
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        page = context.new_page()
        page.goto(site_url + "search.html", wait_until="load")
        loaded = page.evaluate(
            """async (urls) => Promise.all(urls.map(u => fetch(u).then(r => r.ok, () => false)))""",
            [site_url + "search.html", "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"],
        )
    finally:
        context.close()
    assert loaded == [True, False], f"local fetch ok / outside fetch blocked expected, got {loaded}"
    assert outside == ["fetch https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"], outside


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_page_loads_nothing_from_the_network(visits, viewport, page):
    report = visits(page, viewport)
    assert report.outside_requests == [], (
        f"{page} ({viewport}): tried to load from outside localhost (aborted): {report.outside_requests}"
    )


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_page_has_no_console_errors_or_failed_requests(visits, viewport, page):
    report = visits(page, viewport)
    assert report.console_errors == [], f"{page} ({viewport}): console errors: {report.console_errors}"
    assert report.failed_requests == [], f"{page} ({viewport}): failed requests: {report.failed_requests}"


# TeX that reached the reader as text: \( \[ $$ \begin{, or $...$ around a TeX command.
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\\begin\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_math_is_typeset(visits, viewport, page):
    facts = visits(page, viewport).facts
    math = facts["math"]
    if math:
        assert facts["mathjax"] == "done", f"{page} ({viewport}): {facts['mathjax']}"
        untypeset = [m["tex"] for m in math if not m["typeset"]]
        assert untypeset == [], (
            f"{page} ({viewport}): {len(untypeset)} of {len(math)} formulas not typeset, e.g. {untypeset[:3]}"
        )
        errors = [f"{m['tex']!r}: {m['error_text']}" for m in math if m["error"]]
        errors += facts["bad_math"]
        assert errors == [], f"{page} ({viewport}): MathJax could not read: {'; '.join(sorted(set(errors))[:5])}"
        assert facts["mjx_containers"] >= len(math), (
            f"{page} ({viewport}): {len(math)} formulas but {facts['mjx_containers']} MathJax outputs"
        )
    raw = sorted({m.group(0)[:60] for m in RAW_TEX.finditer(facts["article_text_outside_code"])})
    assert raw == [], f"{page} ({viewport}): TeX shown as text, not typeset: {raw[:5]}"


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_every_image_loads(visits, viewport, page):
    images = visits(page, viewport).facts["images"]
    broken = [img["src"] for img in images if not img["loaded"]]
    assert broken == [], f"{page} ({viewport}): images did not load: {broken}"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_no_horizontal_scroll_on_a_phone(visits, page):
    facts = visits(page, "phone").facts
    width, tol = facts["viewport_width"], sh.SCROLL_TOLERANCE
    where = f"; sticking out: {facts['overflowing']}" if facts["overflowing"] else ""
    assert facts["document_scroll_width"] <= width + tol, (
        f"{page} (phone): the page is {facts['document_scroll_width']}px wide in a {width}px viewport{where}"
    )
    assert facts["article_scroll_width"] <= facts["article_client_width"] + tol, (
        f"{page} (phone): the lesson text is {facts['article_scroll_width']}px wide in a "
        f"{facts['article_client_width']}px column{where}"
    )
    assert facts["article_right"] <= width + tol, (
        f"{page} (phone): the lesson text ends at x={facts['article_right']}, past the {width}px viewport"
    )


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_screenshot_is_saved_and_not_blank(visits, viewport, page):
    from PIL import Image, ImageStat

    report = visits(page, viewport)
    assert report.screenshot is not None and report.screenshot.is_file(), (
        f"{page} ({viewport}): no screenshot at {sh.screenshot_path(page, viewport)}"
    )
    with Image.open(report.screenshot) as image:
        # Full page: at least the viewport (wider only when the page scrolls sideways, which
        # test_no_horizontal_scroll_on_a_phone reports).
        width, height = sh.VIEWPORTS[viewport]["width"], sh.VIEWPORTS[viewport]["height"]
        assert image.width >= width and image.height >= height, (
            f"{page} ({viewport}): screenshot is {image.width}x{image.height}, smaller than the viewport"
        )
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 5, f"{page} ({viewport}): the screenshot {report.screenshot} is (nearly) blank"


# --------------------------------------------------------------------------------------
# Structure of every page (the same at any viewport: checked on the desktop one)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_internal_links_resolve(visits, site_url, book_html, page):
    """Every link to this site answers 200, and a link to #anchor finds that anchor."""
    problems = []
    for link in visits(page, "desktop").facts["links"]:
        url = urllib.parse.urlparse(link["url"])
        if url.scheme not in {"http", "https"} or url.hostname not in sh.LOCAL_HOSTS:
            continue  # outside links are not followed: no network in tests
        target = url._replace(fragment="").geturl()
        status = status_of(target)
        if status != 200:
            problems.append(f"{link['href']} -> HTTP {status}")
            continue
        path = book_html / urllib.parse.unquote(url.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if url.fragment and path.suffix == ".html" and urllib.parse.unquote(url.fragment) not in sh.anchors_in(path):
            problems.append(f"{link['href']} -> no id {url.fragment!r} in {path.relative_to(book_html)}")
    assert problems == [], f"{page}: broken internal links: {sorted(set(problems))}"


# Alt text that says nothing: a file name or path, or matplotlib's repr of a figure.
MEANINGLESS_ALT = re.compile(r"^(\S*\.(png|jpe?g|svg|gif)|<Figure size .*>|image|figure)$", re.I)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_figures_have_alt_text_or_a_caption(visits, page):
    missing = []
    for img in visits(page, "desktop").facts["images"]:
        if not img["in_article"]:
            continue
        alt = (img["alt"] or "").strip()
        if img["caption"] or (alt and not MEANINGLESS_ALT.match(alt)):
            continue
        missing.append(f"{img['src']} (alt={img['alt']!r})")
    assert missing == [], f"{page}: figures without alt text or caption: {missing}"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_headings_are_in_order(visits, page):
    facts = visits(page, "desktop").facts
    assert len(facts["visible_h1"]) == 1, f"{page}: {len(facts['visible_h1'])} h1 headings: {facts['visible_h1']}"
    headings = facts["headings"]
    assert headings and headings[0]["level"] == 1, f"{page}: the text does not start with its h1: {headings[:1]}"
    for before, after in zip(headings, headings[1:]):
        assert after["level"] <= before["level"] + 1, (
            f"{page}: heading level skipped: h{before['level']} {before['text']!r} "
            f"is followed by h{after['level']} {after['text']!r}"
        )


# --------------------------------------------------------------------------------------
# Layout: nothing wide leaves the text column; figure text stays readable on a phone


def _where(item) -> str:
    return f"{item['kind']} {item['what']} ({item['text']!r})"


def _fits(item, column) -> bool:
    tol = sh.FIT_TOLERANCE
    return (item["content_width"] <= column["right"] - column["left"] + tol
            and item["left"] >= column["left"] - tol and item["right"] <= column["right"] + tol)


def layout_problems(layout: dict, viewport: str) -> list[str]:
    """What does not fit the text column, at this viewport (see sh.SCROLL_ALLOWED for what may scroll)."""
    column, tol, problems = layout["column"], sh.FIT_TOLERANCE, []
    for item in layout["items"]:
        # Walk out from the item: the first box narrower than what it shows decides its fate.
        first = next((b for b in item["boxes"] if b["width"] + tol < item["content_width"]), None)
        # Inside a box that scrolls sideways on its own (a formula in a wide table), the item moves
        # with that box's content: the box is what must fit, and it is checked as its own item.
        around = next((b for b in item["boxes"] if not b["self"] and b["overflow"] in ("auto", "scroll")), None)
        if _fits(item, column) or (around is not None and (first is None or first is around)):
            continue
        if first is not None and first["overflow"] in ("hidden", "clip"):
            problems.append(f"{_where(item)} is {item['content_width']:.0f}px wide and cut off by "
                            f"{first['tag']} ({first['width']:.0f}px, overflow-x {first['overflow']})")
            continue
        scrolls = first is not None and first["overflow"] in ("auto", "scroll")
        if scrolls and viewport in sh.SCROLL_ALLOWED.get(item["kind"], ()) and (
                first["left"] >= column["left"] - tol and first["right"] <= column["right"] + tol):
            continue  # wider than the column, but it scrolls inside its own box, which fits
        how = f"scrolls inside {first['tag']}, which is not allowed here" if scrolls else "sticks out of it"
        problems.append(f"{_where(item)} is {item['content_width']:.0f}px wide (x from {item['left']:.0f} to "
                        f"{item['right']:.0f}) in a column from {column['left']:.0f} to {column['right']:.0f}: {how}")
    return problems


@pytest.mark.parametrize("viewport, page", both_viewports(ALL_PAGES))
def test_math_tables_and_figures_fit_the_text_column(visits, viewport, page):
    """Display math, tables and figures fit the text column; at phone width, display math and
    tables may instead scroll inside their own box. Nothing is cut off or reaches past the column."""
    problems = layout_problems(visits(page, viewport).facts["layout"], viewport)
    assert problems == [], f"{page} ({viewport}): " + "; ".join(problems[:6])


def _png_dpi(path: Path) -> float:
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info.get("dpi", (72, 72))[0]
    return float(dpi) or 72.0


@pytest.mark.parametrize("page", ALL_PAGES)
def test_figure_text_is_readable_on_a_phone(visits, book_html, page):
    """The smallest text in a figure, as a phone shows it, is at least sh.MIN_TEXT_PX CSS pixels.

    A figure's smallest text is MIN_FONT_PT points (solutions.book: the figure defaults use no
    smaller font, and test_lessons_use_no_font_smaller_than_the_book_minimum keeps lessons from
    asking for one); the PNG holds dpi/72 pixels per point, and the page shows it at
    rendered/natural width. So the text lands at MIN_FONT_PT * dpi/72 * rendered/natural px.
    """
    from solutions.book import MIN_FONT_PT

    small = []
    for item in visits(page, "phone").facts["layout"]["items"]:
        if item["kind"] != "figure" or not item["src"] or not item["natural_width"]:
            continue
        path = (book_html / page).parent / urllib.parse.unquote(item["src"])
        if path.suffix.lower() != ".png" or not path.is_file():
            continue
        text_px = MIN_FONT_PT * _png_dpi(path) / 72 * item["width"] / item["natural_width"]
        if text_px < sh.MIN_TEXT_PX:
            small.append(f"{item['src']} ({item['natural_width']}px wide, shown at {item['width']:.0f}px: "
                         f"{MIN_FONT_PT}pt text lands at {text_px:.1f}px)")
    assert small == [], (
        f"{page} (phone): figure text smaller than {sh.MIN_TEXT_PX}px; draw these figures narrower "
        f"(at most solutions.book.MAX_WIDTH inches, panels stacked) or with larger fonts: {small}"
    )


# Font sizes a figure call can ask for: fontsize=..., labelsize=..., set_fontsize(...), rcParams' *size keys.
SMALL_FONT = re.compile(
    r"""(?:\b(?:fontsize|labelsize|title_fontsize)\s*=\s*|set_fontsize\(\s*|["'][a-z.]*size["']\s*(?:[:,]|\]\s*=)\s*)"""
    r"""(?:["'](?:xx-small|x-small|small|smaller)["']|(\d+(?:\.\d+)?))"""
)


@pytest.mark.parametrize("page", [p.html for p in TOC if p.source.suffix == ".md"])
def test_lessons_use_no_font_smaller_than_the_book_minimum(page):
    """What test_figure_text_is_readable_on_a_phone assumes: no figure text below MIN_FONT_PT."""
    from solutions.book import MIN_FONT_PT

    text = TOC_BY_HTML[page].source.read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", text, re.S))
    small = [m.group(0) for m in SMALL_FONT.finditer(code) if m.group(1) is None or float(m.group(1)) < MIN_FONT_PT]
    assert small == [], f"{page}: figure text below the book's minimum of {MIN_FONT_PT}pt: {small}"


# British spellings of words the course uses (the book is written in American English).
BRITISH = re.compile(
    r"\b\w*(?:normalis|initialis|regularis|optimis|standardis|summaris|generalis|parametris|organis|recognis)\w*"
    r"|\b(?:centred|centre|behaviours?|colours?|neighbours?|greys?|modelling|labelled|favour\w*)\b",
    re.I,
)


@pytest.mark.parametrize("page", [p.html for p in TOC if p.source.suffix == ".md"])
def test_pages_use_american_spelling(page):
    """"normalize", "center", "behavior": one spelling in the book (the exercise notebooks are
    generated from the grader's sources and checked there)."""
    text = TOC_BY_HTML[page].source.read_text(encoding="utf-8")
    found = sorted({m.group(0) for m in BRITISH.finditer(text)})
    assert found == [], f"{page}: British spellings: {found}"


# --------------------------------------------------------------------------------------
# Numbers in the prose: glued from the cell that computes them, in a format that keeps their meaning

GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)(?::([^`]+))?`")


def glued_values(notebook: Path) -> dict:
    """name -> value of every `glue` in an executed notebook (its text/plain repr, read back)."""
    import ast

    values = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and "text/plain" in output.get("data", {}):
                with contextlib.suppress(ValueError, SyntaxError):  # not a plain number or string: nothing to check
                    values[name] = ast.literal_eval(output["data"]["text/plain"])
    return values


def format_problem(value, spec: str) -> str | None:
    """Why `format(value, spec)` misstates `value`, or None.

    A nonzero value must not print as zero, an inexact one not as exactly 1 (or 100%), and the
    printed number must be within 10% of the value (50% for e-notation, which states a size).
    """
    if isinstance(value, (str, bool)) or not isinstance(value, (int, float)) or not spec:
        return None
    shown = format(value, spec)
    try:
        number = float(shown.replace(",", "").rstrip("%")) / (100 if shown.endswith("%") else 1)
    except ValueError:
        return None
    if value == 0:
        return None if number == 0 else f"{value!r} shown as {shown}"
    if number == 0:
        return f"{value!r} shown as {shown}: a nonzero value printed as zero"
    error = abs(number - value) / abs(value)
    if abs(number) == 1 and error > 1e-9:
        return f"{value!r} shown as {shown}: looks exact"
    if error > (0.5 if spec.endswith(("e", "E")) else 0.1):
        return f"{value!r} shown as {shown}: {error:.0%} off"
    return None


GLUING_PAGES = [p.html for p in TOC
                if p.source.suffix == ".md" and GLUE_ROLE.search(p.source.read_text(encoding="utf-8"))]


def test_some_pages_glue_numbers():
    assert len(GLUING_PAGES) >= 3, GLUING_PAGES


@pytest.mark.parametrize("page", GLUING_PAGES)
def test_glued_numbers_keep_their_meaning(book_html, page):
    """Every {glue:text} number on the page, formatted as the page formats it, says what the cell computed."""
    roles = GLUE_ROLE.findall(TOC_BY_HTML[page].source.read_text(encoding="utf-8"))
    notebook = book_html.parent / "jupyter_execute" / Path(TOC_BY_HTML[page].docname + ".ipynb")
    assert notebook.is_file(), f"{page}: no executed notebook at {notebook}"
    values = glued_values(notebook)
    problems = [f"{name}:{spec} = {problem}" for name, spec in roles
                if name in values and (problem := format_problem(values[name], spec))]
    assert problems == [], f"{page}: numbers in the text that their format changes: {problems}"


def test_format_problem_catches_rounding_that_changes_a_number():
    assert format_problem(0.0058, ".2f") is not None      # 0.01: 72% off
    assert format_problem(0.0004, ".2f") is not None      # 0.00: nonzero shown as zero
    assert format_problem(0.9996, ".1%") is not None      # 100.0%: looks exact
    assert format_problem(0.0058, ".2g") is None and format_problem(0.0058, ".3f") is None
    assert format_problem(2.5e-9, ".0e") is None and format_problem(0.984, ".1%") is None
    assert format_problem(1.0, ".2f") is None and format_problem(1348, "d") is None


# --------------------------------------------------------------------------------------
# Chapter pages: launch and download


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_launch_buttons_open_this_page_where_it_runs(visits, page):
    """Binder opens the page's own file of the repository in JupyterLab, where binder/ makes a
    Markdown lesson open as a notebook; Colab, which opens only .ipynb files, is offered exactly
    on the pages whose source is a notebook (the exercises) and opens that notebook."""
    cfg = sh.launch_config()
    assert cfg["binderhub_url"] and cfg["colab_url"], "_config.yml: launch_buttons needs binderhub_url and colab_url"
    source = TOC_BY_HTML[page].source
    links = {link["text"]: link["url"] for link in visits(page, "desktop").facts["launch_links"]}
    prefix = f"{cfg['path_to_book']}/" if cfg["path_to_book"] else ""
    own_file = prefix + source.relative_to(sh.REPO).as_posix()
    org_repo_branch = f"{cfg['org']}/{cfg['repo']}/{cfg['branch']}"

    assert "Binder" in links, f"{page}: launch buttons are {sorted(links)}, no Binder"
    binder = urllib.parse.urlparse(links["Binder"])
    assert f"{binder.scheme}://{binder.netloc}{binder.path}" == f"{cfg['binderhub_url']}/v2/gh/{org_repo_branch}", (
        f"{page}: Binder link {links['Binder']} is not for {org_repo_branch} on {cfg['binderhub_url']}"
    )
    urlpath = urllib.parse.parse_qs(binder.query)["urlpath"][0]
    assert urlpath == f"lab/tree/{own_file}", (
        f"{page}: Binder opens {urlpath!r}, not this page's file in JupyterLab (lab/tree/{own_file}); "
        "binder/postBuild makes JupyterLab open Markdown lessons as notebooks"
    )
    if source.suffix == ".ipynb":
        colab = f"{cfg['colab_url']}/github/{cfg['org']}/{cfg['repo']}/blob/{cfg['branch']}/{own_file}"
        assert links.get("Colab") == colab, f"{page}: Colab link {links.get('Colab')} is not {colab}"
    else:
        assert "Colab" not in links, (
            f"{page}: a Colab button for a {source.suffix} page ({links['Colab']}); Colab opens only .ipynb files"
        )


def test_binder_environment_installs_what_the_lessons_import():
    """binder/ installs every module a page imports, the course package, and jupytext as the Markdown viewer."""
    import sys

    binder = sh.REPO / "binder"
    postbuild = (binder / "postBuild").read_text(encoding="utf-8")
    assert (binder / "postBuild").stat().st_mode & 0o111, "binder/postBuild must be executable"
    assert re.search(r"^pip install (--no-deps )?-e \.$", postbuild, re.M), "binder/postBuild must pip install -e ."
    assert re.search(r"^jupytext-config set-default-viewer", postbuild, re.M), (
        "binder/postBuild must make jupytext the default viewer, or Markdown lessons open as text"
    )
    pinned = {}
    for line in (binder / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.strip().lower()] = version.strip()
    top = {}
    for line in (sh.REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.split("#")[0].strip().partition("==")
        if name:
            top[name.strip().lower()] = version.strip()
    differ = {n: (v, top[n]) for n, v in pinned.items() if n in top and v != top[n]}
    assert differ == {}, f"binder/requirements.txt pins other versions than requirements.txt: {differ}"
    assert "jupytext" in pinned, "binder/requirements.txt must install jupytext"
    distribution = {"sklearn": "scikit-learn", "IPython": None, "solutions": None, "myst_nb": None}
    missing = set()
    for page in TOC:
        if page.source.suffix != ".md":
            continue
        code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", page.source.read_text(encoding="utf-8"), re.S))
        for module in re.findall(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", code, re.M):
            if module in sys.stdlib_module_names or distribution.get(module, module) is None:
                continue
            if distribution.get(module, module).lower() not in pinned:
                missing.add(f"{module} ({page.docname})")
    assert missing == set(), f"binder/requirements.txt does not install what these pages import: {sorted(missing)}"


LESSON_PAGES = [p.html for p in TOC if p.source.suffix == ".md" and "kernelspec:" in p.source.read_text(encoding="utf-8")[:1000]]


def _download(browser, site_url, page, suffix, folder):
    """Click the page's download menu item for `suffix`; returns the saved file."""
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        tab = context.new_page()
        tab.goto(site_url + page, wait_until="load")
        tab.locator(".dropdown-download-buttons button.dropdown-toggle").click()
        item = tab.locator(".dropdown-download-buttons a", has_text=suffix)
        assert item.count() == 1, f"{page}: the download menu has no {suffix} item"
        href = item.get_attribute("href")
        assert re.search(r"(^|/)_(sources|downloads)/", href), f"{page}: {suffix} download points at {href}"
        try:
            with tab.expect_download(timeout=15_000) as download_info:
                item.click()
            download = download_info.value
        except PlaywrightTimeout:
            pytest.fail(f"{page}: clicking {suffix} in the download menu ({href}) started no download", pytrace=False)
        assert download.failure() is None, f"{page}: download of {href} failed: {download.failure()}"
        saved = folder / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()
    assert outside == [], f"{page}: requests to the network: {outside}"
    return saved


def _fetch_download_link(browser, site_url, page, suffix) -> str:
    """The text behind the page's download menu item for `suffix` (a browser opens a text file in a
    tab instead of downloading it; the reader saves it from there)."""
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        tab = context.new_page()
        tab.goto(site_url + page, wait_until="load")
        item = tab.locator(".dropdown-download-buttons a", has_text=suffix)
        assert item.count() == 1, f"{page}: the download menu has no {suffix} item"
        url = item.evaluate("a => a.href")
        response = context.request.get(url)
        assert response.status == 200, f"{page}: {suffix} download {url}: HTTP {response.status}"
        text = response.text()
    finally:
        context.close()
    assert outside == [], f"{page}: requests to the network: {outside}"
    return text


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_lesson_downloads_install_the_course_package_only_when_missing(browser, site_url, book_html, tmp_path, page):
    """The .ipynb and .md a lesson page offers are the lesson as built, with a first cell that
    installs `solutions` from the repository when it is missing; run here, where it is
    installed, that cell does nothing (no pip, no network) and succeeds."""
    import subprocess
    import sys

    cfg = sh.launch_config()
    requirement = f"git+https://github.com/{cfg['org']}/{cfg['repo']}@{cfg['branch']}"
    docname = TOC_BY_HTML[page].docname
    saved = _download(browser, site_url, page, ".ipynb", tmp_path)
    try:
        notebook = nbformat.read(saved, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - any reason is a failure, reported as such
        pytest.fail(f"{page}: the downloaded {saved.name} is not a valid notebook: {error}", pytrace=False)
    first, install = notebook.cells[:2]
    assert first.cell_type == "markdown" and install.cell_type == "code", (
        f"{page}: the download does not start with the install cells")
    assert "course-install" in install.metadata.get("tags", []), f"{page}: the first code cell is not the install cell"
    assert 'find_spec("solutions") is None' in install.source and requirement in install.source, (
        f"{page}: the install cell does not install {requirement} only when `solutions` is missing:\n{install.source}"
    )
    built = nbformat.read(book_html.parent / "jupyter_execute" / f"{docname}.ipynb", as_version=4)
    assert [c.source for c in notebook.cells[2:]] == [c.source for c in built.cells], (
        f"{page}: after its install cells, the downloaded notebook is not the one the book executed"
    )
    run = subprocess.run([sys.executable, "-c", install.source], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin", "PIP_NO_INDEX": "1", "HOME": str(tmp_path)})
    assert run.returncode == 0, f"{page}: the install cell failed where `solutions` is installed:\n{run.stderr[-2000:]}"

    markdown = _fetch_download_link(browser, site_url, page, ".md")
    original = TOC_BY_HTML[page].source.read_text(encoding="utf-8")
    assert install.source in markdown, f"{page}: the downloaded .md has no install cell"
    front_matter_end = original.index("\n---\n", 4) + 5
    assert markdown.startswith(original[:front_matter_end]) and markdown.endswith(original[front_matter_end:]), (
        f"{page}: the downloaded .md is not the lesson's source with an install cell after its front matter"
    )


@pytest.mark.parametrize("page", EXERCISE_PAGES)
def test_exercise_page_offers_its_notebook_for_download(browser, site_url, tmp_path, page):
    """The download button (then .ipynb) gives a valid notebook, the one in the repository."""
    source = TOC_BY_HTML[page].source
    outside: list[str] = []
    context = sh.new_context(browser, "desktop", outside)
    try:
        tab = context.new_page()
        tab.goto(site_url + page, wait_until="load")
        tab.locator(".dropdown-download-buttons button.dropdown-toggle").click()
        item = tab.locator(".dropdown-download-buttons a", has_text=".ipynb")
        assert item.count() == 1, f"{page}: the download menu has no .ipynb item"
        href = item.get_attribute("href")
        assert re.search(r"(^|/)_(sources|downloads)/", href), f"{page}: .ipynb download points at {href}"
        try:
            with tab.expect_download(timeout=15_000) as download_info:
                item.click()
            download = download_info.value
        except PlaywrightTimeout:
            pytest.fail(f"{page}: clicking .ipynb in the download menu ({href}) started no download", pytrace=False)
        assert download.failure() is None, f"{page}: download of {href} failed: {download.failure()}"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()
    assert outside == [], f"{page}: requests to the network: {outside}"
    assert saved.name == source.name, f"{page}: the download is called {saved.name}, not {source.name}"
    try:
        notebook = nbformat.read(saved, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - any reason is a failure, reported as such
        pytest.fail(f"{page}: the downloaded {saved.name} is not a valid notebook: {error}", pytrace=False)
    assert json.loads(saved.read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8")), (
        f"{page}: the downloaded {saved.name} differs from {source.relative_to(sh.REPO)}"
    )
