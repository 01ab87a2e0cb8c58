"""Repository habits: the README's commands are documented and run by CI; no generated files in git."""
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from autograder.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def readme_test_command() -> str:
    block = README.split("<!-- test-command", 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    return block.strip()


def test_ci_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text()
    awk = re.search(r"command=\$\((awk .*?README\.md)\)", script).group(1)
    extracted = subprocess.run(["bash", "-c", awk], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert extracted.strip() == readme_test_command()
    assert "pytest" in readme_test_command() and "requirements-test.txt" in readme_test_command()
    assert 'bash -eo pipefail -c "$command"' in script


def test_quick_start_is_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "jupyter-book build . -W -n --keep-going" in commands[0] and "requirements.txt -e ." in commands[0]
    assert "requirements-test.txt -e ." in commands[1] and "python -m pytest" in commands[1]


def command_docs(name: str) -> str:
    """The README's text about one command: every line that shows it, and for grade its own section."""
    lines = [line for line in README.splitlines() if f"python -m autograder {name}" in line]
    if name == "grade":
        lines.append(README.split("### The grader: `python -m autograder grade`", 1)[1].split("\n## ", 1)[0])
    return "\n".join(lines)


def test_every_command_and_option_is_documented_where_the_command_is():
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        docs = command_docs(name)
        assert docs, f"the README never shows `python -m autograder {name}`"
        for action in p._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert re.search(rf"{re.escape(flag)}(?![\w-])", docs), f"{name} {flag}: not documented with {name}"
    for script in (ROOT / "benchmarks").iterdir():
        if script.suffix == ".py":
            assert f"python benchmarks/{script.name}" in README, script.name
    assert "batchnorm-autograder" in README and "SECURITY.md" in README


def test_no_generated_files_are_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    generated = re.compile(r"(^|/)(_build|\.ipynb_checkpoints|__pycache__|submitted|autograded|feedback|"
                           r"\.jupyter_cache|test-artifacts)(/|$)|gradebook\.db$|\.pyc$")
    assert [p for p in tracked if generated.search(p)] == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("autograder/source/*/*.ipynb")) + sorted(ROOT.glob("chapters/*/*.ipynb")),
                         ids=lambda p: p.name)
def test_no_executed_outputs_in_committed_notebooks(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: run `python -m autograder sync`"


def test_gitignore_covers_runtime_data():
    ignored = (ROOT / ".gitignore").read_text()
    for pattern in ("_build/", "gradebook.db", "__pycache__/", ".ipynb_checkpoints/", "submitted/", "autograded/",
                    "feedback/", "test-artifacts/", ".venv/"):
        assert pattern in ignored, pattern
