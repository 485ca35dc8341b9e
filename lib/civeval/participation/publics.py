"""Diversity: who takes part compared with who lives there (sex, age band, district...),
per edition.

The table is that of :func:`civeval.representativeness.representativeness` (representation
ratios, dissimilarity index, χ² test), one block per group of ``by`` (usually the edition).
Its counts of people must go through :func:`civeval.privacy.suppress_small_cells` before
they are published.
"""

from __future__ import annotations

import pandas as pd

from civeval.participation.inputs import as_list, as_population, check_frame, require_columns
from civeval.representativeness import representativeness

__all__ = [
    "diversity",
]


def diversity(participants: pd.DataFrame, column: str, population, by=None
              ) -> pd.DataFrame:
    """Who takes part compared with who lives there, per edition if ``by`` is given.

    A thin wrapper over :func:`civeval.representativeness.representativeness`, applied to
    each group of ``by``.

    Parameters
    ----------
    participants : DataFrame
        One row per participant.
    column : str
        Sex, age band, district, PCS, QPV flag...
    population : mapping, Series or two-column DataFrame
        Inhabitants per category of ``column``.
    by : str or list of str, optional
        Columns to group by (typically ``"edition"``).

    Returns
    -------
    DataFrame
        The table of :func:`~civeval.representativeness.representativeness` (``n``,
        ``share_respondents``, ``population``, ``share_population``,
        ``representation_ratio`` per category), with the ``by`` columns first when given.
        Without ``by`` its ``attrs`` are kept (dissimilarity index, χ² test...); with
        ``by``, ``attrs["summary"]`` holds them one row per group (``n``, ``n_missing``,
        ``dissimilarity_index``, ``chi2_statistic``, ``chi2_dof``, ``chi2_p_value``).

    Notes
    -----
    Representation ratio :math:`p_i / q_i` and dissimilarity index
    :math:`D = \\tfrac12 \\sum_i |p_i - q_i|`, with :math:`p_i` the share of participants
    and :math:`q_i` the share of the population in category i.

    Examples
    --------
    >>> voters = pd.DataFrame({"edition": [2023] * 4 + [2024] * 2,
    ...                        "sexe": ["F", "F", "F", "H", "F", "H"]})
    >>> table = diversity(voters, "sexe", {"F": 52, "H": 48}, by="edition")
    >>> print(table[["edition", "sexe", "n", "representation_ratio"]].to_string())
       edition sexe  n  representation_ratio
    0     2023    F  3              1.442308
    1     2023    H  1              0.520833
    2     2024    F  1              0.961538
    3     2024    H  1              1.041667
    >>> table.attrs["summary"]["dissimilarity_index"].round(2).tolist()
    [0.23, 0.02]
    """
    check_frame(participants)
    by = as_list(by)
    require_columns(participants, column, *by)
    if isinstance(population, pd.DataFrame):
        population = as_population(population)
    if not by:
        return representativeness(participants, column, population)
    rows = participants.dropna(subset=by)
    tables, summary = [], []
    for key, group in rows.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        table = representativeness(group, column, population)
        labels = dict(zip(by, key, strict=True))
        tables.append(table.assign(**labels)[[*by, *table.columns]])
        summary.append({**labels, **{name: table.attrs[name] for name in (
            "n", "n_missing", "dissimilarity_index", "chi2_statistic", "chi2_dof",
            "chi2_p_value")}})
    result = pd.concat(tables, ignore_index=True)
    result.attrs = {"summary": pd.DataFrame(summary), "n_missing": len(participants) - len(rows)}
    return result
