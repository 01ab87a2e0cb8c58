"""The command line's usage errors, without a course (fast): one line, exit code 2."""
import pytest

from autograder.cli import _parser, main
from autograder.config import GradeOptions


@pytest.mark.parametrize("argv", [["grade", "x", "--jobs", "-1"], ["grade", "x", "--jobs", "two"],
                                  ["grade", "x", "--cell-timeout", "0"], ["demo", "x", "--students", "0"]])
def test_bad_numbers_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_folders_that_are_not_courses_are_refused(tmp_path, capsys):
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "gradebook.db").write_bytes(b"")  # what a stray `nbgrader export` leaves
    for argv in (["grade", str(tmp_path / "missing")], ["grade", str(tmp_path / "stray")],
                 ["demo", str(tmp_path / "stray")], ["grade", str(tmp_path)]):
        assert main(argv + (["--quiet"] if argv[0] == "grade" else [])) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "autograder init" in err and err.count("\n") == 1, err


def test_every_grade_option_comes_from_one_place():
    grade = next(a for a in _parser()._actions if a.dest == "command").choices["grade"]
    defaults = {a.dest: a.default for a in grade._actions}
    for name, value in GradeOptions().__dict__.items():
        if name != "allowed":
            assert defaults[name] == value, name
    from autograder.grade import grade as grade_fn

    assert defaults["jobs"] == grade_fn.__kwdefaults__["jobs"] and defaults["force"] is grade_fn.__kwdefaults__["force"]
