"""No output describes a group of fewer people than the study's threshold: a demo-like study
with groups of 2 and 3 people (interviews, workshop tables, survey categories, voting
channels and districts) is run through ``civeval run``, and every table of its HTML pages
and every sheet of its workbooks is read as a reader would.

What is checked, in every table and sheet:

- a column that counts the people of a group (respondents, participants, voters, people
  heard, interviews per group…) holds no count from 1 to threshold − 1;
- within the rows of one variable (or the whole table), a hidden count is never alone: a
  published total would give it back (secondary suppression);
- a small group is never a column, nor a row whose figures are shown: each is merged into
  its broader group, or hidden with its figures.

Counts of mentions (interviews raising a theme, votes for a proposal) describe the groups
shown, not groups of people of their own, and are not checked.
"""

from __future__ import annotations

import pytest
import yaml
from hostile_studies import (
    INTERVIEWS,
    REPO,
    SMALL_GROUP_LABELS,
    SMALL_SURVEY_CATEGORIES,
    THRESHOLD,
    WORKSHOP,
    run_project,
)
from report_outputs import Table, tables

from civeval.presentation import fmt

LOCALE = yaml.safe_load((REPO / "lib/civeval/presentation/locales/fr.yml").read_text(
    encoding="utf-8"))
PEOPLE = {LOCALE[f"column.{key}"] for key in (
    "respondents", "n", "participants", "voters", "returning", "present", "n_pairs",
    "unique_participants", "speakers", "answers")}
"""Headers of columns that count people, whatever the table."""
GROUP, INTERVIEWS_HEADER = LOCALE["column.group"], LOCALE["column.interviews"]


def _count(value) -> float | None:
    """A cell as a number (French or as stored), None when it is hidden, text or empty."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _people_columns(table: Table) -> list[int]:
    columns = [i for i, header in enumerate(table.headers) if header in PEOPLE]
    if table.headers and table.headers[0] == GROUP:  # interviews per group: people heard
        columns += [i for i, header in enumerate(table.headers) if header == INTERVIEWS_HEADER]
    return sorted(columns)


def _by_variable(table: Table) -> dict[str, list[list]]:
    """Rows in groups adding up to a published total: by the first column when it repeats
    (a variable and its categories, an edition and its channels), else the whole table."""
    keys = [str(row[0]) for row in table.rows]
    if len(set(keys)) == len(keys):
        return {"": table.rows}
    return {key: [row for row in table.rows if str(row[0]) == key] for key in dict.fromkeys(keys)}


def small_counts(found: list[Table]) -> list[str]:
    problems = []
    for table in found:
        for column in _people_columns(table):
            for row in table.rows:
                value = _count(row[column]) if column < len(row) else None
                if value is not None and 0 < value < THRESHOLD:
                    problems.append(f"{table.where}: {table.headers[column]} = {row[column]} "
                                    f"({row[0]})")
    return problems


def lonely_hidden_cells(found: list[Table]) -> list[str]:
    problems = []
    for table in found:
        for column in _people_columns(table):
            for key, rows in _by_variable(table).items():
                hidden = [row[0] for row in rows if column < len(row)
                          and row[column] in (fmt.MISSING, None, "")]
                if len(hidden) == 1 and len(rows) > 1:
                    problems.append(f"{table.where}: {table.headers[column]} of {hidden[0]} "
                                    f"alone hidden {f'in {key}' if key else ''}")
    return problems


def small_groups_shown(found: list[Table], labels: list[str]) -> list[str]:
    problems = []
    for table in found:
        problems += [f"{table.where}: column {header}" for header in table.headers
                     if header in labels]
        for row in table.rows:
            figures = [value for value in row[1:] if _count(value) is not None]
            if str(row[0]) in labels and figures:
                problems.append(f"{table.where}: row {row[0]} shows {figures}")
    return problems


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    return tables(run_project(tmp_path_factory) / "petits-groupes")


def test_the_study_has_the_small_groups_it_claims():
    assert min(INTERVIEWS.values()) < THRESHOLD and min(WORKSHOP.values()) < THRESHOLD
    assert all(n < THRESHOLD for categories in SMALL_SURVEY_CATEGORIES.values()
               for n in categories.values())


def test_every_section_and_workbook_was_read(found):
    places = {table.where.split(" ")[0] for table in found}
    assert {"10_questionnaire.html", "20_entretiens.html", "30_participation.html",
            "90_rapport.html", "matrice_codes_entretiens.xlsx"} <= places
    assert any(_people_columns(table) for table in found)


def test_no_count_of_people_under_the_threshold_is_published(found):
    assert small_counts(found) == []


def test_no_hidden_count_can_be_recovered_from_a_total(found):
    assert lonely_hidden_cells(found) == []


def test_no_small_group_is_shown_apart(found):
    assert small_groups_shown(found, SMALL_GROUP_LABELS) == []


def test_the_scan_finds_what_it_looks_for():
    # The three checks above on tables that break each rule.
    heard = Table("t", [GROUP, INTERVIEWS_HEADER, LOCALE["column.speakers"]],
                  [["Élu·es", "3", "3"], ["Habitant·es", "9", "9"]])
    assert small_counts([heard]) == ["t: Entretiens = 3 (Élu·es)",
                                     "t: Personnes entendues = 3 (Élu·es)"]
    hidden = Table("t", ["Variable", "Modalité", LOCALE["column.respondents"]],
                   [["Âge", "18-29", fmt.MISSING], ["Âge", "30-44", "40"], ["Sexe", "F", "20"],
                    ["Sexe", "H", "22"]])
    assert lonely_hidden_cells([hidden]) == ["t: Répondants of Âge alone hidden in Âge"]
    by_group = Table("t", ["code", "Élu·es", "Habitant·es"], [["Budget", 0.5, 0.25]])
    assert small_groups_shown([by_group, heard], ["Élu·es"]) == [
        "t: column Élu·es", "t: row Élu·es shows ['3', '3']"]


def test_the_demo_publishes_no_count_of_people_under_the_threshold(demo_reports):
    # Only counts: a dash there also stands for what is not known (the contributors of
    # supports on a platform that does not say who supported), not always for a hidden cell.
    assert small_counts(tables(demo_reports)) == []
