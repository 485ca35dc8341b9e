"""The themes file: the codebook that theme discovery suggests and the analyst settles.

:func:`save_themes` writes a :class:`~civeval.qual.themes.ThemeModel` as a YAML codebook
(:mod:`civeval.qual.codebook`'s format), with what the report needs to say how the themes
were found; :func:`read_themes` reads it back for the catalogue format
``validated_coding`` (option ``themes``), which then checks that the coding's themes are
the file's.

File
----
::

    # Themes found by civeval.qual.themes, then settled by the analyst. …
    codes:
      Bus et cars:
        description: "Termes : bus, horaire, dimanche, car, ligne…"
      Vélo:
        description: "Termes : vélo, piste cyclable, électrique…"
      Bus, dimanche et horaire: {merge_into: Bus et cars}   # a suggested name, renamed
    discovery:
      source: {dataset: contributions_2025, column: contribution}
      method: nmf
      themes: 9
      seed: 0
      coherence: 0.342
      stability: 0.836
      answers: 3400
      …
      suggested:          # the themes as found
        - {theme: 1, label: "Bus, dimanche et horaire", terms: [bus, …], answers: 428}
      decisions:          # what the analyst changed, in order
        - {rename: "Bus, dimanche et horaire", to: Bus et cars}
      dropped: [Merci et consultation]

``codes`` holds the themes, each with its top terms, and every name a theme had before
the analyst renamed or merged it (``merge_into``): a coding proposed before a rename still
reads. ``dropped`` lists the names of themes the analyst dropped (or split): an answer
proposed one of them was proposed no theme. The analyst may edit the file by hand (rename
a theme and keep its old name as an alias), like any codebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from civeval.errors import CatalogError
from civeval.qual.codebook import Codebook, UnknownCodeError, read_codebook
from civeval.workbench import atomic, yamlsource

__all__ = ["Themebook", "read_themes", "save_themes"]

HEADER = """\
# Themes found by civeval.qual.themes (discover_themes), then settled by the analyst:
# the codebook of the validated coding (catalogue format validated_coding, option themes).
# codes: the themes, and the names they had before a rename or a merge (merge_into).
# discovery: how they were found, the themes as suggested, the analyst's decisions.
"""


@dataclass(frozen=True)
class Themebook:
    """A themes file read back: the codebook of the themes and how they were found.

    Attributes
    ----------
    codebook : Codebook
        The themes (codes) and their former names (aliases).
    discovery : dict
        The file's ``discovery`` section (empty when the themes were written by hand).
    dropped : frozenset of str
        Names of themes dropped or split by the analyst.
    file : Path
        The file.
    marks : dict
        Line and column of ``discovery.source.dataset`` and ``…column`` in the file, for
        errors about them.
    """

    codebook: Codebook
    discovery: dict
    dropped: frozenset[str]
    file: Path
    marks: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The themes, in the file's order."""
        return self.codebook.codes["code"].tolist()

    @property
    def source(self) -> dict:
        """``{"datasets": [...], "column": …}``: the catalogue datasets and the column the
        answers came from, when the file says (empty otherwise)."""
        source = self.discovery.get("source")
        if not source:
            return {}
        datasets = source["dataset"]
        return {"datasets": [datasets] if isinstance(datasets, str) else list(datasets),
                "column": source["column"]}

    def resolve(self, name: str) -> str:
        """The theme a final code names (a theme or a former name of one).

        Raises
        ------
        UnknownCodeError
            Not a theme of the file (a dropped theme is not one either).
        """
        if str(name).strip() in self.dropped:
            raise UnknownCodeError(f"the theme {str(name).strip()!r} was dropped from "
                                   f"{self.file.name}", str(name))
        return self.codebook.resolve(name)

    def resolve_suggested(self, name: str) -> str | None:
        """The theme a suggested code stands for now: None when it was dropped.

        Raises
        ------
        UnknownCodeError
            Neither a theme, a former name nor a dropped one: the coding was suggested
            from other themes.
        """
        if str(name).strip() in self.dropped:
            return None
        try:
            return self.codebook.resolve(name)
        except UnknownCodeError:
            raise UnknownCodeError(
                f"the suggested theme {str(name).strip()!r} is not in {self.file.name}: the "
                "coding was not proposed from these themes (discover them again, or name "
                "the themes file the grid was made from)", str(name)) from None


# --------------------------------------------------------------------------- writing

def _history(model) -> tuple[dict[str, str], set[str]]:
    """Former names → the current theme they became, and the names now gone."""
    current = set(model.themes["name"])
    became: dict[str, str] = {}
    gone: set[str] = set()
    for decision in model.decisions:
        if "rename" in decision:
            became[decision["rename"]] = decision["to"]
        elif "merge" in decision:
            for name in decision["merge"]:
                if name != decision["to"]:
                    became[name] = decision["to"]
        else:
            gone.add(decision.get("drop") or decision.get("split"))

    def final(name: str, seen=()) -> str | None:
        if name in current and name not in became:
            return name
        if name in became and name not in seen:
            return final(became[name], (*seen, name))
        return None

    names = {n for d in model.decisions for n in _names_in(d)} | {
        theme["name"] for theme in model.method.get("suggested", [])}
    aliases = {name: target for name in sorted(names - current)
               if (target := final(name)) is not None}
    dropped = {name for name in names - current if name not in aliases} | (gone - current)
    return aliases, dropped


