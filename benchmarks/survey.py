"""Scale benchmark of the questionnaire section (issue 3).

Target: 200,000 responses x 40 questions -- import, raking on 4 margins and every estimate
of the ``10_questionnaire`` template in under 60 s on a 2-core machine.

Run it from the repository root::

    python benchmarks/survey.py                      # 200,000 responses x 40 questions
    python benchmarks/survey.py --rows 20000         # a quicker run
    python benchmarks/survey.py --keep /tmp/bench    # keep the generated export

A deterministic generator (NumPy, fixed seed) first writes, in a temporary folder, a
LimeSurvey CSV export (``,``-separated, every field quoted, UTF-8; system columns, some
incomplete responses), its codebook (YAML) and population margins for the 4 profile
questions (age band, sex, district, PCS; the same total for each). ``--questions`` counts
the answer columns besides the profile: 1 free-text, 2 numeric and 2 single-choice
questions, the rest Likert arrays of up to 5 items (``Q1[SQ001]``...) with a "Ne sait pas"
code, on a 4-level agreement or a 5-level satisfaction scale.

Then, timed with ``time.perf_counter`` (the generation is not):

1. import: ``read_survey`` with the codebook, and the margins (format ``margins``);
2. raking: ``rake`` on the 4 margins, with Kish's design effect and effective sample size;
3. estimates, as the template computes them: ``likert_table`` (weighted) of each Likert
   question, ``estimate_proportion`` of agreement of each item (weighted),
   ``representativeness`` of each margin variable before and after weighting,
   ``compare_groups`` of each item by sex and by age band (unweighted).

It prints each step's time, the total against the 60 s budget and the peak memory
(``ru_maxrss``, which includes the generator). The exit status is 1 when the total exceeds
the budget, so the benchmark can serve as a check.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from timing import Timer, peak_memory_mb, print_peak_memory, within_budget

from civeval.representativeness import representativeness
from civeval.survey.compare import compare_groups
from civeval.survey.estimates import estimate_proportion
from civeval.survey.io import read_survey
from civeval.survey.likert import likert_table, scale_sides
from civeval.survey.margins import as_margins, read_margins
from civeval.survey.weights import design_effect, effective_sample_size, rake

BUDGET_SECONDS = 60.0
SEED = 20250403
POPULATION = 412_000  # residents aged 18 and over: the total of every margin
INCOMPLETE_SHARE = 0.07
DONT_KNOW_SHARE = 0.04
BLANK_SHARE = 0.02
ITEMS_PER_ARRAY = 5
WEIGHT = "_weight"

DONT_KNOW = "Ne sait pas"
AGREEMENT = ("Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
             "Pas du tout d'accord")
SATISFACTION = ("Très satisfait", "Plutôt satisfait", "Ni satisfait ni insatisfait",
                "Plutôt insatisfait", "Très insatisfait")
STATEMENTS = ("La consultation portait sur des choix encore ouverts",
              "L'information sur le projet était claire",
              "Mon avis sera pris en compte",
              "Les réunions étaient organisées à des horaires adaptés",
              "Les transports actuels répondent à mes besoins",
              "Le projet améliorera la vie du quartier",
              "J'ai pu m'exprimer librement",
              "Les élus ont répondu aux questions posées")
SERVICES = ("la propreté des rues", "l'éclairage public", "les espaces verts",
            "les équipements sportifs", "l'offre culturelle", "le stationnement",
            "les pistes cyclables", "l'accueil en mairie")
TEXT_ANSWERS = ("Plus de pistes cyclables, s'il vous plaît.",
                "Le bus 12 passe trop rarement le dimanche.",
                "Merci pour cette consultation !",
                'Il faudrait un vrai "budget participatif", pas seulement des réunions.',
                "Les réunions finissent trop tard.\nJ'ai des enfants, je ne peux pas venir.",
                "Rien à ajouter",
                "Trottoirs encombrés rue Pasteur ; éclairage insuffisant près du gymnase.")


@dataclass(frozen=True)
class Profile:
    """A profile question: its codes and labels, respondents' and population shares."""

    id: str
    label: str
    levels: tuple[str, ...]
    sample: tuple[float, ...]  # shares among respondents: older, more female...
    population: tuple[float, ...]  # shares among residents


