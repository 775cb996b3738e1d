"""A workbook's framework, found beside it (survey.inputs.sidecar): the order, the error, the CLI and the API.

No framework is shipped in the package: `survey analyze WORKBOOK` without --framework takes
<stem>.framework.yaml beside the workbook, else framework.yaml beside it, else framework.yaml
in the folder that holds the questionnaires folder; none of them is a one-line error.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.questionnaire import load_dir
from survey.errors import DefinitionError
from survey.inputs.sidecar import beside, find_framework, framework_candidates
from survey.pipeline import analyze

from .conftest import FRAMEWORK_2021, QDIR, RAW_2021, ROOT, framework_beside


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def evaluation(tmp_path):
    """tmp/ev/{questionnaires/, raw/book.xlsx}: an evaluation folder's layout, no framework yet."""
    ev = tmp_path / "ev"
    shutil.copytree(QDIR, ev / "questionnaires")
    (ev / "raw").mkdir()
    book = ev / "raw" / "book.xlsx"
    shutil.copy(RAW_2021, book)
    return ev, book


def test_the_lookup_order(evaluation):
    ev, book = evaluation
    own, shared, home = book.with_name("book.framework.yaml"), book.with_name("framework.yaml"), ev / "framework.yaml"
    assert framework_candidates(book, ev / "questionnaires") == (own, shared, home)
    for p in (own, shared, home):
        p.write_text("placed", encoding="utf-8")
    for expected in (own, shared, home):  # the first that is there wins; remove it and the next one does
        assert find_framework(book, ev / "questionnaires") == expected
        expected.unlink()
    # loaded questionnaires: the folder that holds their folder
    qs = load_dir(ev / "questionnaires")
    assert framework_candidates(book, qs)[-1] == (ev / "framework.yaml").resolve()
    # an evaluation folder itself: its framework.yaml; a place named twice is looked at once
    assert beside(ev, "framework.yaml") == (ev / "framework.yaml",)
    assert framework_candidates(ev / "book.xlsx", ev / "questionnaires") == (ev / "book.framework.yaml",
                                                                             ev / "framework.yaml")


def test_nothing_found_names_every_place_and_the_fix(evaluation):
    ev, book = evaluation
    with pytest.raises(DefinitionError) as exc:
        find_framework(book, ev / "questionnaires")
    text = str(exc.value)
    for place in ("raw/book.framework.yaml", "raw/framework.yaml", "ev/framework.yaml"):
        assert place in text
    assert "--framework FILE" in text and "survey init FOLDER" in text
    with pytest.raises(DefinitionError, match="no scoring framework"):  # the library: the same lookup
        analyze(book, ev / "questionnaires")


def test_the_cli_error_is_one_line(evaluation, monkeypatch):
    ev, _ = evaluation
    monkeypatch.chdir(ev.parent)  # no questionnaires/ here: -q names them
    for command in ("analyze", "validity", "score"):
        res = run(command, "ev/raw/book.xlsx", "-q", "ev/questionnaires", "-o", "out")
        assert res.exit_code == 1 and "Traceback" not in res.output
        (line,) = res.output.strip().splitlines()
        assert line.startswith("Error: ev/raw/book.xlsx: no scoring framework (评分表) found (got no file at "
                               "ev/raw/book.framework.yaml, ev/raw/framework.yaml, ev/framework.yaml;")
        assert "Fix: pass --framework FILE (analyze, validity, score, compare; compare's OLD also --old-framework), " \
               "or save the framework as ev/raw/book.framework.yaml; `survey init FOLDER`" in line
    # compare without --framework: the same error (tests/test_yoy.py: with it)
    res = run("compare", "ev/raw/book.xlsx", "ev/raw/book.xlsx", "-q", "ev/questionnaires", "-o", "out")
    assert res.exit_code == 1 and "no scoring framework (评分表) found" in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not (ev.parent / "out").exists()
    res = run("analyze", "--help")
    assert "<workbook stem>.framework.yaml" in " ".join(res.output.split())


def test_a_copied_workbook_with_its_framework_beside_it(tmp_path):
    book = framework_beside(tmp_path / "2021-copy.xlsx")
    shutil.copy(RAW_2021, book)
    res = run("score", book, "-q", QDIR, "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    assert "评分表 total: 97.0/100, 评价等级 优" in res.output
    # the same file beside the questionnaires' folder instead: found there
    (tmp_path / "2021-copy.framework.yaml").rename(tmp_path / "framework.yaml")
    qdir = shutil.copytree(QDIR, tmp_path / "questionnaires")
    elsewhere = tmp_path / "inputs" / "2021-copy.xlsx"
    elsewhere.parent.mkdir()
    book.rename(elsewhere)
    assert analyze(elsewhere, qdir).framework.file == str(tmp_path / "framework.yaml")


def test_the_repository_workbooks_have_their_frameworks(cli_2021):
    for year in ("2021", "2022"):
        assert find_framework(ROOT / "raw" / f"{year}.xlsx", QDIR) == ROOT / "raw" / f"{year}.framework.yaml"
    # 2022 (raw/make_2022.py's synthetic second year) has 2021's indicators; only the title names its year
    old, new = (yaml.safe_load((ROOT / "raw" / f"{y}.framework.yaml").read_text(encoding="utf-8")) for y in (2021, 2022))
    assert new["title"] == old["title"].replace("2021年", "2022年") != old["title"]
    assert {**new, "title": old["title"]} == old
    # the reference run records the framework it found, by its path as given
    out, _ = cli_2021  # `survey analyze raw/2021.xlsx -o OUT` from the repository (conftest)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["framework"]["file"] == "raw/2021.framework.yaml"
    assert FRAMEWORK_2021.read_bytes() == (ROOT / "survey" / "examples" / "nanjing-2021" / "framework.yaml").read_bytes()


def test_questionnaires_are_found_beside_the_workbook_first(tmp_path, monkeypatch):
    # a new user's book.xlsx with questionnaires/ beside it, analysed from another folder (found by a
    # new-user trial: only ./questionnaires and the workbook folder's sibling were looked at)
    from survey.inputs.sidecar import find_questionnaires

    book = tmp_path / "mine" / "book.xlsx"
    book.parent.mkdir()
    from .hostile_inputs import xlsx_parts, zip_bytes

    book.write_bytes(zip_bytes(xlsx_parts()))  # a workbook (an empty file is said first: test_hostile_commands)
    (tmp_path / "questionnaires").mkdir()  # beside the workbook's folder: second
    monkeypatch.chdir(tmp_path)
    assert find_questionnaires(book) == tmp_path / "questionnaires"
    (book.parent / "questionnaires").mkdir()  # beside the workbook: first
    assert find_questionnaires(book) == book.parent / "questionnaires"
    (tmp_path / "questionnaires").rmdir()
    (book.parent / "questionnaires").rmdir()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "questionnaires").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert find_questionnaires(book).resolve() == (elsewhere / "questionnaires").resolve()  # ./questionnaires: last
    (elsewhere / "questionnaires").rmdir()
    with pytest.raises(DefinitionError) as exc:
        find_questionnaires(book)
    text = str(exc.value)
    assert "no questionnaire folder found" in text and "\n" not in text and "--questionnaires DIR" in text
    assert (book.parent / "questionnaires").as_posix() in text and (tmp_path / "questionnaires").as_posix() in text
