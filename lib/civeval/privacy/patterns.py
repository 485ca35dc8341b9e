"""What personal details look like in French text: the regular expressions of
:mod:`civeval.privacy.text`.

:data:`CONTACTS` finds details whatever surrounds them (e-mail addresses, obfuscated ones
too, web addresses, social-network handles, bank account numbers, social-security numbers,
birth dates, phone numbers in French and international formats, postal addresses), each
with the label that replaces it. :data:`TITLED` finds a name after a title (« Mme Durand »,
the title replaced with it) and :data:`BESIDE_ROLE` a name after a role or a relation (« le
maire Zorglub », « mon voisin Kévin »: only the name is replaced).

Every pattern starts where the character before cannot continue it (a look-behind), so
that scanning a long run of letters or digits stays linear in its length.
"""

from __future__ import annotations

import re

__all__ = ["BESIDE_ROLE", "CLAUSE_WORDS", "CONTACTS", "INITIALLED", "PLACE",
           "SUBJECT_OF_PERSON_VERB", "TITLED"]

_UPPER = "A-ZÀ-ÖØ-ÞŒ"
_LOWER = "a-zß-öø-ÿœ"
_APOSTROPHE = "'’"
_SPACE = r"[ \t\u00a0\u202f]"  # French typography puts non-breaking spaces in numbers

# --- names ------------------------------------------------------------------------------------

# A word of a name: « Dupont », « DUPONT », « Jean-Pierre », « O'Neil », « N'Diaye ».
_NAME_WORD = rf"[{_UPPER}][\w{_APOSTROPHE}]*(?:-[{_UPPER}{_LOWER}][\w{_APOSTROPHE}]*)*"
_INITIAL = rf"[{_UPPER}]\.(?:-[{_UPPER}]\.)?"
_PARTICLE = r"(?:de|du|des|de\s+la|van|von|der|den|ben|bin|ibn|el|al|da|di|dos|do)"
NAME = (rf"(?:{_INITIAL}{_SPACE}?)*{_NAME_WORD}"
        rf"(?:{_SPACE}+(?:{_PARTICLE}{_SPACE}+|d[{_APOSTROPHE}])?{_NAME_WORD})*")
"""A person's name: capitalised words, initials and particles (« J.-P. de La Fontaine »)."""

INITIALLED = re.compile(rf"(?<![\w.]){_INITIAL}{_SPACE}?{_NAME_WORD}"
                        rf"(?:{_SPACE}+{_NAME_WORD})*")
"""A name after an initial: « J. Dupont », « J.-P. Morel »."""

# Places named after people (« salle Pierre Mendès France », « avenue Jean Jaurès », « le
# collège Jean Moulin »): a name found in them is the place's, not a person's. Words that
# also name a family's home or business (« la maison Dupont ») are not among them.
PLACE = re.compile(
    rf"(?<![\w])(?i:rue|avenue|boulevard|bd|place|square|allée|impasse|quai|cours|chemin|"
    rf"parc|jardin|stade|gymnase|salle|école|collège|lycée|groupe{_SPACE}+scolaire|"
    rf"médiathèque|bibliothèque|piscine|halle|pont|hôpital|théâtre|musée|"
    rf"centre{_SPACE}+social|complexe{_SPACE}+sportif)"
    rf"{_SPACE}+(?:(?i:de{_SPACE}+la|du|des|de){_SPACE}+)?{NAME}")
"""A public place named after a person, which names no one in the text."""

SAINT_PLACE = re.compile(r"(?:Saint|Sainte|St|Ste)-\w")
"""A saint's name joined by a hyphen (« Saint-Martin »): a place in French, not a person."""

# Capitalised words that are never a name: words that begin a clause, greetings and the
# verbs that call someone (« Appelez Karim », « Merci Sophie »).
CLAUSE_WORDS = frozenset((
    "Le", "La", "Les", "L", "Un", "Une", "Des", "Du", "De", "D", "Il", "Elle", "Ils", "Elles",
    "On", "Je", "J", "Tu", "Nous", "Vous", "Et", "Mais", "Ou", "Donc", "Or", "Ni", "Car", "Ce",
    "C", "Cette", "Ces", "Ça", "Cela", "Si", "Quand", "Comme", "Pour", "Par", "Avec", "Sans",
    "Dans", "En", "Au", "Aux", "À", "Chez", "Selon", "Sauf", "Qui", "Que", "Qu", "Quoi", "Oui",
    "Non", "Alors", "Puis", "Enfin", "Sinon", "Bref", "Voilà", "Voici", "Merci", "Bonjour",
    "Bonsoir", "Salut", "Bravo", "Cher", "Chère", "Chers", "Chères", "Appelez", "Appelle",
    "Appeler", "Contactez", "Contacte", "Contacter", "Demandez", "Demande", "Demander",
    "Voyez", "Vois", "Voir", "Écrivez", "Écris", "Écrire", "Dites", "Dis", "Allez", "Va",
    "Parlez", "Parle", "Signé", "Signée", "Tél", "Mail", "Email", "Objet", "Réf"))
