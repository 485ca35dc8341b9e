"""Statistical secrecy for published tables: cells describing fewer than 5 people are hidden.

Every table that counts people goes through :func:`suppress_small_cells` before a
template shows it. The report then says how many cells were hidden, from
``table.attrs["suppressed_cells"]``. What a published total would give back of the hidden
cells is ruled by :func:`secondary_suppression`, which a section also calls itself for the
totals it publishes in other forms (shares adding up to 100 %, a share of agreement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civeval.errors import InputError

__all__ = ["THRESHOLD", "secondary_suppression", "suppress_small_cells"]

THRESHOLD = 5
"""A published cell must describe at least this many people (DOMAIN: "fewer than 5")."""


def _as_list(columns) -> list:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def suppress_small_cells(table: pd.DataFrame, count_columns, threshold: int = THRESHOLD,
                         dependent_columns=None, *, groups=None, secondary: bool = True
                         ) -> pd.DataFrame:
    """Hide counts of 1 to ``threshold`` − 1 people, and what would let a reader recover them.

    Parameters
    ----------
    table : DataFrame
        A table to publish, one row per cell of the published table (the tidy output of
        :func:`civeval.survey.compare.crosstab` or
        :func:`civeval.representativeness.representativeness`). It is not modified.
    count_columns : str or list of str
        Columns holding numbers of people (the unweighted ``n``, not weighted counts).
    threshold : int
        Smallest count that may be published.
    dependent_columns : str or list of str, optional
        Columns computed from the same people (percentages, means, weighted counts,
        ratios): hidden on every row where a count is hidden.
    groups : str or list of str, optional
        Columns whose values define groups of rows adding up to a published total (for
        a cross-table: the row variable and the column variable, since row and column
        totals are published). By default the whole table is one group (its total, the
        number of respondents, is published).
    secondary : bool
        Whether to apply secondary suppression (below).

    Returns
    -------
    DataFrame
        A copy where hidden values are missing (counts become nullable integers when
        they were integers), with a boolean column ``suppressed`` (True where something
        on the row is hidden; combined with an existing ``suppressed`` column), and
        ``attrs`` (kept from ``table``) holding ``suppressed_cells`` (hidden counts),
        ``primary_suppressed_cells``, ``secondary_suppressed_cells`` and
        ``suppression_threshold``.

    Notes
    -----
    **Primary suppression**: a count c with 0 < c < threshold is hidden, in line with
    French statistical-secrecy practice for tables of people (cells of 1 to 4). A zero
    is published: it describes nobody, and hiding zeros would also hide that a category
    is empty.

    **Secondary suppression**: in a group whose total is published, total − published
    counts gives back the sum of the hidden ones. Every group is protected by
    :func:`secondary_suppression`: the smallest published counts of the group are hidden
    until at least two are hidden and they hold together at least ``threshold`` people
    (two hidden cells of 1 and 2 people would otherwise give back 3 people together);
    over all groups again until none changes, since a cell hidden for a row can leave its
    column unprotected. A group that cannot be protected this way (a single cell: its
    published total *is* the cell; fewer than ``threshold`` people in all) has every count
    hidden, and its total must be suppressed by whoever publishes it.

    Examples
    --------
    >>> table = pd.DataFrame({"quartier": ["Nord", "Centre", "Sud"], "n": [3, 12, 40],
    ...                       "part": [0.05, 0.22, 0.73]})
    >>> hidden = suppress_small_cells(table, "n", dependent_columns="part")
    >>> print(hidden.to_string())
      quartier     n  part  suppressed
    0     Nord  <NA>   NaN        True
    1   Centre  <NA>   NaN        True
    2      Sud    40  0.73       False
    >>> hidden.attrs["suppressed_cells"], hidden.attrs["secondary_suppressed_cells"]
    (2, 1)
    """
    counts, dependents, group_columns = (_as_list(count_columns),
                                         _as_list(dependent_columns), _as_list(groups))
    if not counts:
        raise ValueError("name at least one count column")
    if not (isinstance(threshold, (int, np.integer)) and threshold >= 1):
        raise ValueError(f"threshold must be a whole number ≥ 1, not {threshold!r}")
    for name in counts + dependents + group_columns:
        if name not in table.columns:
            raise InputError(f"no column named {name!r} in the table", column=name)
    for name in counts:
        if not pd.api.types.is_numeric_dtype(table[name]):
            raise InputError("counts must be numbers", column=name)

    values = {name: table[name].to_numpy(dtype=float, na_value=np.nan) for name in counts}
    primary = {name: (values[name] > 0) & (values[name] < threshold) for name in counts}
    hidden = {name: mask.copy() for name, mask in primary.items()}
    if secondary:
        partitions = ([pd.factorize(table[name], use_na_sentinel=False)[0]
                       for name in group_columns] or [np.zeros(len(table), dtype=int)])
        for name in counts:
            _protect(values[name], hidden[name], partitions, threshold)

    result = table.copy()
    on_row = np.zeros(len(table), dtype=bool)
    for name in counts:
        column = result[name]
        if pd.api.types.is_integer_dtype(column):
            column = column.astype("Int64")  # keeps integers integers once some are missing
        result[name] = column.mask(hidden[name])
        on_row |= hidden[name]
    for name in dependents:
        result[name] = result[name].mask(on_row)
    previous = (result["suppressed"].fillna(False).astype(bool).to_numpy()
                if "suppressed" in result.columns else False)
    result["suppressed"] = on_row | previous
    n_primary = int(sum(mask.sum() for mask in primary.values()))
    n_hidden = int(sum(mask.sum() for mask in hidden.values()))
    result.attrs.update(suppressed_cells=n_hidden, primary_suppressed_cells=n_primary,
                        secondary_suppressed_cells=n_hidden - n_primary,
                        suppression_threshold=int(threshold))
    return result


def secondary_suppression(counts, hidden, threshold: int = THRESHOLD
                          ) -> tuple[np.ndarray, bool]:
    """Hide more cells of a group whose total is published, until the total gives back
    nothing under the threshold.

    Parameters
    ----------
    counts : array-like of numbers
        The numbers of people (unweighted) of the cells of one group, which add up to a
        total the report publishes or lets a reader work out: a number of respondents,
        100 % of the shares, a share of agreement.
    hidden : array-like of bool
        The cells already hidden: those under the threshold (primary suppression) and
        those hidden for another group. A cell the report does not show but a reader
        works out (who did not tick an option: those asked minus those who ticked it)
        counts as shown, and is hidden here if it is under the threshold.
    threshold : int
        Smallest number of people a published figure may describe.

    Returns
    -------
    hidden : ndarray of bool
        The cells to hide: ``hidden`` and the ones this rule adds.
    total_shown : bool
        Whether the total may be published. When it may not (the group describes 1 to
        ``threshold`` − 1 people), every cell of the group is hidden, zeros included.

    Notes
    -----
    Complementary (secondary) cell suppression, as Eurostat's *Handbook on Statistical
    Disclosure Control* (Hundepool et al., ESSnet on SDC, chapter 5 « Frequency
    tables ») and INSEE's *Guide du secret statistique* describe it: once cells are hidden,
    the published total minus the published cells gives back the sum of the hidden ones,
    so what is hidden must not be recoverable that way. The rule applied:

    - the group is protected when no cell is hidden, or when at least two cells are
      hidden and hold together at least ``threshold`` people;
    - until it is, the smallest cell still shown is hidden too, the first in order on a
      tie, non-zero cells before zeros (a zero adds no one to the hidden sum: it is hidden
      only when a second hidden cell is all that lacks);
    - if no non-zero cell is left to hide while the hidden cells hold fewer than
      ``threshold`` people, the whole group holds fewer: its total must be hidden, and
      every cell with it.

    A single hidden cell is thus never left alone, even a large one hidden for another
    group: in a cross-table, the row that gives it back exactly would give back the small
    cell of its column. The rule seeks no smallest loss of information (as τ-ARGUS does),
    which the small tables of a report do not need.

    Examples
    --------
    >>> hidden, total_shown = secondary_suppression([3, 12, 40], [True, False, False])
    >>> hidden.tolist(), total_shown  # 55 − 12 − 40 would give the 3 back
    ([True, True, False], True)
    >>> secondary_suppression([1, 2, 30, 8], [True, True, False, False])[0].tolist()
    [True, True, False, True]
    >>> secondary_suppression([3, 0, 0], [True, False, False])  # 3 people in all
    (array([ True,  True,  True]), False)
    """
    values = np.asarray(counts, dtype=float)
    result = np.array(hidden, dtype=bool)  # a copy: the caller's mask is left as it was
    if values.shape != result.shape or values.ndim != 1:
        raise ValueError("counts and hidden must be two lists of the same length")
    if np.isnan(values).any():
        raise ValueError("counts must all be known: a missing count cannot be protected")
    while True:
        people = values[result].sum()
        if result.sum() == 0 or (result.sum() >= 2 and people >= threshold):
            return result, True
        shown = np.flatnonzero(~result)
        if shown.size:
            # the smallest non-zero count, else a zero: order by (is zero, value, position)
            pick = shown[np.lexsort((shown, values[shown], values[shown] == 0))[0]]
            if values[pick] > 0 or people >= threshold:
                result[pick] = True
                continue
        result[:] = True
        return result, False


def _protect(values: np.ndarray, hidden: np.ndarray, partitions: list[np.ndarray],
             threshold: int) -> None:
    """Hide more cells (in place) until every group has two hidden cells or more, holding
    ``threshold`` people together (:func:`secondary_suppression`), or none."""
    known = ~np.isnan(values)
    changed = True
    while changed:  # each pass hides at least one more cell, so this ends
        changed = False
        for codes in partitions:
            for code in np.unique(codes):
                members = np.flatnonzero((codes == code) & known)
                protected, _ = secondary_suppression(values[members], hidden[members],
                                                     threshold)
                if (protected != hidden[members]).any():
                    hidden[members] = protected
                    changed = True
