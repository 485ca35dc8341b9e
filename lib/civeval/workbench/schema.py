"""The schema of ``study.yml``, and its reading with every mistake located.

A study describes the client, the schemes and their editions, the evaluation questions, the
data catalogue (each dataset typed by what it holds and bound, where it applies, to a
scheme, an edition and a district), the components (templates and their parameters) and
the report options. :func:`parse_study_file` validates the file with pydantic, then checks
what one field says about another (a dataset bound to an edition the study does not
declare, two components that would write the same pages, a question mapped to a figure no
section records), and raises one :class:`~civeval.errors.StudyError` listing every problem
with its line and column.
"""

from __future__ import annotations

import calendar
import difflib
import re
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from civeval.errors import InputError, StudyError, combine
from civeval.evidence import registry
from civeval.workbench import formats, yamlsource
from civeval.workbench.paths import display_path


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


class DatasetKind(StrEnum):
    """What a catalogued dataset holds, so that a template is never given the wrong thing."""

    PARTICIPANTS = "participants"  # one row per participant and edition
    VOTE = "vote"  # a participatory-budget vote: projects and ballots (Pabulib)
    PROJECTS = "projects"  # proposals or projects submitted, one row each
    PLATFORM = "platform"  # a participation platform's open data (Decidim)
    TRACKING = "tracking"  # winning projects and their progress
    POPULATION = "population"  # population by district
    MARGINS = "margins"  # population margins by category (INSEE counts)
    REGISTER = "register"  # council meetings with members expected and present
    MEMBERS = "members"  # members of councils
    SURVEY = "survey"  # questionnaire responses (one wave)
    INTERVIEWS = "interviews"  # coded segments of interviews
    CODEBOOK = "codebook"  # codes and themes of a qualitative coding
    WORKSHOP = "workshop"  # votes of a workshop per proposal and group
    OBSERVATION = "observation"  # a filled observation grid of meetings (who spoke, how long)
    CODING = "coding"  # a validated coding of open answers
    GEOMETRY = "geometry"  # district boundaries
    TABLE = "table"  # any other table


# Kinds a plain table (CSV, XLSX) may hold; the other kinds come only from their own format
# (a vote from a Pabulib file), so a CSV is never taken for one.
TABULAR_KINDS = frozenset({DatasetKind.PARTICIPANTS, DatasetKind.PROJECTS,
                           DatasetKind.POPULATION, DatasetKind.REGISTER, DatasetKind.MEMBERS,
                           DatasetKind.TABLE})


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
    country: str = Field("FR", pattern=r"^[A-Z]{2}$", description="ISO 3166 code")
    insee_code: str | None = None
    kind: Literal["commune", "EPCI", "département", "région"]
    population: int = Field(gt=0, description="total INSEE population")

    @field_validator("insee_code", mode="before")
    @classmethod
    def _code_as_text(cls, value):
        # YAML reads 35238 as an integer; the code is an identifier.
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _code_matches_kind(self):
        if self.country != "FR":  # INSEE codes are French; other countries have their own
            return self
        pattern, example = _CODE_PATTERNS[self.kind]
        if self.insee_code is None:
            raise ValueError(f"insee_code is required for a French {self.kind}: {example}")
        if not re.match(pattern, self.insee_code):
            raise ValueError(f"insee_code {self.insee_code!r} is not {example} (kind {self.kind})")
        return self


# --- editions: a day, a month or a year ------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})/(\d{4})$")
_FRENCH_DAY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
PRECISIONS = ("day", "month", "year")


