"""Validation catches, with one located message, what a careless or malicious study holds:
other clients' files, resource bombs, inputs that used to fail only halfway through a run."""

import time

import pytest

from civeval.diagnosis.grid import load_grid
from civeval.errors import InputError
from civeval.qual.rules import read_rules
from civeval.workbench import yamlsource
from conftest import MINIMAL_STUDY, run_cli, write_study

OTHER_CLIENT = MINIMAL_STUDY.replace('name: "Testville"', 'name: "Autreville"').replace(
    '"35238"', '"44109"')


def validate(project, slug="etude"):
    result = run_cli("validate", slug, root=project)
    return result.returncode, result.stderr.strip()


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": about a kilobyte that expands to ``width ** levels`` values."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- each client in its folder

@pytest.mark.parametrize("file", ["../client-a/data/entretiens.csv", "/etc/passwd",
                                  "data/lien.csv"])
def test_a_study_reads_no_file_outside_its_folder(project, file):
    write_study(project, "client-a", MINIMAL_STUDY,
                files={"data/entretiens.csv": "id;texte\n1;secret de A\n"})
    folder = write_study(project, "etude", MINIMAL_STUDY + f"""\
data:
  entretiens: {{file: {file}, format: csv}}
""")
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "lien.csv").symlink_to(project / "studies/client-a/data/entretiens.csv")
    status, message = validate(project)
    assert status == 2
    assert message == (f"civeval: error: study 'etude', studies/etude/study.yml, line 9, "
                       f"column 16: {file!r} is outside the study's folder: a study reads only "
                       "its own files (and data/reference/)")


def test_the_previous_wave_must_evaluate_the_same_client(project):
    write_study(project, "client-a", OTHER_CLIENT + "components: [00_cadrage]\n")
    write_study(project, "etude", MINIMAL_STUDY
                + "components: [00_cadrage, 90_rapport]\nprevious_wave: client-a\n")
    status, message = validate(project)
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/study.yml, line 9, "
                       "column 1: previous_wave: study 'client-a' evaluates another client "
                       "(Autreville, 44109); the previous wave must be a study of Testville "
                       "(35238)")


# -------------------------------------------------------------------------- bounded inputs

def test_an_alias_bomb_in_study_yml_is_refused_at_once(project):
    write_study(project, "etude", MINIMAL_STUDY + "extra:\n  " + alias_bomb().replace(
        "\n", "\n  ").rstrip() + "\n")
    started = time.perf_counter()
    status, message = validate(project)
    assert time.perf_counter() - started < 10  # a process start; the bomb hung for minutes
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/study.yml, line 9, "
                       "column 7: expands to more than 100,000 values through its aliases "
                       "(&anchor and *alias): write the values out instead")


@pytest.mark.parametrize("reader", [load_grid, read_rules])
def test_an_alias_bomb_in_a_grid_or_coding_rules_is_refused_in_under_a_second(tmp_path, reader):
    path = tmp_path / "bomb.yml"
    path.write_text(alias_bomb(), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than 100,000 values") as caught:
        reader(path)
    assert time.perf_counter() - started < 1
    assert (caught.value.row, caught.value.column) == (1, 5)


def test_anchors_within_bounds_still_work(tmp_path):
    path = tmp_path / "ok.yml"
    path.write_text("base: &base {seuil: 5}\nrule: {<<: *base, nom: x}\n", encoding="utf-8")
    data, _root = yamlsource.load(path, InputError)
    assert data["rule"] == {"seuil": 5, "nom": "x"}


def test_a_huge_hand_edited_file_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.yml"
    path.write_text("# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"is 2\.0 MB; a hand-edited YAML file holds at most "
                                         "1 MB"):
        yamlsource.load(path, InputError)


def test_a_zip_bomb_is_refused_before_it_fills_the_memory(project):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("site-open-data-proposals.csv", b"0" * 200 * 2**20)
    write_study(project, "etude", MINIMAL_STUDY + """\
data:
  propositions: {file: data/export.zip, format: decidim, options: {entity: proposals}}
""", files={"data/export.zip": buffer.getvalue()})
    status, message = validate(project)
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/data/export.zip: "
                       "site-open-data-proposals.csv inflates more than 100 times its "
                       "compressed size (a zip bomb?); it is not read")


