"""The recipe of free contributions with known themes (part of ``python scripts/demo``).

``demo-val-de-brenne`` gets the free contributions of its mobility consultation, in two
waves (the 2024 preliminary consultation and the 2025 consultation): a few thousand
answers to "Qu'est-ce qui changerait vos déplacements au quotidien ?", written online, on
paper forms left in the town halls or on cards at public meetings, each with the
contributor's age band, sex and commune. Every contribution is drawn from one of eight
themes (:data:`THEMES`), sometimes with a sentence of a second theme, sometimes with
polite words that belong to none, so that theme discovery has something real to find and
the tests know what it should find (:func:`contributions` returns the theme drawn).

Who writes about what follows plausible patterns, so that crossing themes with groups
shows something: the young write about cycling and trains, the oldest about on-demand
transport and access to services, small communes about car-sharing and on-demand
transport, the main town about speed and pavements; between the waves, cycling gains
and buses lose ground.

:func:`answer` also makes the answers of 1 to 200 words of ``benchmarks/themes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Theme:
    """A theme of the contributions: its name, what people ask for and what they observe.

    ``needs`` are noun phrases that fit the shared sentence frames (:data:`FRAMES`: "Il
    faudrait ...", "Nous avons besoin de ..."), ``remarks`` whole sentences; ``short``
    answers of a few words.
    """

    name: str
    short: tuple[str, ...]
    needs: tuple[str, ...]
    remarks: tuple[str, ...]


THEMES: dict[str, Theme] = {
    "bus": Theme("Bus et cars", (
        "Plus de bus.", "Des cars plus fréquents", "Horaires de bus !", "Bus le dimanche"), (
        "plus de bus entre {commune} et Saint-Martin", "des cars plus fréquents",
        "une ligne de car directe vers Châteauroux", "des bus le dimanche",
        "des horaires de bus adaptés aux horaires de travail", "un abri à l'arrêt de bus",
        "des correspondances entre les lignes de car", "un car plus tôt le matin",
        "des tarifs de bus moins chers pour les familles", "un bus toutes les heures",
    ), (
        "Le car passe deux fois par jour, c'est trop peu de bus.",
        "Le premier car du matin part trop tard pour aller au lycée.",
        "Aucun bus le dimanche ni pendant les vacances scolaires.",
        "Le dernier bus part à {heure}, on ne peut pas rentrer le soir.",
        "Les cars scolaires pourraient aussi prendre les adultes, faute de bus.",
        "Je prendrais le bus s'il passait plus souvent.",
        "Les fiches horaires des lignes de bus sont illisibles.",
        "L'arrêt du bus est à deux kilomètres de chez moi.",
    )),
    "velo": Theme("Vélo", (
        "Pistes cyclables", "Vélo", "Plus de pistes cyclables !", "Voie verte"), (
        "une piste cyclable sécurisée entre {commune} et le collège",
        "des pistes cyclables entre les villages", "une voie verte le long de la Brenne",
        "des abris à vélos couverts", "une aide à l'achat d'un vélo électrique",
        "des vélos électriques en location", "des arceaux pour attacher son vélo",
        "des bandes cyclables continues pour les vélos dans le bourg",
    ), (
        "Je ferais mes trajets à vélo si la route n'était pas si dangereuse à vélo.",
        "Les enfants devraient pouvoir aller à l'école à vélo sans risque.",
        "Les bandes cyclables s'arrêtent au milieu du bourg, à vélo on se retrouve au milieu "
        "des voitures.",
        "Je vais au travail à vélo et je me sens en danger chaque matin.",
        "Les pistes cyclables sont pleines de graviers, on crève à vélo.",
        "Avec les côtes, seul un vélo électrique permet de pédaler jusqu'au bourg.",
        "Il n'y a nulle part où garer son vélo devant les commerces, il faut des pistes "
        "cyclables et des arceaux.",
    )),
    "covoiturage": Theme("Covoiturage", (
        "Covoiturage", "Aires de covoiturage", "Covoiturer"), (
        "une aire de covoiturage à l'entrée de {commune}",
        "une application de covoiturage entre voisins",
        "des points de rendez-vous de covoiturage balisés",
        "des places de parking réservées au covoiturage",
        "une prime pour les covoitureurs", "un panneau de covoiturage en mairie",
        "de l'autostop organisé avec des arrêts identifiés",
    ), (
        "Je covoiture déjà avec des collègues, il faudrait l'encourager.",
        "Beaucoup d'habitants font le même trajet chaque jour, chacun dans sa voiture, "
        "sans covoiturage.",
        "Partager sa voiture avec un voisin ferait économiser de l'essence.",
        "Le covoiturage marche bien dans les villages voisins, avec des aires de covoiturage.",
        "Trouver un covoitureur pour le trajet du matin est difficile.",
        "Les conducteurs seraient prêts à prendre des passagers en covoiturage.",
    )),
    "tad": Theme("Transport à la demande", (
        "Transport à la demande", "TAD", "Réservation du transport à la demande"), (
        "un transport à la demande plus simple à réserver",
        "une réservation du transport à la demande par téléphone",
        "une navette à la demande le samedi", "plus de créneaux de transport à la demande",
        "un minibus à la demande jusqu'à {commune}",
        "des horaires de réservation plus larges pour le service à la demande",
    ), (
        "Le transport à la demande est trop compliqué à réserver.",
        "Il faut réserver la veille avant midi, ce n'est pas pratique.",
        "Réserver sa place la veille empêche toute sortie imprévue.",
        "Ma mère utilise la navette à la demande, mais il n'y a jamais de place.",
        "Les chauffeurs du transport à la demande sont aimables, les créneaux trop rares.",
        "La réservation en ligne du transport à la demande ne fonctionne pas.",
    )),
    "securite": Theme("Vitesse et sécurité routière", (
        "Vitesse", "Ralentisseurs", "Zone 30", "Trop de camions"), (
        "des ralentisseurs devant l'école", "une zone 30 dans le centre-bourg",
        "un radar pédagogique à l'entrée du village", "un rond-point au carrefour",
        "des contrôles de vitesse aux abords des écoles",
        "une limitation à 70 sur la départementale",
        "une interdiction des poids lourds dans le centre de {commune}",
    ), (
        "Les voitures roulent beaucoup trop vite dans la traversée de {commune}.",
        "Les camions traversent le bourg à toute vitesse, c'est dangereux.",
        "Le carrefour de la route départementale est très dangereux, les voitures y "
        "passent trop vite.",
        "Il y a eu plusieurs accidents au croisement, les voitures arrivent trop vite.",
        "Personne ne respecte la limitation de vitesse devant l'école.",
        "Les automobilistes doublent dans le virage à grande vitesse, un jour il y aura "
        "un accident.",
    )),
    "marche": Theme("Marche et trottoirs", (
        "Trottoirs", "Des trottoirs praticables", "Passages piétons"), (
        "des trottoirs plus larges pour les piétons", "des passages piétons devant les commerces",
        "un chemin piétonnier entre le lotissement et l'école",
        "des trottoirs accessibles aux fauteuils roulants", "un chemin piéton éclairé",
        "des bancs le long des trottoirs pour les piétons âgés",
    ), (
        "Les trottoirs sont trop étroits pour passer avec une poussette.",
        "Impossible de circuler en fauteuil roulant sur les trottoirs de {commune}.",
        "Les voitures garées sur les trottoirs obligent les piétons à marcher sur la chaussée.",
        "Les trottoirs sont défoncés, on risque de tomber.",
        "On devrait pouvoir aller à pied au centre-bourg sur un vrai trottoir.",
        "Le passage piéton près de la mairie est effacé, les piétons ne sont pas vus.",
    )),
    "train": Theme("Train et gare", (
        "Train", "Plus de TER", "La gare"), (
        "la réouverture de la halte ferroviaire de {commune}",
        "plus de trains vers Châteauroux le matin et le soir",
        "un parking plus grand à la gare", "un guichet ouvert le samedi à la gare",
        "un train plus tôt le lundi matin pour les étudiants",
        "des billets de train moins chers pour les abonnés du TER",
    ), (
        "Le parking de la gare est toujours plein, on rate son train.",
        "La correspondance entre le car et le TER est ratée une fois sur deux.",
        "Les trains sont supprimés sans prévenir en gare.",
        "La région doit remettre des trains TER sur la ligne.",
        "Le train est le seul moyen d'aller à Tours, encore faut-il qu'il passe en gare.",
        "Le TER du soir arrive trop tard en gare de Saint-Martin.",
    )),
    "services": Theme("Accès aux services pour les personnes sans voiture", (
        "Personnes âgées", "Aller chez le médecin", "Sans voiture on est coincé"), (
        "un service pour accompagner les aînés à leurs rendez-vous médicaux",
        "une épicerie ambulante pour les personnes âgées sans voiture",
        "un moyen d'aller chez le médecin sans voiture",
        "une aide pour les personnes âgées qui ne conduisent plus",
        "des permanences des services publics pour ceux qui n'ont pas de voiture",
    ), (
        "Les personnes âgées sans voiture ne peuvent plus aller chez le médecin.",
        "Comment faire ses courses quand on n'a pas le permis ni de voiture ?",
        "Depuis que je ne conduis plus, je dépends de mes voisins pour tout.",
        "La pharmacie et le médecin sont à quinze kilomètres, sans voiture c'est impossible.",
        "Les jeunes sans permis et les personnes âgées sont isolés dans les villages.",
        "Ma voisine âgée de quatre-vingt-dix ans ne sort plus de chez elle, faute de voiture.",
        "Aller à la maison de santé sans voiture relève de l'exploit.",
    )),
}
"""The eight themes, by key: the French name the analyst gives them, and what people write."""

FRAMES = (
    "Il faudrait {need}.", "Nous avons besoin de {need}.", "Pourquoi pas {need} ?",
    "Je propose {need}.", "{Need}, ce serait une vraie amélioration.",
    "À {commune}, il manque {need}.", "Ma priorité : {need}.",
)
"""Sentences shared by every theme, around what people ask for."""

POLITE = (
    "Merci pour cette consultation.", "Bonne initiative.", "J'habite ici depuis vingt ans.",
    "Merci de nous demander notre avis.", "Je ne sais pas si notre avis comptera.",
    "C'est important pour nous.", "Il serait temps d'agir.",
)
"""Words that belong to no theme, which contributors add around what they have to say."""

SIGNATURES = (
    " Contact : {name}@orange.fr", " Mme Durand, {commune}.", " Appelez-moi au 06 12 34 56 78.",
    " M. Lefèvre, conseiller municipal.",
)
"""Personal details a few contributors leave, which reports must never show."""

HOURS = ("17 h 30", "18 h", "18 h 15", "19 h")
CHANNELS = ("en ligne", "papier", "réunion publique")

# How often each theme is chosen: the share of the 2025 wave, then multiplied by the
# group's leanings below (the products are normalised per contributor).
BASE_2025 = {"bus": 0.16, "velo": 0.17, "covoiturage": 0.11, "tad": 0.11, "securite": 0.14,
             "marche": 0.11, "train": 0.10, "services": 0.10}
BASE_2024 = {"bus": 0.23, "velo": 0.10, "covoiturage": 0.12, "tad": 0.11, "securite": 0.13,
             "marche": 0.11, "train": 0.10, "services": 0.10}
AGE_LEANINGS = {
    "18-29": {"velo": 1.8, "train": 1.8, "covoiturage": 1.3, "services": 0.5, "tad": 0.5},
    "30-44": {"velo": 1.3, "covoiturage": 1.4, "securite": 1.2},
    "45-59": {},
    "60-74": {"tad": 1.4, "marche": 1.3, "velo": 0.7, "train": 0.8},
    "75+": {"services": 2.6, "tad": 2.0, "marche": 1.4, "velo": 0.3, "train": 0.5,
            "covoiturage": 0.6},
}
MAIN_TOWN = "Saint-Martin-en-Brenne"
TOWN_LEANINGS = {"securite": 1.5, "marche": 1.5, "train": 1.3, "tad": 0.5, "covoiturage": 0.6}
VILLAGE_LEANINGS = {"tad": 1.3, "covoiturage": 1.3}


def _fill(rng: np.random.Generator, sentence: str, commune: str) -> str:
    return sentence.format(commune=commune, heure=HOURS[rng.integers(0, len(HOURS))],
                           name=f"habitant{rng.integers(10, 99)}")


def _sentence(rng: np.random.Generator, theme: Theme, commune: str) -> str:
    """A sentence of ``theme``: a need in a shared frame, or a remark of its own."""
    if rng.random() < 0.55:
        need = _fill(rng, theme.needs[rng.integers(0, len(theme.needs))], commune)
        frame = FRAMES[rng.integers(0, len(FRAMES))]
        sentence = frame.format(need=need, Need=need[:1].upper() + need[1:], commune=commune)
        return sentence.replace("de des ", "de ").replace("de une ", "d'une ").replace(
            "de un ", "d'un ").replace("de de ", "de ").replace("de plus ", "de plus ")
    return _fill(rng, theme.remarks[rng.integers(0, len(theme.remarks))], commune)


def answer(rng: np.random.Generator, theme: str, commune: str,
           words: tuple[int, int] | None = None) -> str:
    """One contribution about ``theme``.

    Without ``words``, what people write on a form: one short phrase, or one to three
    sentences of the theme, sometimes a sentence of another theme and polite words around
    them. With ``words = (low, high)``, the answer is cut or extended to a length drawn
    uniformly between the two (in words): a single word, a paragraph of 200.
    """
    own = THEMES[theme]
    others = [key for key in THEMES if key != theme]
    if words is None and rng.random() < 0.12:
        return own.short[rng.integers(0, len(own.short))]
    parts = []
    if rng.random() < 0.15:
        parts.append(POLITE[rng.integers(0, len(POLITE))])
    target = int(rng.integers(words[0], words[1] + 1)) if words else None
    count = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
    # A contribution's theme is what it mainly says: a sentence of another theme comes only
    # after the first of two or three of its own, and never more than one.
    aside = count > 1 and rng.random() < 0.4
    number = 0
    while number < count or (target and sum(len(p.split()) for p in parts) < target):
        parts.append(_sentence(rng, own, commune))
        number += 1
        if aside and number == 1:
            parts.append(_sentence(rng, THEMES[others[rng.integers(0, len(others))]], commune))
    if rng.random() < 0.10:
        parts.append(POLITE[rng.integers(0, len(POLITE))])
    text = " ".join(parts)
    if target:
        text = " ".join(text.split()[:target])
    elif rng.random() < 0.015:
        text += _fill(rng, SIGNATURES[rng.integers(0, len(SIGNATURES))], commune)
    return text


def _theme_for(rng: np.random.Generator, base: dict[str, float], age: str, commune: str) -> str:
    leanings = TOWN_LEANINGS if commune == MAIN_TOWN else VILLAGE_LEANINGS
    weights = np.array([base[key] * AGE_LEANINGS[age].get(key, 1.0) * leanings.get(key, 1.0)
                        for key in THEMES])
    return list(THEMES)[rng.choice(len(THEMES), p=weights / weights.sum())]


def contributions(rng: np.random.Generator, count: int, wave: int, communes: dict[str, int],
                  age_bands: list[str]) -> list[dict]:
    """``count`` contributions of one wave, with the theme each was drawn from.

    Contributors are older than the population and more often women, as in most
    consultations; paper forms and meetings reach older people than the online form.
    Returns rows ``id, date, canal, commune, age, sexe, contribution`` and ``theme`` (the
    key in :data:`THEMES`: the truth, never written into the study's files).
    """
    names = list(communes)
    weights = np.array(list(communes.values()), dtype=float)
    base = BASE_2025 if wave == 2025 else BASE_2024
    start = date(wave, 4, 1) if wave == 2025 else date(wave, 5, 13)
    rows = []
    for number in range(1, count + 1):
        age = age_bands[rng.choice(len(age_bands), p=[0.10, 0.20, 0.26, 0.29, 0.15])]
        older = age in ("60-74", "75+")
        channel = CHANNELS[rng.choice(3, p=[0.35, 0.45, 0.20] if older else [0.75, 0.12, 0.13])]
        commune = names[rng.choice(len(names), p=weights / weights.sum())]
        theme = _theme_for(rng, base, age, commune)
        rows.append({
            "id": number,
            "date": (start + timedelta(days=int(rng.integers(0, 45)))).strftime("%d/%m/%Y"),
            "canal": channel,
            "commune": commune,
            "age": age,
            "sexe": "Une femme" if rng.random() < 0.56 else "Un homme",
            "contribution": answer(rng, theme, commune),
            "theme": theme,
        })
    return rows


# --- the demo study's files ------------------------------------------------------------------

WAVES = {2024: 1400, 2025: 2000}
"""Contributions received at each wave; ids run on from one wave to the next."""
SOURCE = {"dataset": ["contributions_2024", "contributions_2025"], "column": "contribution"}


def consultation(rng: np.random.Generator, communes: dict[str, int],
                 age_bands: list[str]) -> dict[str, str]:
    """The contributions of both waves, the themes file and each wave's validated coding.

    The themes are found by :func:`civeval.qual.themes.discover_themes` in the answers of
    both waves together, as an analyst would, then settled the way she would with the
    known themes in mind (:func:`_settle`: drop, split, rename, merge), and in the grid
    each answer gets the known theme it was drawn from (those the discovery put elsewhere
    are the answers "coded by hand").
    """
    import tempfile
    from pathlib import Path

    from csvtext import csv_text

    from civeval.qual.coding import save_coding
    from civeval.qual.themebook import read_themes, save_themes
    from civeval.qual.themes import discover_themes

    rows, first = {}, 1
    for wave, count in WAVES.items():
        rows[wave] = contributions(rng, count, wave, communes, age_bands)
        for row in rows[wave]:
            row["id"] += first - 1
        first += count
    everything = [row for wave in WAVES for row in rows[wave]]
    answers = pd.DataFrame({"respondent": [row["id"] for row in everything],
                            "answer": [row["contribution"] for row in everything]})
    truth = pd.Series([THEMES[row["theme"]].name for row in everything])
    model = _settle(discover_themes(answers, seed=0), truth)
    files = {f"data/contributions_{wave}.csv": csv_text(
        [{key: value for key, value in row.items() if key != "theme"} for row in rows[wave]])
        for wave in WAVES}
    with tempfile.TemporaryDirectory() as folder:
        themes_file = save_themes(model, Path(folder) / "themes.yml", source=SOURCE)
        files["data/themes_contributions.yml"] = themes_file.read_text(encoding="utf-8")
        book = read_themes(themes_file)
        coded = model.proposal()
        coded["final_codes"] = [[name] for name in truth]
        coded["validated"] = True
        for wave in WAVES:
            ids = {row["id"] for row in rows[wave]}
            saved = save_coding(coded[coded["respondent"].isin(ids)],
                                Path(folder) / f"coding_{wave}.csv", codebook=book)
            files[f"data/codage_contributions_{wave}.csv"] = saved.read_text(encoding="utf-8")
    return files


def _settle(model, truth: pd.Series):
    """The analyst's decisions on the themes found, knowing the themes drawn: drop a theme
    that mixes known themes (none has half of its answers: it gathers polite words, not a
    subject), split the theme holding most answers of a known theme that no theme stands
    for, rename each theme after the known theme most of its answers come from, merge
    those sharing one."""

    def majorities(model) -> dict[int, tuple[str, float]]:
        found = {}
        for number in model.themes["theme"]:
            drawn = truth[model.assignment == number].value_counts(normalize=True)
            found[number] = (drawn.index[0], float(drawn.iloc[0]))
        return found

    for number, (_, share) in majorities(model).items():
        if share < 0.5:
            model = model.drop(int(number))
    majority = majorities(model)
    for name in truth.unique():
        if name not in {known for known, _ in majority.values()}:
            holder = pd.Series(model.assignment[(truth == name).to_numpy()]).mode().iloc[0]
            model = model.split(int(holder))
            majority = majorities(model)
    names = {number: known for number, (known, _) in majority.items()}
    for name in dict.fromkeys(names.values()):
        numbers = [number for number, known in names.items() if known == name]
        model = (model.merge(numbers, name) if len(numbers) > 1
                 else model.rename(numbers[0], name))
    return model
