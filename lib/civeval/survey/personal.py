"""Which columns of a questionnaire export hold personal data, and why.

Reports are aggregate-only, so :func:`civeval.survey.io.read_survey` drops personal columns
on import, before anything looks at their values. A column is personal for one of these
reasons (:data:`REASONS`), checked in this order after the study's ``keep_columns``, which
are never dropped:

- ``study``: the study lists it in its ``personal_columns``;
- ``form``: the questionnaire's structure file says so by the question's type (an XLSForm
  ``phonenumber``, ``email``, ``username``, ``deviceid``, ``image`` or ``audio`` question, a
  LimeSurvey file upload), see :attr:`civeval.survey.codebook.Codebook.personal`;
- ``trace``: its name says a technical trace of the person (IP address, token, session,
  device);
- ``contact``: its name says e-mail, phone or postal address (``courriel``, ``téléphone``,
  ``adresse``…), unless the address is that of a thing (« Adresse du projet »);
- ``person``: its name says a person's name (``nom``, ``prénom``, ``name``,
  ``SubmitterName``), unless the name is that of a thing, as in ``Site_name``,
  ``vessel_name`` or « Nom du quartier »;
- ``role``: its name is the role of a person whose name it holds (``Collector``,
  ``Recorder``, ``reporter``, ``enquêteur``).

Names are split into words at any non-letter and at camelCase humps, without accents or
case. A question whose text merely mentions such a word (« Quel est le nom de votre
association ? ») follows the same rules: a thing's name is kept, a person's is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from civeval.survey.codebook import normalise_label

__all__ = ["REASONS", "personal_columns", "personal_reason"]

REASONS = ("study", "form", "contact", "trace", "person", "role")

_CONTACT = frozenset({"email", "mail", "courriel", "telephone", "phone", "phonenumber", "tel",
                      "portable", "mobile"})
_ADDRESS = frozenset({"adresse", "address", "postal", "domicile"})
_TRACE = frozenset({"ip", "ipaddr", "ipaddress", "token", "session", "deviceid", "simserial",
                    "subscriberid", "imei", "cookie"})
_NAME = frozenset({"nom", "prenom", "name", "firstname", "lastname", "surname", "fullname",
                   "username", "givenname", "familyname", "patronyme"})
# Nouns that make a name the name of a thing, not of a person.
_THINGS = frozenset({
    "site", "place", "lieu", "location", "vessel", "boat", "bateau", "navire", "ship",
    "project", "projet", "quartier", "district", "neighbourhood", "neighborhood", "commune",
    "ville", "city", "town", "village", "municipality", "rue", "street", "road", "route",
    "parc", "park", "jardin", "garden", "school", "ecole", "college", "lycee",
    "association", "organisation", "organization", "structure", "entreprise", "company",
    "societe", "service", "equipement", "facility", "building", "batiment", "salle", "room",
    "species", "espece", "taxon", "file", "fichier", "form", "formulaire", "survey",
    "questionnaire", "event", "evenement", "atelier", "workshop", "product", "produit",
    "river", "riviere", "region", "departement", "country", "pays", "group", "groupe",
    "team", "equipe", "club", "dispositif", "scheme", "budget", "choice", "option", "list",
    "liste", "layer", "field", "variable", "code", "category", "categorie", "theme",
})
# Roles whose column holds the name of whoever filled them (data collection forms).
_ROLES = frozenset({"collector", "recorder", "reporter", "enumerator", "interviewer",
                    "surveyor", "observer", "enqueteur", "enqueteuse", "enquetrice",
                    "observateur", "observatrice", "signature", "submitter", "respondent"})
# Words that, with a role, make the column something other than a name.
_NOT_A_NAME = frozenset({"id", "type", "role", "count", "number", "nombre", "status",
                         "statut", "category", "categorie", "date", "time", "heure"})


def _words(name: str) -> set[str]:
    humps = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(name))
    return set(re.split(r"[^a-z0-9]+", normalise_label(humps))) - {""}


def personal_reason(name: str) -> str | None:
    """The reason (one of :data:`REASONS`) a column's name alone says it is personal, or
    None.

    Examples
    --------
    >>> [personal_reason(name) for name in ["Adresse e-mail", "ip_hash", "SubmitterName",
    ...                                     "Collector", "Site_name", "vessel_name", "nombre"]]
    ['contact', 'trace', 'person', 'role', None, None, None]
    """
    words = _words(name)
    if words & _TRACE:
        return "trace"
    if words & _CONTACT or (words & _ADDRESS and not words & _THINGS):
        return "contact"
    if words & _NAME:
        return None if words & _THINGS else "person"
    if words & _ROLES and not words & (_THINGS | _NOT_A_NAME):
        return "role"
    return None


def personal_columns(columns: Iterable[str], tidy_names: Mapping[str, str] | None = None,
                     declared: Mapping[str, str] | None = None,
                     personal: Iterable[str] = (), keep: Iterable[str] = ()
                     ) -> dict[str, str]:
    """The personal columns among ``columns``, each with its reason (see the module).

    Parameters
    ----------
    columns : iterable of str
        The export's headers.
    tidy_names : mapping, optional
        The tidy name of each header (``grp-q1`` → ``q1``), by which a study's lists and a
        structure file may name it too.
    declared : mapping, optional
        Tidy name → reason of the columns the structure file declares personal.
    personal, keep : iterable of str
        The study's own ``personal_columns`` and ``keep_columns``: headers or tidy names.

    Returns
    -------
    dict
        Header → reason, in file order; a column the study keeps is never in it.

    Examples
    --------
    >>> personal_columns(["Q1", "email", "Collector", "Site_name", "remarque"],
    ...                  personal=["remarque"], keep=["Collector"])
    {'email': 'contact', 'remarque': 'study'}
    """
    tidy_names = tidy_names or {}
    declared = declared or {}
    personal, keep = set(personal), set(keep)
    found = {}
    for column in columns:
        names = {column, tidy_names.get(column, column)}
        if names & keep:
            continue
        if names & personal:
            found[column] = "study"
        elif tidy_names.get(column, column) in declared:
            found[column] = "form"
        else:
            reason = personal_reason(column)
            if reason is not None:
                found[column] = reason
    return found