def _names_in(decision: dict) -> list[str]:
    names = []
    for key in ("rename", "merge", "drop", "split", "to"):
        value = decision.get(key)
        names.extend(value if isinstance(value, list) else [value] if value else [])
    return names


def save_themes(model, path: str | Path, source: dict | None = None) -> Path:
    """Write the themes of ``model`` as the codebook of the coding, atomically.

    Parameters
    ----------
    model : ThemeModel
        From :func:`~civeval.qual.themes.discover_themes`, with the analyst's decisions.
    path : path
        The file to write (``themes_<question>.yml`` beside the study's data, say).
    source : dict, optional
        ``{"dataset": …, "column": …}``: the catalogue dataset (or list of datasets, for
        answers of several waves) and the column of the answers, which ``civeval
        validate`` then checks.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from civeval.qual.themes import _example_model
    >>> model = _example_model().rename(1, "Transports en commun")
    >>> path = save_themes(model, pathlib.Path(tempfile.mkdtemp()) / "themes.yml")
    >>> book = read_themes(path)
    >>> book.names, book.resolve("Bus et car")
    (['Transports en commun', 'Vélo'], 'Transports en commun')
    """
    aliases, dropped = _history(model)
    codes: dict = {}
    for theme in model.themes.itertuples():
        codes[theme.name] = {"description": "Termes : " + ", ".join(theme.terms)}
    for name, target in aliases.items():
        codes[name] = {"merge_into": target}
    discovery = {**({"source": dict(source)} if source else {}), **model.method,
                 "decisions": [dict(d) for d in model.decisions], "dropped": sorted(dropped)}
    options = {"allow_unicode": True, "sort_keys": False, "width": 100}
    # the codes one per line (an analyst edits them); lists of terms and candidates on one
    text = (HEADER + yaml.safe_dump({"codes": codes}, default_flow_style=False, **options)
            + yaml.safe_dump({"discovery": _plain(discovery)}, default_flow_style=None,
                             **options))
    path = Path(path)
    atomic.write_text(path, text)
    return path


def _plain(value):
    """Numbers and texts YAML writes plainly (no numpy scalars)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


# --------------------------------------------------------------------------- reading

def read_themes(path: str | Path) -> Themebook:
    """Read a themes file written by :func:`save_themes` (or by hand, as a YAML codebook).

    Raises
    ------
    CatalogError
        With the file, line and column: not valid YAML, a key twice, no ``codes``, a code
        declared twice or merged into no theme (as :func:`~civeval.qual.codebook.
        read_codebook`), a ``discovery`` that is not a mapping or whose ``dropped`` is not
        a list of names, or a dropped name that is still a theme.
    """
    path = Path(path)
    data, root = yamlsource.load(path, CatalogError, missing="the themes file does not exist")
    codebook = read_codebook(path)
    discovery = data.get("discovery") if isinstance(data, dict) else None
    if discovery is None:
        discovery = {}
    if not isinstance(discovery, dict):
        raise _error(root, ("discovery",), path, "discovery must be a mapping (how the themes "
                     "were found)")
    dropped = discovery.get("dropped") or []
    if not isinstance(dropped, list) or not all(isinstance(n, str) for n in dropped):
        raise _error(root, ("discovery", "dropped"), path, "dropped must be a list of theme "
                     "names")
    for position, name in enumerate(dropped):
        if name in codebook:
            raise _error(root, ("discovery", "dropped", position), path,
                         f"{name!r} is dropped but is still a theme: remove it from one list")
    marks = {}
    for key in ("dataset", "column"):
        mark = yamlsource.mark(root, ("discovery", "source", key))
        if mark is not None:
            marks[key] = (mark.line + 1, mark.column + 1)
    source = discovery.get("source")
    if source is not None and not (
            isinstance(source, dict) and isinstance(source.get("column"), str)
            and (isinstance(source.get("dataset"), str) or (
                isinstance(source.get("dataset"), list) and source["dataset"]
                and all(isinstance(name, str) for name in source["dataset"])))):
        raise _error(root, ("discovery", "source"), path, "source must give the dataset (or "
                     "a list of datasets) and the column of the answers: {dataset: …, "
                     "column: …}")
    return Themebook(codebook, discovery, frozenset(dropped), path, marks)


def _error(root, keys: tuple, path: Path, message: str) -> CatalogError:
    mark = yamlsource.mark(root, keys)
    return CatalogError(message, file=path, row=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None)

