"""Scale benchmark of the delivery section (issue 13).

Target: a Paris-sized tracking table of 10,000 winning projects is read, split every way
the section splits it, and drawn as one delivery curve per edition in under 5 s.

Run it from the repository root::

    python benchmarks/realisation.py                  # 10,000 projects
    python benchmarks/realisation.py --projects 2000  # a quicker run
    python benchmarks/realisation.py --keep /tmp/bench  # keep the generated study

A deterministic generator (NumPy, fixed seed) first writes, in a temporary project, a
study whose catalogue holds a table laid out like Paris's ``bp_projets_gagnants`` (``;``,
UTF-8 with BOM, French headers, ``YYYY-MM`` dates) and a population table of its 20
arrondissements. Projects spread over ten editions (2014–2023, voted in September), 5 % of
them city-wide, 27 % in a priority neighbourhood, over eleven themes; the older an edition,
the more of its projects are open to the public, with studies, procedures, works and
opening dates in order; 4 % are abandoned; 0.5 % of the projects are shared by two
arrondissements and listed on two rows, as Paris lists the rue de Belleville.

Then, timed with ``time.perf_counter`` (the generation is not), what the template does
through :mod:`civeval.sections.realisation`: reading the table through the catalogue
(``Study.load``), the per-edition table and the rate on mature editions, every split
(scale, priority neighbourhood, theme, district, each beside its mature-edition rate), the
Kaplan–Meier curves per edition drawn to PNG with the overall median, the budgets counted
once per project, and the euros per inhabitant by district; each table rendered to HTML.

It prints each step's time, the total against the 5 s budget and the peak memory
(``ru_maxrss``, which includes the generator). The exit status is 1 when the total exceeds
the budget, so the benchmark can serve as a check.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from timing import Timer, peak_memory_mb, print_peak_memory, print_steps, within_budget

BUDGET_SECONDS = 5.0
SEED = 20241001
AS_OF = pd.Timestamp("2024-10-01")
EDITIONS = tuple(range(2014, 2024))
ARRONDISSEMENTS = tuple(f"750{number:02d}" for number in range(1, 21))
THEMES = ("Cadre de vie", "Education et jeunesse", "Environnement", "Culture et patrimoine",
          "Solidarités", "Sport", "Prévention et sécurité", "Mobilités", "Propreté",
          "Attractivité et emploi", "Santé")
CITY_SHARE = 0.05
PRIORITY_SHARE = 0.27
ABANDONED_SHARE = 0.04
SHARED_SHARE = 0.005  # projects listed on two rows, one per arrondissement
HEADER = ["Identifiant du projet lauréat", "Lien URL vers le projet soumis au vote",
          "Lien URL vers le projet lauréat", "Edition", "Titre du projet lauréat", "Thématique",
          "Direction pilote du projet lauréat", "Budget global du projet lauréat",
          "Echelle du Budget participatif", "Adresse du projet lauréat",
          "Arrondissement du projet lauréat", "Projet en Quartier populaire",
          "Avancement du projet", "Date de début des études du projet",
          "Date de lancement des procédures du projet",
          "Date de lancement des travaux du projet",
          "Date prévisonnelle de livraison du projet", "Date d'ouverture du projet au public",
          "Dernière mise à jour des données du projet"]
UNDER_WAY = ("LIVRAISON", "TRAVAUX", "PROCEDURES", "ETUDES", "(non démarré)")


def _months(votes: np.ndarray, months: np.ndarray) -> pd.Series:
    """``YYYY-MM`` of the vote month plus ``months`` (empty where ``months`` is negative)."""
    dates = pd.Series(votes).dt.to_period("M") + pd.Series(months).clip(lower=0)
    return dates.dt.strftime("%Y-%m").where(months >= 0, "")


def generate_tracking(path: Path, projects: int, seed: int = SEED) -> int:
    """Write a Paris-layout table of ``projects`` winning projects; return its rows."""
    rng = np.random.default_rng(seed)
    edition = np.sort(rng.choice(EDITIONS, size=projects))
    vote = pd.to_datetime([f"{year}-09-01" for year in edition]).to_numpy()
    age = (AS_OF.year - edition) * 12 + (AS_OF.month - 9)  # months since the vote
    # Months from the vote to each milestone; the opening comes last.
    studies = rng.integers(1, 12, projects)
    procedures = studies + rng.integers(1, 10, projects)
    works = procedures + rng.integers(1, 14, projects)
    opening = works + rng.gamma(2.0, 9.0, projects).astype(int) + 1
    abandoned = rng.random(projects) < ABANDONED_SHARE
    finished = ~abandoned & (opening <= age)
    status = np.where(finished, "FIN", "")
    waiting = ~abandoned & ~finished
    stage = np.select([works <= age, procedures <= age, studies <= age],
                      [0, 2, 3], default=4) + (rng.random(projects) < 0.5)
    status = np.where(waiting, np.take(UNDER_WAY, np.clip(stage, 0, 4)), status)
    status = np.where(abandoned, "ABANDONNÉ", status)
    city = rng.random(projects) < CITY_SHARE
    district = np.where(city, "75004", rng.choice(ARRONDISSEMENTS, size=projects))
    frame = pd.DataFrame({
        HEADER[0]: np.arange(1, projects + 1) + 100_000, HEADER[1]: "", HEADER[2]: "",
        HEADER[3]: edition, HEADER[4]: [f"Projet {n}" for n in range(1, projects + 1)],
        HEADER[5]: rng.choice(THEMES, size=projects), HEADER[6]: "Direction",
        HEADER[7]: np.round(rng.lognormal(12.4, 1.0, projects), -3).astype(int),
        HEADER[8]: np.where(city, "Budget participatif parisien",
                            "Budget participatif d’arrondissement"),
        HEADER[9]: "adresse", HEADER[10]: district,
        HEADER[11]: np.where(rng.random(projects) < PRIORITY_SHARE, "Oui", "Non"),
        HEADER[12]: status,
        HEADER[13]: _months(vote, np.where(studies <= age, studies, -1)),
        HEADER[14]: _months(vote, np.where(procedures <= age, procedures, -1)),
        HEADER[15]: _months(vote, np.where(works <= age, works, -1)),
        HEADER[16]: _months(vote, np.where(finished, np.minimum(works + 6, opening),
                                           works + 6)),
        HEADER[17]: _months(vote, np.where(finished, opening, -1)), HEADER[18]: ""})
    # A few projects shared by two arrondissements: a second row, its own id, same budget.
    shared = frame[~city & (rng.random(projects) < SHARED_SHARE)].copy()
    shared[HEADER[0]] += 1_000_000
    shared[HEADER[10]] = rng.choice(ARRONDISSEMENTS, size=len(shared))
    frame = pd.concat([frame, shared], ignore_index=True)
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return len(frame)


def generate_study(root: Path, projects: int) -> int:
    """A project with the study ``bench`` (tracking table and population); its rows."""
    folder = root / "studies" / "bench"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    rows = generate_tracking(folder / "data" / "projets.csv", projects)
    inhabitants = np.random.default_rng(SEED + 1).integers(15_000, 190_000, len(ARRONDISSEMENTS))
    pd.DataFrame({"arrondissement": ARRONDISSEMENTS, "population": inhabitants}).to_csv(
        folder / "data" / "population.csv", sep=";", index=False)
    editions = "\n".join(f'      - {{label: "{year}", start: {year}-09-01}}'
                         for year in EDITIONS)
    (folder / "study.yml").write_text(f"""\
