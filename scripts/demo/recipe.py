"""The recipe of the demo studies' data: fictional collectivités, realistic distributions.

Every file is drawn from a generator with a fixed seed, so ``python scripts/demo``
rewrites exactly the committed files (a test checks it). The three demo studies:

- ``demo-saint-aubin``: a 12,400-inhabitant commune and its participatory budget, three
  editions with a falling turnout (proposals, votes, voters by district, age and channel),
  and the residents' questionnaire and observation grid designed from the question bank
  (``from_the_bank``);
- ``demo-villeneuve-ardre``: a 150,000-inhabitant city and its eight neighbourhood councils
  (members, meetings with attendance), exported in Windows-1252;
- ``demo-val-de-brenne``: an intercommunalité of twelve communes running a consultation on
  its mobility plan (a LimeSurvey response export with incomplete responses), and the free
  contributions of its two waves with their themes found and validated (``open_answers``).

Names of places and people are invented; any resemblance is accidental.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import from_the_bank
import numpy as np
import open_answers
import qualitative
from csvtext import csv_text

from civeval.workbench.paths import studies_dir

SEED = 20261122
AGE_BANDS = ["18-29", "30-44", "45-59", "60-74", "75+"]



def _french_decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _day(rng: np.random.Generator, start: date, days: int) -> date:
    return start + timedelta(days=int(rng.integers(0, days)))


# --- district polygons -------------------------------------------------------------------

def district_polygons(names: list[str], *, west: float, south: float, width: float,
                      height: float, columns: int, seed: int) -> str:
    """A GeoJSON of ``names`` as districts tiling a ``width`` × ``height`` area (degrees of
    longitude and latitude from its south-west corner): a grid of ``columns`` whose corners
    and edge midpoints are moved at random, so that the districts look drawn, not ruled.

    Neighbours share their corners and midpoints, so the districts never overlap nor leave
    a gap. The shapes draw from a generator of their own (``seed``), so adding them left
    every other file as it was; coordinates are rounded to 5 decimals (about a metre).
    """
    rows = len(names) // columns
    if rows * columns != len(names):
        raise ValueError(f"{len(names)} names do not fill a grid of {columns} columns")
    rng = np.random.default_rng(seed)
    step_x, step_y = width / columns, height / rows

    corners = {(i, j): (west + (j + rng.uniform(-0.15, 0.15)) * step_x,
                        south + (i + rng.uniform(-0.15, 0.15)) * step_y)
               for i in range(rows + 1) for j in range(columns + 1)}

    def midpoint(a: tuple[int, int], b: tuple[int, int], across: tuple[float, float]):
        (xa, ya), (xb, yb) = corners[a], corners[b]
        shift = rng.uniform(-0.1, 0.1)
        return ((xa + xb) / 2 + shift * across[0], (ya + yb) / 2 + shift * across[1])

    # Edges along a row (i, j)→(i, j+1) bend north or south; along a column, east or west.
    along_row = {(i, j): midpoint((i, j), (i, j + 1), (0.0, step_y))
                 for i in range(rows + 1) for j in range(columns)}
    along_column = {(i, j): midpoint((i, j), (i + 1, j), (step_x, 0.0))
                    for i in range(rows) for j in range(columns + 1)}
    features = []
    for number, name in enumerate(names):
        i, j = divmod(number, columns)
        # Counter-clockwise from the south-west corner, as RFC 7946 asks.
        ring = [corners[i, j], along_row[i, j], corners[i, j + 1], along_column[i, j + 1],
                corners[i + 1, j + 1], along_row[i + 1, j], corners[i + 1, j],
                along_column[i, j], corners[i, j]]
        features.append(json.dumps({
            "type": "Feature", "properties": {"nom": name},
            "geometry": {"type": "Polygon",
                         "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]]},
        }, ensure_ascii=False))
    return ('{"type": "FeatureCollection", "features": [\n' + ",\n".join(features)
            + "\n]}\n")


# --- a commune's participatory budget ----------------------------------------------------

SAINT_AUBIN_DISTRICTS = {"Centre-Bourg": 3900, "Les Rivières": 3300, "La Croix-Verte": 2900,
                         "Le Val d'Aubin": 2300}
# Adults (18 and over) by age band and sex, INSEE-style: 9,800 people.
SAINT_AUBIN_MARGINS = [
    *({"variable": "tranche_age", "categorie": band, "population": count}
      for band, count in zip(AGE_BANDS, [1650, 2400, 2500, 2150, 1100], strict=True)),
    {"variable": "sexe", "categorie": "F", "population": 5150},
    {"variable": "sexe", "categorie": "H", "population": 4650},
]
# The same adults as the questionnaire's form asks them (the question bank's categories),
# with their district: the margins its answers are weighted to (from_the_bank.py).
SAINT_AUBIN_SURVEY_MARGINS = [
    *({"variable": "sexe", "categorie": {"F": "Une femme", "H": "Un homme"}[row["categorie"]],
       "population": row["population"]}
      for row in SAINT_AUBIN_MARGINS if row["variable"] == "sexe"),
    *({"variable": "age", "categorie": row["categorie"], "population": row["population"]}
      for row in SAINT_AUBIN_MARGINS if row["variable"] == "tranche_age"),
    # 9,800 adults shared among the districts as their whole population is.
    *({"variable": "quartier", "categorie": name, "population": count}
      for name, count in zip(SAINT_AUBIN_DISTRICTS, [3082, 2608, 2292, 1818], strict=True)),
]
SAINT_AUBIN_EDITIONS = {2022: 1130, 2023: 960, 2024: 815}
SAINT_AUBIN_ENVELOPE = 150_000  # € for the winning projects of each edition (study.yml)
PROJECT_IDEAS = [
    "Jardin partagé", "Aire de jeux inclusive", "Boîte à livres", "Piste cyclable sécurisée",
    "Fresque participative", "Verger communal", "Abri vélos couvert", "Bancs et ombrages",
    "Composteur collectif", "Skatepark", "Éclairage solaire du chemin", "Fontaine à eau",
    "Ruches pédagogiques", "Parcours sportif", "Table de pique-nique", "Nichoirs à oiseaux",
]


def saint_aubin(rng: np.random.Generator) -> dict[str, str]:
    districts = list(SAINT_AUBIN_DISTRICTS)
    weights = np.array(list(SAINT_AUBIN_DISTRICTS.values()), dtype=float)
    projects, voters, previous, residents = [], [], [], 0
    for edition, turnout in SAINT_AUBIN_EDITIONS.items():
        count = int(rng.integers(11, 16))
        ideas = rng.choice(PROJECT_IDEAS, size=count, replace=False)
        for number, idea in enumerate(ideas, start=1):
            district = districts[rng.choice(len(districts), p=weights / weights.sum())]
            projects.append({
                "id_projet": f"BP{edition}-{number:02d}",
                "edition": edition,
                "titre": f"{idea} ({district})",
                "quartier": district,
                "cout_estime": _french_decimal(float(rng.integers(40, 600)) * 100 + 0.5 * number),
                "votes": int(rng.integers(60, 420)),
                "statut": "",  # once the votes are known: see _greedy_winners
                "date_depot": _day(rng, date(edition, 2, 1), 60).strftime("%d/%m/%Y"),
            })
        # About 45 % of last edition's voters come back; the others are new (pseudonymous
        # resident ids, stable across editions, so that retention can be measured).
        returning = [person for person in previous if rng.random() < 0.45][:turnout]
        ids = returning + [f"R{residents + k:05d}" for k in range(1, turnout - len(returning) + 1)]
        residents += turnout - len(returning)
        previous = ids
        # Older voters and the central district are over-represented, as in most BPs.
        age_weights = np.array([0.10, 0.22, 0.27, 0.28, 0.13])
        district_weights = weights * np.array([1.35, 1.0, 0.8, 0.7])
        online_share = 0.55 + 0.05 * (edition - 2022)
        for person in ids:
            voters.append({
                "id_votant": person,
                "edition": edition,
                "tranche_age": AGE_BANDS[rng.choice(5, p=age_weights)],
                "sexe": "F" if rng.random() < 0.56 else "H",
                "quartier": districts[rng.choice(4, p=district_weights / district_weights.sum())],
                "canal": "en ligne" if rng.random() < online_share else "urne",
                "date_vote": _day(rng, date(edition, 10, 1), 21).strftime("%d/%m/%Y"),
            })
    last_projects = [p for p in projects if p["edition"] == 2024]
    last_voters = [v for v in voters if v["edition"] == 2024]
    choices = _ballots(rng, last_projects, last_voters)
    for edition in SAINT_AUBIN_EDITIONS:
        _greedy_winners([p for p in projects if p["edition"] == edition], SAINT_AUBIN_ENVELOPE)
    population = [{"quartier": name, "population": value}
                  for name, value in SAINT_AUBIN_DISTRICTS.items()]
    return {
        "data/projets.csv": "\ufeff" + csv_text(projects),
        "data/votants.csv": "\ufeff" + csv_text(voters),
        "data/population_quartiers.csv": "\ufeff" + csv_text(population),
        "data/bp2024.pb": _pabulib(last_projects, last_voters, choices),
        "data/marges_insee.csv": csv_text(SAINT_AUBIN_MARGINS),
        "data/marges_habitants.csv": csv_text(SAINT_AUBIN_SURVEY_MARGINS),
        "data/suivi_laureats.csv": "\ufeff" + csv_text(_tracking(rng, projects)),
        "data/quartiers.geojson": district_polygons(
            districts, west=-1.31, south=47.27, width=0.05, height=0.03, columns=2,
            seed=SEED + 200),
    }


def _cost(project: dict) -> float:
    return float(project["cout_estime"].replace(",", "."))


def _greedy_winners(projects: list[dict], envelope: float) -> None:
    """Mark the winners as the commune's rule (and the Pabulib file's ``rule;greedy``) says:
    the most-voted projects first, each funded when it still fits in what is left of the
    envelope. Ties go to the lower project id, as pabutools breaks them."""
    left = envelope
    for project in sorted(projects, key=lambda p: (-p["votes"], p["id_projet"])):
        fits = _cost(project) <= left
        project["statut"] = "lauréat" if fits else "non retenu"
        left -= _cost(project) if fits else 0


def _ballots(rng: np.random.Generator, projects: list[dict],
             voters: list[dict]) -> list[list[str]]:
    """The 2024 ballots: each voter approves one to three projects, more often the popular
    ones; the projects' vote counts become those of the ballots (written back to
    ``projects``)."""
    popularity = np.array([p["votes"] for p in projects], dtype=float)
    choices = []
    for _ in voters:
        size = int(rng.integers(1, 4))
        picked = rng.choice(len(projects), size=size, replace=False,
                            p=popularity / popularity.sum())
        choices.append([projects[k]["id_projet"] for k in sorted(picked)])
    for project in projects:
        project["votes"] = sum(project["id_projet"] in chosen for chosen in choices)
    return choices


def _pabulib(projects: list[dict], voters: list[dict], choices: list[list[str]]) -> str:
    """The 2024 vote as a Pabulib file, with the outcome in ``selected`` (1 for a winner)."""
    sexes = {"F": "F", "H": "M"}
    lines = ["META", "key;value", "description;Budget participatif de Saint-Aubin-sur-Loire",
             "country;France", "unit;Saint-Aubin-sur-Loire", "instance;2024",
             f"num_projects;{len(projects)}", f"num_votes;{len(voters)}",
             f"budget;{SAINT_AUBIN_ENVELOPE}", "vote_type;approval", "rule;greedy",
             "date_begin;01.10.2024", "date_end;21.10.2024", "max_length;3", "language;fr",
             "currency;EUR", "PROJECTS", "project_id;cost;votes;name;district;selected"]
    lines += [f"{p['id_projet']};{int(_cost(p))};{p['votes']};{p['titre']};{p['quartier']};"
              f"{int(p['statut'] == 'lauréat')}" for p in projects]
    lines += ["VOTES", "voter_id;age;sex;voting_method;vote"]
    for voter, chosen in zip(voters, choices, strict=True):
        age = {"18-29": 24, "30-44": 37, "45-59": 52, "60-74": 67, "75+": 79}[
            voter["tranche_age"]]
        method = "internet" if voter["canal"] == "en ligne" else "paper"
        lines.append(f"{voter['id_votant']};{age};{sexes[voter['sexe']]};{method};"
                     f"{','.join(chosen)}")
    return "\n".join(lines) + "\n"


# The commune's own headers: study.yml maps them onto the workbench's columns.
TRACKING_HEADERS = {
    "id": "N° projet", "edition": "Année", "title": "Intitulé", "budget": "Montant voté",
    "district": "Quartier", "priority": "QPV", "status": "État d'avancement",
    "studies": "Début des études", "works": "Début des travaux",
    "delivery": "Livraison prévue", "opening": "Mise en service",
}


# Progress of each edition's winners, in the order of their ids: the older the edition, the
# further along (more stages than any edition has winners).
TRACKING_STAGES = {
    2022: ["FIN", "FIN", "LIVRAISON", "FIN", "ABANDONNÉ", "FIN", "FIN"],
    2023: ["FIN", "TRAVAUX", "ETUDES", "TRAVAUX", "FIN", "PROCEDURES", "TRAVAUX"],
    2024: ["ETUDES", "PROCEDURES", "(non démarré)", "ETUDES", "(non démarré)", "ETUDES",
           "PROCEDURES"],
}
# The milestones a stage has passed: 1 studies, 2 works, 3 delivery under way, 4 open.
STAGE_REACHED = {"FIN": 4, "LIVRAISON": 3, "TRAVAUX": 2, "ETUDES": 1, "PROCEDURES": 1,
                 "(non démarré)": 0, "ABANDONNÉ": 1}
TRACKING_AS_OF = date(2025, 6, 30)  # the extraction date (as_of in study.yml)


def _tracking(rng: np.random.Generator, projects: list[dict]) -> list[dict]:
    """Progress of the winning projects, with one abandoned project in 2022. Milestones
    follow each other (studies, works, delivery), and those a project has passed are dated
    before the extraction."""
    rows = []
    for edition, stages in TRACKING_STAGES.items():
        winners = [p for p in projects if p["edition"] == edition and p["statut"] == "lauréat"]
        if len(winners) > len(stages):
            raise ValueError(f"{len(winners)} winners in {edition}: give as many stages")
        for project, status in zip(winners, stages[:len(winners)], strict=True):
            vote = date(edition, 10, 21)
            gaps = [int(rng.integers(30, 120)), int(rng.integers(90, 300)),
                    int(rng.integers(60, 240))]
            reached = STAGE_REACHED[status]
            # The gaps up to the last milestone passed must fit before the extraction.
            passed = {1: 1, 2: 2, 3: 2, 4: 3}.get(reached, 0)
            room = (TRACKING_AS_OF - vote).days - 15
            if passed and sum(gaps[:passed]) > room:
                gaps = [gap * room // sum(gaps[:passed]) for gap in gaps]
            studies = vote + timedelta(days=gaps[0])
            works = studies + timedelta(days=gaps[1])
            delivery = works + timedelta(days=gaps[2])
            rows.append({
                TRACKING_HEADERS["id"]: project["id_projet"],
                TRACKING_HEADERS["edition"]: edition,
                TRACKING_HEADERS["title"]: project["titre"],
                TRACKING_HEADERS["budget"]: int(_cost(project)),
                TRACKING_HEADERS["district"]: project["quartier"],
                TRACKING_HEADERS["priority"]: "Oui" if project["quartier"] == "Le Val d'Aubin"
                else "Non",
                TRACKING_HEADERS["status"]: status,
                TRACKING_HEADERS["studies"]: studies.strftime("%Y-%m") if reached >= 1 else "",
                TRACKING_HEADERS["works"]: works.strftime("%Y-%m") if reached >= 2 else "",
                TRACKING_HEADERS["delivery"]: delivery.strftime("%Y-%m") if reached >= 1 else "",
                TRACKING_HEADERS["opening"]: delivery.strftime("%Y-%m") if reached >= 4 else "",
            })
    return rows


# --- a city's neighbourhood councils -----------------------------------------------------

VILLENEUVE_DISTRICTS = {
    "Centre-Ville": 21500, "Gare-Écluse": 17800, "Les Hauts de Ville": 23600,
    "Saint-Éloi": 16200, "Bellevue": 19900, "La Prairie": 14700, "Montfleury": 18400,
    "Port-Ardre": 17900,
}


def villeneuve(rng: np.random.Generator) -> dict[str, bytes]:
    members, meetings = [], []
    number = 0
    for district in VILLENEUVE_DISTRICTS:
        size = int(rng.integers(18, 31))
        for _ in range(size):
            number += 1
            members.append({
                "id_membre": f"M{number:04d}",
                "quartier": district,
                "college": rng.choice(["habitants", "associations", "acteurs économiques"],
                                      p=[0.7, 0.2, 0.1]),
                "tranche_age": AGE_BANDS[rng.choice(5, p=[0.05, 0.15, 0.28, 0.37, 0.15])],
                "sexe": "F" if rng.random() < 0.47 else "H",
                "date_entree": _day(rng, date(2022, 9, 1), 700).strftime("%d/%m/%Y"),
            })
        attendance = 0.72
        for year in (2023, 2024, 2025):
            for month in (2, 5, 10):
                present = int(rng.binomial(size, attendance))
                meetings.append({
                    "id_seance": f"{district[:3].upper()}-{year}-{month:02d}",
                    "quartier": district,
                    "date": _day(rng, date(year, month, 1), 25).strftime("%d/%m/%Y"),
                    "membres_inscrits": size,
                    "membres_presents": present,
                    "public_present": int(rng.poisson(14 * attendance)),
                    "duree_heures": _french_decimal(float(rng.choice([1.5, 2.0, 2.5]))),
                })
                attendance = max(0.35, attendance - float(rng.uniform(0.0, 0.04)))
    population = [{"quartier": name, "population": value}
                  for name, value in VILLENEUVE_DISTRICTS.items()]
    before, after = deliberative_poll(rng)
    # The city's information system exports Windows-1252, as many French tools still do.
    return {
        "data/membres.csv": csv_text(members).encode("cp1252"),
        "data/seances.csv": csv_text(meetings).encode("cp1252"),
        "data/population_quartiers.csv": csv_text(population).encode("cp1252"),
        "data/sondage_avant.csv": csv_text(before).encode("utf-8"),
        "data/sondage_apres.csv": csv_text(after).encode("utf-8"),
        "data/quartiers.geojson": district_polygons(
            list(VILLENEUVE_DISTRICTS), west=-0.72, south=46.61, width=0.13, height=0.065,
            columns=4, seed=SEED + 201).encode("utf-8"),
    }


POLL_LEVELS = ["Tout à fait d'accord", "Plutôt d'accord", "Ni d'accord ni pas d'accord",
               "Plutôt pas d'accord", "Pas du tout d'accord"]


def deliberative_poll(rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """A deliberative poll on public tranquillity: 160 people polled before a weekend of
    deliberation, 148 of them again after. Opinions move towards prevention and
    knowledge rises, as deliberation tends to do."""
    before, after = [], []
    for number in range(1, 161):
        person = f"P{number:03d}"
        district = list(VILLENEUVE_DISTRICTS)[rng.integers(0, len(VILLENEUVE_DISTRICTS))]
        age = AGE_BANDS[rng.choice(5, p=[0.16, 0.26, 0.26, 0.21, 0.11])]
        sex = "F" if rng.random() < 0.5 else "H"
        cameras = int(rng.choice(5, p=[0.30, 0.30, 0.15, 0.15, 0.10]))
        mediators = int(rng.choice(5, p=[0.15, 0.30, 0.25, 0.20, 0.10]))
        curfew = rng.random() < 0.45
        knowledge = int(rng.integers(2, 8))
        common = {"respondent_id": person, "quartier": district, "tranche_age": age,
                  "sexe": sex}
        before.append({**common, "videoprotection": POLL_LEVELS[cameras],
                       "mediateurs": POLL_LEVELS[mediators],
                       "couvre_feu_mineurs": "Oui" if curfew else "Non",
                       "score_connaissances": knowledge})
        if number > 148:  # dropped out before the second questionnaire
            continue
        cameras = min(4, cameras + int(rng.choice([0, 0, 1, 1, 2])))
        mediators = max(0, mediators - int(rng.choice([0, 1, 1, 2])))
        curfew = curfew and rng.random() < 0.6
        knowledge = min(10, knowledge + int(rng.integers(0, 4)))
        after.append({**common, "videoprotection": POLL_LEVELS[cameras],
                      "mediateurs": POLL_LEVELS[mediators],
                      "couvre_feu_mineurs": "Oui" if curfew else "Non",
                      "score_connaissances": knowledge})
    return before, after


# --- an intercommunalité's consultation --------------------------------------------------

BRENNE_COMMUNES = {
    "Saint-Martin-en-Brenne": 9800, "Lussac-la-Forêt": 5200, "Mézières-sur-Claise": 4100,
    "Rosnay-le-Vieux": 3600, "Vendœuvres-les-Étangs": 3100, "Ciron-Bas": 2700,
    "Méobecq-sur-Indre": 2400, "Paulnay": 2000, "Saulnay-les-Bois": 1700, "Azay-le-Rond": 1500,
    "Douadic": 1300, "Migné-Haut": 1100,
}
LIKERT = ["Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
          "Pas du tout d'accord", "Ne sait pas"]
STATEMENTS = {"SQ001": [0.25, 0.40, 0.20, 0.10, 0.05], "SQ002": [0.10, 0.30, 0.32, 0.20, 0.08],
              "SQ003": [0.35, 0.38, 0.14, 0.06, 0.07], "SQ004": [0.08, 0.22, 0.35, 0.28, 0.07]}
SATISFACTION = ["Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait",
                "Pas du tout satisfait"]
COMMENTS = ["Plus de bus le samedi.", "Une piste cyclable vers le collège.",
            "Le transport à la demande est trop compliqué à réserver.", "",
            "Covoiturage : créer des aires près des bourgs.", "", "",
            "Penser aux personnes âgées sans voiture."]


def val_de_brenne(rng: np.random.Generator) -> dict[str, str]:
    communes = list(BRENNE_COMMUNES)
    weights = np.array(list(BRENNE_COMMUNES.values()), dtype=float)
    rows = []
    for number in range(1, 641):
        started = _day(rng, date(2025, 4, 1), 45)
        complete = rng.random() > 0.12
        row = {
            "id": number,
            "submitdate": f"{started.isoformat()} 1{rng.integers(0, 10)}:{rng.integers(10, 60)}:00"
            if complete else "",
            "lastpage": 3 if complete else int(rng.integers(1, 3)),
            "startlanguage": "fr",
            "seed": int(rng.integers(10**8, 10**9)),
            "startdate": f"{started.isoformat()} 10:00:00",
            "datestamp": f"{started.isoformat()} 10:12:00",
            "commune": communes[rng.choice(len(communes), p=weights / weights.sum())],
            "age": AGE_BANDS[rng.choice(5, p=[0.09, 0.21, 0.27, 0.30, 0.13])],
            "sexe": "Une femme" if rng.random() < 0.55 else "Un homme",
        }
        for code, probabilities in STATEMENTS.items():
            answered = complete or rng.random() < 0.5
            row[f"Q1[{code}]"] = LIKERT[rng.choice(5, p=probabilities)] if answered else ""
        # Overall satisfaction follows agreement with the statements, as drivers do.
        agreeing = sum(row[f"Q1[{code}]"] in LIKERT[:2] for code in STATEMENTS)
        score = agreeing + rng.normal(0, 1.0)
        level = 0 if score > 3 else 1 if score > 1.8 else 2 if score > 0.6 else 3
        row["Q3"] = SATISFACTION[level] if complete else ""
        row["Q2"] = COMMENTS[rng.integers(0, len(COMMENTS))] if complete else ""
        rows.append(row)
    population = [{"commune": name, "population": value} for name, value in BRENNE_COMMUNES.items()]
    # The free contributions draw from a generator of their own: adding them left every
    # other file as it was.
    contributions = open_answers.consultation(np.random.default_rng(SEED + 300),
                                              BRENNE_COMMUNES, AGE_BANDS)
    return {
        **contributions,
        "data/participer.valdebrenne.fr-open-data.zip": _decidim_export(rng, communes),
        "data/reponses_limesurvey.csv": csv_text(rows, sep=","),
        "data/population_communes.csv": csv_text(population),
        "data/marges_insee.csv": csv_text(BRENNE_MARGINS),
        "data/communes.geojson": district_polygons(
            communes, west=1.02, south=46.62, width=0.4, height=0.22, columns=4,
            seed=SEED + 202),
    }


PROPOSAL_TOPICS = ["Ligne de bus", "Transport à la demande", "Piste cyclable", "Covoiturage",
                   "Trottoirs", "Abri vélo", "Navette", "Parking relais", "Zone 30"]
DECIDIM_HOST = "participer.valdebrenne.fr"


def _decidim_export(rng: np.random.Generator, communes: list[str]) -> bytes:
    """The platform's open-data zip: proposals (older Decidim column set, with the author's
    name that the importer must drop) and their comments."""
    proposals, comments = [], []
    for number in range(1, 86):
        published = datetime(2025, 4, 1, 9) + timedelta(hours=int(rng.integers(0, 44 * 24)))
        state = rng.choice(["accepted", "rejected", "evaluating", ""],
                           p=[0.24, 0.18, 0.12, 0.46])
        answered = (published + timedelta(days=int(rng.integers(10, 75)))
                    if state else None)
        commune = communes[rng.integers(0, len(communes))]
        topic = PROPOSAL_TOPICS[rng.integers(0, len(PROPOSAL_TOPICS))]
        proposals.append({
            "id": 4200 + number, "category/id": 11, "category/name/fr": "Mobilités",
            "scope/id": 30 + communes.index(commune), "scope/name/fr": commune,
            "title/fr": f"{topic} à {commune}",
            "body/fr": f"Proposition pour améliorer les déplacements : {topic.lower()}.",
            "state": state,
            "answered_at": answered.isoformat() + "+02:00" if answered else "",
            "answer/fr": ("Proposition étudiée par le service mobilité." if state == "rejected"
                          else ""),
            "supports": int(rng.poisson(12)), "endorsements/total_count": int(rng.poisson(2)),
            "comments": 0, "published_at": published.isoformat() + "+02:00",
            # A few residents propose several times: ids make unique proposers countable.
            "author/id": 700 + int(rng.integers(0, 60)),
            "author/name": f"Habitant {number}",
        })
        for reply in range(int(rng.poisson(1.5))):
            comments.append({
                "id": 9000 + len(comments), "commentable_id": 4200 + number,
                "commentable_type": "Decidim::Proposals::Proposal",
                "created_at": (published + timedelta(days=reply + 1)).isoformat() + "+02:00",
                "body/fr": "Je soutiens cette idée.",
                "author/id": 700 + int(rng.integers(0, 160)), "author/name": f"Voisin {reply}"})
        proposals[-1]["comments"] = sum(c["commentable_id"] == 4200 + number for c in comments)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entity, rows in (("proposals", proposals), ("comments", comments)):
            # Stored, with a fixed timestamp: the same recipe gives the same bytes whatever
            # the zlib build.
            member = zipfile.ZipInfo(f"{DECIDIM_HOST}-open-data-{entity}.csv",
                                     date_time=(2025, 6, 1, 0, 0, 0))
            archive.writestr(member, csv_text(rows).encode("utf-8"))
    return buffer.getvalue()


# INSEE-style margins of the adult population (18 and over), 31,000 people.
BRENNE_MARGINS = [
    *({"variable": "age", "categorie": band, "population": count}
      for band, count in zip(AGE_BANDS, [4300, 6900, 7600, 7900, 4300], strict=True)),
    {"variable": "sexe", "categorie": "Une femme", "population": 16100},
    {"variable": "sexe", "categorie": "Un homme", "population": 14900},
]


RECIPES = {"demo-saint-aubin": saint_aubin, "demo-villeneuve-ardre": villeneuve,
           "demo-val-de-brenne": val_de_brenne}
# Qualitative material (qualitative.py) draws from generators of its own, so that adding
# it left every other file as it was.
# Each takes the generator and the files the study's main recipe made.
QUALITATIVE_RECIPES = {"demo-saint-aubin": qualitative.interviews,
                       "demo-val-de-brenne": qualitative.open_answer_coding}
# The study that designs its instruments from the question bank: its questionnaire's
# codebook and answers, and its filled observation grid (from_the_bank.py), from a generator
# of their own too. Each takes the generator and the files the study's recipes made.
INSTRUMENT_RECIPES = {from_the_bank.SLUG: from_the_bank.instruments_data}


def generate() -> dict[Path, bytes]:
    """Every demo data file, as bytes, keyed by its path under ``studies/``."""
    files = {}
    for offset, (slug, recipe) in enumerate(RECIPES.items()):
        rng = np.random.default_rng(SEED + offset)
        for name, content in recipe(rng).items():
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            files[Path(slug) / name] = data
    for offset, (slug, recipe) in enumerate(QUALITATIVE_RECIPES.items()):
        rng = np.random.default_rng(SEED + 100 + offset)
        made = {path.relative_to(slug).as_posix(): data for path, data in files.items()
                if path.parts[0] == slug}
        for name, content in recipe(rng, made).items():
            files[Path(slug) / name] = content.encode("utf-8")
    for offset, (slug, recipe) in enumerate(INSTRUMENT_RECIPES.items()):
        rng = np.random.default_rng(SEED + 400 + offset)
        made = {path.relative_to(slug).as_posix(): data for path, data in files.items()
                if path.parts[0] == slug}
        for name, content in recipe(rng, made).items():
            files[Path(slug) / name] = content
    return files


def write(root: Path | None = None) -> list[Path]:
    """Write the demo data under ``root`` (``studies/`` by default); return the paths."""
    from civeval.workbench import atomic

    root = root or studies_dir()
    written = []
    for relative, data in generate().items():
        atomic.write_bytes(root / relative, data)
        written.append(root / relative)
    return written

