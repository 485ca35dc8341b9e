"""Studies: one client evaluation, described by ``studies/<slug>/study.yml``.

``load_study`` validates the file against the schema below and returns a :class:`Study`,
through which notebooks reach everything else: ``study.load("questionnaire")`` reads a
dataset through the data catalogue, ``study.record(...)`` keeps a key figure for the report.

Every mistake in ``study.yml`` (a typo in a key, a wrong type, an unknown scheme type, a
missing data file) becomes one :class:`~civeval.errors.StudyError` that names the study, the
file, and the line and column of each problem.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from civeval.errors import CatalogError, InputError, StudyError
from civeval.presentation import i18n
from civeval.workbench import atomic, formats, yamlsource
from civeval.workbench.paths import STUDY_FILE, display_path, list_studies, reports_dir, studies_dir


class SchemeType(StrEnum):
    """The closed vocabulary of participation schemes (French names, as clients use them)."""

    BUDGET_PARTICIPATIF = "budget participatif"
    CONSEIL_DE_QUARTIER = "conseil de quartier"
    CONSEIL_CITOYEN = "conseil citoyen"
    ASSEMBLEE_CITOYENNE = "assemblée citoyenne"
    CONSULTATION = "consultation"
    SONDAGE_DELIBERATIF = "sondage délibératif"
    PLATEFORME_NUMERIQUE = "plateforme numérique"
    CCSPL = "CCSPL"
    REFERENDUM_LOCAL = "référendum local"
    PETITION = "pétition"


class Criterion(StrEnum):
    """French evaluation criteria (after the OECD-DAC criteria)."""

    PERTINENCE = "pertinence"
    COHERENCE = "cohérence"
    EFFICACITE = "efficacité"
    EFFICIENCE = "efficience"
    IMPACT = "impact"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CODE_PATTERNS = {
    "commune": (r"^(\d{5}|2[AB]\d{3})$", "a 5-character INSEE commune code such as 35238"),
    "EPCI": (r"^\d{9}$", "a 9-digit SIREN number such as 243500139"),
    "département": (r"^(\d{2}|2[AB]|97\d)$", "a département code such as 35, 2A or 974"),
    "région": (r"^\d{2}$", "a 2-digit région code such as 53"),
}


class Client(_Strict):
    name: str = Field(min_length=1)
    insee_code: str
    kind: Literal["commune", "EPCI", "département", "région"]
    population: int = Field(gt=0, description="total INSEE population")

    @field_validator("insee_code", mode="before")
    @classmethod
    def _code_as_text(cls, value):
        # YAML reads 35238 as an integer; the code is an identifier.
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _code_matches_kind(self):
        pattern, example = _CODE_PATTERNS[self.kind]
        if not re.match(pattern, self.insee_code):
            raise ValueError(f"insee_code {self.insee_code!r} is not {example} (kind {self.kind})")
        return self


def _french_date(value):
    if isinstance(value, str) and re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", value.strip()):
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    return value


class Edition(_Strict):
    label: str
    start: date
    end: date | None = None
    budget: float | None = Field(None, ge=0, description="€ allocated to projects")
    cost: float | None = Field(None, ge=0, description="€ spent running the edition")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _accept_french_dates(cls, value):
        return _french_date(value)

    @field_validator("label", mode="before")
    @classmethod
    def _label_as_text(cls, value):
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"edition {self.label!r} ends ({self.end}) before it starts "
                             f"({self.start})")
        return self


class Scheme(_Strict):
    name: str
    type: SchemeType
    description: str | None = None
    editions: list[Edition] = []


class Dataset(_Strict):
    file: Path
    format: str | None = None
    description: str | None = None
    options: dict[str, Any] = {}


class Component(_Strict):
    template: str
    parameters: dict[str, Any] = {}


class ReportOptions(_Strict):
    language: Literal["fr", "en"] = "fr"
    small_cell_threshold: int = Field(5, ge=1)
    authors: list[str] = []
    cell_timeout: int = Field(600, gt=0, description="seconds one cell may run")


class StudyConfig(_Strict):
    """The schema of ``study.yml``."""

    title: str
    client: Client
    schemes: list[Scheme] = Field(min_length=1)
    evaluation_questions: dict[Criterion, list[str]] = {}
    data: dict[str, Dataset] = {}
    components: list[Component] = [Component(template="00_cadrage")]
    report: ReportOptions = ReportOptions()
    # Validated by civeval.diagnosis.grid and civeval.diagnosis.actionplan, which locate their
    # own errors.
    diagnostic: dict[str, Any] = {}
    action_plan: dict[str, Any] = {}
    previous_wave: str | None = None  # slug of the study of the previous evaluation wave

    @field_validator("components", mode="before")
    @classmethod
    def _plain_names(cls, value):
        if isinstance(value, list):
            return [{"template": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("data")
    @classmethod
    def _dataset_names(cls, value):
        for name in value:
            if not re.match(r"^[a-z][a-z0-9_]*$", name):
                raise ValueError(f"dataset name {name!r} must be lower-case letters, digits "
                                 "and underscores, starting with a letter")
        return value


# --- reading study.yml with line numbers ---------------------------------------------------

def _fields_at(loc: tuple) -> list[str]:
    """The keys allowed in the mapping that holds ``loc`` (for "did you mean")."""
    model: Any = StudyConfig
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
                     None)
    return list(model.model_fields) if model else []


def _problem_text(error: dict) -> str:
    loc = error["loc"]
    path = ".".join(str(part) for part in loc if part != "[key]")
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
        close = difflib.get_close_matches(str(loc[-1]), _fields_at(loc), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        return message
    if kind == "missing":
        return f"missing required key {path!r}"
    if kind == "enum" or kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        message = f"{path}: {value!r} is not allowed; expected one of: {', '.join(choices)}"
        close = difflib.get_close_matches(str(value), choices, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        return message
    message = error["msg"].removeprefix("Value error, ")
    return f"{path}: {message}" if path else message


def _impossible_date(node: yaml.Node) -> yaml.Node | None:
    """The first scalar that YAML takes for a date but no calendar has (2027-02-30)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                date.fromisoformat(node.value[:10])
            except ValueError:
                return node
        return None
    children = (node.value if isinstance(node, yaml.SequenceNode)
                else [part for pair in node.value for part in pair])
    return next(filter(None, map(_impossible_date, children)), None)


