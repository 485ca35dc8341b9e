"""The study model: schema, located error messages, the data catalogue, key figures."""

import datetime as dt
import json

import pytest

from civeval import load_study
from civeval.errors import CatalogError, StudyError
from civeval.workbench.schema import SchemeType
from conftest import MINIMAL_STUDY, write_study


def test_minimal_study_loads_with_defaults(project):
    write_study(project, "testville")
    study = load_study("testville")
    assert study.slug == "testville"
    assert study.client.population == 12000
    assert study.schemes[0].type is SchemeType.BUDGET_PARTICIPATIF
    assert study.period == (dt.date(2024, 3, 1), dt.date(2024, 10, 31))
    assert study.language == "fr"
    assert study.small_cell_threshold == 5
    assert [c.template for c in study.config.components] == ["00_cadrage"]
    assert study.output_dir == project / "reports" / "testville"


def test_study_found_by_slug_folder_or_file(project):
    folder = write_study(project, "testville")
    for reference in ("testville", folder, folder / "study.yml"):
        assert load_study(reference).path == folder


def test_unknown_study_lists_the_known_ones(project):
    write_study(project, "testville")
    with pytest.raises(StudyError, match=r"no study 'rennes'.*studies: testville"):
        load_study("rennes")


def yaml_error(project, text: str) -> str:
    write_study(project, "broken", text)
    with pytest.raises(StudyError) as caught:
        load_study("broken")
    return str(caught.value)


def test_typo_in_a_key_names_file_line_and_suggests(project):
    text = MINIMAL_STUDY.replace("population: 12000", "populaton: 12000")
    message = yaml_error(project, text)
    first, second = message.splitlines()
    assert first == ("study 'broken', studies/broken/study.yml, line 2, column 1: "
                     "missing required key 'client.population'")
    assert second.startswith("study 'broken', studies/broken/study.yml, line 2, column 65: ")
    assert "unknown key 'populaton' (did you mean 'population'?)" in message


def test_wrong_type_is_located(project):
    text = MINIMAL_STUDY + "report:\n  small_cell_threshold: beaucoup\n"
    message = yaml_error(project, text)
    assert "line 9, column 3" in message
    assert "report.small_cell_threshold: Input should be a valid integer" in message


def test_unknown_scheme_type_lists_the_vocabulary(project):
    text = MINIMAL_STUDY.replace("type: budget participatif", "type: budget participatf")
    message = yaml_error(project, text)
    assert "line 5" in message
    assert "'budget participatf' is not allowed" in message
    assert "conseil de quartier" in message and "référendum local" in message
    assert "(did you mean 'budget participatif'?)" in message


def test_unknown_criterion_and_language(project):
    text = MINIMAL_STUDY + "evaluation_questions:\n  pertinance: ['Q ?']\nreport: {language: de}\n"
    message = yaml_error(project, text)
    assert "'pertinance' is not allowed" in message and "(did you mean 'pertinence'?)" in message
    assert "report.language: 'de' is not allowed; expected one of: fr, en" in message


def test_insee_code_must_fit_the_kind_of_client(project):
    message = yaml_error(project, MINIMAL_STUDY.replace("kind: commune", "kind: EPCI"))
    assert "insee_code '35238' is not a 9-digit SIREN number" in message


def test_edition_that_ends_before_it_starts(project):
    message = yaml_error(project, MINIMAL_STUDY.replace("end: 2024-10-31", "end: 01/01/2024"))
    assert "edition '2024' ends (2024-01-01) before it starts (2024-03-01)" in message


def test_french_dates_are_accepted(project):
    write_study(project, "testville",
                MINIMAL_STUDY.replace("start: 2024-03-01", "start: 01/03/2024"))
    assert load_study("testville").period[0] == dt.date(2024, 3, 1)


def test_invalid_yaml_is_located(project):
    message = yaml_error(project, 'title: "x"\nclient: [\n')
    assert message == ("study 'broken', studies/broken/study.yml, line 3, column 1: "
                       "is not valid YAML: expected the node content, but found '<stream end>'")


def test_duplicate_key_is_an_error(project):
    message = yaml_error(project, MINIMAL_STUDY + 'title: "encore"\n')
    assert "line 8, column 1: the key 'title' appears twice" in message


def test_missing_data_file_names_the_entry(project):
    text = MINIMAL_STUDY + "data:\n  votes: {file: data/votes.csv}\n"
    with pytest.raises(CatalogError, match="data.votes: file 'data/votes.csv' not found"):
        write_study(project, "testville", text)
        load_study("testville")


def test_catalogue_load_and_errors(project):
    text = MINIMAL_STUDY + "data:\n  votes: {file: data/votes.csv}\n  vide: {file: data/vide.csv}\n"
    write_study(project, "testville", text, files={
        "data/votes.csv": "quartier;votes\nCentre;12\nNord;7\n", "data/vide.csv": ""})
    study = load_study("testville")
    votes = study.load("votes")
    assert votes["votes"].tolist() == [12, 7]
    with pytest.raises(CatalogError, match="study.yml: no dataset named 'vote' in the "
                                           "catalogue; datasets: votes, vide"):
        study.load("vote")
    with pytest.raises(CatalogError) as caught:
        study.check_data()
    assert str(caught.value) == ("study 'testville', studies/testville/data/vide.csv: "
                                 "the file is empty")


def test_record_writes_key_figures(project):
    write_study(project, "testville")
    study = load_study("testville")
    import numpy as np

    assert study.record("taux", np.float64(0.081), label="Taux de participation",
                        kind="percent") == 0.081
    study.record("votants", np.int64(973), label="Votants")
    study.record("taux", 0.09, label="Taux de participation", kind="percent")
    figures = json.loads((study.output_dir / "evidence.json").read_text(encoding="utf-8"))
    assert figures == {
        "taux": {"key": "taux", "value": 0.09, "label": "Taux de participation",
                 "kind": "percent"},
        "votants": {"key": "votants", "value": 973, "label": "Votants", "kind": "number"},
    }
    assert study.evidence()["taux"].text() == "9,0\xa0%"
    with pytest.raises(TypeError, match="cannot record a value of type list"):
        study.record("liste", [1, 2])


def test_a_date_that_does_not_exist_is_located(project):
    from civeval.errors import StudyError

    write_study(project, "fevrier", MINIMAL_STUDY.replace("2024-10-31", "2024-02-30"))
    with pytest.raises(StudyError, match=r"line 7, column \d+: 2024-02-30 is not a date"):
        load_study("fevrier")
