"""Helpers for the browser tests in test_site.py: build, serve, list and visit the book's pages.

Nothing here talks to the network. The browser is the system Chromium (Debian packages
`chromium` and `chromium-driver`) driven by Playwright's Python package; every request that
is not for 127.0.0.1/localhost is aborted and recorded, and Chromium's own resolver maps
every other host name to nothing, so a page that tries to load anything from outside fails
its test instead of quietly working on a developer's connected machine.
"""
from __future__ import annotations

import contextlib
import fnmatch
import functools
import html.parser
import http.server
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
# Running as root needs --no-sandbox; the background-networking flags stop Chromium from
# calling home; the resolver rule makes every host but localhost unresolvable, a second
# wall behind the request routing in `visit`.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
# Pixels a page may be wider than the phone's viewport before we call it horizontal scroll
# (sub-pixel rounding of borders).
SCROLL_TOLERANCE = 2

# Exercise notebooks are rendered as pages and offered for download (see _config.yml).
EXERCISE_GLOB = "chapters/*/ex*.ipynb"

# Layout (test_math_tables_and_figures_fit_the_text_column): pixels a box may pass the text
# column's edge (sub-pixel rounding), and what may scroll sideways inside its own box when it
# is wider than the column. On a desktop everything must fit; on a phone a long equation or a
# wide table may scroll in its own box (the page itself never scrolls sideways).
FIT_TOLERANCE = 2
SCROLL_ALLOWED = {"display math": ("phone",), "table": ("phone",)}
# Smallest text in a figure, in CSS pixels, as a phone shows it
# (test_figure_text_is_readable_on_a_phone). Lighthouse's mobile audit calls page text under
# 12 px illegible; figure labels are short words and numbers, and 9 px (three quarters of that,
# 2.3 mm on a typical phone) still reads. The figures were 4 to 6 px before they were redrawn.
MIN_TEXT_PX = 9.0


# --------------------------------------------------------------------------------------
# The book's pages, from _toc.yml


@dataclass(frozen=True)
class Page:
    """One page of the book, as the table of contents lists it."""

    docname: str  # "chapters/02-algorithm/lesson"
    source: Path  # the file in the repository it is built from

    @property
    def html(self) -> str:
        """Path of the built page relative to the site root."""
        return self.docname + ".html"

    @property
    def is_exercise(self) -> bool:
        return fnmatch.fnmatch(self.docname + self.source.suffix, EXERCISE_GLOB)

    @property
    def is_chapter(self) -> bool:
        """A page in a chapter's folder (chapters/NN-name/...): a lesson or its exercise."""
        return re.fullmatch(r"chapters/[^/]+/[^/]+", self.docname) is not None


def toc_pages(repo: Path = REPO) -> list[Page]:
    """Every document in _toc.yml, in reading order, with the source file it comes from."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = []
    for docname in parse_toc_yaml(repo / "_toc.yml"):
        sources = [repo / f"{docname}{ext}" for ext in (".md", ".ipynb", ".rst")]
        existing = [s for s in sources if s.exists()]
        # A missing source is reported by the build (and by test_every_toc_page_is_built_and_nothing_else).
        pages.append(Page(docname, existing[0] if existing else sources[0]))
    return pages


def built_pages(html_dir: Path) -> set[str]:
    """Every HTML page of the built site, relative paths, without the Sphinx internals."""
    internals = {"index.html", "genindex.html", "search.html"}  # redirect, index, search
    return {
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if p.relative_to(html_dir).parts[0] not in {"_static", "_sources", "_images", "_downloads"}
        and p.relative_to(html_dir).as_posix() not in internals
    }


def launch_config(repo: Path = REPO) -> dict:
    """What the launch buttons should point at, from _config.yml."""
    config = yaml.safe_load((repo / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    org, name = urllib.parse.urlparse(url).path.strip("/").split("/")[:2]
    buttons = config.get("launch_buttons", {})
    return {
        "org": org,
        "repo": name,
        "branch": config["repository"].get("branch", "master"),
        "path_to_book": (config["repository"].get("path_to_book") or "").strip("/"),
        "binderhub_url": buttons.get("binderhub_url", "").rstrip("/"),
        "colab_url": buttons.get("colab_url", "").rstrip("/"),
    }


# --------------------------------------------------------------------------------------
# Building and serving


def build_book(repo: Path, out: Path, log: Path) -> Path:
    """`jupyter-book build` strictly into `out`; returns the html folder or raises with the log."""
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(repo), "-W", "-n", "--keep-going", "--path-output", str(out)]
    with log.open("w") as fh:
        result = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=1500)
    html_dir = out / "_build" / "html"
    if result.returncode != 0 or not (html_dir / "index.html").exists():
        text = log.read_text(errors="replace")
        raise RuntimeError(
            f"`{' '.join(cmd)}` failed with exit code {result.returncode}; last lines of {log}:\n"
            + "\n".join(text.splitlines()[-80:])
        )
    return html_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """A browser that navigates on drops its pending requests: not an error worth a traceback."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve `html_dir` on an ephemeral localhost port in a background thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def http_status(url: str) -> int:
    """Status of a GET on the local server (never called for other hosts)."""
    assert urllib.parse.urlparse(url).hostname in LOCAL_HOSTS, url
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _IdCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" or (tag == "a" and key == "name"):
                self.ids.add(value or "")