def _period_of(value) -> tuple[date, date, str] | None:
    """First day, last day and precision of a date written as a day, a month or a year."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value, value, "day"
    text = str(value).strip()
    if match := _YEAR.match(text):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31), "year"
    if match := _YEAR_MONTH.match(text):
        year, month = (int(match[1]), int(match[2])) if match[1] else (int(match[4]),
                                                                       int(match[3]))
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} is not a month (month {month})")
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), \
            "month"
    if _FRENCH_DAY.match(text):
        day = datetime.strptime(text, "%d/%m/%Y").date()
        return day, day, "day"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write a day (2024-03-05 or 05/03/2024), a "
                         "month (2024-03) or a year (2024)") from None
    return day, day, "day"


class Edition(_Strict):
    """One edition of a scheme. ``start`` and ``end`` may be a day, a month or a year (a
    source often gives only the year); without them, a label that is a year covers that
    year. ``precision`` is the coarsest of what was given, for display."""

    label: str
    start: date
    end: date
    precision: Literal["day", "month", "year"] = "day"
    budget: float | None = Field(None, ge=0, description="€ allocated to projects")
    cost: float | None = Field(None, ge=0, description="€ spent running the edition")
    changes: str | None = Field(None, description="what changed in the rules since the "
                                                  "previous edition (a trend is not tested "
                                                  "across it)")

    @model_validator(mode="before")
    @classmethod
    def _dates_from_periods(cls, raw):
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        if isinstance(raw.get("label"), int):
            raw["label"] = str(raw["label"])
        start, end = _period_of(raw.get("start")), _period_of(raw.get("end"))
        if start is None and end is None and _YEAR.match(str(raw.get("label", ""))):
            start = end = _period_of(raw["label"])
        if start is None:
            raise ValueError("give its start: a day, a month (2024-03) or a year (2024), or "
                             "label it with its year")
        end = end or start
        raw["start"], raw["end"] = start[0], end[1]
        raw.setdefault("precision", max(start[2], end[2], key=PRECISIONS.index))
        return raw

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"edition {self.label!r} ends ({self.end}) before it starts "
                             f"({self.start})")
        return self


class Scheme(_Strict):
    name: str
    type: SchemeType
    description: str | None = None
    editions: list[Edition] = []

    def edition(self, label: str) -> Edition | None:
        return next((e for e in self.editions if e.label == str(label)), None)


class Dataset(_Strict):
    file: Path
    format: str | None = None
    description: str | None = None
    options: dict[str, Any] = {}
    kind: DatasetKind | None = None
    scheme: str | None = Field(None, description="the scheme whose data it is")
    edition: str | None = Field(None, description="the edition it covers")
    district: str | None = Field(None, description="the district it covers (else all)")
    stable_ids: bool = Field(False, description="its participant ids name the same person "
                                                "in every edition, so retention can be "
                                                "measured")

    @field_validator("edition", mode="before")
    @classmethod
    def _edition_as_text(cls, value):
        return str(value) if isinstance(value, int) else value


_SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Component(_Strict):
    template: str
    name: str | None = Field(None, description="tells two components of one template apart")
    parameters: dict[str, Any] = {}

    @field_validator("name")
    @classmethod
    def _name_is_a_file_name(cls, value):
        if value is not None and not _SECTION_ID.match(value):
            raise ValueError(f"component name {value!r} must be lower-case letters, digits, "
                             "'-' and '_' (it names the section's pages)")
        return value

    @property
    def id(self) -> str:
        """The section this component makes: its name, else its template's."""
        return self.name or self.template


class Logos(_Strict):
    """The cover's logos: files in the study's folder or ``data/reference/``, PNG or JPEG
    (checked at validation by :func:`civeval.presentation.logos.cover_logos`)."""

    client: Path | None = None
    consultancy: Path | None = None


class ReportOptions(_Strict):
    language: Literal["fr", "en"] = "fr"
    small_cell_threshold: int = Field(5, ge=1)
    authors: list[str] = []
    cell_timeout: int = Field(600, gt=0, description="seconds one cell may run")
    # The deliverable's cover and print (civeval.presentation.pdf, civeval.presentation.word).
    commissioning_service: str | None = Field(None, description="the client's service that "
                                                                "commissioned the study")
    version: str | None = Field(None, description="the report's version, as the cover shows it")
    status: Literal["draft", "final"] = Field("draft", description="a draft says so on its "
                                                                   "cover and every page")
    mode: Literal["summary", "full"] = Field("summary", description="the PDF and Word report: "
                                             "the summary, or the summary, every section as "
                                             "a chapter, then the annexes")
    logos: Logos = Logos()

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value):
        # YAML reads 1.0 as a number; a version is a label.
        return str(value) if isinstance(value, int | float) else value


class BenchmarkOptions(_Strict):
    min_peers: int = Field(5, ge=1, description="comparable peers needed for a rank")


class Question(_Strict):
    """An evaluation question and the key figures that answer it."""

    question: str = Field(min_length=1)
    indicators: list[str] = []
    # Questionnaire items and guide questions that answer it (civeval.instruments.coverage).
    items: list[str] = []


class Acknowledgement(_Strict):
    """A failed plausibility check the consultant has examined: the report says why."""

    check: str
    dataset: str | None = None
    reason: str = Field(min_length=1)


