"""Shared fixtures; tests/ is on sys.path so helper modules (torchref, factories) import plainly."""
import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite the golden files in tests/golden/")


@pytest.fixture
def rng():
    """A fresh, seeded generator per test, so each test is reproducible on its own."""
    return np.random.default_rng(20150211)  # the date arXiv 1502.03167 appeared


@pytest.fixture(scope="session")
def template_course(tmp_path_factory):
    """One initialised course (all six assignments) per test session; copy it before changing it."""
    from factories import make_template

    return make_template(tmp_path_factory.mktemp("template") / "course")


@pytest.fixture
def course(template_course, tmp_path):
    """A private copy of the template course."""
    from factories import copy_course

    return copy_course(template_course, tmp_path / "course")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test session, shared by the browser tests (test_site, and hostile_pages through test_hostile).

    One, because Playwright's sync API keeps its event loop running in this thread while a
    browser is open: a second `sync_playwright()` in the same process refuses to start.
    """
    import site_helpers as sh
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=sh.CHROMIUM, args=sh.CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
