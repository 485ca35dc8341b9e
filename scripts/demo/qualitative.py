"""The recipe of the demo studies' qualitative material (part of ``python scripts/demo``).

``demo-saint-aubin`` gets the interviews of its participatory budget's evaluation: eighteen
interviews of four stakeholder groups (élus, agents, associations, habitants), coded by a
consultant in a spreadsheet, five of them coded a second time by a colleague, with the
codebook (themes and codes, two old code names merged into current ones); and the results of
the review workshop, where each participant placed three dots on the proposals.

``demo-val-de-brenne`` gets the coding of its consultation's open answers: the keyword rules
and the analyst's validated coding, some answers corrected by hand.

Speakers and people they mention are invented; a few segments name someone or give an
e-mail address on purpose, as real transcripts do, so that reports show them pseudonymised.
"""

from __future__ import annotations

import numpy as np
from csvtext import csv_text

CODEBOOK = [
    # code, parent theme, description
    ("Information et communication", "", "Comment le dispositif est connu et expliqué"),
    ("Communication insuffisante", "Information et communication",
     "Le dispositif est mal connu, les messages n'atteignent pas les habitants"),
    ("Canaux numériques", "Information et communication",
     "Plateforme en ligne, réseaux sociaux, lettres d'information"),
    ("Inclusion des publics", "", "Qui participe et qui reste à l'écart"),
    ("Publics éloignés", "Inclusion des publics",
     "Jeunes, habitants des quartiers prioritaires, personnes peu à l'aise à l'oral"),
    ("Fracture numérique", "Inclusion des publics",
     "Difficultés d'accès ou d'usage du numérique"),
    ("Transparence et suivi", "", "Ce que deviennent les contributions"),
    ("Retour aux participants", "Transparence et suivi",
     "Information des porteurs et des votants sur la suite donnée"),
    ("Délais de réalisation", "Transparence et suivi",
     "Temps entre le vote et la livraison des projets"),
    ("Organisation et moyens", "", "Ressources, pilotage et portage du dispositif"),
    ("Charge des services", "Organisation et moyens",
     "Travail d'instruction et de réalisation pour les services"),
    ("Portage politique", "Organisation et moyens",
     "Engagement des élus et place du dispositif dans la politique municipale"),
    ("Effets du dispositif", "", "Ce que le dispositif change pour les habitants"),
    ("Lien social", "Effets du dispositif", "Rencontres, entraide, vie de quartier"),
    ("Pouvoir d'agir", "Effets du dispositif",
     "Sentiment de pouvoir peser sur les décisions publiques"),
]
# Names of an earlier version of the codebook, still used in the first interviews coded.
MERGED = {"Communication": "Communication insuffisante", "Suivi des projets":
          "Retour aux participants"}

