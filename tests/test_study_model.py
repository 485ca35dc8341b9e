"""The study model of real studies: typed datasets bound to schemes, editions and districts,
editions dated by a year or a month, named components, and templates that refuse the wrong
dataset before any kernel starts."""

import datetime as dt

import pytest

from civeval import load_study
from civeval.errors import ParameterError, StudyError
from civeval.workbench.runner import plan_study
from conftest import MINIMAL_STUDY, run_cli, write_study

PABULIB = """META
key;value
instance;2024
num_votes;2
budget;1000
vote_type;approval
PROJECTS
project_id;cost;votes
1;600;2
2;400;1
VOTES
voter_id;vote
a;1,2
b;1
"""

PARTICIPANTS = "id;edition;quartier\n1;2024;Centre\n2;2024;Nord\n"

TWO_SCHEMES = """\
title: "Évaluation test"
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {label: "2023"}
      - {label: "2024", start: 2024-03, end: 2024}
  - name: "Conseils de quartier"
    type: conseil de quartier
    editions:
      - {label: "mandat 2020-2026", start: 2020, end: 09/2026}
"""


def error_of(project, text: str, files=None, exception=StudyError) -> str:
    write_study(project, "etude", text, files)
    with pytest.raises(exception) as caught:
        plan_study("etude")
    return str(caught.value)


def test_editions_may_be_dated_by_a_year_or_a_month(project):
    write_study(project, "etude", TWO_SCHEMES)
    study = load_study("etude")
    bp, councils = study.schemes
    assert (bp.editions[0].start, bp.editions[0].end, bp.editions[0].precision) == (
        dt.date(2023, 1, 1), dt.date(2023, 12, 31), "year")
    assert (bp.editions[1].start, bp.editions[1].end, bp.editions[1].precision) == (
        dt.date(2024, 3, 1), dt.date(2024, 12, 31), "year")
    assert (councils.editions[0].start, councils.editions[0].end) == (
        dt.date(2020, 1, 1), dt.date(2026, 9, 30))
    assert study.period == (dt.date(2020, 1, 1), dt.date(2026, 9, 30))


def test_an_edition_without_a_date_needs_a_year_for_label(project):
    text = TWO_SCHEMES.replace('{label: "mandat 2020-2026", start: 2020, end: 09/2026}',
                               '{label: "mandat"}')
    message = error_of(project, text)
    assert "line 12, column 9" in message
    assert "give its start: a day, a month (2024-03) or a year (2024)" in message


def test_a_month_that_does_not_exist_is_located(project):
    message = error_of(project, TWO_SCHEMES.replace("start: 2024-03", "start: 2024-13"))
    assert "line 8, column 9" in message and "'2024-13' is not a month" in message


def test_a_foreign_client_needs_no_insee_code(project):
    text = MINIMAL_STUDY.replace('insee_code: "35238"', 'country: PL')
    write_study(project, "etude", text)
    assert load_study("etude").client.insee_code is None
    (project / "studies" / "etude" / "study.yml").write_text(
        MINIMAL_STUDY.replace('insee_code: "35238", ', ""), encoding="utf-8")
    with pytest.raises(StudyError) as caught:
        load_study("etude")
    message = str(caught.value)
    assert "insee_code is required for a French commune" in message


def test_datasets_bound_to_unknown_schemes_or_editions_are_located(project):
    text = TWO_SCHEMES + """\
data:
  vote_2022:
    file: data/vote.pb
    scheme: "Budget participatif"
    edition: 2022
  votants:
    file: data/votants.csv
    scheme: "Budget participatf"
"""
    message = error_of(project, text, {"data/vote.pb": PABULIB, "data/votants.csv": PARTICIPANTS})
    lines = message.splitlines()
    assert len(lines) == 2
    assert "line 17, column 5: data.vote_2022: edition '2022' is not an edition of scheme " \
           "'Budget participatif' (editions: 2023, 2024)" in lines[0]
    assert "line 20, column 5: data.votants: no scheme named 'Budget participatf'" in lines[1]


def test_two_datasets_of_one_kind_for_the_same_edition_and_district_are_refused(project):
    text = TWO_SCHEMES + """\
data:
  vote_a:
    file: data/a.pb
    edition: "2024"
  vote_b:
    file: data/b.pb
    edition: "2024"
  vote_nord:
    file: data/c.pb
    edition: "2024"
    district: Nord
"""
    message = error_of(project, text, {f"data/{x}.pb": PABULIB for x in "abc"})
    assert message.endswith("line 17, column 3: data.vote_b: data.vote_a is already the vote "
                            "of edition 2024, the whole territory: give each dataset its own "
                            "scheme, edition or district")