AGE = Profile("age", "Tranche d'âge", ("18-29", "30-44", "45-59", "60-74", "75+"),
              (0.11, 0.21, 0.26, 0.27, 0.15), (0.22, 0.25, 0.24, 0.18, 0.11))
SEX = Profile("sexe", "Sexe", ("Une femme", "Un homme"), (0.57, 0.43), (0.52, 0.48))
DISTRICT = Profile("quartier", "Quartier de résidence",
                   ("Centre-ville", "Gare – Saint-Roch", "Les Aubépines", "Bel-Air",
                    "Port-Neuf", "Hauts-de-l'Étang", "Val-Fleuri", "La Pépinière"),
                   (0.21, 0.15, 0.08, 0.14, 0.12, 0.06, 0.13, 0.11),
                   (0.16, 0.14, 0.12, 0.13, 0.11, 0.10, 0.12, 0.12))
PCS = Profile("pcs", "Catégorie socioprofessionnelle",
              ("Agriculteurs, artisans, commerçants, chefs d'entreprise",
               "Cadres et professions intellectuelles supérieures",
               "Professions intermédiaires", "Employés", "Ouvriers",
               "Retraités et autres personnes sans activité professionnelle"),
              (0.05, 0.24, 0.19, 0.14, 0.06, 0.32), (0.05, 0.16, 0.17, 0.17, 0.12, 0.33))
PROFILES = (AGE, SEX, DISTRICT, PCS)


# --- generating the export ------------------------------------------------------------------

@dataclass
class Generated:
    """The files written by :func:`generate` and what they hold."""

    export: Path
    codebook: Path
    margins: Path
    rows: int
    likert_questions: int
    likert_items: int


# Answer columns of each page of the questionnaire (LimeSurvey's ``lastpage`` counts pages):
# 1 the profile, 2 and 3 the Likert arrays, 4 the other questions.
Pages = list[dict[str, np.ndarray]]


def _with_gaps(rng: np.random.Generator, answers: np.ndarray, blank: float,
               dont_know: float = 0.0) -> np.ndarray:
    """Answers with some "Ne sait pas" and some left blank (None: an empty cell)."""
    answers = answers.astype(object)
    draw = rng.random(len(answers))
    answers[draw < dont_know] = DONT_KNOW
    answers[(draw >= dont_know) & (draw < dont_know + blank)] = None
    return answers


def _profile(rng: np.random.Generator, rows: int, pages: Pages,
             codebook: list[dict]) -> dict[str, np.ndarray]:
    """The profile questions; returns each respondent's codes 0..k-1 (PCS depends on age:
    retirees are older)."""
    codes = {profile.id: rng.choice(len(profile.levels), size=rows, p=profile.sample)
             for profile in (AGE, SEX, DISTRICT)}
    retired_by_age = (0.02, 0.02, 0.06, 0.62, 0.97)
    working = np.array(PCS.sample[:-1]) / sum(PCS.sample[:-1])
    retired = rng.random(rows) < np.take(retired_by_age, codes[AGE.id])
    codes[PCS.id] = np.where(retired, len(PCS.levels) - 1,
                             rng.choice(len(working), size=rows, p=working))
    for profile in PROFILES:
        pages[0][profile.id] = np.asarray(profile.levels, dtype=object)[codes[profile.id]]
        codebook.append({"id": profile.id, "type": "single", "label": profile.label,
                         "levels": list(profile.levels)})
    return codes


def _likert(rng: np.random.Generator, levels: tuple[str, ...], age: np.ndarray,
            man: np.ndarray) -> np.ndarray:
    """One item: a latent opinion shifted by age and sex, cut into the scale's levels."""
    shift, age_slope, sex_effect = rng.normal(0, 0.6), rng.normal(0, 0.25), rng.normal(0, 0.2)
    latent = shift + age_slope * (age - 2) + sex_effect * man + rng.logistic(size=len(age))
    cuts = np.linspace(-1.6, 1.6, len(levels) - 1)
    return np.asarray(levels, dtype=object)[np.digitize(latent, cuts)]


