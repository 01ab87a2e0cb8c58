"""The pages an instructor or a student opens, in headless Chromium: no payload from a submission runs.

Not collected on its own: test_hostile.py imports these tests, so that they run in its
worker, on the course it grades (grading that course takes minutes; under
``--dist loadfile`` a second file would grade it a second time, in another worker). The
course's students have cell outputs, Markdown, attachments, raw cells, notebook and cell
metadata, file names, error messages and tracebacks carrying HTML and JavaScript (student
ids that could are refused before grading: test_hostile.py).
Two kinds of page are opened, every one of them:

(a) every feedback page the grader wrote (what ``nbgrader release_feedback`` gives students,
    and what the instructor previews);
(b) formgrader's view of every autograded notebook, rendered exactly as nbgrader's formgrader
    does (`nbgrader.server_extensions.formgrader`: an nbconvert HTMLExporter with the
    "formgrade" template and the resources SubmissionHandler passes), served with
    formgrader's own static files so its scripts run as they would in the instructor's browser.

Every payload either sets ``document.title`` to "PWNED-...", sets ``window.__pwned``,
opens a dialog, or requests a URL on a ``pwn-*.invalid`` host. Every request is routed
(only 127.0.0.1 is let through, and all are recorded) and every dialog is recorded.
"""
from __future__ import annotations

import os
import re
import shutil
import time

import pytest
import site_helpers as sh

PROBE_JS = r"""
() => {
  const hits = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const v = attr.value || '';
      if (/^on/i.test(attr.name) && /pwn|PWNED|__pwned|alert/i.test(v)) hits.push(`<${el.tagName.toLowerCase()} ${attr.name}="${v.slice(0, 80)}">`);
      if (/^(href|src|action|formaction|data|xlink:href)$/i.test(attr.name) && /^\s*(javascript|vbscript):/i.test(v)) hits.push(`<${el.tagName.toLowerCase()} ${attr.name}="${v.slice(0, 80)}">`);
    }
  }
  return {title: document.title, pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
          scripts: document.scripts.length, active: hits};
}
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory, template_course):
    import test_hostile

    return test_hostile.graded_course(tmp_path_factory, template_course)


@pytest.fixture(scope="module")
def served(graded, tmp_path_factory):
    """A folder served on localhost: the feedback pages and formgrader's view of every autograded notebook."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.api import Gradebook
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    from autograder.course import Course

    course = graded["course"]
    root = tmp_path_factory.mktemp("pages")
    (root / "formgrader").mkdir()
    os.symlink(handlers.static_path, root / "formgrader" / "static")
    pages = {"feedback": [], "formgrader": []}
    for i, path in enumerate(sorted((course / "feedback").rglob("*.html"))):
        dest = root / "feedback" / f"{i}.html"
        dest.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, dest)
        pages["feedback"].append((f"feedback/{i}.html", path.relative_to(course / "feedback").parts[0]))

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    exporter = HTMLExporter(config=config)
    c = Course.open(course)
    render_seconds = {}
    with Gradebook(c.db_url, c.course_id) as gb:
        for path in sorted((course / "autograded").glob("*/*/*.ipynb")):
            student, assignment, notebook = path.parent.parent.name, path.parent.name, path.stem
            submission = gb.find_submission_notebook(notebook, assignment, student)
            ids = sorted(s.id for s in gb.notebook_submissions(notebook, assignment))
            resources = {  # as nbgrader's SubmissionHandler.get builds them
                "assignment_id": assignment, "notebook_id": notebook, "submission_id": submission.id,
                "index": ids.index(submission.id), "total": len(ids), "base_url": "",
                "student": submission.student.id, "last_name": submission.student.last_name,
                "first_name": submission.student.first_name,
                "notebook_path": "/notebooks/" + os.path.relpath(path, course),
            }
            t = time.monotonic()
            html, _ = exporter.from_filename(str(path), resources=resources)
            render_seconds[(student, assignment)] = time.monotonic() - t
            dest = root / "formgrader" / "submissions" / submission.id / "index.html"
            dest.parent.mkdir(parents=True)
            dest.write_text(html, encoding="utf-8", errors="surrogateescape")
            pages["formgrader"].append((f"formgrader/submissions/{submission.id}/", student))
    with sh.serve(root) as url:
        yield {"url": url, "pages": pages, "render_seconds": render_seconds}