def parse_study_file(file: Path, slug: str) -> tuple[StudyConfig, yaml.Node]:
    """Read and validate ``study.yml``; raise one :class:`StudyError` listing every problem.

    Returns the configuration and the YAML node tree, which locates keys for later errors.
    """
    shown = Path(display_path(file))
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise StudyError(f"is not UTF-8 text ({error.reason})", file=shown, study=slug) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except ValueError as error:  # a date that does not exist (2027-02-30)
        node = _impossible_date(root)
        if node is None:
            raise StudyError(f"cannot be read: {error}", file=shown, study=slug) from None
        raise StudyError(
            f"{node.value} is not a date: {error}", file=shown, row=node.start_mark.line + 1,
            column=node.start_mark.column + 1, study=slug) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise StudyError(
            f"is not valid YAML: {getattr(error, 'problem', None) or error}", file=shown,
            row=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
            study=slug,
        ) from None
    if not isinstance(raw, dict):
        raise StudyError("must be a mapping of keys (title, client, schemes, ...)", file=shown,
                         study=slug)
    yamlsource.check_duplicate_keys(root, StudyError, file=shown, study=slug)
    try:
        return StudyConfig.model_validate(raw), root
    except ValidationError as error:
        problems = []
        for item in error.errors():
            mark = yamlsource.location_mark(root, item["loc"])
            problems.append(StudyError(
                _problem_text(item), file=shown, study=slug,
                row=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
            ))
        raise combine(problems) from None