"""Capitalised words that are never a person's name."""
_NOT_A_NAME = rf"(?:{'|'.join(sorted(CLAUSE_WORDS, key=len, reverse=True))})\b"

# What follows a person, not a place, in the subject's seat: a verb of speech, thought or
# coming (« Karim est venu », « Kevin m'a parlé », « Pierre ne l'a jamais dit »), for the
# first names the small model takes for places.
_CLITIC = r"(?:ne|n['’]|m['’]|me|t['’]|te|l['’]|la|le|les|lui|nous|vous|leur|y|en|s['’]|se)"
_AUXILIARY = r"(?:a|avait|aura|aurait|est|était|sera|serait)"
_ADVERB = r"(?:pas|bien|déjà|toujours|jamais|aussi|encore|vraiment|souvent|tout)"
_PERSON_VERB = (
    r"(?:dit|disait|dira|dirait|parlé|parle|parlait|expliqué|explique|expliquait|raconté|"
    r"raconte|racontait|répondu|répond|répondait|écrit|écrivait|appelé|appelle|appelait|"
    r"demandé|demande|demandait|pense|pensait|pensé|trouve|trouvait|trouvé|croit|croyait|"
    r"sait|savait|su|connaît|connait|connaissait|connu|venu|venue|vient|venait|viendra|"
    r"viendrait|habite|habitait|travaille|travaillait|regrette|regrettait|rigole|souri|"
    r"promis|promet|prévenu|prévient|aidé|aide|aidait)")
SUBJECT_OF_PERSON_VERB = re.compile(
    rf"\s+(?:{_CLITIC}\s*)*(?:{_AUXILIARY}\s+)?(?:{_ADVERB}\s+)*(?:{_CLITIC}\s*)*"
    rf"{_PERSON_VERB}(?![\w])", re.IGNORECASE)
"""What follows a proper noun that is a person's name: matched right after the noun."""

_TITLE = (r"(?:M\.|MM\.|Mr\.?|Mme|Mmes|Mlle|Mlles|Melle|Me|Mgr|Dr\.?|Pr\.?|"
          r"(?i:monsieur|madame|mademoiselle|messieurs|mesdames|docteure?|doctoresse|"
          r"professeure?|ma[iî]tre))")
TITLED = re.compile(rf"(?<![\w.]){_TITLE}{_SPACE}+(?P<name>{NAME})")
"""A name after a title; the whole match (title included) is replaced."""

# Roles and relations (the word is kept, the name after it replaced), with their plurals and
# inclusive forms (« adjoint·e », « conseiller(ère)s »), accents optional.
_ROLE_WORDS = (
    "maire", "adjoint", "adjointe", "conseiller", "conseillère", "élu", "élue", "président",
    "présidente", "vice-président", "vice-présidente", "directeur", "directrice", "dgs",
    "chef", "cheffe", "responsable", "chargé", "chargée", "agent", "agente", "secrétaire",
    "gardien", "gardienne", "concierge", "animateur", "animatrice", "éducateur",
    "éducatrice", "médiateur", "médiatrice", "délégué", "déléguée", "coordinateur",
    "coordinatrice", "coordonnateur", "coordonnatrice", "référent", "référente", "trésorier",
    "trésorière", "bénévole", "porteur", "porteuse", "riverain", "riveraine", "voisin",
    "voisine", "fils", "fille", "frère", "sœur", "soeur", "mari", "femme", "époux", "épouse",
    "compagnon", "compagne", "père", "mère", "papa", "maman", "grand-père", "grand-mère",
    "oncle", "tante", "cousin", "cousine", "neveu", "nièce", "ami", "amie", "copain", "copine",
    "collègue", "camarade", "instituteur", "institutrice", "professeur", "professeure", "prof",
    "maîtresse", "curé", "pasteur", "imam", "rabbin", "policier", "policière", "commissaire",
    "gendarme", "médecin", "infirmier", "infirmière", "pharmacien", "pharmacienne",
    "boulanger", "boulangère", "patron", "patronne", "propriétaire", "locataire", "sénateur",
    "sénatrice", "député", "députée", "gérant", "gérante", "commerçant", "commerçante")


def _without_accents(word: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c))


_ROLE_FORMS = sorted({form for word in _ROLE_WORDS for form in (word, _without_accents(word))},
                     key=len, reverse=True)
