"""Studies: one client evaluation, described by ``studies/<slug>/study.yml``.

``load_study`` validates the file against the schema (:mod:`civeval.workbench.schema`) and
returns a :class:`Study`, through which notebooks reach everything else:
``study.load("questionnaire")`` reads a dataset through the data catalogue,
``study.record(...)`` keeps a key figure, with what a conclusion may rest on, in the study's
evidence (:mod:`civeval.evidence`).

Every mistake in ``study.yml`` (a typo in a key, a wrong type, an unknown scheme type, a
missing data file) becomes one :class:`~civeval.errors.StudyError` that names the study, the
file, and the line and column of each problem.
"""

from __future__ import annotations

import importlib
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from civeval.errors import CatalogError, InputError, StudyError, combine
from civeval.evidence import store
from civeval.evidence.record import Evidence, Position, Trend
from civeval.presentation import i18n
from civeval.workbench import formats, yamlsource
from civeval.workbench.paths import (
    MAX_SLUG,
    STUDY_FILE,
    display_path,
    list_studies,
    project_root,
    reports_dir,
    studies_dir,
)
from civeval.workbench.schema import (
    Client,
    Dataset,
    DatasetKind,
    Scheme,
    StudyConfig,
    dataset_kind,
    parse_study_file,
)

if TYPE_CHECKING:
    import pandas as pd

# What a dataset of a kind must satisfy beyond parsing, checked at validation (kind →
# "module:function" called with the table and its file), so that it fails before a run.
KIND_CHECKS = {"population": "civeval.participation.inputs:check_population_table"}