# What interviewees say, by code: more thoughts than any code has segments, so that no two
# interviews say the same sentence; an opening or a closing sometimes frames the thought.
SAYINGS = {
    "Communication insuffisante": [
        "beaucoup d'habitants découvrent le budget participatif au moment du vote",
        "l'affichage en mairie ne suffit pas, les gens ne lisent plus le journal municipal",
        "on ne sait pas vraiment à quoi sert l'argent ni qui décide à la fin",
        "dans mon immeuble, personne n'avait entendu parler de l'appel à projets",
        "la communication arrive trop tard, quand les idées sont déjà déposées",
        "le règlement fait huit pages, personne ne le lit jusqu'au bout",
        "les affiches étaient belles mais on ne comprenait pas ce qu'on pouvait proposer",
        "il n'y a eu qu'une réunion publique, un mardi à 18 heures",
        "les commerçants du centre auraient pu relayer l'information, on ne le leur a pas demandé",
        "mes voisins croyaient que c'était réservé aux associations",
        "le mot « budget participatif » ne parle pas aux gens, il faudrait dire autre chose",
        "les résultats du vote ont été publiés sur le site, mais sans explication",
        "à l'école, les parents n'ont rien reçu, alors que c'est là qu'on les touche",
        "on parle beaucoup du dispositif au conseil municipal et très peu dans les quartiers",
        "la lettre aux habitants est partie en plein mois d'août",
    ],
    "Canaux numériques": [
        "la plateforme en ligne est pratique pour voter depuis chez soi",
        "les réseaux sociaux de la ville touchent surtout les trentenaires",
        "la lettre d'information par courriel a fait venir de nouveaux porteurs",
        "le site est clair mais il faut créer un compte, ça en décourage certains",
        "la page Facebook de la mairie a fait plus que toutes les affiches",
        "j'ai voté sur mon téléphone en cinq minutes, c'était simple",
        "la carte interactive des projets aide à voir ce qui se passe près de chez soi",
        "on reçoit des notifications pour tout sauf pour le budget participatif",
        "les vidéos des porteurs de projet ont bien circulé sur les groupes de quartier",
        "le mot de passe oublié, c'est la moitié des appels que nous recevons pendant le vote",
        "la plateforme ne dit pas où en sont les projets votés les années d'avant",
        "un rappel par SMS la veille de la clôture aurait fait voter plus de monde",
        "le formulaire de dépôt en ligne a permis des idées plus détaillées qu'avant",
        "les jeunes passent par Instagram, la ville n'y est presque pas",
        "le vote en ligne a rendu le dépouillement plus rapide et plus sûr",
    ],
    "Publics éloignés": [
        "les jeunes du Val d'Aubin ne se sentent pas concernés par le dispositif",
        "on voit toujours les mêmes personnes, plutôt retraitées et du centre-bourg",
        "les familles monoparentales n'ont pas le temps de venir aux réunions du soir",
        "il faudrait aller au pied des immeubles plutôt qu'attendre les gens en mairie",
        "les personnes qui ne parlent pas bien français n'osent pas déposer une idée",
        "les habitants de la Croix-Verte disent que le centre gagne toujours",
        "les locataires pensent que ce n'est pas pour eux, que c'est pour les propriétaires",
        "les collégiens avaient plein d'idées quand on est allés les voir en classe",
        "ceux qui travaillent en horaires décalés ne peuvent venir à aucun atelier",
        "au centre social, on a accompagné une dizaine de mamans à déposer un projet",
        "les gens du voyage installés près du stade n'ont jamais été informés",
        "les personnes handicapées ont du mal à accéder à la salle des réunions",
        "on attire surtout ceux qui connaissent déjà les élus",
        "les nouveaux arrivants des lotissements ne savent pas que ça existe",
        "le stand au marché du samedi a fait venir des gens qu'on ne voit jamais",
    ],
    "Fracture numérique": [
        "ma voisine de quatre-vingts ans ne pouvait pas voter sans l'aide de son petit-fils",
        "le vote papier a été gardé, heureusement, sinon on perdait les aînés",
        "remplir le formulaire en ligne prend du temps quand on n'a qu'un téléphone",
        "à la médiathèque on aide des gens à voter, mais il n'y a qu'un poste",
        "certains n'ont pas d'adresse électronique et ne peuvent pas créer de compte",
        "le code de validation par SMS n'arrive pas dans les zones mal couvertes",
        "les bornes en mairie ne sont ouvertes qu'aux heures de bureau",
        "on a vu des personnes renoncer devant la page d'inscription",
        "la conseillère numérique a tenu deux permanences, elles étaient pleines",
        "le site ne s'affiche pas bien sur les vieux ordinateurs de l'association",
        "pour les personnes malvoyantes, la plateforme est presque inutilisable",
        "les urnes dans les écoles ont fait voter des parents qui n'iraient jamais en ligne",
        "on suppose que tout le monde a internet, ce n'est pas vrai ici",
        "les ateliers d'initiation au vote en ligne ont très bien marché avec les retraités",
        "demander une pièce d'identité scannée a découragé beaucoup de monde",
    ],
    "Retour aux participants": [
        "on a voté pour l'aire de jeux et on n'a plus jamais eu de nouvelles",
        "les porteurs de projet voudraient savoir où en est leur idée après le vote",
        "un tableau de suivi public éviterait bien des questions à l'accueil de la mairie",
        "quand un projet est abandonné, personne n'explique pourquoi aux habitants",
        "j'ai écrit deux fois à la mairie pour savoir ce que devenait notre projet",
        "les idées refusées à l'étude reçoivent une lettre type sans les raisons",
        "une réunion de bilan chaque année montrerait que le vote sert à quelque chose",
        "on apprend l'inauguration d'un projet par la presse locale",
        "les porteurs aimeraient être associés aux choix techniques, pas seulement informés",
        "la page du site sur les projets lauréats n'a pas été mise à jour depuis deux ans",
        "les votants ne savent pas quels projets ont gagné dans les autres quartiers",
        "nous n'avons pas d'outil pour répondre aux porteurs, chacun fait à sa façon",
        "une petite plaque sur chaque réalisation dirait d'où vient le projet",
        "sans nouvelles, les gens concluent que rien n'a été fait",
        "le compte rendu du jury n'a jamais été rendu public",
    ],
    "Délais de réalisation": [
        "entre le vote et les travaux il s'est passé presque deux ans",
        "les projets de voirie demandent des études longues, les gens ne le comprennent pas",
        "les petits projets sont livrés vite, les gros traînent d'une édition à l'autre",
        "le jardin partagé a pris du retard parce que le terrain n'était pas disponible",
        "les marchés publics imposent des délais qu'on n'annonce pas au moment du vote",
        "un projet voté en octobre ne peut pas être budgété avant l'année suivante",
        "on a attendu un an l'avis des bâtiments de France pour la fresque",
        "les habitants comptent en mois, les services en exercices budgétaires",
        "annoncer une date de livraison dès le vote éviterait les déceptions",
        "les entreprises ne répondent pas aux petits marchés, il faut relancer",
        "un projet a été livré trois ans après, ses porteurs avaient déménagé",
        "le retard vient souvent des études de sol qu'on n'avait pas prévues",
        "quand deux projets touchent le même espace, il faut tout reprendre",
        "les projets d'équipements sportifs dépendent des subventions de la région",
        "on devrait limiter le vote aux projets réalisables en dix-huit mois",
    ],
    "Charge des services": [
        "l'instruction des idées tombe en même temps que la préparation du budget",
        "nous sommes deux pour analyser une quarantaine de propositions",
        "chaque projet lauréat s'ajoute au plan de charge sans moyens supplémentaires",
        "les services techniques découvrent parfois les projets une fois votés",
        "il faudrait un chef de projet dédié, au moins à mi-temps",
        "estimer le coût de chaque idée demande des jours de travail",
        "le suivi des projets repose sur la bonne volonté de quelques agents",
        "les espaces verts ont dû entretenir trois nouveaux jardins sans recrutement",
        "nous n'avons pas été formés à accompagner des habitants porteurs de projet",
        "les services juridiques relisent chaque convention avec les associations",
        "la période du vote mobilise l'accueil pendant trois semaines",
        "un logiciel de suivi commun aux services nous ferait gagner du temps",
        "les projets lauréats passent après les urgences de voirie",
        "entre services, on ne sait pas toujours qui pilote un projet",
        "l'instruction est plus rapide depuis qu'on a une grille d'analyse commune",
    ],
    "Portage politique": [
        "le maire tient à ce dispositif, il en parle à chaque conseil municipal",
        "il faut un élu référent qui arbitre quand les services bloquent",
        "certains élus voient le budget participatif comme une concurrence",
        "le montant n'a pas bougé depuis trois ans, ça dit quelque chose de la priorité",
        "l'opposition municipale soutient le principe mais critique le calendrier",
        "les élus de quartier ne sont pas associés au choix des projets",
        "le dispositif était une promesse de campagne, il doit durer au-delà du mandat",
        "les adjoints n'ont pas tous envie de voir des habitants décider à leur place",
        "sans l'adjointe à la démocratie locale, le dispositif se serait arrêté en 2023",
        "le bureau municipal arbitre les projets irréalisables sans en rendre compte",
        "il faudrait inscrire le budget participatif dans le plan pluriannuel d'investissement",
        "les élus se montrent aux inaugurations mais pas aux ateliers",
        "le conseil municipal vote l'enveloppe sans débat, comme une formalité",
        "un engagement écrit de la majorité rassurerait les porteurs",
        "les élus attendent du dispositif qu'il fasse remonter les besoins des quartiers",
    ],
    "Lien social": [
        "monter le projet avec les voisins nous a fait nous rencontrer",
        "la fête de lancement était un vrai moment de quartier",
        "des associations qui ne se parlaient pas ont porté un projet ensemble",
        "le jardin partagé est devenu un lieu où l'on se retrouve le samedi",
        "les enfants du quartier ont peint la fresque avec les retraités",
        "j'ai fait du porte-à-porte pour notre projet, j'ai découvert mes voisins",
        "l'aire de jeux a remis des familles dehors, on se parle à nouveau",
        "le projet a créé des tensions entre deux rues qui voulaient le même terrain",
        "depuis le composteur, on a un groupe de discussion de l'immeuble",
        "les nouveaux habitants se sont intégrés en rejoignant un projet",
        "la boîte à livres est devenue un point de rendez-vous",
        "on a organisé un repas pour fêter la victoire du projet, tout le monde est venu",
        "les anciens du quartier ont raconté l'histoire du lieu aux plus jeunes",
        "certains projets restent l'affaire d'une petite bande d'amis",
        "le chantier participatif a réuni quarante personnes un dimanche",
    ],
    "Pouvoir d'agir": [
        "pour la première fois j'ai eu l'impression que mon avis comptait",
        "voir son idée réalisée donne envie de s'investir davantage",
        "on propose mais ce sont toujours les services qui tranchent au final",
        "les habitants ont appris à monter un budget et à défendre un projet",
        "après le budget participatif, plusieurs porteurs se sont engagés au conseil de quartier",
        "on nous demande notre avis sur des bancs, pas sur les grands projets",
        "les porteurs ont appris à lire un devis et à négocier avec les services",
        "ça a redonné confiance à des gens qui ne prenaient jamais la parole",
        "on se sent utiles, mais l'enveloppe est trop petite pour changer le quartier",
        "des jeunes ont présenté leur projet devant le jury, ils en étaient fiers",
        "les idées les plus ambitieuses sont écartées à l'étude, ça décourage",
        "le vote a montré qu'on pouvait se mobiliser ensemble pour obtenir quelque chose",
        "les habitants veulent décider aussi de l'entretien, pas seulement de l'investissement",
        "certains pensent que les projets gagnants étaient déjà décidés avant le vote",
        "mon association a pris de l'assurance et dépose maintenant d'autres demandes",
    ],
}
OPENINGS = ["", "", "", "", "Franchement, ", "Pour être honnête, ", "De mon point de vue, ",
            "Ce que je constate, c'est que ", "Je dirais que ", "Clairement, ",
            "Vous savez, ", "Il faut le dire : ", "À mon avis, ", "Honnêtement, ",
            "Ce qui me frappe, c'est que ", "Pour nous, "]
