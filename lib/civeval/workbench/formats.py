"""Catalogue formats: which function reads a dataset declared with ``format: <name>``.

A study's catalogue names each dataset's format (or lets the file's suffix tell it). The
table :data:`FORMATS` maps every format name to the function that reads it, as a
``"module:function"`` text resolved on first use: checking a catalogue (is the format
known, which options name other files) imports no reader, and the readers, which live with
their methods (:mod:`civeval.participation.pabulib`, :mod:`civeval.survey.io`…), import
nothing from here.

A reader is ``function(path, **options) -> DataFrame``; its keyword parameters are the
options a catalogue entry may give. ``path_options`` are the options that name another file
(a codebook, say); the study resolves them relative to its own folder before the call.

What :func:`read` parsed is remembered in the process by the content of the files it read,
and each call gets its own copy: planning parses a study's datasets, its checks read them
again, and the sections, forked from the planning process, find them parsed. When the
checks are remembered and nothing was parsed, a study run alone by the command is parsed by
a child while the command imports, and by the runner while the first sections run in a warm
process. A live preview parses again only the file that was saved, and a warm server keeps
what the runs it served parsed: :func:`kept` in one process, :func:`keep` in another.
"""

from __future__ import annotations

import copy
import importlib
import inspect
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from civeval.errors import CatalogError


@dataclass(frozen=True)
class Format:
    """A catalogue format: its name, its reader (``module:function``), the file suffixes it
    is guessed from, the options that name other files, and the kind of dataset it provides
    (see :class:`civeval.workbench.schema.DatasetKind`; None for plain tables, whose kind the
    catalogue declares)."""

    name: str
    target: str
    suffixes: tuple[str, ...] = ()
    path_options: frozenset[str] = frozenset()
    kind: str | None = None

    @property
    def read(self) -> Callable:
        return _resolve(self.target)

    @property
    def options(self) -> frozenset[str]:
        """The options the reader accepts: its parameters after the path."""
        return _options(self.target)


def _format(name, target, suffixes=(), path_options=(), kind=None) -> tuple[str, Format]:
    return name, Format(name, target, tuple(suffixes), frozenset(path_options), kind)


FORMATS: dict[str, Format] = dict([
    _format("csv", "civeval.workbench.tables:read_csv", (".csv", ".txt", ".tsv")),
    _format("xlsx", "civeval.workbench.tables:read_excel", (".xlsx", ".xlsm")),
    _format("margins", "civeval.survey.margins:read_margins", kind="margins"),
    _format("survey", "civeval.survey.io:read_generic_survey", path_options=("codebook",),
            kind="survey"),
    _format("limesurvey", "civeval.survey.io:read_limesurvey", path_options=("codebook",),
            kind="survey"),
    _format("kobo", "civeval.survey.io:read_kobo", path_options=("codebook",), kind="survey"),
    _format("odk", "civeval.survey.io:read_odk", path_options=("codebook",), kind="survey"),
    _format("decidim_survey", "civeval.survey.io:read_decidim_survey",
            path_options=("codebook",), kind="survey"),
    _format("odk_repeat", "civeval.survey.repeats:read_odk_repeat",
            path_options=("main", "codebook"), kind="survey"),
    _format("pabulib", "civeval.participation.pabulib:read_pabulib_projects", (".pb",),
            kind="vote"),
    _format("decidim", "civeval.participation.decidim:read_decidim_entity", kind="platform"),
    _format("project_tracking", "civeval.transparency.tracking:read_project_tracking",
            kind="tracking"),
    _format("codebook", "civeval.qual.codebook:read_codebook_table", (".qdc",), kind="codebook"),
    _format("coded_segments", "civeval.qual.segments:read_coded_segments",
            path_options=("codebook",), kind="interviews"),
    _format("taguette", "civeval.qual.taguette:read_taguette",
            path_options=("codebook", "documents"), kind="interviews"),
    _format("qualcoder", "civeval.qual.qualcoder:read_qualcoder",
            path_options=("codebook", "documents"), kind="interviews"),
    _format("qdpx", "civeval.qual.qdpx:read_qdpx", (".qdpx",), path_options=("codebook",),
            kind="interviews"),
    _format("workshop", "civeval.qual.votes:read_workshop", kind="workshop"),
    _format("observation", "civeval.qual.observation:read_observation", kind="observation"),
    _format("geometry", "civeval.territory:read_geometry", (".geojson", ".gpkg"), kind="geometry"),
    _format("validated_coding", "civeval.qual.validated:read_validated_coding",
            path_options=("rules", "themes"), kind="coding"),
])


