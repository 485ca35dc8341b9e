"""Plausibility checks block the client report until they are fixed or acknowledged."""

import pytest

from civeval import plausibility
from civeval.errors import StudyError
from civeval.plausibility import Failure
from civeval.workbench.runner import plan_study, run
from conftest import MINIMAL_STUDY, write_study

WITH_REPORT = MINIMAL_STUDY + "components: [00_cadrage, 90_rapport]\n"


def always_fails(study):
    return [Failure("winners_within_budget", "the winners cost 193 819 € for 150 000 €",
                    dataset="vote_2024")]


@pytest.fixture
def failing(monkeypatch):
    monkeypatch.setitem(plausibility.CHECKS, "winners_within_budget",
                        f"{__name__}:always_fails")
    plausibility._resolve.cache_clear()
    yield
    plausibility._resolve.cache_clear()


def test_an_acknowledgement_names_a_known_check_and_dataset(project, failing):
    write_study(project, "etude", WITH_REPORT + """\
acknowledge:
  - {check: winners_in_budget, reason: "Complément voté en cours d'année"}
  - {check: winners_within_budget, dataset: vote, reason: "Complément"}
""")
    with pytest.raises(StudyError) as caught:
        plan_study("etude")
    first, second = str(caught.value).splitlines()
    assert first == ("study 'etude', studies/etude/study.yml, line 10, column 6: acknowledge: "
                     "no check named 'winners_in_budget' (did you mean "
                     f"'winners_within_budget'?); checks: {', '.join(sorted(plausibility.CHECKS))}")
    assert second.endswith("line 11, column 36: acknowledge: no dataset named 'vote' in the "
                           "catalogue")


def test_a_failed_check_blocks_the_client_report_only(project, failing, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    write_study(project, "etude", WITH_REPORT)
    plan = plan_study("etude")
    assert [str(f) for f in plan.blocked] == [
        "winners_within_budget: data.vote_2024: the winners cost 193 819 € for 150 000 €"]
    [result] = run([plan], show_progress=False, jobs=1)
    statuses = {s.template: s.status for s in result.sections}
    assert statuses == {"00_cadrage": "success", "90_rapport": "blocked"}
    status_page = (tmp_path / "reports" / "etude" / "index.html").read_text("utf-8")
    assert "Contrôles de vraisemblance des données" in status_page
    assert "Non : le rapport client n&#39;est pas produit" in status_page


def test_an_acknowledged_failure_is_stated_among_the_limits(project, failing, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    write_study(project, "etude", WITH_REPORT + """\
acknowledge:
  - {check: winners_within_budget, reason: "La commune a complété l'enveloppe en cours d'année."}
""")
    plan = plan_study("etude")
    assert plan.failures and not plan.blocked
    [result] = run([plan], show_progress=False, jobs=1)
    assert {s.template: s.status for s in result.sections}["90_rapport"] == "success"
    report = (tmp_path / "reports" / "etude" / "index.html").read_text("utf-8")
    assert ("Contrôle de vraisemblance « les lauréats tiennent dans l'enveloppe » non satisfait "
            "et examiné : La commune a complété l'enveloppe en cours d'année.") in report


def test_a_share_over_100_percent_is_a_limit_not_a_conclusion(project, tmp_path):
    from civeval import load_study
    from civeval.diagnosis.findings import diagnose
    from civeval.sections import rapport

    write_study(project, "etude", MINIMAL_STUDY)
    study = load_study("etude")
    study.output_dir = tmp_path
    study.record("turnout_rate", 1.35, "Taux de participation en 2024", "percent")
    study.record("interviews", 12, "Entretiens", "number")
    assert [record.key for record in rapport.headline(study)] == ["interviews"]
    assert "turnout_level" not in set(diagnose(study)["rule"])
    assert ("Taux de participation en 2024 vaut 135,0\u00a0%, hors de l'intervalle 0–100 % : "
            "les données qui le fondent sont à vérifier, et le rapport n'en tire aucune "
            "conclusion.") in rapport.limits(study)
