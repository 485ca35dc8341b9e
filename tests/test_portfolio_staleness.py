"""A benchmark never goes stale: the peers' figures are part of what makes it up to date."""

import json
import shutil

import pytest

from civeval.evidence.store import read
from conftest import REPO, run_cli, write_study

STUDY = """\
title: "Évaluation {name}"
client: {{name: "{name}", kind: commune, insee_code: "{code}", population: 12000}}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions: [{{label: "2023"}}, {{label: "2024"}}]
data:
  votants: {{file: data/votants.csv, kind: participants}}
components:
  - template: 30_participation
    parameters: {{participants: votants, person: id}}
  - template: 40_parangonnage
    parameters: {{indicators: [turnout_rate]}}
"""


def voters(count_2023: int, count_2024: int) -> str:
    rows = [f"{n};2023" for n in range(count_2023)] + [f"{n};2024" for n in range(count_2024)]
    return "id;edition\n" + "\n".join(rows) + "\n"


@pytest.fixture
def two_studies(tmp_path):
    root = tmp_path / "project"
    (root / "studies").mkdir(parents=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    for slug, name, code, (first, last) in (("ville-a", "Ville A", "35001", (500, 480)),
                                            ("ville-b", "Ville B", "35002", (700, 650))):
        write_study(root, slug, STUDY.format(name=name, code=code),
                    {"data/votants.csv": voters(first, last)})
    return root


def sections(root, slug) -> dict[str, dict]:
    record = json.loads((root / "reports" / slug / "run.json").read_text("utf-8"))
    return {s["template"]: s for s in record["sections"]}


def run(root, *args):
    result = run_cli("run", *args, "--no-progress", root=root,
                     env={"CIVEVAL_REPORTS": str(root / "reports"), "COLUMNS": "160"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_one_batch_gives_the_benchmark_two_would(two_studies):
    root = two_studies
    run(root, "--all")
    # A's benchmark already counts B as a peer, though B ran in the same batch.
    position = read(root / "reports" / "ville-a")["turnout_rate"].position
    assert (position.peers, position.median) == (1, pytest.approx(650 / 12000))
    first = (root / "reports" / "ville-a" / "40_parangonnage.html").read_text("utf-8")
    again = run(root, "--all")
    assert "up to date" in again.stdout
    assert all(s["status"] == "success" for s in sections(root, "ville-a").values())
    assert (root / "reports" / "ville-a" / "40_parangonnage.html").read_text("utf-8") == first


def test_a_peer_changing_reruns_the_benchmark_alone_and_says_why(two_studies):
    root = two_studies
    run(root, "--all")
    before = sections(root, "ville-b")
    (root / "studies" / "ville-a" / "data" / "votants.csv").write_text(voters(500, 300))
    run(root, "ville-a")
    result = run(root, "ville-b")
    after = sections(root, "ville-b")
    assert after["30_participation"]["reused"] is True
    assert after["30_participation"]["fingerprint"] == before["30_participation"]["fingerprint"]
    assert after["40_parangonnage"]["reused"] is False
    assert after["40_parangonnage"]["reason"] == "peers"
    assert "comparables modifiés" in result.stdout
    position = read(root / "reports" / "ville-b")["turnout_rate"].position
    assert position.median == pytest.approx(300 / 12000)
    # Nothing changed since: up to date, without loading anything.
    unchanged = run(root, "ville-b")
    assert "up to date" in unchanged.stdout and "success" not in unchanged.stdout
    # Forced, it runs again, but not because its peers changed.
    forced = run(root, "ville-b", "--force")
    assert "success" in forced.stdout and "comparables modifiés" not in forced.stdout


def test_a_batch_reruns_the_benchmark_of_a_study_whose_peer_changed(two_studies):
    root = two_studies
    run(root, "--all")
    (root / "studies" / "ville-a" / "data" / "votants.csv").write_text(voters(500, 300))
    result = run(root, "--all")
    after = sections(root, "ville-b")
    assert after["30_participation"]["reused"] is True
    assert (after["40_parangonnage"]["reused"], after["40_parangonnage"]["reason"]) == (
        False, "peers")
    assert "comparables modifiés" in result.stdout
    assert read(root / "reports" / "ville-b")["turnout_rate"].position.median == \
        pytest.approx(300 / 12000)
