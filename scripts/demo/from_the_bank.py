"""The demo study whose instruments come from the question bank (part of ``python scripts/demo``).

``demo-saint-aubin`` designs its questionnaire and its interview guides from the bank
(``instruments:`` in its ``study.yml``; ``civeval instrument demo-saint-aubin`` writes them).
This recipe makes what came back from the field:

- ``data/codebook_questionnaire.yml``: the codebook ``civeval instrument`` writes for the
  study's form, made by the same function from the same selection of items. It is committed
  with the data, so that the study runs on a fresh checkout without the command having run;
  ``tests/test_demo.py`` checks that it is, byte for byte, what the command writes.
- ``data/reponses_kobo.csv``: 470 residents' answers to that form, collected with
  KoboToolbox in November 2024, after the vote (online, and paper forms typed in at the town
  hall), as Kobo exports them in « XML values »: columns named by the form's group and item
  (``influence/bpsuivi``), answers by their codes, a select-multiple as its summary column
  plus one 0/1 column per option, Kobo's own columns (``_id``, ``_uuid``,
  ``_submission_time``…), and four submissions sent twice. Routed items are empty where the
  form does not ask them. Answers follow the respondent's profile: voters are older and from
  the centre, the young learn of the scheme online and find the information less clear,
  working-age parents are held back by the times of meetings and the oldest by the internet,
  everyone knows little of what became of the winning projects (as the interviews say), and
  overall satisfaction goes with being told what became of the contributions, an equal
  chance to speak and easy participation.
- ``data/grille_observation.xlsx``: the observation grid ``civeval instrument`` writes,
  filled in by the evaluator at three meetings of 2025 (the launch of the 2025 edition, a
  district meeting at Le Val d'Aubin, the review workshop whose dot votes are
  ``data/atelier_bilan.csv``): who was there, each turn of speech, and the facilitation
  events. Men and elected officials take more of the floor than their share of those
  present, a few residents most of it; questions on the projects' delays go unanswered.

Everything draws from generators of its own, so that adding it left every other file as it
was. Answers and speakers are invented; one answer names someone on purpose, as real answers
do, so that the report shows it pseudonymised.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import yaml
from csvtext import csv_text

SLUG = "demo-saint-aubin"
CODEBOOK = "data/codebook_questionnaire.yml"
EXPORT = "data/reponses_kobo.csv"
GRID = "data/grille_observation.xlsx"
FIXED_MOMENT = datetime(2025, 6, 1)  # the grid's file dates: the same bytes on every run


def selection(made: dict[str, bytes]):
    """The study's title, language and selection of items, as ``civeval instrument`` makes
    them: from its ``study.yml`` and the margins this run generated (a copy of the study in a
    temporary folder, so that stale committed files play no part)."""
    from civeval.instruments.bank import load_bank
    from civeval.instruments.select import select_items
    from civeval.workbench.paths import studies_dir
    from civeval.workbench.study import load_study

    source = studies_dir() / SLUG / "study.yml"
    catalogue = yaml.safe_load(source.read_text(encoding="utf-8"))["data"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / SLUG
        (root / "data").mkdir(parents=True)
        shutil.copy(source, root / "study.yml")
        for entry in catalogue.values():
            (root / entry["file"]).write_bytes(made.get(entry["file"], b""))
        study = load_study(root)
        return study.config.title, study.language, select_items(study, load_bank())


def instruments_data(rng: np.random.Generator, made: dict[str, bytes]) -> dict[str, bytes]:
    """The codebook, the Kobo export of the answers and the filled observation grid."""
    from civeval.instruments import forms
    from civeval.instruments.documents import observation_workbook

    title, language, chosen = selection(made)
    sheets = forms.xlsform_sheets(chosen.items, title, SLUG.replace("-", "_"),
                                  chosen.bank.themes)
    grid_rng = np.random.default_rng(rng.integers(2**32))
    return {
        CODEBOOK: forms.codebook_yaml(chosen.items, title, language).encode("utf-8"),
        EXPORT: kobo_export(rng, chosen, _paths(sheets["survey"])).encode("utf-8"),
        GRID: filled_grid(grid_rng, observation_workbook(chosen)),
    }


def _paths(survey) -> dict[str, str]:
    """Each item's column in a Kobo export: its group's name, a slash, its name."""
    group, paths = None, {}
    for kind, name in zip(survey["type"], survey["name"], strict=True):
        if kind == "begin_group":
            group = name
        elif kind == "end_group":
            group = None
        elif name and kind != "note":
            paths[name] = f"{group}/{name}" if group else name
    return paths


# --- the questionnaire's answers -----------------------------------------------------------

RESPONDENTS = 470
RESENT = 4  # submissions a phone sent twice (same _uuid): Kobo keeps both
AGE_WEIGHTS = [0.09, 0.20, 0.25, 0.29, 0.17]  # older residents answer more
DISTRICT_PULL = [1.3, 1.0, 0.85, 0.7]  # the centre answers more, Le Val d'Aubin less
# Where people heard of the scheme, by age band (18-29 … 75+).
HEARD = {"courrier": [0.12, 0.22, 0.35, 0.5, 0.6], "affiche": [0.2, 0.25, 0.25, 0.22, 0.18],
         "internet": [0.62, 0.5, 0.38, 0.22, 0.08], "reunion": [0.04, 0.07, 0.12, 0.18, 0.2],
         "association": [0.08, 0.08, 0.1, 0.1, 0.08], "proche": [0.35, 0.25, 0.18, 0.18, 0.25]}
# Likert items: mean opinion (on a latent scale cut at -1, 0 and 1), the share of « ne sait
# pas », and who departs from the mean (age bands by index, districts by name, F or H).
OPINIONS = {
    "infoclaire": (0.35, 0.03, {0: -0.5, 1: -0.2}),
    "infoenjeu": (-0.1, 0.08, {}),
    "accessimple": (0.5, 0.03, {3: -0.2, 4: -0.7}),
    "acceshoraires": (0.1, 0.06, {1: -0.6, 2: -0.2}),
    "votepapier": (0.6, 0.05, {0: -0.6, 3: 0.3, 4: 0.6}),
    "echrespect": (1.0, 0.04, {}),
    "echparole": (0.35, 0.05, {"F": -0.25}),
    "echneutre": (0.3, 0.08, {}),
    "echappris": (0.4, 0.04, {0: 0.2}),
    "inflpris": (0.0, 0.08, {}),
    "inflretour": (-0.8, 0.05, {"Le Val d'Aubin": -0.3}),
    "inflraisons": (-0.6, 0.09, {}),
    "bpsuivi": (-0.9, 0.07, {"Centre-Bourg": 0.25}),
    "confelus": (-0.05, 0.06, {"Le Val d'Aubin": -0.3, 0: -0.2}),
    "confcoherent": (-0.2, 0.22, {}),
    "tempsutile": (0.4, 0.05, {}),
}
IMPROVE = [
    "Dire où en sont les projets votés, avec un calendrier.",
    "Publier chaque année le suivi des projets lauréats sur le site de la mairie.",
    "Expliquer pourquoi certains projets sont refusés à l'étude.",
    "Faire voter dans les écoles et au collège.",
    "Plus de temps pour déposer les idées, le printemps passe vite.",
    "Des réunions le samedi matin plutôt qu'en semaine à 18 heures.",
    "Aller dans les quartiers, pas seulement en mairie.",
    "Simplifier le vote en ligne, la création de compte décourage.",
    "Garder le vote papier pour les personnes âgées.",
    "Une enveloppe plus importante, 150 000 € pour toute la commune c'est peu.",
    "Réserver une part du budget au Val d'Aubin.",
    "Mieux informer les nouveaux habitants.",
    "Prévenir par SMS de l'ouverture du vote.",
    "Associer les porteurs de projet aux choix techniques.",
    "Des projets plus ambitieux que des bancs et des nichoirs.",
    "Mettre une plaque sur chaque réalisation pour savoir d'où elle vient.",
    "Inviter les jeunes à présenter leurs projets au conseil municipal.",
    "Tenir une réunion de bilan chaque année.",
    "Merci à Mme Morel de l'accueil, mais il faudrait plus d'une personne pour aider à voter.",
]
LIKED = [
    "Pouvoir proposer une idée pour mon quartier.",
    "Le vote en ligne, simple et rapide.",
    "Rencontrer des voisins en défendant notre projet.",
    "La réunion de présentation des projets, bien organisée.",
    "Voir le jardin partagé enfin réalisé.",
    "L'accueil en mairie pour voter sur papier.",
    "Que les habitants décident d'une partie du budget.",
    "Les stands au marché du samedi.",
    "Découvrir les projets des autres quartiers.",
    "L'aide du centre social pour monter le dossier.",
    "Le fait que les enfants puissent voter avec leurs parents.",
    "L'ambiance de l'atelier, chacun a pu parler.",
]
NOT_TAKING_PART = [
    "Je n'étais pas au courant.",
    "Je n'ai pas le temps, je rentre tard du travail.",
    "Je ne savais pas que tout le monde pouvait voter.",
    "Aucun projet ne concernait mon quartier.",
    "Je ne crois pas que ça change grand-chose.",
    "Je n'ai pas internet et je n'ai pas pu me déplacer.",
    "J'ai emménagé à Saint-Aubin cette année.",
    "Les projets proposés ne m'intéressaient pas.",
    "J'ai oublié la date du vote.",
    "Je pensais que c'était réservé aux associations.",
]


def kobo_export(rng: np.random.Generator, chosen, paths: dict[str, str]) -> str:
    """The answers as a KoboToolbox « XML values » CSV export (``;``-separated)."""
    districts = [choice.fr for choice in chosen.item("quartier").levels]
    pull = np.array(DISTRICT_PULL) / sum(DISTRICT_PULL)
    people = []
    for _ in range(RESPONDENTS):
        person = {"sexe": "F" if rng.random() < 0.57 else "H",
                  "age": int(rng.choice(5, p=AGE_WEIGHTS)),
                  "quartier": int(rng.choice(4, p=pull))}
        person["district"] = districts[person["quartier"]]
        people.append((person, _answers(rng, chosen, person)))
    start = datetime(2024, 11, 4, 8)
    moments = sorted(start + timedelta(minutes=int(rng.exponential(6 * 24 * 60)) % (26 * 24 * 60))
                     for _ in people)
    rows = []
    for number, ((_, answers), moment) in enumerate(zip(people, moments, strict=True)):
        moment = moment.replace(second=int(rng.integers(0, 60)))
        rows.append(_kobo_row(chosen, paths, answers, {
            "_id": 41_207_300 + number * 7 + int(rng.integers(0, 7)),
            "_uuid": _uuid(rng), "_submission_time": moment.strftime("%Y-%m-%dT%H:%M:%S"),
            "_validation_status": "", "_notes": "", "_status": "submitted_via_web",
            "_submitted_by": "mairie_saint_aubin" if rng.random() < 0.18 else "",
            "__version__": "vXq3Lk8bT2wYdR9mPa7cZe", "_tags": ""}))
    for original in rng.choice(len(rows), size=RESENT, replace=False):
        again = dict(rows[original])
        sent = datetime.strptime(again["_submission_time"], "%Y-%m-%dT%H:%M:%S")
        again["_submission_time"] = (sent + timedelta(minutes=int(rng.integers(2, 90)))
                                     ).strftime("%Y-%m-%dT%H:%M:%S")
        again["_id"] = rows[-1]["_id"] + 11
        rows.append(again)
    for index, row in enumerate(rows, start=1):
        row["_index"] = index
    return csv_text(rows)


def _uuid(rng: np.random.Generator) -> str:
    digits = "".join(f"{int(value):x}" for value in rng.integers(0, 16, size=32))
    digits = digits[:12] + "4" + digits[13:16] + "89ab"[int(rng.integers(0, 4))] + digits[17:]
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _answers(rng: np.random.Generator, chosen, person: dict) -> dict[str, object]:
    """One respondent's answers, as codes (a list of codes for a select-multiple; None for a
    question left blank or not asked)."""
    age, district, sex = person["age"], person["district"], person["sexe"]
    takes_part = 1 / (1 + np.exp(-(0.1 + [-0.8, -0.3, 0.0, 0.35, 0.25][age]
                                   + {"Centre-Bourg": 0.3, "Le Val d'Aubin": -0.5}.get(district,
                                                                                       0))))
    took_part = rng.random() < takes_part
    # One attitude towards the scheme colours every opinion a little.
    attitude = 0.8 * rng.normal() + 0.45 * took_part - 0.3 * (district == "Le Val d'Aubin")
    answers: dict[str, object] = {}
    for item in chosen.items:
        if item.ask_if and answers.get(item.ask_if.item) not in item.ask_if.answers:
            answers[item.name] = None
            continue
        name = item.name
        if name == "participe":
            answers[name] = "1" if took_part else "0"
        elif name == "premiere":
            answers[name] = "1" if rng.random() < [0.55, 0.45, 0.35, 0.25, 0.2][age] else "0"
        elif name == "canal":
            heard = [code for code, shares in HEARD.items()
                     if rng.random() < shares[age] + 0.12 * (code == "association"
                                                             and district == "Le Val d'Aubin")]
            answers[name] = heard or [max(HEARD, key=lambda code: HEARD[code][age])]
        elif name == "accesfreins":
            answers[name] = _obstacles(rng, age, sex, district)
        elif name in OPINIONS:
            answers[name] = _opinion(rng, name, attitude, person, took_part)
        elif name == "satglobal":
            agrees = [answers.get(other) in ("4", "3")
                      for other in ("inflretour", "echparole", "accessimple")]
            score = (0.1 + 0.8 * attitude + 0.6 * agrees[0] + 0.4 * agrees[1] + 0.35 * agrees[2]
                     + 0.6 * rng.normal())
            answers[name] = "99" if rng.random() < 0.03 else _level(score)
        elif name == "reparticiper":
            score = 0.4 + 0.8 * attitude + 0.5 * took_part + 0.7 * rng.normal()
            answers[name] = "99" if rng.random() < 0.05 else _level(score)
        elif name == "ouvplu":
            answers[name] = _free_text(rng, LIKED, 0.35, 0.2)
        elif name == "ouvameliorer":
            answers[name] = _free_text(rng, IMPROVE, 0.45, 0.3)
        elif name == "ouvnonpart":
            answers[name] = _free_text(rng, NOT_TAKING_PART, 0.45, 0.0)
        elif name == "sexe":
            answers[name] = sex
        elif name == "age":
            answers[name] = item.levels[age].code
        elif name == "quartier":
            answers[name] = item.levels[person["quartier"]].code
        else:
            raise ValueError(f"the recipe does not answer item {name}: add it")
    return answers


def _opinion(rng, name, attitude, person, took_part) -> str | None:
    mean, dont_know, shifts = OPINIONS[name]
    if rng.random() < 0.02:
        return None  # left blank
    if rng.random() < dont_know + 0.08 * (not took_part):
        return "99"
    shift = sum(shifts.get(key, 0.0) for key in (person["age"], person["district"],
                                                 person["sexe"]))
    return _level(mean + shift + 0.7 * attitude + 0.8 * rng.normal())


def _level(score: float) -> str:
    """A latent opinion as a code of the bank's four-level scales (4 the most positive)."""
    return "4" if score > 1.0 else "3" if score > 0.0 else "2" if score > -1.0 else "1"