class Visitor:
    """One browser page that opens URLs in turn and reports, per URL, what ran.

    Every request is recorded and only localhost is served; dialogs are recorded and dismissed.
    A navigation resets the page's title and globals, so one page serves every visit.
    """

    def __init__(self, browser):
        self.requests, self.dialogs = [], []
        self.context = browser.new_context(viewport=sh.VIEWPORTS["desktop"], service_workers="block")
        self.context.route("**/*", self._route)
        self.context.route_web_socket(re.compile(".*"), lambda ws: (self.requests.append(ws.url), ws.close()))
        self.page = self.context.new_page()
        self.page.on("dialog", lambda d: (self.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))

    def _route(self, route, request):
        self.requests.append(request.url)
        if sh._is_local(request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def visit(self, url: str) -> dict:
        self.page.goto("about:blank")
        self.requests.clear()
        self.dialogs.clear()
        self.page.goto(url, wait_until="load", timeout=120_000)
        self.page.wait_for_timeout(250)  # onerror, onload, autofocus and timers fire
        facts = self.page.evaluate(PROBE_JS)
        facts.update(requests=list(self.requests), dialogs=list(self.dialogs))
        return facts

    def close(self):
        self.context.close()


def ran(facts: dict) -> list[str]:
    """What in a visit shows a payload ran."""
    found = [f"request {u}" for u in facts["requests"] if "pwn" in u.lower()]
    found += [f"dialog {d}" for d in facts["dialogs"]]
    if facts["title"].startswith("PWNED"):  # a payload sets it; the escaped id may be part of a real title
        found.append(f"document.title = {facts['title']!r}")
    if facts["pwned"] is not None:
        found.append(f"window.__pwned = {facts['pwned']!r}")
    found += [f"active markup {a}" for a in facts["active"]]
    return found


def check_all(browser, served, kind: str) -> dict:
    results = {"_facts": {}}
    visitor = Visitor(browser)
    try:
        for path, student in served["pages"][kind]:
            facts = visitor.visit(served["url"] + path)
            if ran(facts):
                results.setdefault(student, []).extend(ran(facts))
            results["_facts"][path] = facts
    finally:
        visitor.close()
    return results


def test_payloads_are_present_in_the_course(graded):
    """The attacks reached the pages as text (so a passing browser test means something)."""
    page = (graded["course"] / "feedback" / "xss-markdown" / "ex01_covariate_shift" / "ex01_covariate_shift.html")
    assert "PWNED-m2" in page.read_text()


def test_no_payload_runs_in_any_feedback_page(browser, served):
    assert len(served["pages"]["feedback"]) > 50
    results = check_all(browser, served, "feedback")
    facts = results.pop("_facts")
    scripts = {p: f["scripts"] for p, f in facts.items() if f["scripts"]}
    assert not results, "payloads ran in feedback pages:\n" + "\n".join(f"{s!r}: {r[:5]}" for s, r in results.items())
    assert not scripts, f"feedback pages with <script> elements: {scripts}"


def test_no_payload_runs_in_formgraders_view(browser, served):
    assert len(served["pages"]["formgrader"]) > 50
    results = check_all(browser, served, "formgrader")
    facts = results.pop("_facts")
    loaded = [p for p, f in facts.items() if not any("/formgrader/static/js/formgrade.js" in u for u in f["requests"])]
    assert not loaded, f"formgrader's own scripts were not requested on {loaded[:3]} (the page did not render as in formgrader)"
    assert not results, ("payloads ran in formgrader's view of autograded notebooks (as the instructor):\n"
                         + "\n".join(f"{s!r}: {r[:5]}" for s, r in results.items()))


def test_formgrader_renders_every_notebook_quickly(served):
    slow = {s: f"{t:.1f} s" for s, t in served["render_seconds"].items() if t > 10}
    assert not slow, f"formgrader takes this long to render one submission: {slow}"
