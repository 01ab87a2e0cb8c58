"""Launch and download buttons that give a reader a lesson that runs.

sphinx-book-theme builds the same launch buttons for every executable page, from
_config.yml's `launch_buttons` and `repository`: Binder opens the page's source file in the
repository (`lab/tree/<path>.md` for a lesson), Colab opens it from GitHub
(`colab.research.google.com/github/<org>/<repo>/blob/<branch>/<path>`). Two of those paths do
not run a lesson as they stand, and this extension fixes them:

- **Colab** opens only `.ipynb` files. The lessons are MyST Markdown (`.md`), so on their pages
  the Colab button is removed; it stays on the exercise pages, whose notebooks need only numpy.
  (Binder opens the `.md` lessons as notebooks: binder/postBuild installs jupytext, makes it the
  default viewer for Markdown notebooks, and installs the course's package `solutions`.)
- **Downloads.** The theme offers a lesson as `.ipynb` (the executed notebook) and `.md` (its
  source). Both import the course's package `solutions`, which a notebook outside the
  repository does not have. At the end of the build, each downloadable copy of an executable
  `.md` page gets a first cell that installs the package from the repository *only when it is
  missing*; nothing is installed, and nothing is downloaded, when the book is built.

Only the files offered for download change: the page itself, and the notebook the book
executed, are as the lesson's source says. tests/test_site.py checks both buttons.
"""
from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx

INSTALL_TAG = "course-install"  # marks the inserted cells, so a rebuild does not insert them twice

INTRO = (
    "**Running this notebook yourself.**\n"
    "This lesson imports `solutions`, the course's reference package.\n"
    "In a clone of the course repository, `pip install -r requirements.txt -e .` installs it, "
    "and the next cell then does nothing.\n"
    "Anywhere else (this notebook on its own, Colab), the next cell installs it from the "
    "repository if it is missing, together with numpy, matplotlib, scipy and scikit-learn if "
    "those are missing too."
)

INSTALL = '''\
# Install the course's package `solutions` only if it is missing (this needs the network once).
import importlib
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("solutions") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                           "numpy", "matplotlib", "scipy", "scikit-learn", "threadpoolctl"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "{requirement}"])
    importlib.invalidate_caches()
import solutions  # noqa: E402,F401 - fails here, with a clear message, if the install did not work'''


def _requirement(app: Sphinx) -> str:
    """`pip install` argument for the course's package, from html_theme_options' repository."""
    options = app.config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    branch = options.get("repository_branch") or "main"
    return f"batchnorm-course @ git+{url}@{branch}"


def drop_colab_for_text_notebooks(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Remove the Colab launch button from pages whose source is not an .ipynb file."""
    if Path(app.env.doc2path(pagename)).suffix == ".ipynb":
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            group["buttons"] = [b for b in group["buttons"] if b.get("text") != "Colab"]


def _executable_md_pages(app: Sphinx) -> list[str]:
    return [
        doc for doc in app.env.found_docs
        if Path(app.env.doc2path(doc)).suffix == ".md" and "kernelspec" in app.env.metadata.get(doc, {})
    ]


def _add_install_cell_to_notebook(path: Path, code: str) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    if cells and INSTALL_TAG in cells[0].get("metadata", {}).get("tags", []):
        return  # an incremental build left this copy as it was
    tags = {"tags": [INSTALL_TAG]}
    cells[:0] = [
        {"cell_type": "markdown", "id": "course-install-intro", "metadata": dict(tags),
         "source": INTRO.splitlines(keepends=True)},
        {"cell_type": "code", "id": "course-install", "metadata": dict(tags), "execution_count": None,
         "outputs": [], "source": code.splitlines(keepends=True)},
    ]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _add_install_cell_to_markdown(path: Path, code: str) -> None:
    text = path.read_text(encoding="utf-8")
    if f"tags: [{INSTALL_TAG}]" in text:
        return
    if not text.startswith("---\n"):
        return  # not a MyST notebook with a front matter: leave it alone
    end = text.index("\n---\n", 4) + len("\n---\n")
    cells = (
        f"\n+++ {{\"tags\": [\"{INSTALL_TAG}\"]}}\n\n{INTRO}\n\n"
        f"```{{code-cell}} ipython3\n---\ntags: [{INSTALL_TAG}]\n---\n{code}\n```\n\n+++\n"
    )
    path.write_text(text[:end] + cells + text[end:], encoding="utf-8")


def add_install_cells(app: Sphinx, exception) -> None:
    """Give every downloadable copy of an executable .md page its install-when-missing cell."""
    if exception is not None or app.builder.format != "html":
        return
    code = INSTALL.format(requirement=_requirement(app))
    sources = Path(app.outdir) / "_sources"
    for doc in _executable_md_pages(app):
        notebook = sources / f"{doc}.ipynb"
        if notebook.is_file():
            _add_install_cell_to_notebook(notebook, code)
        markdown = sources / f"{doc}.md"
        if markdown.is_file():
            _add_install_cell_to_markdown(markdown, code)


def setup(app: Sphinx) -> dict:
    # After sphinx-book-theme's own html-page-context handler (priority 500) has built the buttons.
    app.connect("html-page-context", drop_colab_for_text_notebooks, priority=900)
    app.connect("build-finished", add_install_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