class StudyConfig(_Strict):
    """The schema of ``study.yml``."""

    title: str
    demo: bool = Field(False, description="a fictional study: never a peer of a real one")
    client: Client
    schemes: list[Scheme] = Field(min_length=1)
    evaluation_questions: dict[Criterion, list[str | Question]] = {}
    data: dict[str, Dataset] = {}
    components: list[Component] = Field([Component(template="00_cadrage")], min_length=1)
    report: ReportOptions = ReportOptions()
    benchmark: BenchmarkOptions = BenchmarkOptions()
    acknowledge: list[Acknowledgement] = []
    # Validated by civeval.diagnosis.grid and civeval.diagnosis.actionplan, which locate their
    # own errors.
    diagnostic: dict[str, Any] = {}
    action_plan: dict[str, Any] = {}
    previous_wave: str | None = None  # slug of the study of the previous evaluation wave
    # Names no report shows: a list, a mapping name → group, or a file in the study's folder
    # (read by civeval.privacy.people).
    people: list[str] | dict[str, str | None] | str | None = None
    # Validated by civeval.instruments.select, which locates its own errors.
    instruments: dict[str, Any] = {}

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

    def questions(self) -> list[tuple[Criterion, int, Question]]:
        """Every evaluation question as ``(criterion, position, question)``."""
        return [(criterion, index, item if isinstance(item, Question)
                 else Question(question=item))
                for criterion, items in self.evaluation_questions.items()
                for index, item in enumerate(items)]


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
        args = [a for arg in getattr(annotation, "__args__", ())
                for a in (arg, *getattr(arg, "__args__", ()))]
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
    text = yamlsource.read_text(file, StudyError, shown=shown, study=slug)
    root = yamlsource.compose(text, StudyError, file=shown, study=slug)
    try:
        raw = yamlsource.safe_load(text)
    except ValueError as error:  # a date that does not exist (2027-02-30)
        node = _impossible_date(root)
        if node is None:
            raise StudyError(f"cannot be read: {error}", file=shown, study=slug) from None
        raise StudyError(
            f"{node.value} is not a date: {error}", file=shown, row=node.start_mark.line + 1,
            column=node.start_mark.column + 1, study=slug) from None
    if not isinstance(raw, dict):
        raise StudyError("must be a mapping of keys (title, client, schemes, ...)", file=shown,
                         study=slug)

    def located(message: str, *loc) -> StudyError:
        mark = yamlsource.location_mark(root, loc)
        return StudyError(message, file=shown, study=slug,
                          row=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None)

    try:
        config = StudyConfig.model_validate(raw)
    except ValidationError as error:
        raise combine([located(_problem_text(item), *item["loc"])
                       for item in error.errors()]) from None
    problems = _cross_checks(config, located)
    if problems:
        raise combine(problems)
    return config, root


def _cross_checks(config: StudyConfig, located) -> list[InputError]:
    """What one field says about another: bindings of datasets to schemes, editions and
    districts, component ids, mapped evaluation questions."""
    problems = []
    schemes = {scheme.name: scheme for scheme in config.schemes}
    bound: dict[tuple, str] = {}
    for name, entry in config.data.items():
        where = ("data", name)
        scheme = schemes.get(entry.scheme) if entry.scheme is not None else None
        if entry.scheme is not None and scheme is None:
            problems.append(located(f"data.{name}: no scheme named {entry.scheme!r} (schemes: "
                                    f"{', '.join(map(repr, schemes))})", *where, "scheme"))
            continue
        if entry.edition is not None:
            candidates = [scheme] if scheme else list(schemes.values())
            if not any(s.edition(entry.edition) for s in candidates):
                known = sorted({e.label for s in candidates for e in s.editions})
                problems.append(located(
                    f"data.{name}: edition {entry.edition!r} is not an edition of "
                    f"{'scheme ' + repr(scheme.name) if scheme else 'the study'} (editions: "
                    f"{', '.join(known) or 'none'})", *where, "edition"))
        kind = dataset_kind(entry)
        if (entry.edition is not None or entry.district is not None) and kind != "table":
            key = (kind, entry.scheme, entry.edition, entry.district)
            if key in bound:
                problems.append(located(
                    f"data.{name}: data.{bound[key]} is already the {kind} "
                    f"of {_binding_text(entry)}: give each dataset its own scheme, edition "
                    "or district", *where))
            bound[key] = name
    seen: dict[str, int] = {}
    for index, component in enumerate(config.components):
        if component.id in seen:
            problems.append(located(
                f"components: {component.template} appears twice; give each a distinct "
                "`name` (it names the section's pages)", "components", index))
        seen[component.id] = index
    for criterion, index, question in config.questions():
        for position, key in enumerate(question.indicators):
            if not registry.is_known(key):
                close = difflib.get_close_matches(key, [row["key"] for row in
                                                        registry.known_indicators()], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(located(
                    f"evaluation question maps to {key!r}, a figure no section records{hint}",
                    "evaluation_questions", str(criterion), index, "indicators", position))
    return problems


def dataset_kind(entry: Dataset) -> DatasetKind:
    """What ``entry`` holds: its declared kind, else what its format provides, else a
    plain table."""
    if entry.kind is not None:
        return entry.kind
    try:
        provided = formats.reader_for(entry.file, entry.format).kind
    except InputError:  # an unknown format is reported where the files are checked
        provided = None
    return DatasetKind(provided) if provided else DatasetKind.TABLE


def _binding_text(entry: Dataset) -> str:
    parts = [f"scheme {entry.scheme!r}" if entry.scheme else None,
             f"edition {entry.edition}" if entry.edition else None,
             f"district {entry.district!r}" if entry.district else "the whole territory"]
    return ", ".join(p for p in parts if p)