def _obstacles(rng, age, sex, district) -> list[str] | None:
    if rng.random() < 0.03:
        return None
    chances = {"horaires": [0.15, 0.42, 0.3, 0.1, 0.05][age],
               "distance": 0.06 + 0.1 * (district == "Le Val d'Aubin"),
               "numerique": [0.03, 0.04, 0.08, 0.2, 0.45][age],
               "langue": 0.03, "handicap": [0.01, 0.02, 0.03, 0.06, 0.15][age],
               "garde": (0.3 if sex == "F" else 0.12) if age == 1 else 0.03}
    chosen = [code for code, chance in chances.items() if rng.random() < chance]
    return chosen or ["aucun"]


def _free_text(rng, pool: list[str], chance: float, second: float) -> str | None:
    """An answer written with probability ``chance``: a thought of the pool, and with
    probability ``second`` another one after it."""
    if rng.random() >= chance:
        return None
    picked = rng.choice(len(pool), size=2, replace=False)
    return " ".join(pool[int(k)] for k in picked[:1 + (rng.random() < second)])


def _kobo_row(chosen, paths, answers, metadata) -> dict[str, object]:
    row: dict[str, object] = {}
    for item in chosen.items:
        value, column = answers[item.name], paths[item.name]
        if item.type == "multiple":
            row[column] = " ".join(value) if value else ""
            for choice in item.levels:
                row[f"{column}/{choice.code}"] = "" if value is None else \
                    int(choice.code in value)
        else:
            row[column] = "" if value is None else value
    return {**row, **metadata}