@functools.cache
def anchors_in(path: Path) -> frozenset[str]:
    """The ids (link targets) of a static HTML file."""
    parser = _IdCollector()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


# --------------------------------------------------------------------------------------
# Visiting a page


@dataclass
class PageReport:
    """What a reader's browser saw on one page at one viewport."""

    page: str  # path relative to the site root
    viewport: str
    console_errors: list[str] = field(default_factory=list)  # console.error and uncaught exceptions
    outside_requests: list[str] = field(default_factory=list)  # "type url", aborted
    failed_requests: list[str] = field(default_factory=list)  # local requests that failed or were >= 400
    facts: dict = field(default_factory=dict)  # what COLLECT_JS returned
    screenshot: Path | None = None


# Waits for MathJax (when the page has math) and for every image, then reports the page's
# state. Runs after the load event.
COLLECT_JS = r"""
async () => {
  const visible = (el) => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const mathNodes = Array.from(document.querySelectorAll('.math'));
  let mathjax = 'not needed';
  const badMath = [];
  if (mathNodes.length) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() - t0 < 15000) {
      await new Promise(r => setTimeout(r, 50));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
      mathjax = 'done';
      // TeX that MathJax could not read: an error node, or an unknown macro (which its
      // noundefined extension prints as red text instead of failing).
      for (const item of MathJax.startup.document.math) {
        const mml = MathJax.startup.toMML(item.root);
        if (/<merror|<mtext mathcolor="red">\\/.test(mml)) badMath.push(item.math.slice(0, 80));
      }
    } else {
      mathjax = 'MathJax never started';
    }
  }
  // Lazy images load only near the viewport: ask for all of them now.
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
  const inArticle = (el) => article.contains(el);
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + Array.from(el.classList).slice(0, 3).join('.');
    return s;
  };
  // When the page is wider than the viewport: which elements stick out (outermost first,
  // skipping those inside a scrolling box such as a code cell, which scroll on their own).
  const vw = document.documentElement.clientWidth;
  const overflowing = [];
  if (document.documentElement.scrollWidth > vw + %(tol)d || article.scrollWidth > article.clientWidth + %(tol)d) {
    const scrolls = (el) => { for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
    for (const el of article.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > vw + %(tol)d && !overflowing.some(o => o.el.contains(el)) && !scrolls(el)) {
        overflowing.push({el, right: Math.round(r.right), text: (el.innerText || '').trim().slice(0, 60)});
        if (overflowing.length >= 5) break;
      }
    }
  }
  const headingText = (h) => { const c = h.cloneNode(true); c.querySelectorAll('.headerlink').forEach(e => e.remove());
                               return c.textContent.trim().slice(0, 80); };
  // Layout of the wide things in the text (display and inline math, tables, figures), against the
  // text column: the article's content box. For each: its box, the width of what it shows, and
  // the boxes between it and the article that scroll sideways (overflow-x auto/scroll) or clip
  // (overflow-x hidden/clip). test_site.py decides what fits.
  const articleStyle = getComputedStyle(article);
  const articleRect = article.getBoundingClientRect();
  const column = {left: articleRect.left + parseFloat(articleStyle.paddingLeft),
                  right: articleRect.right - parseFloat(articleStyle.paddingRight)};
  const boxOf = (el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; };
  const ancestors = (el) => { const found = []; for (let a = el; a && a !== article; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== 'visible') found.push({tag: describe(a), overflow: ox, self: a === el, ...boxOf(a)});
    } return found; };
  const item = (kind, el, contentWidth) => ({kind, what: describe(el), text: (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 60),
      ...boxOf(el), content_width: contentWidth, boxes: ancestors(el)});
  const layoutItems = [];
  for (const m of article.querySelectorAll('mjx-container')) {
    const inner = m.querySelector('mjx-math');
    if (!visible(m) || !inner) continue;
    layoutItems.push(item(m.getAttribute('display') === 'true' ? 'display math' : 'inline math', m, inner.getBoundingClientRect().width));
  }
  for (const t of article.querySelectorAll('table')) if (visible(t)) layoutItems.push(item('table', t, t.getBoundingClientRect().width));
  for (const img of article.querySelectorAll('img')) if (visible(img)) {
    const entry = item('figure', img, img.getBoundingClientRect().width);
    entry.natural_width = img.naturalWidth; entry.src = img.getAttribute('src');
    layoutItems.push(entry);
  }
  return {
    layout: {column, items: layoutItems},
    title: document.title,
    mathjax,
    math: mathNodes.map(el => ({
      tex: (el.getAttribute('data-tex') || el.textContent).trim().slice(0, 80),
      typeset: !!el.querySelector('mjx-container'),
      error: !!el.querySelector('mjx-merror'),
      error_text: el.querySelector('mjx-merror') ? el.querySelector('mjx-merror').textContent.slice(0, 80) : '',
    })),
    mjx_containers: document.querySelectorAll('mjx-container').length,
    bad_math: badMath,
    article_text_outside_code: (() => {
      const clone = article.cloneNode(true);
      clone.querySelectorAll('pre, code, .math, mjx-container, script, style, .cell_output').forEach(e => e.remove());
      return clone.textContent;
    })(),
    images: imgs.map(img => ({
      src: img.getAttribute('src'),
      url: img.currentSrc || img.src,
      loaded: img.complete && img.naturalWidth > 0,
      alt: img.getAttribute('alt'),
      in_article: inArticle(img),
      caption: (() => { const f = img.closest('figure'); const c = f && f.querySelector('figcaption');
                        return c ? c.textContent.trim() : ''; })(),
    })),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => ({href: a.getAttribute('href'), url: a.href})),
    headings: Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6'))
      .filter(visible).map(h => ({level: +h.tagName[1], text: headingText(h)})),
    visible_h1: Array.from(document.querySelectorAll('h1')).filter(visible).map(headingText),
    launch_links: Array.from(document.querySelectorAll('.dropdown-launch-buttons a')).map(a => ({text: a.textContent.trim(), url: a.href})),
    download_links: Array.from(document.querySelectorAll('.dropdown-download-buttons a')).map(a => ({text: a.textContent.trim(), href: a.getAttribute('href'), url: a.href})),
    viewport_width: vw,
    document_scroll_width: document.documentElement.scrollWidth,
    article_scroll_width: article.scrollWidth,
    article_client_width: article.clientWidth,
    article_right: Math.round(article.getBoundingClientRect().right),
    overflowing: overflowing.map(o => `${describe(o.el)} reaches x=${o.right} (${JSON.stringify(o.text)})`),
  };
}
""".replace("%(tol)d", str(SCROLL_TOLERANCE))


