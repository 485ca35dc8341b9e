"""Statistical secrecy for published tables: cells describing fewer than 5 people are hidden.

Every table that counts people goes through :func:`suppress_small_cells` before a
template shows it. The report then says how many cells were hidden, from
``table.attrs["suppressed_cells"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civeval.errors import InputError

__all__ = ["THRESHOLD", "suppress_small_cells"]

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

    **Secondary suppression**: if exactly one count is hidden in a group whose total is
    published, total − published counts gives it back. The rule applied: in every group
    with exactly one hidden count, also hide the smallest published count of that group
    (non-zero counts first, then zeros; the first in table order on a tie), and repeat
    over all groups until no group has exactly one hidden count, since a cell hidden for
    a row can leave its column with a single hidden one. A group with a single cell
    cannot be protected this way: its published total *is* the cell, and must itself be
    suppressed by whoever publishes it. This simple rule guarantees that no hidden count
    can be recovered exactly from one row or column total; it does not seek the
    smallest loss of information (as τ-ARGUS does), which small tables do not need.

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
            _protect(values[name], hidden[name], partitions)

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


def _protect(values: np.ndarray, hidden: np.ndarray, partitions: list[np.ndarray]) -> None:
    """Hide more cells (in place) until no group has exactly one hidden count."""
    known = ~np.isnan(values)
    changed = True
    while changed:  # each pass hides at least one more cell, so this ends
        changed = False
        for codes in partitions:
            for code in np.unique(codes):
                members = np.flatnonzero((codes == code) & known)
                if hidden[members].sum() != 1:
                    continue
                candidates = members[~hidden[members]]
                if candidates.size == 0:
                    continue
                # the smallest non-zero count, else a zero: order by (is zero, value)
                order = np.lexsort((values[candidates], values[candidates] == 0))
                hidden[candidates[order[0]]] = True
                changed = True