# --- the observation grid --------------------------------------------------------------------

# Each session: its name, date, opening and closing times, who came (role: people), its
# opening talks (role, minutes) and how many turns participants took.
SESSIONS = [
    ("Réunion publique de lancement 2025", date(2025, 2, 4), time(18, 30), time(20, 15),
     {"habitant": 38, "association": 7, "élu": 3, "agent": 2}, [("élu", 7), ("agent", 11)], 44),
    ("Réunion de quartier au Val d'Aubin", date(2025, 2, 13), time(18, 0), time(19, 30),
     {"habitant": 17, "association": 4, "élu": 2, "agent": 2}, [("élu", 5)], 36),
    # The review workshop of data/atelier_bilan.csv: its tables, its people.
    ("Atelier-bilan du 15 mars 2025", date(2025, 3, 15), time(9, 30), time(12, 0),
     {"habitant": 14, "association": 8, "agent": 6, "élu": 4}, [("animation", 18)], 52),
]
WOMEN = {"habitant": 0.55, "association": 0.5, "élu": 0.4, "agent": 0.6}
AGES = {"habitant": [0.07, 0.16, 0.24, 0.35, 0.18], "association": [0.04, 0.2, 0.3, 0.36, 0.1],
        "élu": [0.0, 0.15, 0.35, 0.45, 0.05], "agent": [0.15, 0.45, 0.35, 0.05, 0.0]}
