"""What every lesson's first cell needs, in one place.

    from solutions.book import setup, glue, glue_float, fmt
    setup()

`setup` limits BLAS to one thread (the lessons' matrices are small: one thread is faster and
stays fast on a busy machine), sets numpy's print options, and sets matplotlib defaults that
stay readable when a figure is shrunk to a phone's width (the book scales figures to the
text column). `glue`, `glue_float` and `fmt` put computed numbers into the prose.

Outside the book (a downloaded notebook, Binder, Colab) myst-nb may be missing: the glue
helpers then do nothing, and the cells still print what they compute.
"""
from __future__ import annotations

import numbers

import numpy as np

# Figures are drawn at most this wide (inches). The book shows a figure at its natural size
# (figure.dpi pixels per inch) or shrinks it to the text column, never enlarges it. On a
# 390 px wide phone the column is about 340 px, so a MAX_WIDTH-wide figure is shown at
# 340 / (MAX_WIDTH * dpi) of its size, and its smallest text (MIN_FONT_PT points, that is
# MIN_FONT_PT * dpi / 72 pixels) lands at about 340 * MIN_FONT_PT / (72 * MAX_WIDTH), about
# 9.4 px here. tests/test_site.py measures this on every figure at the phone viewport.
# Panels are stacked rather than placed side by side, so they keep their size on a phone.
MAX_WIDTH = 6.0
MIN_FONT_PT = 12  # no text in a figure is smaller: no "small" legends, no fontsize=8
RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 12,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.title_fontsize": 12,
    "figure.titlesize": 13,
    "lines.linewidth": 1.8,
    "figure.constrained_layout.use": True,
}


def setup() -> None:
    """One BLAS thread, compact numpy printing, phone-readable matplotlib defaults."""
    import matplotlib.pyplot as plt
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threadpool_limits(limits=1, user_api="blas")
    np.set_printoptions(precision=4, suppress=True)
    plt.rcParams.update(RC)  # type: ignore[arg-type]  # matplotlib's stubs list every key as a Literal


def glue(name: str, value) -> None:
    """Glue a value for the text, without showing it where it is computed.

    numpy integers and bools become Python ints, other numbers Python floats (numpy scalars
    do not format in the text), strings stay strings. Does nothing without myst-nb.
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:  # outside the book: nothing to glue into
        return
    if isinstance(value, str):
        pass
    elif isinstance(value, (bool, np.bool_, numbers.Integral)):
        value = int(value)
    else:
        value = float(value)
    _glue(name, value, display=False)


def glue_float(name: str, value) -> None:
    """Glue a number for the text, as a Python float (numpy scalars do not format there)."""
    glue(name, float(value))


def fmt(values, digits: int = 2) -> str:
    """A list of numbers as text for the prose, e.g. "[-1.34, 0.45]"."""
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.ravel(values)) + "]"
