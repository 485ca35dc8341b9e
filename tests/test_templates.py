"""Templates: parameters cells, parameter checks before any kernel, dependency order."""

import pytest

from civeval.errors import ParameterError, TemplateError
from civeval.workbench.schema import Component
from civeval.workbench.templates import execution_order, find_template
from conftest import write_template


def order_of(*templates, **names) -> list[str]:
    """Section ids in execution order for components of ``templates`` (and named ones)."""
    components = [Component(template=t) for t in templates]
    components += [Component(template=t, name=n) for n, t in names.items()]
    return [component.id for _, component in execution_order(components)]


def test_the_framing_template_declares_its_parameters(project):
    template = find_template("00_cadrage")
    assert set(template.parameters) == {"study", "output_dir"}
    assert template.title("fr") == "Cadrage de l'évaluation"
    assert template.title("en") == "Evaluation framing"


PARAMETERS = """\
study = ""
output_dir = None
threshold: int = 5
share: float = 0.5
label: str = "x"
districts: list = []
required_year: int = None
optional_note: str | None = None
"""


def check(project, values):
    write_template(project, "10_test", PARAMETERS)
    find_template("10_test").check_parameters(values)


def test_valid_parameters_pass(project):
    check(project, {"required_year": 2024, "share": 1, "districts": ["Centre"],
                    "optional_note": None})


@pytest.mark.parametrize(("values", "message"), [
    ({"required_year": 2024, "treshold": 3},
     "template 10_test has no parameter 'treshold' (its parameters: threshold, share, label, "
     "districts, required_year, optional_note)"),
    ({}, "template 10_test: parameter 'required_year' is required"),
    ({"required_year": "2024"}, "template 10_test: required_year expects a value of type int, "
                                "got '2024' (str)"),
    ({"required_year": 2024, "threshold": True}, "threshold expects a value of type int, got True"),
    ({"required_year": 2024, "share": "moitié"}, "share expects a value of type float"),
    ({"required_year": 2024, "districts": "Centre"}, "districts expects a value of type list"),
    ({"required_year": None}, "required_year may not be empty"),
])
def test_bad_parameters_are_errors(project, values, message):
    with pytest.raises(ParameterError) as caught:
        check(project, values)
    assert message in str(caught.value)


def test_templates_must_declare_the_runner_parameters(project):
    write_template(project, "10_test", "study = ''\n")
    with pytest.raises(TemplateError, match="the parameters cell must declare output_dir"):
        _ = find_template("10_test").parameters


def test_unknown_template(project):
    with pytest.raises(TemplateError, match=r"no template '01_absent'.*templates: 00_cadrage"):
        find_template("01_absent")


def test_execution_follows_requirements(project):
    write_template(project, "20_synthese", requires=["10_enquete", "00_cadrage"])
    write_template(project, "10_enquete", requires=["00_cadrage"])
    assert order_of("20_synthese", "10_enquete", "00_cadrage") == [
        "00_cadrage", "10_enquete", "20_synthese"]


def test_two_components_of_one_template_run_before_what_requires_that_template(project):
    write_template(project, "20_synthese", requires=["10_enquete"])
    write_template(project, "10_enquete")
    order = order_of("20_synthese", "10_enquete", enquete_2025="10_enquete")
    assert order.index("20_synthese") > max(order.index("10_enquete"),
                                            order.index("enquete_2025"))


def test_a_template_follows_the_sections_the_study_has(project):
    write_template(project, "90_synthese", follows=["10_enquete", "20_absent"])
    write_template(project, "10_enquete")
    # 20_absent is not required: no error
    assert order_of("90_synthese", "10_enquete") == ["10_enquete", "90_synthese"]


def test_missing_requirement_and_cycles(project):
    write_template(project, "10_a", requires=["10_b"])
    write_template(project, "10_b", requires=["10_a"])
    with pytest.raises(TemplateError, match="10_a requires 10_b, which the study does not list"):
        order_of("10_a")
    with pytest.raises(TemplateError, match="templates require each other in a cycle"):
        order_of("10_a", "10_b")


def test_prepared_notebook_keeps_the_report_language_only(project):
    template = find_template("00_cadrage")
    french = template.prepared("fr")
    english = template.prepared("en")
    french_text = "\n".join(c.source for c in french.cells)
    english_text = "\n".join(c.source for c in english.cells)
    assert "# Cadrage de l'évaluation" in french_text
    assert "# Evaluation framing" not in french_text
    assert "# Evaluation framing" in english_text
    assert [c.id for c in french.cells] == [f"cell-{i}" for i in range(len(french.cells))]
