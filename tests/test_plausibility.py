"""Plausibility checks of tracking tables and platform exports
(civeval.transparency.checks): each catches crafted bad data, and the demo studies pass."""

import itertools

import pytest

from civeval import load_study, plausibility
from civeval.transparency import checks
from conftest import MINIMAL_STUDY, write_study

STUDY = MINIMAL_STUDY.replace('end: 2024-10-31}', 'end: 2024-10-31, budget: 100000}') + """\
data:
  vote_2024: {file: data/vote.pb, edition: "2024"}
  suivi:
    file: data/suivi.csv
    format: project_tracking
    options:
      as_of: 2025-06-30
      vote_month: 10
      mapping: {project_id: id, edition: annee, title: titre, budget: montant, status: etat,
                studies_date: etudes, works_date: travaux, delivery_date: livraison,
                opening_date: ouverture}
"""
VOTE = """\
META
key;value
num_projects;3
num_votes;2
budget;100000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
P1;60000;2;Jardin partagé
P2;30000;1;Aire de jeux
P3;50000;1;Piste cyclable
VOTES
voter_id;vote
v1;P1,P2
v2;P1,P3
"""
HEADER = "id;annee;titre;montant;etat;etudes;travaux;livraison;ouverture\n"
GOOD = HEADER + ("P1;2024;Jardin partagé;60000;FIN;2024-12;2025-02;2025-05;2025-05\n"
                 "P2;2024;Aire de jeux;30000;ETUDES;2025-01;;2024-11;\n")


@pytest.fixture
def study(project, monkeypatch, tmp_path):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))

    made = itertools.count(1)

    def make(tracking: str = GOOD, extra: str = "", files=None):
        slug = f"controles-{next(made)}"
        write_study(project, slug, STUDY + extra,
                    files={"data/vote.pb": VOTE, "data/suivi.csv": tracking, **(files or {})})
        return load_study(slug)
    return make


def test_every_check_is_registered():
    for name in ("tracking_winners_in_vote", "tracking_within_budget", "dates_in_order"):
        assert plausibility.CHECKS[name] == f"civeval.transparency.checks:check_{name}"


def test_good_data_passes_every_check(study):
    good = study()
    assert checks.check_tracking_winners_in_vote(good) == []
    assert checks.check_tracking_within_budget(good) == []
    # P2 is still in studies: its planned delivery, before them, is a plan that slipped.
    assert checks.check_dates_in_order(good) == []


@pytest.mark.parametrize("slug", ["demo-saint-aubin", "demo-val-de-brenne",
                                  "demo-villeneuve-ardre"])
def test_the_demo_studies_pass_every_check(slug):
    demo = load_study(slug)
    for check in (checks.check_tracking_winners_in_vote, checks.check_tracking_within_budget,
                  checks.check_dates_in_order):
        assert check(demo) == []


def test_winners_missing_from_the_vote_are_named_with_their_line(study):
    # P9 has another id but P3's title: the same project. P7 is nowhere in the vote.
    tracking = GOOD + "P9;2024;PISTE cyclable;5000;ETUDES;;;;\nP7;2024;Parking;1000;ETUDES;;;;\n"
    failures = checks.check_tracking_winners_in_vote(study(tracking))
    assert [(f.check, f.dataset) for f in failures] == [("tracking_winners_in_vote", "suivi")]
    assert failures[0].message == (
        "1 winning project(s) of the tracking table are not among the projects of the vote "
        "of their edition, by id nor by title: P7 (2024, line 5)")


def test_winners_of_an_edition_without_a_vote_are_not_judged(study):
    tracking = GOOD + "X1;2023;Parking;1000;FIN;;;;\n"
    assert checks.check_tracking_winners_in_vote(study(tracking)) == []


def test_winners_over_the_envelope(study):
    tracking = GOOD + "P3;2024;Piste cyclable;50000;ETUDES;;;;\n"
    failures = checks.check_tracking_within_budget(study(tracking))
    assert [f.dataset for f in failures] == ["suivi"]
    assert failures[0].message == (
        "the winners of the tracking table cost more than the edition's budget in study.yml "
        "(each project counted once): 2024: 140,000 € for an envelope of 100,000 €")
    # A project listed twice (same title and amount) counts once.
    tracking = GOOD + "P1b;2024;Jardin partagé;60000;FIN;2024-12;2025-02;2025-05;2025-05\n"
    assert checks.check_tracking_within_budget(study(tracking)) == []


def test_milestones_out_of_order(study):
    tracking = HEADER + ("P1;2024;Jardin partagé;60000;FIN;2025-03;2025-02;2025-05;2025-05\n"
                         "P2;2024;Aire de jeux;30000;FIN;2024-12;2025-02;2025-01;2025-06\n"
                         "P3;2024;Piste cyclable;5000;LIVRAISON;2024-12;2025-02;2025-01;\n")
    failures = checks.check_dates_in_order(study(tracking))
    assert [f.dataset for f in failures] == ["suivi"]
    # P2 was delivered before its works began; P3's delivery is only planned.
    assert failures[0].message == (
        "2 winning project(s) have milestones out of order (studies, procedures, works, then "
        "delivery or opening): P1 (line 2: works 2025-02 before studies 2025-03), "
        "P2 (line 3: delivery 2025-01 before works 2025-02)")


def test_proposals_answered_before_they_were_published(study):
    proposals = ("id;state;published_at;answered_at\n"
                 "1;accepted;2025-03-02T08:15:00+01:00;2025-04-01T10:00:00+02:00\n"
                 "2;rejected;2025-03-05T13:00:00+01:00;2025-03-01T10:00:00+01:00\n"
                 "3;;2025-03-06T13:00:00+01:00;\n")
    extra = "  propositions: {file: data/proposals.csv, format: decidim}\n"
    failures = checks.check_dates_in_order(study(extra=extra,
                                                 files={"data/proposals.csv": proposals}))
    assert [(f.check, f.dataset, f.message) for f in failures] == [
        ("dates_in_order", "propositions",
         "1 proposal(s) answered before they were published: 2 (line 3)")]
