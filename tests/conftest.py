"""Shared fixtures; tests/ is on sys.path so helper modules (torchref, factories) import plainly."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator per test, so each test is reproducible on its own."""
    return np.random.default_rng(20150211)  # the date arXiv 1502.03167 appeared
