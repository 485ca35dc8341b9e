"""Voters' attributes in vote files, as the diversity and channel analyses take them.

Pabulib ballots may carry the voter's ``age`` (years), ``sex`` (``F``, ``M``, ``O``) and
``voting_method`` (``internet``, ``paper``). Population margins count inhabitants by age
*band* and by sex written the client's way (« 18-29 », « 75 ans et plus », « F » / « H »):

- :func:`age_bands` puts ages into the margins' bands, whose limits it reads from their
  labels (:func:`age_band_limits`);
- :func:`sex_categories` writes Pabulib's sexes as the margins do;
- :func:`margin_variables` finds which margin variable is the age and which the sex;
- :func:`voter_profile` counts voters per category and edition, for studies without
  margins.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd

from civeval.errors import InputError
from civeval.participation.inputs import check_frame, require_columns

__all__ = ["DEFAULT_AGE_BANDS", "age_band_limits", "age_bands", "margin_variables",
           "sex_categories", "voter_profile"]

# INSEE-style bands, from birth: some votes are open to children (or cast for them).
DEFAULT_AGE_BANDS = ("0-17", "18-29", "30-44", "45-59", "60-74", "75+")
SEXES = ("F", "M", "O")
# How margins write each Pabulib sex, in French, English and Polish (compared without case
# or accents).
_SEX_WORDS = {
    "F": ("f", "femme", "femmes", "feminin", "female", "woman", "women", "kobieta", "kobiety"),
    "M": ("m", "h", "homme", "hommes", "masculin", "male", "man", "men", "mezczyzna",
          "mezczyzni"),
    "O": ("o", "autre", "autres", "other", "inna", "inne"),
}
_SEX_OF_WORD = {word: code for code, words in _SEX_WORDS.items() for word in words}
_RANGE = re.compile(r"^(?:de )?(\d+)\s*(?:-|à|a|to)\s*(\d+)(?: ans?| years?)?$")
_FROM = re.compile(r"^(\d+)\s*(?:\+|ans? et plus|et plus|ans? ou plus|or more|"
                   r"years? and over|and over|plus)$")
_UNDER = re.compile(r"^(?:moins de|under|less than|<)\s*(\d+)(?: ans?| years?)?$")


def _plain(text) -> str:
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.replace("–", "-").replace("—", "-").split())


def age_band_limits(label) -> tuple[int, float] | None:
    """The ages a band covers, from its label: ``(first, last)`` in whole years (``last``
    infinite for « 75+ »); None when the label is no age band.

    Examples
    --------
    >>> age_band_limits("18-29"), age_band_limits("18 à 29 ans")
    ((18, 29), (18, 29))
    >>> age_band_limits("75 ans et plus"), age_band_limits("moins de 18 ans")
    ((75, inf), (0, 17))
    >>> age_band_limits("F") is None
    True
    """
    text = _plain(label)
    if match := _RANGE.match(text):
        return int(match[1]), int(match[2])
    if match := _FROM.match(text):
        return int(match[1]), math.inf
    if match := _UNDER.match(text):
        return 0, int(match[1]) - 1
    return None


def age_bands(ages: pd.Series, labels=DEFAULT_AGE_BANDS) -> pd.Series:
    """Each age in the band of ``labels`` that covers it.

    Parameters
    ----------
    ages : Series
        Ages in years (missing values stay missing).
    labels : sequence of str
        Band labels (:func:`age_band_limits` reads them), in any order, not overlapping.

    Returns
    -------
    Series
        The label of each age's band (object dtype, aligned with ``ages``); missing when
        the age is missing or outside every band (a 16-year-old when bands start at 18).

    Raises
    ------
    InputError
        A label that is no age band, or two bands that overlap.

    Examples
    --------
    >>> age_bands(pd.Series([17, 18, 29.5, 30, 80, None]), ["18-29", "30-44", "75+"]).tolist()
    [nan, '18-29', '18-29', '30-44', '75+', nan]
    """
    limits = []
    for label in labels:
        band = age_band_limits(label)
        if band is None:
            raise InputError(f"{label!r} is not an age band (write 18-29, 75+ or "
                             "« moins de 18 ans »)")
        limits.append((band, label))
    limits.sort()
    for (first, previous), (second, label) in zip(limits, limits[1:], strict=False):
        if second[0] <= first[1]:
            raise InputError(f"the age bands {previous!r} and {label!r} overlap")
    # Whole years: 29.5 is still 29.
    years = np.floor(pd.to_numeric(ages, errors="coerce").astype(float).to_numpy())
    shown = np.full(len(years), np.nan, dtype=object)
    for (first, last), label in limits:
        shown[(years >= first) & (years <= last)] = label
    return pd.Series(shown, index=ages.index, name=ages.name)


def sex_categories(sexes: pd.Series, categories=SEXES) -> pd.Series:
    """Pabulib's sexes (``F``, ``M``, ``O``) written as ``categories`` write them.

    Each Pabulib code goes to the category that writes it in a word margins use (« F »,
    « Femmes », « female », « kobiety » for F; « M », « H », « Hommes », « male » for M;
    « autre », « other » for O), compared without case or accents; a code no category
    matches becomes missing.

    Examples
    --------
    >>> sex_categories(pd.Series(["F", "M", "O", None]), ["F", "H"]).tolist()
    ['F', 'H', nan, nan]
    """
    lookup: dict[str, str] = {}
    for category in categories:
        code = _SEX_OF_WORD.get(_plain(category))
        if code is not None:
            lookup.setdefault(code, category)
    shown = [lookup.get(str(value).strip().upper(), np.nan) if pd.notna(value) else np.nan
             for value in sexes]
    return pd.Series(shown, index=sexes.index, name=sexes.name, dtype=object)


def margin_variables(margins: dict) -> dict[str, str]:
    """Which variable of population margins is the age band and which the sex.

    Parameters
    ----------
    margins : dict
        ``variable → {category: inhabitants}`` (:func:`civeval.survey.margins.as_margins`).

    Returns
    -------
    dict
        ``{"age": variable, "sex": variable}``, with only those found: the age is the
        variable whose every category is an age band, the sex the one whose categories
        are read as F and M by :func:`sex_categories`.

    Examples
    --------
    >>> margin_variables({"tranche_age": {"18-29": 10, "30+": 20},
    ...                   "sexe": {"F": 15, "H": 15}, "quartier": {"Nord": 30}})
    {'age': 'tranche_age', 'sex': 'sexe'}
    """
    found = {}
    for variable, categories in margins.items():
        names = list(categories)
        if "age" not in found and names and all(age_band_limits(n) for n in names):
            found["age"] = variable
        elif "sex" not in found and names:
            mapped = sex_categories(pd.Series(["F", "M"]), names)
            if mapped.notna().all() and mapped.nunique() == 2:
                found["sex"] = variable
    return found


def voter_profile(voters: pd.DataFrame, column: str, by: str | None = "edition"
                  ) -> pd.DataFrame:
    """Voters per category of ``column`` (per edition), and their share.

    Returns
    -------
    DataFrame
        ``by`` (when given), ``category``, ``voters`` and ``share`` (of the voters whose
        ``column`` is known), categories in their order of appearance in a categorical, else
        sorted. ``attrs["missing"]``: voters whose ``column`` is unknown, per ``by``.

    Examples
    --------
    >>> voters = pd.DataFrame({"edition": ["2023"] * 3 + ["2024"] * 2,
    ...                        "sex": ["F", "F", "M", "M", None]})
    >>> voter_profile(voters, "sex").values.tolist()
    [['2023', 'F', 2, 0.6666666666666666], ['2023', 'M', 1, 0.3333333333333333], \
['2024', 'M', 1, 1.0]]
    """
    check_frame(voters)
    require_columns(voters, column, *([by] if by else []))
    groups = [by] if by else []
    known = voters.dropna(subset=[column])
    counts = known.groupby([*groups, column], observed=True, sort=True).size() \
        .rename("voters").reset_index().rename(columns={column: "category"})
    totals = counts.groupby(groups)["voters"].transform("sum") if groups \
        else counts["voters"].sum()
    counts["share"] = counts["voters"] / totals
    missing = voters[voters[column].isna()]
    counts.attrs["missing"] = (missing.groupby(by).size().to_dict() if by
                               else len(missing))
    return counts