title: "Benchmark de la réalisation des projets"
client: {{name: "Ville de Synthèse", kind: commune, insee_code: "75056", population: 2133111}}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
{editions}
data:
  projets: {{file: data/projets.csv, format: project_tracking, options: {{as_of: "2024-10-01"}}}}
  population: {{file: data/population.csv}}
""", encoding="utf-8")
    return rows


def run(root: Path, timer: Timer) -> dict:
    """What the template computes and shows, timing each step."""
    from civeval import load_study
    from civeval.presentation import report
    from civeval.sections import realisation as section

    group, years = "realisation", 5
    study = load_study("bench")
    report.setup(study)
    t = study.t
    with timer.step(group, "read the tracking table (Study.load, project_tracking)"):
        winners = study.load("projets")
    with timer.step(group, "per edition, mature editions, introduction"):
        shown = [section.introduction(study, winners, years, True)]
        per_edition = section.by_edition(study, winners, years)
        shown += [section.maturity(study, winners, years),
                  section.show(per_edition, t("realisation.editions.caption"))]
    with timer.step(group, "splits: scale, priority, theme, district (+ mature rates)"):
        reading, parts = section.splits(study, winners, years)
        shown += [section.show(table, t(f"realisation.split.{split}.caption"))
                  for split, table, _ in parts]
    with timer.step(group, f"Kaplan-Meier curves of {winners['edition'].nunique()} "
                           "editions -> PNG, medians"):
        figure, median, medians = section.delivery_curves(study, winners)
        shown += [figure, median, section.show(medians, t("realisation.delay.caption"))]
    with timer.step(group, "budgets counted once per project"):
        amounts, _ = section.budgets(study, winners)
        shown.append(section.show(amounts, t("realisation.budget.caption")))
    with timer.step(group, "euros per inhabitant by district"):
        funded, _ = section.funding_by_district(study, winners, study.load("population"))
        shown.append(section.show(funded, t("realisation.districts.caption")))
    evidence = study.evidence()
    return {"rows": len(winners), "splits": [split for split, _, _ in parts],
            "rate": evidence["implementation_rate"].value,
            "mature": evidence["implementation_rate_mature"].value,
            "median": evidence["median_delivery_months"].value,
            "funded": evidence["funded_budget"].value,
            "html_kb": sum(len(item.data) for item in shown) / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="generate the study here and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="civeval-realisation-bench-") as temporary:
        root = args.keep or Path(temporary)
        root.mkdir(parents=True, exist_ok=True)
        # The study lives in its own project; its figures go to its own reports folder.
        os.environ["CIVEVAL_ROOT"] = str(root)
        os.environ["CIVEVAL_REPORTS"] = str(root / "reports")
        started = time.perf_counter()
        rows = generate_study(root, args.projects)
        generation_seconds, generation_peak = time.perf_counter() - started, peak_memory_mb()
        timer = Timer()
        results = run(root, timer)
    print(f"civeval delivery benchmark - {args.projects:,} projects ({rows:,} rows), "
          f"{len(EDITIONS)} editions, {os.cpu_count()} CPUs")
    print(f"generated in {generation_seconds:.1f} s (not timed)"
          + (f"; study kept in {args.keep}" if args.keep else ""))
    print(f"implementation {results['rate']:.1%} overall, {results['mature']:.1%} on mature "
          f"editions; median delay {results['median']:.0f} months; "
          f"{results['funded']:,.0f} EUR funded; splits {', '.join(results['splits'])}; "
          f"{results['html_kb']:,.0f} kB of HTML")
    total = print_steps(timer, BUDGET_SECONDS)
    print_peak_memory(generation_peak)
    return 0 if within_budget(total, BUDGET_SECONDS, "read, splits and curves") else 1


if __name__ == "__main__":
    sys.exit(main())
