"""The course's assignments: one instructor notebook per chapter, kept in `autograder/source`."""
from __future__ import annotations

from pathlib import Path

# assignment id (= notebook name) -> chapter folder of the book where its student version lives
ASSIGNMENTS = {
    "ex01_covariate_shift": "01-covariate-shift",
    "ex02_algorithm": "02-algorithm",
    "ex03_gamma_beta": "03-gamma-beta",
    "ex04_inference": "04-inference",
    "ex05_pitfalls": "05-pitfalls",
    "ex06_training": "06-training",
}


def source_dir() -> Path:
    """Folder holding `<assignment>/<assignment>.ipynb`, the single source of each exercise."""
    return Path(__file__).parent / "source"


def source_notebook(assignment: str) -> Path:
    return source_dir() / assignment / f"{assignment}.ipynb"


def book_notebook(assignment: str, book_root: Path) -> Path:
    """Where the generated student notebook sits in the book."""
    return book_root / "chapters" / ASSIGNMENTS[assignment] / f"{assignment}.ipynb"