@cache
def _resolve(target: str) -> Callable:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@cache
def _options(target: str) -> frozenset[str]:
    parameters = list(inspect.signature(_resolve(target)).parameters.values())[1:]
    return frozenset(p.name for p in parameters
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def format_for(path: Path) -> str | None:
    """The format whose suffix matches ``path``, or None."""
    suffix = Path(path).suffix.lower()
    for entry in FORMATS.values():
        if suffix in entry.suffixes:
            return entry.name
    return None


def reader_for(path: Path, fmt: str | None = None) -> Format:
    """The format ``fmt``, or the one guessed from the suffix of ``path``."""
    fmt = fmt or format_for(path)
    if fmt not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise CatalogError(f"unknown format {fmt!r}; known formats: {known}", file=path)
    return FORMATS[fmt]


def read(path: Path, fmt: str | None = None, base_dir: Path | None = None,
         **options):
    """Read ``path`` with the reader of ``fmt`` (guessed from the suffix when None).

    Options naming other files (the format's ``path_options``) are taken relative to
    ``base_dir`` when given.

    Examples
    --------
    >>> from civeval.workbench.paths import studies_dir
    >>> read(studies_dir() / "demo-saint-aubin" / "data" / "projets.csv").columns[:2].tolist()
    ['id_projet', 'edition']
    """
    path = Path(path)
    entry = reader_for(path, fmt)
    unknown = set(options) - entry.options
    if unknown:
        allowed = ", ".join(sorted(entry.options)) or "none"
        raise CatalogError(
            f"unknown option(s) {', '.join(sorted(unknown))} for format {fmt!r}; "
            f"allowed: {allowed}",
            file=path,
        )
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    if base_dir is not None:
        options = {k: (Path(base_dir) / v if k in entry.path_options else v)
                   for k, v in options.items()}
    key = _content_key(entry, path, options)
    if key is None:
        return entry.read(path, **options)
    if key not in _PARSED:
        _PARSED[key] = entry.read(path, **options)
        while len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
    _PARSED.move_to_end(key)
    return copy.deepcopy(_PARSED[key])


PARSED_KEPT = 64
"""How many parsed datasets a process keeps (the most recently read)."""
_PARSED: OrderedDict[tuple, object] = OrderedDict()


def kept(besides: Collection[tuple] = ()) -> dict[tuple, object]:
    """What this process keeps parsed, by what each read depended on (the reader, its
    options, the bytes of its files), but the keys ``besides``: the objects themselves,
    not copies."""
    return {key: value for key, value in _PARSED.items() if key not in besides}


def keep(parsed: dict[tuple, object]) -> None:
    """Keep ``parsed`` (:func:`kept` of another process of the same code) as if this one
    had read it. A file changed since is read again, as its bytes are part of the key."""
    for key, value in parsed.items():
        _PARSED[key] = value
        _PARSED.move_to_end(key)
    while len(_PARSED) > PARSED_KEPT:
        _PARSED.popitem(last=False)


def _content_key(entry: Format, path: Path, options: dict) -> tuple | None:
    """What a read depends on: the reader, its options and the bytes of every file it
    reads; None when an option names a folder, whose content is not digested."""
    files = [path, *(Path(options[name]) for name in sorted(entry.path_options & set(options)))]
    if not all(file.is_file() for file in files):
        return None
    # Imported here: incremental reads catalogues through this module.
    from civeval.workbench.incremental import file_digest

    return (entry.name, str(path), repr(sorted(options.items(), key=str)),
            tuple(map(file_digest, files)))
