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

The pages come from _toc.yml (plus the search and index pages Sphinx adds), so a new
chapter is checked without touching this file.
"""
from __future__ import annotations

import fcntl
import functools
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import site_helpers as sh

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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=sh.CHROMIUM, args=sh.CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


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
        if url.fragment and path.suffix == ".html":
            if urllib.parse.unquote(url.fragment) not in sh.anchors_in(path):
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
# Chapter pages: launch and download


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_launch_buttons_open_this_page_in_binder_and_colab(visits, page):
    """Binder and Colab links built from _config.yml's repository, to a file that exists in it."""
    cfg = sh.launch_config()
    assert cfg["binderhub_url"] and cfg["colab_url"], "_config.yml: launch_buttons needs binderhub_url and colab_url"
    links = {link["text"]: link["url"] for link in visits(page, "desktop").facts["launch_links"]}
    assert {"Binder", "Colab"} <= set(links), f"{page}: launch buttons are {sorted(links)}, not Binder and Colab"
    prefix = f"{cfg['path_to_book']}/" if cfg["path_to_book"] else ""
    org_repo_branch = f"{cfg['org']}/{cfg['repo']}/{cfg['branch']}"

    binder = urllib.parse.urlparse(links["Binder"])
    assert f"{binder.scheme}://{binder.netloc}{binder.path}" == f"{cfg['binderhub_url']}/v2/gh/{org_repo_branch}", (
        f"{page}: Binder link {links['Binder']} is not for {org_repo_branch} on {cfg['binderhub_url']}"
    )
    urlpath = urllib.parse.parse_qs(binder.query)["urlpath"][0]
    binder_file = urlpath.split("/", 1)[1] if urlpath.startswith("tree/") else urlpath.split("lab/tree/", 1)[-1]
    colab_head = f"{cfg['colab_url']}/github/{cfg['org']}/{cfg['repo']}/blob/{cfg['branch']}/"
    assert links["Colab"].startswith(colab_head), f"{page}: Colab link {links['Colab']} does not start {colab_head}"
    colab_file = links["Colab"][len(colab_head):]
    for name, file in [("Binder", binder_file), ("Colab", colab_file)]:
        assert file.startswith(prefix) and (sh.REPO / file).is_file(), (
            f"{page}: the {name} button opens {file}, which is not a file in the repository"
        )
    if TOC_BY_HTML[page].is_exercise:
        assert colab_file.endswith(".ipynb"), f"{page}: Colab opens {colab_file}, not the exercise notebook"


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