# Closings that fit a praise as well as a complaint.
CLOSINGS = ["", "", "", "", "", " On l'a dit plusieurs fois.", " Ça revient souvent.",
            " Je le vois tous les jours.", " Et ça ne date pas d'hier.",
            " Tout le monde le sait.", " Je l'ai redit en réunion.", " C'est ce qu'on entend.",
            " On en parlait encore la semaine dernière."]
# Segments that name someone or give a contact, as transcripts do: reports pseudonymise them.
IDENTIFYING = [
    ("Retour aux participants",
     "J'en ai parlé avec Mme Lefèvre à l'accueil, elle m'a dit d'écrire à "
     "budget.participatif@saint-aubin-sur-loire.fr, et depuis plus rien."),
    ("Lien social",
     "Avec Paul Girard on a porté le projet du verger ensemble, on ne se connaissait pas "
     "avant."),
    ("Publics éloignés",
     "Appelez Karim au 06 12 34 56 78, il connaît tous les jeunes du 4 rue des Tilleuls et "
     "il pourrait les faire venir."),
]
# How much each group talks about each code (relative weights).
PROFILES = {
    "élu": {"Portage politique": 4, "Pouvoir d'agir": 3, "Communication insuffisante": 2,
            "Délais de réalisation": 2, "Publics éloignés": 2, "Lien social": 1},
    "agent": {"Charge des services": 4, "Délais de réalisation": 3, "Portage politique": 2,
              "Retour aux participants": 2, "Fracture numérique": 2, "Canaux numériques": 1},
    "association": {"Publics éloignés": 4, "Communication insuffisante": 3, "Lien social": 3,
                    "Retour aux participants": 2, "Pouvoir d'agir": 2, "Fracture numérique": 1},
    "habitant": {"Retour aux participants": 4, "Délais de réalisation": 3,
                 "Communication insuffisante": 3, "Lien social": 2, "Canaux numériques": 2,
                 "Fracture numérique": 2, "Pouvoir d'agir": 2},
}
INTERVIEWS = [("E", "élu", 3), ("A", "agent", 5), ("S", "association", 4), ("H", "habitant", 6)]
# Codes often coded together on one segment.
PAIRS = {"Délais de réalisation": "Retour aux participants",
         "Fracture numérique": "Publics éloignés", "Lien social": "Pouvoir d'agir"}
