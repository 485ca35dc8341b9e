"""Themes found in free texts, offline and reproducibly, for an analyst to validate.

:func:`discover_themes` suggests themes in thousands of open answers or contributions: each
with its top terms, a suggested French label, its size and its most representative
answers (pseudonymised). The analyst then decides on a :class:`ThemeModel`: renames a
theme (:meth:`~ThemeModel.rename`), merges several (:meth:`~ThemeModel.merge`), splits one
(:meth:`~ThemeModel.split`) or drops one (:meth:`~ThemeModel.drop`); its
:meth:`~ThemeModel.proposal` goes into :func:`civeval.qual.coding.validation_grid`, where
she moves answers from theme to theme and ticks each one, and
:func:`civeval.qual.themebook.save_themes` writes the themes as the codebook of the coding
(what was found, how, and what the analyst changed). Only the validated coding reaches a
report (:mod:`civeval.qual.validated`).

Method
------
1. **Terms**: French lemmas and pairs of consecutive lemmas, counted per answer
   (:func:`civeval.qual.corpus.count_terms`: the spaCy pipeline installed with civeval,
   nothing downloaded), weighted by TF-IDF with a logarithmic term frequency
   (``1 + log tf``) and rows of unit length.
2. **Candidates**: each method of ``methods`` with each number of themes of ``themes``
   (by default 2 to 14, at most one theme per :data:`ANSWERS_PER_THEME` answers), fitted
   on at most :data:`SELECTION_SAMPLE` answers drawn with the seed, measured twice:

   - **coherence**: the mean normalised pointwise mutual information (NPMI, Bouma 2009;
     Röder et al. 2015) between the ten top lemmas of each theme, from the share of
     answers holding each lemma and each pair: 1 when top lemmas always come together,
     0 when they are independent, −1 when they never meet;
   - **stability**: each candidate is fitted again on :data:`STABILITY_RUNS` random
     subsamples of 80 % of those answers, and each refit's grouping of the answers is
     compared with the reference one on the answers both hold, by the adjusted Rand index
     (Hubert & Arabie 1985); the mean is the stability (the bootstrap stability of a
     clustering, Ben-Hur, Elisseeff & Guyon 2002): 1 when the same answers come together
     whatever the sample, 0 when they do no better than chance.

   The candidate kept is the most stable of those whose coherence is within
   :data:`MARGIN` of the most coherent (fewer themes on a tie): coherence alone favours
   many narrow themes, stability alone two broad ones. Measured on three draws of the
   demo consultation (eight known themes) with three seeds each, the rule kept 7 to 9
   themes, and an adjusted Rand index against the known themes of 0.76 to 0.84; the
   same rule with Greene, O'Callaghan & Cunningham's (2014) stability of the top terms
   kept up to 14 themes (0.62); the most coherent candidate alone has 7 to 10 themes, the
   most stable one 2 or 3. On the committed demo answers, seed 0 keeps 10 themes (adjusted
   Rand index 0.72), seeds 1 and 2 keep 8 (0.87).
3. **Themes**: the chosen method is fitted on all answers; each answer goes to the theme
   that weighs most in it (none when it holds no counted term).

Why NMF on TF-IDF by default. Measured on the demo consultation (3,400 contributions of
8 known themes, ``tests/test_themes_demo.py``) and on the benchmark corpus, non-negative
matrix factorisation (NMF, scikit-learn's coordinate descent, NNDSVDa start) was both
more coherent and more stable than latent Dirichlet allocation (LDA, batch variational
Bayes) at every number of themes, and ten times faster; LDA needs long documents, and
open answers are short. A BERTopic-like pipeline needs sentence embeddings, which the
small French spaCy model does not have (its word vectors are context features, not
trained embeddings) and which would have to be downloaded: not offline. ``methods=("nmf",
"lda")`` measures both and keeps the better candidate by the same rule.

Reproducible: the seed fixes the selection sample, the subsamples and the fits (NNDSVDa
is deterministic but for its randomised SVD, seeded too), so the same answers in the same
order give the same themes.

References
----------
Bouma, G. (2009). Normalized (pointwise) mutual information in collocation extraction.
*Proceedings of GSCL*, 31-40.

Röder, M., Both, A. & Hinneburg, A. (2015). Exploring the space of topic coherence
measures. *WSDM '15*, 399-408.

Greene, D., O'Callaghan, D. & Cunningham, P. (2014). How many topics? Stability analysis
for topic models. *ECML PKDD 2014*, LNCS 8724, 498-513.

Ben-Hur, A., Elisseeff, A. & Guyon, I. (2002). A stability based method for discovering
structure in clustered data. *Pacific Symposium on Biocomputing* 7, 6-17.

Hubert, L. & Arabie, P. (1985). Comparing partitions. *Journal of Classification* 2,
193-218.

Lee, D. D. & Seung, H. S. (1999). Learning the parts of objects by non-negative matrix
factorization. *Nature* 401, 788-791.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from civeval.errors import InputError
from civeval.qual.corpus import (
    MIN_ANSWERS,
    TermCounts,
    check_enough,
    count_terms,
    language_check,
    language_warning,
)

__all__ = ["ThemeModel", "discover_themes", "measure_candidates"]

METHODS = ("nmf", "lda")
SELECTION_SAMPLE = 2_000
"""Answers on which candidates are measured (all of them when there are fewer)."""
STABILITY_RUNS = 5
"""Refits on 80 % subsamples that measure each candidate's stability."""
MARGIN = 0.05
"""How far below the most coherent candidate another may be and still be chosen."""
ANSWERS_PER_THEME = 20
"""Candidates have at most one theme per this many answers."""
TOP_TERMS = 10
"""Terms that describe a theme (coherence, stability, the themes file)."""
LABEL_TERMS = 3
"""Terms joined into a theme's suggested label."""