class Study:
    """A validated study: its configuration, its folder, and where its report goes.

    Use :func:`load_study` rather than the constructor.
    """

    def __init__(self, path: Path, config: StudyConfig, output_dir: Path | None = None,
                 yaml_root: yaml.Node | None = None):
        self.path = Path(path).resolve()
        self._yaml_root = yaml_root
        self.slug = self.path.name
        self.config = config
        self.output_dir = Path(output_dir) if output_dir else reports_dir() / self.slug
        self.t = i18n.translator(config.report.language)
        self.measured_scheme: Scheme | None = None

    def __repr__(self) -> str:
        return f"<Study {self.slug!r}: {self.config.client.name}>"

    def __getstate__(self) -> dict:
        # The translator is a closure, which does not pickle: a spare interpreter
        # (civeval.workbench.spare) receives the study without it and makes its own.
        return {name: value for name, value in self.__dict__.items() if name != "t"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.t = i18n.translator(self.config.report.language)

    @property
    def client(self) -> Client:
        return self.config.client

    @property
    def schemes(self) -> list[Scheme]:
        return self.config.schemes

    @property
    def language(self) -> str:
        return self.config.report.language

    @property
    def small_cell_threshold(self) -> int:
        return self.config.report.small_cell_threshold

    @property
    def period(self) -> tuple[date, date] | None:
        """First start and last end (or start) over all editions of all schemes."""
        editions = [e for s in self.schemes for e in s.editions]
        if not editions:
            return None
        return (min(e.start for e in editions), max(e.end for e in editions))

    @property
    def study_file(self) -> Path:
        return self.path / STUDY_FILE

    def where(self, *keys) -> dict:
        """File, line and column of the key path ``keys`` in ``study.yml``, for error messages."""
        mark = yamlsource.location_mark(self._yaml_root, keys)
        return {"file": display_path(self.study_file), "study": self.slug,
                "row": mark.line + 1 if mark else None,
                "column": mark.column + 1 if mark else None}

    # data catalogue
    def datasets(self) -> list[str]:
        return list(self.config.data)

    def dataset_path(self, name: str) -> Path:
        return self.path / self._entry(name).file

    def dataset_kind(self, name: str) -> DatasetKind:
        """What dataset ``name`` holds: its declared kind, else what its format provides."""
        return dataset_kind(self._entry(name))

    def _entry(self, name: str) -> Dataset:
        try:
            return self.config.data[name]
        except KeyError:
            known = ", ".join(self.config.data) or "none"
            raise CatalogError(f"no dataset named {name!r} in the catalogue; datasets: {known}",
                               file=display_path(self.study_file), study=self.slug) from None

    def load(self, name: str) -> pd.DataFrame:
        """Read the dataset ``name`` through the catalogue (a fresh DataFrame each call)."""
        entry = self._entry(name)
        try:
            return formats.read(self.path / entry.file, entry.format, base_dir=self.path,
                                **entry.options)
        except InputError as error:
            error.study = self.slug
            if error.file is not None:
                error.file = Path(display_path(error.file))
            raise

    def input_files(self) -> list[Path]:
        """Every file the study reads: its ``study.yml``, each catalogued file and its list
        of people (when a file gives it)."""
        people = [self.path / self.config.people] if isinstance(self.config.people, str) else []
        return [self.study_file, *(self.path / d.file for d in self.config.data.values()),
                *people]

    def inside(self, relative, *where) -> Path:
        """The file ``relative`` names, which must lie in the study's folder (or the shared
        ``data/reference/``) once symbolic links are followed: one client's study never reads
        another client's files, nor anything else on the machine.

        Raises
        ------
        StudyError
            At ``where`` in ``study.yml`` (the key path that names the file).
        """
        path = Path(str(relative))
        resolved = (self.path / path).resolve()
        allowed = (self.path.resolve(), (project_root() / "data" / "reference").resolve())
        if not path.is_absolute() and any(resolved.is_relative_to(root) for root in allowed):
            return resolved
        raise StudyError(f"{path.as_posix()!r} is outside the study's folder: a study reads "
                         "only its own files (and data/reference/)", **self.where(*where))

    def check_files(self) -> None:
        """Raise one error listing every catalogued file (and file an option names) that lies
        outside the study's folder, is missing, or is of an unknown format, and what is wrong
        with the file of the study's list of people."""
        problems = []
        for name, entry in self.config.data.items():
            try:
                file = self.inside(entry.file, "data", name, "file")
                try:
                    named = formats.reader_for(file, entry.format).path_options
                except InputError:
                    named = frozenset()
                for option in named & set(entry.options):
                    self.inside(entry.options[option], "data", name, "options", option)
            except StudyError as error:
                problems.append(error)
                continue
            if not file.is_file():
                problems.append(CatalogError(
                    f"data.{name}: file {entry.file.as_posix()!r} not found",
                    file=display_path(self.study_file), study=self.slug))
            elif (entry.format or formats.format_for(file)) not in formats.FORMATS:
                problems.append(CatalogError(
                    f"data.{name}: cannot tell the format of {entry.file.as_posix()!r}; "
                    f"set format to one of {', '.join(sorted(formats.FORMATS))}",
                    file=display_path(self.study_file), study=self.slug))
        if isinstance(self.config.people, str):
            from civeval.privacy.people import study_people

            try:
                study_people(self)
            except InputError as error:
                problems.append(error)
        if problems:
            raise combine(problems)

    def check_data(self) -> dict[str, dict[str, str | None]]:
        """Parse every catalogued dataset; raise one error listing all that fail.

        Returns the personal columns each import dropped (dataset → column → reason key of
        ``survey.personal.*``, or None), for the run's status page.
        """
        problems, dropped = [], {}
        for name, entry in self.config.data.items():
            try:
                frame = self.load(name)
                check = KIND_CHECKS.get(self.dataset_kind(name))
                if check is not None:
                    module, _, function = check.partition(":")
                    getattr(importlib.import_module(module), function)(
                        frame, Path(display_path(self.path / entry.file)))
            except InputError as error:
                error.study = self.slug
                problems.append(error)
                continue
            attrs = getattr(frame, "attrs", {})
            survey = attrs.get("survey", {})
            columns = survey.get("personal_columns_dropped") or attrs.get(
                "personal_columns_dropped") or []
            if columns:
                reasons = survey.get("personal_reasons", {})
                dropped[name] = {column: reasons.get(column) for column in columns}
        if problems:
            raise combine(problems)
        return dropped

    def scheme(self, name: str, where: dict | None = None) -> Scheme:
        """The scheme called ``name``.

        Raises
        ------
        StudyError
            When the study has none of that name (``where`` locates the mention).
        """
        for scheme in self.schemes:
            if scheme.name == name:
                return scheme
        names = ", ".join(repr(s.name) for s in self.schemes)
        raise StudyError(f"no scheme named {name!r} in this study (its schemes: {names})",
                         **(where or {"file": display_path(self.study_file),
                                      "study": self.slug}))

    def measure(self, scheme_name: str) -> Scheme:
        """Say which scheme the figures recorded from now on measure.

        The benchmark then compares them with peers of that scheme's type only; without
        it, a study of several types of scheme lends each figure to every type.
        """
        self.measured_scheme = self.scheme(scheme_name)
        return self.measured_scheme

    def parameters_for(self, section: str) -> dict[str, Any]:
        """The parameters ``study.yml`` gives the component ``section`` (its name, or its
        template's when it has none; empty when there is no such component): what a run
        injects, for a template opened as is in JupyterLab.

        >>> load_study("demo-saint-aubin").parameters_for("30_participation")["ballots"]
        'vote_2024'
        """
        for component in self.config.components:
            if component.id == section:
                return dict(component.parameters)
        return {}

    # evidence
    @property
    def is_demo(self) -> bool:
        """A fictional study: never a peer of a real one, nor a real one of it."""
        return self.config.demo

    def evidence(self) -> dict[str, Evidence]:
        """The key figures recorded so far for this study's report, by key."""
        return store.read(self.output_dir)

    def record(self, key: str, value, label: str | None = None, kind: str | None = None, *,
               trend: Trend | None = None, editions=(), caveats=(),
               suppressed: bool = False) -> Any:
        """Record a key figure in the study's evidence (``reports/<slug>/evidence.json``).

        Parameters
        ----------
        key : str
            Its key in the registry of key figures (:mod:`civeval.evidence.registry`).
        value : number, str, bool or date
            The figure.
        label : str, optional
            How the report names it (in the report's language).
        kind : {"number", "percent", "change", "euro", "date", "p_value", "coefficient",
                "text"}, optional
            How to format it; guessed from the value when omitted.
        trend : Trend, optional
            How it moved across comparable editions.
        editions : sequence of str
            The editions it covers.
        caveats : sequence of str
            What a reader must know before concluding from it, in the report's language.
        suppressed : bool
            The figure describes fewer people than the small-cell threshold: it is kept for
            the record and never shown.

        Returns
        -------
        The value, so that ``rate = study.record("rate", compute(...))`` reads naturally.

        Notes
        -----
        In a run, the record names the section that made it (``section``), so that an
        incremental run replaces the figures of the sections it re-runs only; after
        :meth:`measure`, the scheme it measures.
        """
        plain = store.plain(value)
        kind = kind or ("text" if isinstance(plain, str | bool) else "number")
        scheme = self.measured_scheme
        store.add(self.output_dir, Evidence(
            key=key, value=plain, kind=kind, label=label or key,
            section=os.environ.get("CIVEVAL_SECTION", ""),  # set by the runner
            scheme=scheme.name if scheme else None,
            scheme_type=str(scheme.type) if scheme else None,
            editions=tuple(str(e) for e in editions), trend=trend,
            suppressed=bool(suppressed), caveats=tuple(caveats)))
        return value

    def section_evidence(self) -> list[Evidence]:
        """The records made by the section running now (all of them in JupyterLab, where
        no section is running)."""
        section = os.environ.get("CIVEVAL_SECTION", "")
        return [record for record in self.evidence().values() if record.section == section]

    def record_position(self, key: str, position: Position) -> None:
        """Add the benchmark position of the recorded figure ``key``."""
        with store.editing(self.output_dir) as records:
            records[key] = records[key].with_position(position)


def find_study_dir(path_or_slug: str | Path) -> Path:
    """The folder of a study given as a slug, a folder, or the path of its ``study.yml``."""
    candidate = Path(path_or_slug)
    if candidate.name == STUDY_FILE and candidate.is_file():
        return candidate.parent.resolve()
    if (candidate / STUDY_FILE).is_file():
        return candidate.resolve()
    by_slug = studies_dir() / str(path_or_slug)
    if (by_slug / STUDY_FILE).is_file():
        return by_slug.resolve()
    known = ", ".join(list_studies()) or "none"
    raise StudyError(f"no study {str(path_or_slug)!r} (no {STUDY_FILE} found); studies: {known}")


def load_study(path_or_slug: str | Path, output_dir: str | Path | None = None) -> Study:
    """Load and validate a study.

    Parameters
    ----------
    path_or_slug : str or path
        A slug under ``studies/`` (``demo-saint-aubin``), a study folder, or its ``study.yml``.
    output_dir : path, optional
        Where its report goes; ``reports/<slug>/`` by default.

    Examples
    --------
    >>> study = load_study("demo-saint-aubin")
    >>> study.client.name, study.load("projets").columns[:3].tolist()
    ('Saint-Aubin-sur-Loire', ['id_projet', 'edition', 'titre'])
    """
    folder = find_study_dir(path_or_slug)
    if len(folder.name) > MAX_SLUG:
        raise StudyError(f"the study folder's name is {len(folder.name)} characters long: rename "
                         f"it to at most {MAX_SLUG} (it names the report's folders)",
                         file=display_path(folder))
    file = folder / STUDY_FILE
    config, yaml_root = parse_study_file(file, folder.name)
    study = Study(folder, config, output_dir, yaml_root)
    study.check_files()
    return study