DOUBLE_CODED = {"E01", "A02", "S01", "H02", "H05"}
# When the second coder disagrees, the code she uses instead.
NEIGHBOURS = {"Communication insuffisante": "Canaux numériques",
              "Canaux numériques": "Communication insuffisante",
              "Publics éloignés": "Fracture numérique", "Fracture numérique": "Publics éloignés",
              "Retour aux participants": "Délais de réalisation",
              "Délais de réalisation": "Retour aux participants",
              "Charge des services": "Portage politique",
              "Portage politique": "Charge des services",
              "Lien social": "Pouvoir d'agir", "Pouvoir d'agir": "Lien social"}

WORKSHOP_PROPOSALS = [
    "Publier un tableau de suivi des projets lauréats",
    "Organiser le vote dans les écoles et le collège",
    "Tenir des permanences papier dans chaque quartier",
    "Réserver une part du budget au Val d'Aubin",
    "Former les agents à l'accompagnement des porteurs",
    "Allonger la phase de dépôt des idées",
    "Créer un comité de suivi citoyen",
    "Annoncer chaque étape par SMS",
]
# Participants per table and each table's leaning (weights over the proposals above).
WORKSHOP_GROUPS = {
    "habitant": (14, [5, 2, 3, 2, 1, 2, 4, 3]),
    "association": (8, [4, 3, 4, 5, 2, 1, 3, 1]),
    "agent": (6, [3, 1, 2, 1, 5, 1, 2, 2]),
    "élu": (4, [3, 3, 1, 2, 2, 1, 2, 1]),
}
DOTS_PER_PERSON = 3