def _likert_arrays(rng: np.random.Generator, items: int, codes: dict[str, np.ndarray],
                   pages: Pages, codebook: list[dict]) -> int:
    """Arrays Q1, Q2... of up to 5 items, alternately on agreement and satisfaction scales;
    returns how many."""
    sizes = [min(ITEMS_PER_ARRAY, items - start) for start in range(0, items, ITEMS_PER_ARRAY)]
    man = codes[SEX.id] == 1
    for number, size in enumerate(sizes, start=1):
        agreement = number % 2 == 1
        levels = AGREEMENT if agreement else SATISFACTION
        subquestions = [f"SQ{k:03d}" for k in range(1, size + 1)]
        wordings = [STATEMENTS[(number * 3 + k) % len(STATEMENTS)] if agreement else
                    f"Votre satisfaction concernant {SERVICES[(number * 3 + k) % len(SERVICES)]}"
                    for k in range(size)]
        codebook.append({
            "id": f"Q{number}", "type": "likert",
            "label": ("Que pensez-vous des affirmations suivantes ?" if agreement else
                      "Êtes-vous satisfait(e) des services suivants ?"),
            "levels": list(levels), "neutral": None if agreement else levels[2],
            "missing": [DONT_KNOW], "columns": subquestions, "item_labels": wordings})
        page = pages[1] if number <= (len(sizes) + 1) // 2 else pages[2]
        for code in subquestions:
            answers = _likert(rng, levels, codes[AGE.id], man)
            page[f"Q{number}[{code}]"] = _with_gaps(rng, answers, BLANK_SHARE, DONT_KNOW_SHARE)
    return len(sizes)