def combine(problems: list[InputError]) -> InputError:
    """One error whose message lists every problem, one per line."""
    if len(problems) == 1:
        return problems[0]
    combined = type(problems[0])("\n".join(str(p) for p in problems))
    combined.problems = problems
    return combined


# --- the Study object -------------------------------------------------------------------

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
        return (min(e.start for e in editions), max(e.end or e.start for e in editions))

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
        """Every file the study reads: its ``study.yml`` and each catalogued file."""
        return [self.study_file, *(self.path / d.file for d in self.config.data.values())]

    def check_files(self) -> None:
        """Raise one error listing every catalogued file that is missing or of unknown format."""
        problems = []
        for name, entry in self.config.data.items():
            file = self.path / entry.file
            if not file.is_file():
                problems.append(CatalogError(
                    f"data.{name}: file {entry.file.as_posix()!r} not found",
                    file=display_path(self.study_file), study=self.slug))
            elif (entry.format or formats.format_for(file)) not in formats.FORMATS:
                problems.append(CatalogError(
                    f"data.{name}: cannot tell the format of {entry.file.as_posix()!r}; "
                    f"set format to one of {', '.join(sorted(formats.FORMATS))}",
                    file=display_path(self.study_file), study=self.slug))
        if problems:
            raise combine(problems)

    def check_data(self) -> None:
        """Parse every catalogued dataset; raise one error listing all that fail."""
        problems = []
        for name in self.config.data:
            try:
                self.load(name)
            except InputError as error:
                problems.append(error)
        if problems:
            raise combine(problems)

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

    def parameters_for(self, template: str) -> dict[str, Any]:
        """The parameters ``study.yml`` gives ``template`` (empty when it is not a
        component): what a run injects, for a template opened as is in JupyterLab.

        >>> load_study("demo-saint-aubin").parameters_for("30_participation")["ballots"]
        'vote_2024'
        """
        for component in self.config.components:
            if component.template == template:
                return dict(component.parameters)
        return {}

    # key figures
    @property
    def indicators_file(self) -> Path:
        return self.output_dir / "indicators.json"

    def indicators(self) -> dict[str, dict]:
        """The key figures recorded so far for this study's report."""
        if self.indicators_file.is_file():
            return json.loads(self.indicators_file.read_text(encoding="utf-8"))
        return {}

    def record(self, key: str, value, label: str | None = None, kind: str | None = None) -> Any:
        """Record a key figure; it ends up in ``reports/<slug>/indicators.json``.

        Parameters
        ----------
        key : str
            Stable identifier (``participation_rate``), used by later sections.
        value : number, str, bool or date
            The figure.
        label : str, optional
            How the report names it (in the report's language).
        kind : {"number", "percent", "euro", "date", "p_value", "coefficient", "text"}, optional
            How to format it; guessed from the value when omitted.

        Returns
        -------
        The value, so that ``rate = study.record("rate", compute(...))`` reads naturally.

        Notes
        -----
        After :meth:`measure`, the figure also carries the measured scheme's type; in a run,
        the template that recorded it (``section``), so that an incremental run replaces the
        figures of the sections it re-runs only.
        """
        plain = _plain(value)
        kind = kind or ("text" if isinstance(plain, str | bool) else "number")
        if kind not in {"number", "percent", "euro", "date", "p_value", "coefficient", "text"}:
            raise ValueError(f"unknown kind {kind!r}")
        figures = self.indicators()
        figures[key] = {"value": plain, "label": label or key, "kind": kind}
        if section := os.environ.get("CIVEVAL_SECTION"):  # set by the runner
            figures[key]["section"] = section
        if self.measured_scheme is not None:
            figures[key]["scheme_type"] = str(self.measured_scheme.type)
        atomic.write_text(self.indicators_file,
                          json.dumps(figures, ensure_ascii=False, indent=2))
        return value


def _plain(value):
    """A JSON-ready copy of ``value`` (numpy scalars and dates included)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


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
    file = folder / STUDY_FILE
    config, yaml_root = parse_study_file(file, folder.name)
    study = Study(folder, config, output_dir, yaml_root)
    study.check_files()
    return study