def _segment(rng: np.random.Generator, code: str, said: dict[str, int]) -> str:
    """A sentence on ``code``, from the thoughts said least so far across the interviews:
    a thought comes back only once every other thought of the code has been said."""
    least = min(said.get(core, 0) for core in SAYINGS[code])
    cores = [core for core in SAYINGS[code] if said.get(core, 0) == least]
    core = cores[int(rng.integers(0, len(cores)))]
    said[core] = said.get(core, 0) + 1
    opening = OPENINGS[int(rng.integers(0, len(OPENINGS)))]
    closing = CLOSINGS[int(rng.integers(0, len(CLOSINGS)))]
    if opening.endswith("que ") and core[0] in "aeiouéèêàâîô":
        opening = opening[:-2] + "'"  # French elides: « c'est qu'il »
    return opening + (core if opening else core[0].upper() + core[1:]) + "." + closing


def _interview(rng: np.random.Generator, role: str, said: dict[str, int]) -> list[dict]:
    """The coded segments of one interview, as the first coder coded them."""
    profile = PROFILES[role]
    codes = list(profile)
    weights = np.array([profile[c] for c in codes], dtype=float)
    count = int(rng.integers(3, 6))
    chosen = rng.choice(codes, size=min(count, len(codes)), replace=False,
                        p=weights / weights.sum())
    rows = []
    for code in chosen:
        segment_codes = [str(code)]
        if code in PAIRS and rng.random() < 0.4:
            segment_codes.append(PAIRS[str(code)])
        rows.append({"codes": segment_codes, "extrait": _segment(rng, str(code), said)})
    return rows