def test_a_pabulib_line_of_megabytes_is_refused_with_its_number(tmp_path):
    from civeval.participation.pabulib import read_pabulib

    path = tmp_path / "vote.pb"
    path.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;50\n"
                    "VOTES\nvoter_id;vote\nv1;" + "1," * 5_000_000 + "1\n", encoding="utf-8")
    with pytest.raises(InputError, match="line of 10,000,004 characters; a Pabulib line holds "
                                         "at most 100,000") as caught:
        read_pabulib(path)
    assert caught.value.row == 9


def test_an_xml_entity_bomb_in_a_qda_project_is_refused(tmp_path):
    from civeval.qual.refiqda import parse_xml

    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE p [\n<!ENTITY a "aaaaaaaaaa">\n'
            + b"".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10 if i else "&a;" * 10}">\n'
                       .encode() for i in range(9))
            + b"]>\n<Project>&a8;</Project>\n")
    with pytest.raises(InputError, match="declares the XML entity 'a'; a REFI-QDA project "
                                         "declares none") as caught:
        parse_xml(bomb, tmp_path / "projet.qdpx", "project.qde")
    assert caught.value.row == 3


# ------------------------------------------------- what used to fail late now fails at once

def test_empty_components_are_refused_with_their_line(project):
    write_study(project, "etude", MINIMAL_STUDY + "components: []\n")
    status, message = validate(project)
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/study.yml, line 8, "
                       "column 1: components: List should have at least 1 item after "
                       "validation, not 0")


def test_a_slug_too_long_for_the_file_system_is_refused(project):
    result = run_cli("new", "a" * 300, root=project)
    assert result.returncode == 2
    assert "at most 100 characters" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((project / "studies").iterdir()) == []


def test_a_utf16_export_is_read_and_a_ragged_row_is_located(project):
    write_study(project, "etude", MINIMAL_STUDY + """\
data:
  unicode: {file: data/unicode.csv}
  decale: {file: data/decale.csv}
""", files={"data/unicode.csv": "id;quartier\n1;Élancourt\n".encode("utf-16"),
            "data/decale.csv": "id;quartier;note\n1;Nord;2\n2,Sud,3\n"})
    status, message = validate(project)
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/data/decale.csv, line 3: "
                       "expected 3 fields separated by ';', found 1")


def test_a_zero_or_negative_population_fails_validation_not_the_run(project):
    write_study(project, "etude", MINIMAL_STUDY + """\
data:
  population: {file: data/population.csv, kind: population}
""", files={"data/population.csv": "quartier;population\nNord;100\nSud;-5\nEst;0\n"})
    status, message = validate(project)
    assert status == 2
    assert message == ("civeval: error: study 'etude', studies/etude/data/population.csv, "
                       "line 3, column 'population': inhabitants must be a number above zero, "
                       "not -5")


def test_a_parameter_naming_an_unknown_dataset_fails_validation(project):
    write_study(project, "etude", MINIMAL_STUDY + """\
components:
  - {template: 30_participation, parameters: {participants: votans}}
data:
  votants: {file: data/votants.csv, kind: participants}
""", files={"data/votants.csv": "id;edition\n1;2024\n"})
    status, message = validate(project)
    assert status == 2
    assert "participants: no dataset named 'votans' in the catalogue (did you mean " \
           "'votants'?)" in message


@pytest.mark.parametrize("value", ["0", "-5"])
def test_the_timeout_must_be_positive(project, value):
    result = run_cli("run", "etude", "--timeout", value, root=project)
    assert result.returncode == 2
    assert f"argument --timeout: must be at least 1, not {value}" in result.stderr