_INCLUSIVE = r"(?:[·.•(](?:e|es|rice|rices|ice|ices|ère|ères|euse|euses|se|ne|nes|fe)\)?s?)?"
_ROLE = (rf"(?<![\w-])(?i:{'|'.join(map(re.escape, _ROLE_FORMS))})(?:s|x)?{_INCLUSIVE}"
         r"(?![\w])")
# A complement of the role: « le conseiller municipal Jean Dupont », « l'adjointe aux sports
# Nadia Kaci », « le président du comité de quartier Paul Roy »: a preposition then lower-case
# words, so that « le maire de Saint-Aubin » keeps its town.
_PREPOSITION = (rf"(?:aux?|à{_SPACE}+la|à{_SPACE}+l[{_APOSTROPHE}]|du|des|de{_SPACE}+la|"
                rf"de{_SPACE}+l[{_APOSTROPHE}]|de|d[{_APOSTROPHE}]|chargée?s?{_SPACE}+de)")
_COMPLEMENT = (rf"(?:{_SPACE}+(?i:municipal|municipale|municipaux|municipales|"
               r"départemental|départementale|régional|régionale|principal|principale)"
               rf"|{_SPACE}+{_PREPOSITION}(?:{_SPACE}*[{_LOWER}][{_LOWER}{_APOSTROPHE}-]*)"
               r"{1,3})?")
_ACRONYM = r"[A-Z]{2,5}\b"  # « l'agent SNCF »: an organisation, not a person
BESIDE_ROLE = re.compile(
    rf"{_ROLE}{_COMPLEMENT}{_SPACE}*,?{_SPACE}+(?!{_NOT_A_NAME}|{_ACRONYM})(?P<name>{NAME})")
"""A name after a role or relation, the group ``name`` being what is replaced."""

# --- contact details ----------------------------------------------------------------------------

_AT = (r"(?:\s?@\s?|\s?[\[({<]\s?(?:at|@|arobase)\s?[\])}>]\s?|\s(?:arobase|at)\s)")
# A dot, or a dot written out (« [dot] », « (point) », « point »); a plain dot takes no
# space around it, so that « …@orange.fr. Merci » ends at « fr ».
_DOT = r"(?:\.|\s?[\[({<]\s?(?:dot|point|\.)\s?[\])}>]\s?|\s(?:dot|point)\s)"
_EMAIL = re.compile(rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*"
                    rf"{_DOT}[a-zA-Z]{{2,24}}(?![\w-])")
_URL = re.compile(r"(?<![\w/])(?:https?://|www\.)[^\s<>\"«»]*[^\s<>\"«».,;:!?)\]}'’]",
                  re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z_][\w.]*\w")

_PHONE_GAP = rf"{_SPACE}{{0,2}}[./-]?{_SPACE}{{0,2}}"
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    # French: 0 then 9 digits, in any grouping (06 12 34 56 78, 06/10/20/30/40, 06 1234 5678)
    rf"0{_PHONE_GAP}[1-9](?:{_PHONE_GAP}\d){{8}}"
    # French from abroad: +33 6…, 0033 6…, +33 (0)6…
    rf"|(?:\+|00){_SPACE}?33{_PHONE_GAP}(?:\(0\){_SPACE}?)?[1-9](?:{_PHONE_GAP}\d){{8}}"
    # any other country: +32 475 12 34 56, +44 20 7946 0958, +1 (514) 555-0199
    rf"|(?:\+|00){_SPACE}?[1-9]\d{{0,2}}(?:{_PHONE_GAP}\(\d{{1,4}}\))?(?:{_PHONE_GAP}\d){{6,12}}"
    r")(?!\d)")

# Written in capitals, as banks print them: « FR76 3000 6000 0112 3456 7890 189 ».
_IBAN = re.compile(rf"(?<![\w])[A-Z]{{2}}\d{{2}}(?:{_SPACE}?[A-Z0-9]{{4}}){{2,7}}"
                   rf"(?:{_SPACE}?[A-Z0-9]{{1,3}})?(?![\w])")
# The French NIR: sex, year, month, département, commune, order, key (« 1 85 05 78 006 084 36 »).
_SOCIAL_SECURITY = re.compile(
    rf"(?<![\w])[12]{_SPACE}?\d{{2}}{_SPACE}?(?:0[1-9]|1[0-2]|[2-9]\d){_SPACE}?"
    rf"(?:\d{{2}}|2[ABab]){_SPACE}?\d{{3}}{_SPACE}?\d{{3}}(?:{_SPACE}?\d{{2}})?(?!\d)")

_MONTH = (r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|"
          r"octobre|novembre|décembre|decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec)"
          r"\.?")