def test_one_template_twice_needs_a_name_for_each(project):
    twice = MINIMAL_STUDY + "components:\n  - 00_cadrage\n  - 00_cadrage\n"
    message = error_of(project, twice)
    assert "line 10, column 5: components: 00_cadrage appears twice; give each a distinct " \
           "`name`" in message
    named = MINIMAL_STUDY + ("components:\n  - 00_cadrage\n"
                             "  - {template: 00_cadrage, name: cadrage-bis}\n")
    write_study(project, "nommee", named)
    plan = plan_study("nommee")
    assert [component.id for _, component in plan.steps] == ["00_cadrage", "cadrage-bis"]
    assert set(plan.fingerprints) == {"00_cadrage", "cadrage-bis"}


def test_a_question_mapped_to_a_figure_no_section_records_is_refused(project):
    text = MINIMAL_STUDY + """\
evaluation_questions:
  efficacité:
    - "Le vote mobilise-t-il ?"
    - question: "La participation baisse-t-elle ?"
      indicators: [turnout_rate, turnout_rat]
"""
    message = error_of(project, text)
    assert message.endswith("line 12, column 34: evaluation question maps to 'turnout_rat', "
                            "a figure no section records (did you mean 'turnout_rate'?)")


def test_benchmark_needs_at_least_one_peer(project):
    message = error_of(project, MINIMAL_STUDY + "benchmark: {min_peers: 0}\n")
    assert "benchmark.min_peers: Input should be greater than or equal to 1" in message


def with_participation(parameters: str, data: str) -> str:
    return TWO_SCHEMES + data + f"""\
components:
  - template: 30_participation
    parameters: {parameters}
"""


VOTE_AND_PEOPLE = """\
data:
  vote_2024:
    file: data/vote.pb
    scheme: "Budget participatif"
  votants:
    file: data/votants.csv
    kind: participants
    scheme: "Conseils de quartier"
"""
FILES = {"data/vote.pb": PABULIB, "data/votants.csv": PARTICIPANTS}


@pytest.mark.parametrize("parameters, expected", [
    ('{scheme: "Budget participatif", participants: vote_2024}',
     "line 23, column 49: template 30_participation: participants: data.vote_2024 holds a "
     "vote, and participants expects a participants table"),
    ('{scheme: "Budget participatif", ballots: votants}',
     "line 23, column 49: template 30_participation: ballots: data.votants holds a "
     "participants table, and ballots expects a vote"),
    ('{scheme: "Budget participatif", margins: [vote_2024]}',
     "line 23, column 49: template 30_participation: margins takes one dataset, not a list"),
    ('{scheme: "Budget participatif", ballots: [vote_2024, vote_2025]}',
     "line 23, column 70: template 30_participation: ballots: no dataset named 'vote_2025' in "
     "the catalogue (did you mean 'vote_2024'?)"),
    ('{scheme: "Budget participatif", participants: votants}',
     "line 23, column 49: template 30_participation: participants: data.votants holds data of "
     "the scheme 'Conseils de quartier', not of 'Budget participatif', the one this component "
     "measures"),
])
def test_templates_refuse_the_wrong_dataset_before_any_kernel(project, parameters, expected):
    message = error_of(project, with_participation(parameters, VOTE_AND_PEOPLE), FILES,
                       ParameterError)
    # The first problem of the component (ballots: votants is also of another scheme).
    assert message.splitlines()[0] == f"study 'etude', studies/etude/study.yml, {expected}"


def test_a_plain_table_serves_any_tabular_kind(project):
    data = "data:\n  votants:\n    file: data/votants.csv\n"
    write_study(project, "etude", with_participation(
        '{scheme: "Budget participatif", participants: votants, person: id}', data), FILES)
    plan_study("etude")


def test_validate_warns_of_datasets_no_component_reads(project):
    write_study(project, "etude", with_participation(
        '{scheme: "Budget participatif", ballots: vote_2024}', VOTE_AND_PEOPLE), FILES)
    result = run_cli("validate", "etude", root=project)
    assert result.returncode == 0, result.stderr
    assert ("civeval: warning: studies/etude/study.yml:17:3: dataset 'votants' is read by no "
            "component") in result.stderr