def _is_local(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname in LOCAL_HOSTS


def new_context(browser, viewport: str, outside: list[str]):
    """A fresh browser context whose requests to any host but localhost are aborted and recorded."""
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        accept_downloads=True,
        service_workers="block",
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        device_scale_factor=1,
    )

    def route(route, request):
        if _is_local(request.url):
            route.continue_()
        else:
            outside.append(f"{request.resource_type} {request.url}")
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.route_web_socket(re.compile(".*"), lambda ws: (outside.append(f"websocket {ws.url}"), ws.close()))
    return context


def visit(browser, base_url: str, page_path: str, viewport: str, screenshot: Path | None = None) -> PageReport:
    """Load one page the way a reader would and report what happened."""
    report = PageReport(page=page_path, viewport=viewport)
    context = new_context(browser, viewport, report.outside_requests)
    try:
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and report.console_errors.append(
            f"console.error: {msg.text} (at {msg.location.get('url', '?')}:{msg.location.get('lineNumber', '?')})"))
        page.on("pageerror", lambda exc: report.console_errors.append(f"uncaught exception: {exc}"))
        page.on("requestfailed", lambda req: _is_local(req.url) and report.failed_requests.append(
            f"{req.resource_type} {req.url}: {req.failure}"))
        page.on("response", lambda resp: _is_local(resp.url) and resp.status >= 400 and report.failed_requests.append(
            f"{resp.request.resource_type} {resp.url}: HTTP {resp.status}"))
        response = page.goto(base_url + page_path, wait_until="load", timeout=60_000)
        if response is None or response.status != 200:
            report.failed_requests.append(f"document {page_path}: HTTP {response and response.status}")
        report.facts = page.evaluate(COLLECT_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            report.screenshot = screenshot
        # Late requests (a script loading another) are recorded too: close only when quiet.
        page.wait_for_load_state("networkidle", timeout=15_000)
    finally:
        context.close()
    return report


def screenshot_path(page_path: str, viewport: str) -> Path:
    return SCREENSHOTS / viewport / (page_path.removesuffix(".html").replace("/", "__") + ".png")


def env_book_html() -> Path | None:
    """The prebuilt site named by BOOK_HTML, if any (see test_site.py)."""
    value = os.environ.get("BOOK_HTML")
    return Path(value).resolve() if value else None