class LanguageWarning(UserWarning):
    """Most answers are not in the study's language."""


# --------------------------------------------------------------------------- weighting

def _tfidf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()


def _fit(method: str, counts: sparse.csr_matrix, themes: int, seed: int):
    """Document × theme weights and theme × term weights of one fit."""
    if method == "nmf":
        from sklearn.decomposition import NMF

        model = NMF(themes, init="nndsvda", random_state=seed, max_iter=400)
        with warnings.catch_warnings():
            # a fit that stops at max_iter is still a fit: stability says how good it is
            warnings.simplefilter("ignore", category=UserWarning)
            document = model.fit_transform(_tfidf(counts))
        return document, model.components_
    from sklearn.decomposition import LatentDirichletAllocation

    model = LatentDirichletAllocation(themes, learning_method="batch", max_iter=30,
                                      random_state=seed)
    document = model.fit_transform(counts)
    return document, model.components_


def _top(components: np.ndarray, count: int = TOP_TERMS) -> np.ndarray:
    """Positions of each theme's top terms, the heaviest first (ties by position)."""
    return np.argsort(-components, axis=1, kind="stable")[:, :count]


# --------------------------------------------------------------------------- measures

def coherence(present: sparse.csc_matrix, top_lemmas: Sequence[Sequence[int]]) -> np.ndarray:
    """Mean NPMI between the top lemmas of each theme (see the module), from an answers ×
    terms matrix of 0 and 1.

    Examples
    --------
    Two lemmas always together, two never:

    >>> present = sparse.csc_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0],
    ...                                       [0, 0, 1, 0], [0, 0, 0, 1]]))
    >>> coherence(present, [[0, 1], [2, 3]]).tolist()
    [1.0, -1.0]
    """
    n = present.shape[0]
    result = []
    for top in top_lemmas:
        top = list(top)
        if len(top) < 2:
            result.append(np.nan)
            continue
        columns = present[:, top]
        together = (columns.T @ columns).toarray() / n
        alone = np.diag(together)
        scores = []
        for i in range(len(top)):
            for j in range(i + 1, len(top)):
                joint = together[i, j]
                if joint == 0:
                    scores.append(-1.0)
                elif joint == 1:
                    scores.append(1.0)
                else:
                    scores.append(np.log(joint / (alone[i] * alone[j])) / -np.log(joint))
        result.append(float(np.mean(scores)))
    return np.array(result)


def _unigrams(terms: np.ndarray) -> np.ndarray:
    return np.array([" " not in term for term in terms])


