"""What every lesson's first cell needs, in one place.

    from solutions.book import setup, glue_float, fmt
    setup()

`setup` limits BLAS to one thread (the lessons' matrices are small: one thread is faster and
stays fast on a busy machine), sets numpy's print options, and sets matplotlib defaults that
stay readable when a figure is shrunk to a phone's width (the book scales figures to the
text column). `glue_float` and `fmt` put computed numbers into the prose.
"""
from __future__ import annotations

import numpy as np

# Figures are drawn at most this wide (inches) and scaled to the text column; with the font
# sizes below, a 3-panel figure's legend stays about 9 px high on a 360 px wide phone.
MAX_WIDTH = 9.0
RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "lines.linewidth": 1.8,
    "figure.constrained_layout.use": True,
}


def setup() -> None:
    """One BLAS thread, compact numpy printing, phone-readable matplotlib defaults."""
    import matplotlib.pyplot as plt
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threadpool_limits(limits=1, user_api="blas")
    np.set_printoptions(precision=4, suppress=True)
    plt.rcParams.update(RC)


def glue_float(name: str, value) -> None:
    """Glue a number for the text, as a Python float (numpy scalars do not format there)."""
    from myst_nb import glue

    glue(name, float(value), display=False)


def fmt(values, digits: int = 2) -> str:
    """A list of numbers as text for the prose, e.g. "[-1.34, 0.45]"."""
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.ravel(values)) + "]"