def interviews(rng: np.random.Generator, generated: dict[str, bytes]) -> dict[str, str]:
    """``entretiens_codes.csv``, ``codebook_entretiens.csv`` and ``atelier_bilan.csv``."""
    del generated  # interviews depend on nothing else the study holds
    rows, number, said = [], 0, {}
    identifying = list(IDENTIFYING)
    for prefix, role, count in INTERVIEWS:
        for index in range(1, count + 1):
            document = f"{prefix}{index:02d}"
            segments = _interview(rng, role, said)
            if role in ("habitant", "association") and identifying and rng.random() < 0.6:
                code, text = identifying.pop(0)
                segments.append({"codes": [code], "extrait": text})
            for segment in segments:
                number += 1
                codes = segment["codes"]
                if document in {"E01", "A02", "S01"}:  # coded before the codebook changed
                    old = {new: old for old, new in MERGED.items()}
                    codes = [old.get(c, c) for c in codes]
                base = {"id_extrait": f"X{number:03d}", "entretien": document,
                        "role": role.capitalize(), "locuteur": f"L-{document}",
                        "extrait": segment["extrait"]}
                rows.append({**base, "codes": " | ".join(codes), "codeur": "A"})
                if document in DOUBLE_CODED:
                    second = [c if rng.random() < 0.85 else NEIGHBOURS.get(MERGED.get(c, c), c)
                              for c in codes]
                    if rng.random() < 0.1:
                        second = second[:1]
                    rows.append({**base, "codes": " | ".join(dict.fromkeys(second)),
                                 "codeur": "B"})
    codebook = [{"code": code, "parent": parent, "description": description, "merge_into": ""}
                for code, parent, description in CODEBOOK]
    codebook += [{"code": old, "parent": "", "description": "ancien nom", "merge_into": new}
                 for old, new in MERGED.items()]
    workshop = []
    for group, (people, leaning) in WORKSHOP_GROUPS.items():
        weights = np.array(leaning, dtype=float)
        dots = rng.multinomial(people * DOTS_PER_PERSON, weights / weights.sum())
        for proposal, votes in zip(WORKSHOP_PROPOSALS, dots, strict=True):
            workshop.append({"atelier": "Atelier-bilan du 15 mars 2025", "proposition": proposal,
                             "groupe": group.capitalize(), "gommettes": int(votes),
                             "participants": people})
    return {"data/entretiens_codes.csv": csv_text(rows),
            "data/codebook_entretiens.csv": csv_text(codebook),
            "data/atelier_bilan.csv": csv_text(workshop)}


# The consultation's coding rules: the analyst's first draft, which misses the school run.
OPEN_ANSWER_RULES = """\
# Règles de codage des réponses à la question ouverte Q2 (propositions d'amélioration).
# Mots-clés comparés aux lemmes des réponses : « bus » couvre « bus », « autobus »...
codes:
  Offre de bus:
    description: Fréquence, horaires et lignes de bus
    keywords: [bus, car, ligne, horaire]
  Vélo:
    description: Pistes cyclables, stationnement vélo
    keywords: [piste cyclable, vélo]
  Covoiturage:
    description: Aires et plateformes de covoiturage
    keywords: [covoiturage]
  Transport à la demande:
    description: Réservation et fonctionnement du transport à la demande
    keywords: [transport à la demande, réserver, réservation]
  Personnes sans voiture:
    description: Personnes âgées, personnes sans permis ou sans véhicule
    keywords: [sans voiture, personne âgé, permis]
  Jeunes et scolaires:
    description: Trajets des collégiens, lycéens et étudiants
    keywords: [lycée, lycéen, étudiant, scolaire]
"""
# What the analyst added by hand when validating: the rules miss « collège ».
HAND_CODED = {"Une piste cyclable vers le collège.": ["Jeunes et scolaires"]}


def open_answer_coding(rng: np.random.Generator, generated: dict[str, bytes]) -> dict[str, str]:
    """``regles_codage_q2.yml`` and ``codage_q2.csv``: rules, then the analyst's validated
    coding of the consultation's open answers (complete responses only)."""
    import csv
    import io
    import tempfile
    from pathlib import Path

    import pandas as pd

    from civeval.qual.coding import propose_codes, save_coding
    from civeval.qual.rules import read_rules

    del rng  # the coding follows the answers and the rules: nothing is drawn
    export = generated["data/reponses_limesurvey.csv"].decode("utf-8")
    answers = pd.DataFrame([
        {"respondent": int(row["id"]), "answer": row["Q2"].strip()}
        for row in csv.DictReader(io.StringIO(export))
        if row["submitdate"] and row["Q2"].strip()])
    with tempfile.TemporaryDirectory() as folder:
        rules_file = Path(folder) / "rules.yml"
        rules_file.write_text(OPEN_ANSWER_RULES, encoding="utf-8")
        coded = propose_codes(answers, read_rules(rules_file))
        coded["final_codes"] = [sorted({*proposed, *HAND_CODED.get(answer, [])})
                                for proposed, answer in zip(coded["proposed_codes"],
                                                            coded["answer"], strict=True)]
        coded["validated"] = True
        saved = save_coding(coded, Path(folder) / "codage.csv")
        return {"data/regles_codage_q2.yml": OPEN_ANSWER_RULES,
                "data/codage_q2.csv": saved.read_bytes().decode("utf-8")}