def _candidate_counts(answers: int, themes: Iterable[int] | None) -> list[int]:
    if themes is not None:
        chosen = sorted({int(k) for k in themes})
        if not chosen or chosen[0] < 2:
            raise InputError("themes must be whole numbers of at least 2")
        return chosen
    return list(range(2, max(2, min(14, answers // ANSWERS_PER_THEME)) + 1))


def _assign(weights: np.ndarray) -> np.ndarray:
    """Each answer's heaviest theme (−1 for an answer without any counted term)."""
    return np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)


def _measure(method: str, k: int, matrix, present, unigrams, subsamples, seed: int) -> dict:
    """Coherence and stability of one candidate (see the module)."""
    from sklearn.metrics import adjusted_rand_score

    weights, components = _fit(method, matrix, k, seed)
    reference = _assign(weights)
    top_lemmas = [[i for i in unigrams[np.argsort(-row[unigrams], kind="stable")[:TOP_TERMS]]
                   if row[i] > 0] for row in components]
    stability = [adjusted_rand_score(reference[part],
                                     _assign(_fit(method, matrix[part], k, seed)[0]))
                 for part in subsamples]
    return {"method": method, "themes": k,
            "coherence": float(np.nanmean(coherence(present, top_lemmas))),
            "stability": float(np.mean(stability))}


def measure_candidates(counts: TermCounts, themes: Iterable[int] | None = None,
                       methods: Sequence[str] = ("nmf",), seed: int = 0) -> pd.DataFrame:
    """Coherence and stability of each candidate method and number of themes.

    Parameters
    ----------
    counts : TermCounts
        From :func:`civeval.qual.corpus.count_terms`.
    themes : iterable of int, optional
        Numbers of themes to try; by default 2 to 14, at most one per
        :data:`ANSWERS_PER_THEME` answers.
    methods : sequence of {"nmf", "lda"}
        Methods to try.
    seed : int
        Fixes the sample, the subsamples and the fits.

    Returns
    -------
    DataFrame
        One row per candidate: ``method``, ``themes``, ``coherence``, ``stability`` and
        ``chosen`` (True on the candidate the module's rule keeps). ``attrs["sample"]``:
        answers measured on.

    Examples
    --------
    Answers made of two of four sentences on buses, or of two of four on cycling: two
    themes come back on every subsample, but the finer splits of the sentences hold
    together better (coherence); of these, four themes come back more surely than three.

    >>> said = {"bus": ["Le bus passe trop rarement le soir.", "Plus de bus le dimanche.",
    ...                 "Les horaires du car ne conviennent pas.", "Un arrêt de bus à la mairie."],
    ...         "vélo": ["Une piste cyclable vers le collège.", "Des abris pour les vélos.",
    ...                  "Les pistes cyclables sont dangereuses.", "Aider à acheter des vélos."]}
    >>> rng = np.random.default_rng(0)
    >>> texts = [" ".join(rng.choice(said[key], 2, replace=False))
    ...          for key in ["bus", "vélo"] * 40]
    >>> table = measure_candidates(count_terms(texts), themes=[2, 3, 4])
    >>> table[["themes", "coherence", "stability", "chosen"]].round(2).values.tolist()
    [[2, 0.36, 1.0, False], [3, 0.4, 0.8, False], [4, 0.43, 0.83, True]]
    """
    for method in methods:
        if method not in METHODS:
            raise InputError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    rng = np.random.default_rng(seed)
    n = len(counts)
    sample = (np.sort(rng.choice(n, SELECTION_SAMPLE, replace=False))
              if n > SELECTION_SAMPLE else np.arange(n))
    matrix = counts.counts[sample]
    present = (matrix > 0).astype(np.float64).tocsc()
    unigrams = np.flatnonzero(_unigrams(counts.terms))
    subsamples = [np.sort(rng.choice(len(sample), int(0.8 * len(sample)), replace=False))
                  for _ in range(STABILITY_RUNS)]
    # Small fits run fastest on one BLAS thread: several threads spend more time agreeing
    # than computing on a matrix of a few thousand answers.
    with threadpool_limits(1):
        rows = [_measure(method, k, matrix, present, unigrams, subsamples, seed)
                for method in methods for k in _candidate_counts(len(sample), themes)]
    table = pd.DataFrame(rows)
    coherent = table["coherence"] >= table["coherence"].max() - MARGIN
    best = table[coherent].sort_values(["stability", "themes"], ascending=[False, True],
                                       kind="stable").index[0]
    table["chosen"] = table.index == best
    table.attrs["sample"] = len(sample)
    return table


# --------------------------------------------------------------------------- the model

def _label(weights: np.ndarray, terms: np.ndarray) -> str:
    """A French label from a theme's term weights: its :data:`LABEL_TERMS` heaviest
    lemmas, a lemma weighing with the pairs that hold it, two of them written as their
    pair when the pair weighs at least half of each ("Piste cyclable, vélo et abri").

    >>> _label(np.array([3.0, 2.0, 1.0, 1.0, 0.5]),
    ...        np.array(["bus", "horaire", "bus dimanche", "dimanche", "arrêt"]))
    'Bus, dimanche et horaire'
    >>> _label(np.array([3.0, 2.0, 1.9, 1.5, 0.2]),
    ...        np.array(["vélo", "piste", "cyclable", "piste cyclable", "abri"]))
    'Piste cyclable, vélo et abri'
    """
    top = [str(terms[i]) for i in _top(weights[None, :], 3 * TOP_TERMS)[0]
           if weights[i] > 0]
    weight = {term: float(weights[list(terms).index(term)]) for term in top}
    score: dict[str, float] = {}
    for term in top:
        for word in term.split():
            score[word] = score.get(word, 0.0) + weight[term]

    def pair(first: str, second: str) -> str | None:
        """The pair of two words when it weighs at least half of each: they mostly come
        together ("piste cyclable"), not merely sometimes ("bus dimanche")."""
        for candidate in (f"{first} {second}", f"{second} {first}"):
            if weight.get(candidate, 0.0) >= 0.5 * max(weight.get(first, 0.0),
                                                       weight.get(second, 0.0)):
                return candidate
        return None

    chosen: list[str] = []
    for word in sorted(score, key=lambda w: (-score[w], w)):
        if len(chosen) == LABEL_TERMS:
            break
        joined = next(((i, found) for i, item in enumerate(chosen)
                       if " " not in item and (found := pair(item, word))), None)
        if joined is None:
            chosen.append(word)
        else:
            chosen[joined[0]] = joined[1]
    if not chosen:
        return "Sans terme"
    text = chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " et " + chosen[-1]
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, eq=False)
class ThemeModel:
    """Themes found in answers, as the analyst has left them so far.

    Build it with :func:`discover_themes`; each decision of the analyst returns a new
    model, and :attr:`decisions` keeps them in order (what the themes file records).

    Attributes
    ----------
    answers : DataFrame
        ``respondent``, ``answer`` and the attributes given.
    themes : DataFrame
        One row per theme: ``theme`` (a number, kept through renames), ``name`` (the
        suggested label until the analyst renames it), ``label`` (the suggested label),
        ``terms`` (top terms, heaviest first), ``answers`` (how many answers it holds)
        and ``share`` (of all answers).
    assignment : numpy.ndarray
        The theme number of each answer (0: no theme).
    method : dict
        How the themes were found (method, number of themes, seed, coherence, stability,
        answers, terms, the candidates measured, the language check, the themes as
        suggested).
    decisions : tuple of dict
        The analyst's decisions, in order.
    """

    answers: pd.DataFrame
    themes: pd.DataFrame
    assignment: np.ndarray
    method: dict
    decisions: tuple = ()
    _tfidf: sparse.csr_matrix = field(repr=False, default=None)
    _terms: np.ndarray = field(repr=False, default=None)
    _weights: np.ndarray = field(repr=False, default=None)  # answers × themes
    _components: np.ndarray = field(repr=False, default=None)  # themes × terms

    # -- reading --

    def __len__(self) -> int:
        return len(self.themes)

    def number(self, theme: int | str) -> int:
        """The number of a theme given by number or by name."""
        if isinstance(theme, int | np.integer) and int(theme) in set(self.themes["theme"]):
            return int(theme)
        matches = self.themes.loc[self.themes["name"] == theme, "theme"]
        if len(matches):
            return int(matches.iloc[0])
        names = "; ".join(f"{row.theme}: {row.name}" for row in self.themes.itertuples())
        raise InputError(f"no theme {theme!r}; themes: {names}")

    def representatives(self, count: int = 3) -> pd.DataFrame:
        """The answers closest to each theme, pseudonymised.

        Closeness is the cosine between the answer's TF-IDF and the theme's terms, among
        the answers of the theme holding at least as many terms as its median answer;
        ties go to the first answer, and a text already shown is not shown again.
        Returns ``theme, name, rank, respondent, answer`` (the text through
        :func:`civeval.privacy.pseudonymise_text`).
        """
        from civeval.privacy import pseudonymise_text

        profiles = self._components / np.maximum(
            np.linalg.norm(self._components, axis=1, keepdims=True), 1e-12)
        closeness = np.asarray(self._tfidf @ profiles.T)
        richness = np.diff(self._tfidf.indptr)  # terms counted in each answer
        texts = self.answers["answer"].astype(str).to_numpy()
        rows = []
        for position, theme in enumerate(self.themes.itertuples()):
            members = np.flatnonzero(self.assignment == theme.theme)
            # answers at least as rich as the theme's median one: a lone "Vélo" is close to
            # its theme but says little about it
            members = members[richness[members] >= np.median(richness[members])] if len(
                members) else members
            order = members[np.argsort(-closeness[members, position], kind="stable")]
            seen: set[str] = set()
            for index in order:
                if texts[index] in seen:
                    continue
                seen.add(texts[index])
                rows.append({"theme": theme.theme, "name": theme.name, "rank": len(seen),
                             "respondent": self.answers["respondent"].iloc[index],
                             "answer": pseudonymise_text(texts[index])})
                if len(seen) == count:
                    break
        return pd.DataFrame(rows, columns=["theme", "name", "rank", "respondent", "answer"])

    def proposal(self) -> pd.DataFrame:
        """The suggested coding, ready for :func:`civeval.qual.coding.validation_grid`.

        Returns
        -------
        DataFrame
            The answers (``respondent``, ``answer``, attributes) with ``proposed_codes``
            (the name of the answer's theme, or nothing), ``final_codes`` (empty, for the
            analyst) and ``validated`` (False).
        """
        names = dict(zip(self.themes["theme"], self.themes["name"], strict=True))
        coded = self.answers.copy()
        coded["proposed_codes"] = pd.Series([[names[t]] if t in names else []
                                             for t in self.assignment],
                                            index=coded.index, dtype=object)
        coded["final_codes"] = pd.Series([[] for _ in range(len(coded))], index=coded.index,
                                         dtype=object)
        coded["validated"] = False
        return coded

    # -- the analyst's decisions --

    def _with(self, themes: pd.DataFrame, decision: dict, **changes) -> ThemeModel:
        themes = themes.sort_values("theme", kind="stable").reset_index(drop=True)
        return dataclasses.replace(self, themes=themes, decisions=(*self.decisions, decision),
                                   **changes)

    def _check_new_name(self, name: str, allowed: Iterable[int] = ()) -> str:
        name = " ".join(str(name).split())
        if not name or ";" in name:
            raise InputError(f"a theme's name must be a text without ';', not {name!r}")
        taken = self.themes.loc[~self.themes["theme"].isin(list(allowed)), "name"]
        if name in set(taken):
            raise InputError(f"a theme is already named {name!r}: merge the two instead")
        return name

    def rename(self, theme: int | str, name: str) -> ThemeModel:
        """The model with theme ``theme`` (number or name) called ``name``.

        >>> model = _example_model()
        >>> model.rename(1, "Transports en commun").themes["name"].tolist()
        ['Transports en commun', 'Vélo']
        """
        number = self.number(theme)
        name = self._check_new_name(name, [number])
        themes = self.themes.copy()
        old = themes.loc[themes["theme"] == number, "name"].iloc[0]
        themes.loc[themes["theme"] == number, "name"] = name
        return self._with(themes, {"rename": old, "to": name})

    def merge(self, themes: Sequence[int | str], name: str | None = None) -> ThemeModel:
        """The model with ``themes`` made one, under the first one's number and ``name``
        (by default the first one's name); its terms are those of the summed weights.

        >>> model = _example_model().merge([1, 2], "Mobilité")
        >>> model.themes[["theme", "name", "answers"]].values.tolist()
        [[1, 'Mobilité', 4]]
        """
        numbers = list(dict.fromkeys(self.number(theme) for theme in themes))
        if len(numbers) < 2:
            raise InputError("name at least two different themes to merge")
        first, others = numbers[0], numbers[1:]
        old_names = [self.themes.loc[self.themes["theme"] == n, "name"].iloc[0]
                     for n in numbers]
        name = self._check_new_name(name or old_names[0], numbers)
        positions = [self._position(n) for n in numbers]
        weights = self._weights.copy()
        components = self._components.copy()
        weights[:, positions[0]] = weights[:, positions].sum(axis=1)
        components[positions[0]] = components[positions].sum(axis=0)
        keep = [p for p in range(len(self.themes)) if p not in positions[1:]]
        assignment = np.where(np.isin(self.assignment, others), first, self.assignment)
        themes = self.themes.copy()
        row = themes["theme"] == first
        themes.loc[row, "name"] = name
        themes.loc[row, "terms"] = pd.Series([self._terms_of(components[positions[0]])],
                                             index=themes.index[row], dtype=object)
        themes = themes[~themes["theme"].isin(others)]
        themes = _sizes(themes, assignment)
        return self._with(themes, {"merge": old_names, "to": name}, assignment=assignment,
                          _weights=weights[:, keep], _components=components[keep])

    def drop(self, theme: int | str) -> ThemeModel:
        """The model without ``theme``: its answers are proposed no theme (the analyst may
        still give them one in the grid).

        >>> _example_model().drop("Vélo").proposal()["proposed_codes"].tolist()
        [['Bus et car'], ['Bus et car'], [], []]
        """
        number = self.number(theme)
        position = self._position(number)
        name = self.themes.loc[self.themes["theme"] == number, "name"].iloc[0]
        assignment = np.where(self.assignment == number, 0, self.assignment)
        keep = [p for p in range(len(self.themes)) if p != position]
        themes = _sizes(self.themes[self.themes["theme"] != number], assignment)
        return self._with(themes, {"drop": name}, assignment=assignment,
                          _weights=self._weights[:, keep],
                          _components=self._components[keep])

    def split(self, theme: int | str, into: int = 2, seed: int | None = None) -> ThemeModel:
        """The model with ``theme`` split in ``into`` themes, found by the same method
        in its answers only (new numbers, suggested labels as names).

        Raises
        ------
        InputError
            The theme holds fewer than :data:`~civeval.qual.corpus.MIN_ANSWERS` answers.
        """
        from sklearn.decomposition import NMF

        number = self.number(theme)
        members = np.flatnonzero(self.assignment == number)
        if len(members) < MIN_ANSWERS or into < 2:
            raise InputError(f"theme {number} holds {len(members)} answers: splitting it in "
                             f"{into} needs at least {MIN_ANSWERS} and into ≥ 2")
        seed = self.method["seed"] if seed is None else seed
        model = NMF(into, init="nndsvda", random_state=seed, max_iter=400)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            local = model.fit_transform(self._tfidf[members])
        position = self._position(number)
        name = self.themes.loc[self.themes["theme"] == number, "name"].iloc[0]
        start = int(self.themes["theme"].max()) + 1
        numbers = list(range(start, start + into))
        assignment = self.assignment.copy()
        assignment[members] = np.array(numbers)[local.argmax(axis=1)]
        weights = np.delete(self._weights, position, axis=1)
        block = np.zeros((len(assignment), into))
        block[members] = local
        components = np.vstack([np.delete(self._components, position, axis=0),
                                model.components_])
        new = []
        for offset, row in enumerate(model.components_):
            terms = self._terms_of(row)
            label = _label(row, self._terms)
            new.append({"theme": numbers[offset], "name": self._unique(label, number),
                        "label": label, "terms": terms})
        themes = pd.concat([self.themes[self.themes["theme"] != number], pd.DataFrame(new)],
                           ignore_index=True)
        themes = _sizes(themes, assignment)
        return self._with(themes, {"split": name, "to": [t["name"] for t in new]},
                          assignment=assignment, _weights=np.hstack([weights, block]),
                          _components=components)

    # -- helpers --

    def _position(self, number: int) -> int:
        return int(np.flatnonzero(self.themes["theme"].to_numpy() == number)[0])

    def _terms_of(self, row: np.ndarray) -> list[str]:
        return [str(self._terms[i]) for i in _top(row[None, :])[0]]

    def _unique(self, name: str, replaced: int) -> str:
        taken = set(self.themes.loc[self.themes["theme"] != replaced, "name"])
        candidate, number = name, 2
        while candidate in taken:
            candidate, number = f"{name} ({number})", number + 1
        return candidate


def _sizes(themes: pd.DataFrame, assignment: np.ndarray) -> pd.DataFrame:
    themes = themes.copy()
    counts = pd.Series(assignment).value_counts()
    themes["answers"] = [int(counts.get(t, 0)) for t in themes["theme"]]
    themes["share"] = themes["answers"] / len(assignment)
    return themes


def _as_answers(answers, text_column: str) -> pd.DataFrame:
    if isinstance(answers, pd.DataFrame):
        if text_column not in answers.columns:
            raise InputError(f"no column {text_column!r} in the answers; columns: "
                             f"{', '.join(map(str, answers.columns))}", column=text_column,
                             file=answers.attrs.get("file"), row=1 if answers.attrs.get(
                                 "file") else None)
        frame = answers.copy()
        if text_column != "answer":
            frame = frame.rename(columns={text_column: "answer"})
        if "respondent" not in frame.columns:
            frame.insert(0, "respondent", range(1, len(frame) + 1))
    else:
        texts = pd.Series(answers) if not isinstance(answers, pd.Series) else answers
        frame = pd.DataFrame({"respondent": texts.index if isinstance(answers, pd.Series)
                              else range(1, len(texts) + 1), "answer": texts.to_numpy()})
    frame["answer"] = frame["answer"].map(lambda v: "" if v is None or (
        not isinstance(v, str) and pd.isna(v)) else str(v).strip())
    frame = frame[frame["answer"] != ""]
    frame.attrs = dict(getattr(answers, "attrs", {}))
    return frame


def discover_themes(answers, *, text_column: str = "answer",
                    themes: int | Iterable[int] | None = None,
                    methods: Sequence[str] = ("nmf",), seed: int = 0,
                    language: str = "fr") -> ThemeModel:
    """Suggest themes in free texts (see the module for the method).

    Parameters
    ----------
    answers : DataFrame, Series or list of str
        The answers: a table with ``respondent`` (else numbered from 1), the text column
        and attributes (as :func:`civeval.qual.coding.open_answers` or
        :func:`civeval.qual.corpus.catalogue_answers` give them), or the texts alone
        (a Series keeps its index as the respondent). Empty answers are left out.
    text_column : str
        The text column of a table.
    themes : int or iterable of int, optional
        The number of themes, or the numbers to choose among; by default chosen between 2
        and 14 by coherence and stability.
    methods : sequence of {"nmf", "lda"}
        The methods to choose among.
    seed : int
        The same answers with the same seed give the same themes.
    language : str
        The study's language: a :class:`LanguageWarning` says, with the share, when most
        answers are in another one.

    Returns
    -------
    ThemeModel

    Raises
    ------
    InputError
        The text column does not exist; fewer than
        :data:`~civeval.qual.corpus.MIN_ANSWERS` non-empty answers.

    Examples
    --------
    >>> said = {"bus": ["Le bus passe trop rarement le soir.", "Plus de bus le dimanche.",
    ...                 "Les horaires du car ne conviennent pas.", "Un arrêt de bus à la mairie."],
    ...         "vélo": ["Une piste cyclable vers le collège.", "Des abris pour les vélos.",
    ...                  "Les pistes cyclables sont dangereuses.", "Aider à acheter des vélos."]}
    >>> rng = np.random.default_rng(0)
    >>> texts = [" ".join(rng.choice(said[key], 2, replace=False))
    ...          for key in ["bus", "vélo"] * 40]
    >>> model = discover_themes(texts, themes=2)
    >>> model.themes[["theme", "answers"]].values.tolist()
    [[1, 40], [2, 40]]
    >>> [terms[0] for terms in model.themes["terms"]]
    ['vélo', 'bus']
    >>> model.assignment[:4].tolist()  # the answers alternate: bus, vélo, bus, vélo
    [2, 1, 2, 1]
    """
    frame = _as_answers(answers, text_column)
    check_enough(frame, column=text_column, file=frame.attrs.get("file"))
    counts = count_terms(frame["answer"].tolist())
    check = language_check(counts, expected=language)
    message = language_warning(check, frame.attrs.get("file"), text_column)
    if message:
        warnings.warn(message, LanguageWarning, stacklevel=2)
    if counts.counts.shape[1] < 2:
        raise InputError(f"the answers share fewer than two words ({counts.counts.shape[1]}): "
                         "there is no theme to find", column=text_column,
                         file=frame.attrs.get("file"))
    candidates = measure_candidates(
        counts, [themes] if isinstance(themes, int | np.integer) else themes, methods, seed)
    chosen = candidates[candidates["chosen"]].iloc[0]
    method, k = str(chosen["method"]), int(chosen["themes"])
    weighted = _tfidf(counts.counts)
    weights, components = _fit(method, counts.counts, k, seed)
    if method == "lda":  # themes of an answer without any counted term are not themes
        weights = np.where(np.asarray(counts.counts.sum(axis=1)) > 0, weights, 0.0)
    strongest = weights.max(axis=1)
    order = np.argsort(-np.bincount(weights.argmax(axis=1)[strongest > 0], minlength=k),
                       kind="stable")  # themes numbered from the largest
    weights, components = weights[:, order], components[order]
    assignment = np.where(strongest > 0, weights.argmax(axis=1) + 1, 0)
    rows = []
    for number, row in enumerate(components, start=1):
        terms = [str(counts.terms[i]) for i in _top(row[None, :])[0]]
        label = _label(row, counts.terms)
        rows.append({"theme": number, "name": label, "label": label, "terms": terms})
    table = pd.DataFrame(rows)
    duplicated = table["name"].duplicated(keep=False)
    table.loc[duplicated, "name"] = [f"{name} ({number})" for name, number in
                                     zip(table.loc[duplicated, "name"],
                                         table.loc[duplicated, "theme"], strict=True)]
    table = _sizes(table, assignment)
    suggested = [{"theme": int(row.theme), "name": row.name, "terms": list(row.terms),
                  "answers": int(row.answers)} for row in table.itertuples()]
    provenance = {
        "method": method, "themes": k, "seed": int(seed),
        "coherence": round(float(chosen["coherence"]), 3),
        "stability": round(float(chosen["stability"]), 3),
        "answers": len(frame), "terms": int(counts.counts.shape[1]),
        "without_theme": int((assignment == 0).sum()),
        "candidates": candidates.round(3).to_dict("records"),
        "sample": int(candidates.attrs["sample"]),
        "lemmas": _lemmatiser(),
        "language": {"expected": language, "other_share": round(check.attrs["other_share"], 3),
                     "recognised": int(check.attrs["recognised"])},
        "suggested": suggested,
    }
    return ThemeModel(frame.reset_index(drop=True), table, assignment, provenance,
                      _tfidf=weighted, _terms=counts.terms, _weights=weights,
                      _components=components)


def _lemmatiser() -> str:
    from civeval.qual.lemmas import MODEL, french_pipeline

    return f"{MODEL} {french_pipeline().meta.get('version', '')}".strip()


def _example_model() -> ThemeModel:
    """A tiny model for the examples: two themes, two answers each."""
    answers = pd.DataFrame({"respondent": [1, 2, 3, 4],
                            "answer": ["Plus de bus", "Un car le soir", "Une piste cyclable",
                                       "Des vélos"]})
    themes = pd.DataFrame({"theme": [1, 2], "name": ["Bus et car", "Vélo"],
                           "label": ["Bus et car", "Vélo"],
                           "terms": [["bus", "car"], ["vélo", "piste"]]})
    weights = np.array([[1.0, 0], [0.8, 0.1], [0, 0.9], [0.1, 1.0]])
    components = np.array([[1.0, 0.8, 0, 0], [0, 0, 1.0, 0.7]])
    return ThemeModel(answers, _sizes(themes, np.array([1, 1, 2, 2])), np.array([1, 1, 2, 2]),
                      {"seed": 0}, _tfidf=sparse.csr_matrix(weights @ components),
                      _terms=np.array(["bus", "car", "vélo", "piste"], dtype=object),
                      _weights=weights, _components=components)