def _other_questions(rng: np.random.Generator, rows: int, first: int, pages: Pages,
                     codebook: list[dict]) -> None:
    """Two single-choice, two numeric and one free-text question, numbered from ``first``."""
    channels = ("Bulletin municipal", "Réseaux sociaux", "Affichage", "Bouche-à-oreille",
                "Site de la ville", "Autre")
    singles = [("Comment avez-vous entendu parler de la consultation ?", channels,
                (0.30, 0.22, 0.12, 0.16, 0.14, 0.06)),
               ("Avez-vous participé à une réunion publique ?", ("Oui", "Non"), (0.23, 0.77))]
    numerics = [("Combien de trajets en transports en commun faites-vous par semaine ?",
                 np.minimum(rng.poisson(3.2, rows), 30), 0, 50),
                ("Quelle note donnez-vous à la démarche, de 0 à 10 ?",
                 np.clip(np.rint(rng.normal(6.2, 2.1, rows)), 0, 10).astype(int), 0, 10)]
    number = first
    for label, levels, shares in singles:
        answers = np.asarray(levels, dtype=object)[rng.choice(len(levels), rows, p=shares)]
        pages[3][f"Q{number}"] = _with_gaps(rng, answers, BLANK_SHARE)
        codebook.append({"id": f"Q{number}", "type": "single", "label": label,
                         "levels": list(levels)})
        number += 1
    for label, values, minimum, maximum in numerics:
        pages[3][f"Q{number}"] = _with_gaps(rng, values, BLANK_SHARE)
        codebook.append({"id": f"Q{number}", "type": "numeric", "label": label,
                         "minimum": str(minimum), "maximum": str(maximum)})
        number += 1
    texts = np.asarray(TEXT_ANSWERS, dtype=object)[rng.integers(len(TEXT_ANSWERS), size=rows)]
    texts[rng.random(rows) > 0.15] = None  # most respondents leave the comment empty
    pages[3][f"Q{number}"] = texts
    codebook.append({"id": f"Q{number}", "type": "text",
                     "label": "Avez-vous une remarque ou une suggestion ?"})


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` texts, seconds after the opening of the consultation."""
    stamps = np.datetime64("2025-04-01T08:00:00") + seconds.astype("timedelta64[s]")
    return np.char.replace(np.datetime_as_string(stamps, unit="s"), "T", " ").astype(object)


def _export_columns(rng: np.random.Generator, rows: int, pages: Pages) -> dict[str, np.ndarray]:
    """The system columns, then the answers; an incomplete response has no submitdate,
    stopped after page ``lastpage`` and left the following pages empty."""
    incomplete = rng.random(rows) < INCOMPLETE_SHARE
    lastpage = np.where(incomplete, rng.integers(0, len(pages), size=rows), len(pages))
    start = rng.integers(0, 45 * 86_400, size=rows)
    end = start + rng.integers(180, 2_400, size=rows)
    submitted = _timestamps(end)
    submitted[incomplete] = None
    columns = {"id": np.arange(1, rows + 1), "submitdate": submitted, "lastpage": lastpage,
               "startlanguage": np.full(rows, "fr", dtype=object),
               "seed": rng.integers(10**8, 10**9, size=rows),
               "startdate": _timestamps(start), "datestamp": _timestamps(end)}
    for number, page in enumerate(pages, start=1):
        for name, answers in page.items():
            answers[lastpage < number] = None
            columns[name] = answers
    return columns


def generate(folder: Path, rows: int, questions: int, seed: int = SEED) -> Generated:
    """Write ``export.csv``, ``codebook.yml`` and ``margins.csv`` into ``folder``."""
    rng = np.random.default_rng(seed)
    pages: Pages = [{} for _ in range(4)]
    codebook: list[dict] = []
    codes = _profile(rng, rows, pages, codebook)
    likert_items = questions - 5
    arrays = _likert_arrays(rng, likert_items, codes, pages, codebook)
    _other_questions(rng, rows, arrays + 1, pages, codebook)

    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "export.csv"
    pd.DataFrame(_export_columns(rng, rows, pages)).to_csv(
        export, index=False, quoting=csv.QUOTE_ALL, encoding="utf-8", lineterminator="\n")
    codebook_path = folder / "codebook.yml"
    codebook_path.write_text(
        "# Codebook of the benchmark questionnaire (generated by benchmarks/survey.py).\n"
        + yaml.safe_dump({"questions": codebook}, allow_unicode=True, sort_keys=False,
                         width=100), encoding="utf-8")
    margins = folder / "margins.csv"
    pd.DataFrame([{"variable": profile.id, "categorie": level, "population": count}
                  for profile in PROFILES
                  for level, count in zip(profile.levels,
                                          _counts(profile.population, POPULATION),
                                          strict=True)]
                 ).to_csv(margins, sep=";", index=False, encoding="utf-8")
    return Generated(export, codebook_path, margins, rows, arrays, likert_items)


def _counts(shares: tuple[float, ...], total: int) -> list[int]:
    """Whole counts in proportion to ``shares`` that add up to ``total`` exactly
    (largest remainders)."""
    exact = np.asarray(shares) / sum(shares) * total
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: total - counts.sum()]] += 1
    return counts.tolist()


# --- the timed run --------------------------------------------------------------------------

def run(generated: Generated, timer: Timer) -> dict:
    """Import, weight and estimate, timing each step; returns figures for the summary."""
    with timer.step("import", "read_survey (LimeSurvey export + codebook)"):
        survey = read_survey(generated.export, codebook=generated.codebook)
        margins = as_margins(read_margins(generated.margins))  # format: margins
    data = survey.responses
    for variable in margins:  # as questionnaire.weight: match margins on values
        data[variable] = data[variable].astype("object")

    with timer.step("raking", f"rake on {len(margins)} margins + design effect"):
        weights = rake(data, margins)
        data[WEIGHT] = weights
        deff, ess = design_effect(weights), effective_sample_size(weights)

    likert = [question for question in survey.codebook if question.type == "likert"]
    items = [(question, f"{question.id}[{code}]") for question in likert
             for code in question.columns]

    with timer.step("estimates", f"likert_table, weighted ({len(likert)} questions)"):
        for question in likert:
            columns = [f"{question.id}[{code}]" for code in question.columns]
            likert_table(data, columns, question.levels, weight=WEIGHT,
                         neutral=question.neutral,
                         labels=dict(zip(columns, question.item_labels, strict=True)))

    with timer.step("estimates", f"estimate_proportion of agreement ({len(items)} items)"):
        for question, column in items:
            positive, _, _ = scale_sides(question.levels, question.neutral)
            answers = data[column]
            frame = pd.DataFrame({"agrees": answers.isin(positive).where(answers.notna()),
                                  WEIGHT: data[WEIGHT]})
            estimate_proportion(frame, "agrees", category=True, weight=WEIGHT)

    with timer.step("estimates", f"representativeness before/after ({len(margins)} vars)"):
        for variable, population in margins.items():
            representativeness(data, variable, population)
            representativeness(data, variable, population, weight=WEIGHT)

    with timer.step("estimates", f"compare_groups by sex and age ({2 * len(items)} tests)"):
        for _, column in items:
            for segment in (SEX.id, AGE.id):
                compare_groups(data[[column, segment]], column, segment)

    return {"complete": len(data), "incomplete": survey.incomplete,
            "iterations": weights.attrs["iterations"], "deff": deff, "ess": ess}


def report(generated: Generated, questions: int, timer: Timer, figures: dict,
           generation_seconds: float, generation_peak: float) -> bool:
    """Print the summary table; True when the total fits in the budget."""
    total = timer.total()
    print(f"civeval survey benchmark - {generated.rows:,} responses x {questions} questions "
          f"({generated.likert_items} Likert items in {generated.likert_questions} arrays), "
          f"{os.cpu_count()} CPUs")
    print(f"export: {generated.export.stat().st_size / 1024**2:,.0f} MB, generated in "
          f"{generation_seconds:.1f} s (not timed); {figures['complete']:,} complete "
          f"responses, {figures['incomplete']:,} incomplete set aside")
    print(f"raking: {figures['iterations']} iterations, design effect {figures['deff']:.2f}, "
          f"effective sample size {figures['ess']:,.0f}")
    print()
    width = max(len(name) for _, name, _ in timer.steps) + 2
    print(f"{'step':<11}{'':<{width}}{'time (s)':>9}")
    for group in dict.fromkeys(g for g, _, _ in timer.steps):
        rows = [(name, seconds) for g, name, seconds in timer.steps if g == group]
        for number, (name, seconds) in enumerate(rows):
            print(f"{group if number == 0 else '':<11}{name:<{width}}{seconds:>9.2f}")
        if len(rows) > 1:
            print(f"{'':<11}{'subtotal':<{width}}{timer.total(group):>9.2f}")
    print(f"{'total':<11}{'':<{width}}{total:>9.2f}   "
          f"{total / BUDGET_SECONDS:.2f}x the {BUDGET_SECONDS:.0f} s budget")
    print_peak_memory(generation_peak)
    return within_budget(total, BUDGET_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000,
                        help="responses in the export, incomplete ones included "
                             "(default: %(default)s)")
    parser.add_argument("--questions", type=int, default=40,
                        help="answer columns besides the 4 profile questions, at least 6 "
                             "(default: %(default)s)")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="write the export, codebook and margins into DIR and keep them")
    args = parser.parse_args(argv)
    if args.rows < 1_000:
        parser.error("--rows must be at least 1000 (every margin category needs respondents)")
    if args.questions < 6:
        parser.error("--questions must be at least 6 (5 non-Likert questions + 1 item)")

    with tempfile.TemporaryDirectory(prefix="civeval-survey-bench-") as temporary:
        folder = args.keep or Path(temporary)
        start = time.perf_counter()
        generated = generate(folder, args.rows, args.questions)
        generation_seconds = time.perf_counter() - start
        generation_peak = peak_memory_mb()
        timer = Timer()
        figures = run(generated, timer)
        within = report(generated, args.questions, timer, figures, generation_seconds,
                        generation_peak)
    if args.keep:
        print(f"generated files kept in {args.keep}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