BANDS = ["18-29", "30-44", "45-59", "60-74", "75+"]
# How readily each group, gender and age band takes the floor (relative weights).
FLOOR = {"élu": 3.0, "agent": 1.6, "association": 2.0, "habitant": 1.0}
VOICE = {"F": 1.0, "H": 1.6}
YOUTH = [0.45, 0.75, 1.0, 1.0, 0.9]
# Facilitation events noted at each session, in the order of SESSIONS, and who they are
# about: participants' unanswered questions, someone cutting in (men more often), decisions
# the elected officials announce, the facilitator's invitations and reminders.
EVENTS = {"interruption": [3, 4, 2], "sans_reponse": [3, 4, 1], "decision": [1, 0, 2],
          "relance": [1, 1, 5], "recadrage": [1, 2, 1], "hors_sujet": [1, 3, 0]}
ABOUT = {"interruption": ("habitant", "association", "élu"), "sans_reponse": ("habitant",
                                                                              "association"),
         "decision": ("élu",), "relance": ("animation",), "recadrage": ("animation",),
         "hors_sujet": ("habitant", "association")}
COMMENTS = {"sans_reponse": ["Question sur le retard du jardin partagé",
                             "Date de livraison de l'aire de jeux demandée",
                             "Pourquoi le projet de skatepark a été écarté",
                             "Montant restant de l'enveloppe 2024"],
            "interruption": ["Coupe la parole pendant une question",
                             "Reprend la parole avant la fin de la réponse"],
            "decision": ["Calendrier de l'édition 2025 annoncé",
                         "Tableau de suivi public des projets annoncé"],
            "hors_sujet": ["Stationnement rue de la Gare", "Ramassage des déchets verts"]}