_DAY_MONTH = rf"(?:1er|\d{{1,2}})(?:[\s./-]+)(?:\d{{1,2}}|{_MONTH})"
# « né le 12/03/1985 », « née le 3 mars 1962 », « date de naissance : 12.03.1985 »: only the
# date is replaced. A year alone (« le dispositif est né en 2016 ») is not a birth date.
_BIRTH_DATE = re.compile(
    rf"(?:(?<![\w])(?:né|née|nés|nées|né\(e\)|né·e|nee)\s+le\s+"
    rf"(?P<pii>{_DAY_MONTH}(?:[\s./-]+\d{{2,4}})?)"
    rf"|(?<![\w])(?:date\s+de\s+naissance|ddn)\s*:?\s*"
    rf"(?P<pii2>{_DAY_MONTH}[\s./-]+\d{{2,4}}|(?:{_MONTH}\s+)?(?:19|20)\d{{2}}))(?!\d)",
    re.IGNORECASE)

# Street types after which the name may be in lower case (« 4 rue des tilleuls »), and those
# that are also common words (« 10 cours de yoga », « 2 place de parking »): a capitalised
# word must then follow.
_STREET = (r"(?i:rue|ruelle|avenue|av\.|bd|boulevard|bld|chemin|allée|allee|impasse|imp\.|"
           r"quai|square|résidence|residence|lotissement|sentier|cité|cite|faubourg|fg|"
           r"esplanade|rond-point|parvis|hameau|lieu-dit)")
_STREET_OR_WORD = (r"(?i:place|pl\.|cours|route|rte|voie|passage|promenade|traverse|"
                   r"montée|montee|villa|mail|clos)")
_STREET_PARTICLE = (rf"(?i:de|du|des|de{_SPACE}+la|la|le|les|l[{_APOSTROPHE}]|d[{_APOSTROPHE}]"
                    r"|à|au|aux|sur|sous|en|et)")
_PARTICLES = rf"(?:{_STREET_PARTICLE}(?:{_SPACE}+|(?<=[{_APOSTROPHE}])))*"
_STREET_WORD = rf"(?:[{_UPPER}][\w{_APOSTROPHE}-]*|\d+(?:er|e)?)(?![\w])"
# « des Tilleuls », « du Général de Gaulle », « du 8 Mai 1945 »; it stops at the first
# lower-case word that does not follow a particle (« 12 rue des Lilas est dangereux »).
_MORE_WORDS = rf"(?:{_SPACE}+{_PARTICLES}{_STREET_WORD})*"
_STREET_NAME = (rf"(?:{_STREET}{_SPACE}+{_PARTICLES}[\w{_APOSTROPHE}-]+{_MORE_WORDS}"
                rf"|{_STREET_OR_WORD}{_SPACE}+{_PARTICLES}{_STREET_WORD}{_MORE_WORDS})")
_POSTCODE_CITY = (rf"(?:,?{_SPACE}+\d{{5}}{_SPACE}+[{_UPPER}][\w{_APOSTROPHE}-]*"
                  rf"(?:{_SPACE}+(?i:cedex))?)?")
_NUMBER = (rf"(?:(?i:n[°o]){_SPACE}?)?\d{{1,4}}"
           rf"(?:{_SPACE}?(?i:bis|ter|quater|[a-d])(?![\w]))?,?{_SPACE}+")
_ADDRESS = re.compile(rf"(?<![\w]){_NUMBER}{_STREET_NAME}{_POSTCODE_CITY}")
# Where someone lives, even without a number: « j'habite rue des Lilas ».
_HOME = re.compile(
    rf"(?<![\w])(?i:habite|habites|habitons|habitez|habitent|réside|résident|"
    rf"domicilié|domiciliée)(?:{_SPACE}+(?i:au|à|a|dans|sur)(?:{_SPACE}+(?i:la|le))?)?"
    rf"{_SPACE}+(?P<pii>(?:{_NUMBER})?{_STREET_NAME}{_POSTCODE_CITY})")

CONTACTS: list[tuple[re.Pattern, str]] = [
    (_EMAIL, "[courriel]"),
    (_URL, "[lien]"),
    (_HANDLE, "[compte]"),
    (_IBAN, "[coordonnées bancaires]"),
    (_SOCIAL_SECURITY, "[numéro de sécurité sociale]"),
    (_BIRTH_DATE, "[date de naissance]"),
    (_PHONE, "[téléphone]"),
    (_ADDRESS, "[adresse]"),
    (_HOME, "[adresse]"),
]
"""Each pattern with its label, in the order they claim text: a span an earlier pattern
claimed is not claimed again (a phone number's digits inside an IBAN). A pattern with
groups ``pii`` (or ``pii2``) replaces only the one that matched (« né le [date de
naissance] »)."""