def filled_grid(rng: np.random.Generator, template: bytes) -> bytes:
    """The grid's workbook, as ``civeval instrument`` wrote it, filled in: one row per
    session, per group of people present, per turn and per event."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(template))
    for number, (name, day, opening, closing, present, talks, turns) in enumerate(SESSIONS):
        book["seances"].append([name, day, opening, closing])
        book["seances"].cell(book["seances"].max_row, 2).number_format = "DD/MM/YYYY"
        people = _attendees(rng, present)
        counts: dict[tuple[str, str, str], int] = {}
        for person in people:
            key = (person["role"], person["genre"], person["age"])
            counts[key] = counts.get(key, 0) + 1
        for (role, gender, band), count in sorted(counts.items()):
            book["presents"].append([name, role, gender, band, count])
        spoken = _turns(rng, people, opening, closing, talks, turns)
        for turn in spoken:
            book["interventions"].append([name, turn["code"], turn["role"], turn["genre"],
                                          turn["age"], turn["start"], turn["end"]])
        for event in _events(rng, number, spoken):
            book["evenements"].append([name, *event])
    for sheet, columns in (("seances", "CD"), ("interventions", "FG"), ("evenements", "B")):
        for column in columns:
            for cell in book[sheet][column][1:]:
                cell.number_format = "hh:mm:ss" if sheet != "seances" else "hh:mm"
    book.properties.created = book.properties.modified = FIXED_MOMENT
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _attendees(rng, present: dict[str, int]) -> list[dict]:
    people = []
    for role, count in present.items():
        for _ in range(count):
            band = int(rng.choice(5, p=AGES[role]))
            gender = "F" if rng.random() < WOMEN[role] else "H"
            people.append({"role": role, "genre": gender, "age": BANDS[band],
                           "weight": FLOOR[role] * VOICE[gender] * YOUTH[band]
                           * float(rng.lognormal(0, 0.9))})
    return people


def _turns(rng, people, opening: time, closing: time, talks, count: int) -> list[dict]:
    """Turns in order: the opening talks, then participants' turns, the facilitator
    handing over the floor now and then, until the count or the closing time."""
    clock = datetime.combine(date(2025, 1, 1), opening) + timedelta(minutes=3)
    end = datetime.combine(date(2025, 1, 1), closing) - timedelta(minutes=4)
    weights = np.array([person["weight"] for person in people])
    codes: dict[int, str] = {}
    facilitators = [{"role": "animation", "genre": "F", "age": "30-44"},
                    {"role": "animation", "genre": "H", "age": "45-59"}]
    turns = []

    def speak(person, seconds, code):
        nonlocal clock
        start = clock + timedelta(seconds=int(rng.integers(2, 15)))
        stop = start + timedelta(seconds=int(seconds))
        if stop > end:
            return False
        turns.append({"code": code, "role": person["role"], "genre": person["genre"],
                      "age": person["age"], "start": start.time(), "end": stop.time()})
        clock = stop
        return True

    for role, minutes in talks:
        if role == "animation":
            speak(facilitators[0], minutes * 60 + int(rng.integers(-60, 60)), "AN1")
        else:
            speaker = max((i for i, p in enumerate(people) if p["role"] == role),
                          key=lambda i: weights[i])
            codes.setdefault(speaker, f"P{len(codes) + 1:02d}")
            speak(people[speaker], minutes * 60 + int(rng.integers(-60, 60)), codes[speaker])
    for number in range(count):
        if number % 3 == 0:
            which = int(rng.integers(0, 2))
            if not speak(facilitators[which], rng.lognormal(np.log(30), 0.4), f"AN{which + 1}"):
                break
        speaker = int(rng.choice(len(people), p=weights / weights.sum()))
        codes.setdefault(speaker, f"P{len(codes) + 1:02d}")
        person = people[speaker]
        typical = {"élu": 110, "agent": 85, "association": 70, "habitant": 55}[person["role"]]
        seconds = rng.lognormal(np.log(typical * (1.2 if person["genre"] == "H" else 1.0)), 0.55)
        if not speak(person, max(8, seconds), codes[speaker]):
            break
    return turns


def _events(rng, session: int, turns: list[dict]) -> list[list]:
    """Facilitation events at the times of the turns of those they are about:
    (time, code, role, comment)."""
    events = []
    for code, counts in EVENTS.items():
        about = [turn for turn in turns if turn["role"] in ABOUT[code]]
        if code == "interruption":  # men cut in more often
            about = [turn for turn in about if turn["genre"] == "H" or rng.random() < 0.35]
        about = about or turns  # nobody of that group spoke: at any turn
        for _ in range(counts[session]):
            turn = about[int(rng.integers(0, len(about)))]
            notes = COMMENTS.get(code, [])
            comment = notes[int(rng.integers(0, len(notes)))] if notes and \
                rng.random() < 0.6 else ""
            events.append([turn["start"], code, turn["role"], comment])
    return sorted(events, key=lambda event: event[0])


def _fixed_zip(data: bytes) -> bytes:
    """The workbook's zip again, each part stored with a fixed date: the same recipe gives
    the same bytes on every run and with every zlib build."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":  # openpyxl dates it when it saves
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*",
                                 rb"\g<1>" + FIXED_MOMENT.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                                 content)
            info = zipfile.ZipInfo(member.filename, date_time=FIXED_MOMENT.timetuple()[:6])
            target.writestr(info, content)
    return out.getvalue()
