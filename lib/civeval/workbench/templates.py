"""Report templates: parameterised notebooks kept as jupytext ``py:percent`` sources.

A template is ``notebooks/<name>.py``. Its jupytext header may carry a ``civeval`` block::

    # ---
    # jupyter:
    #   civeval:
    #     title: {fr: Cadrage de l'évaluation, en: Evaluation framing}
    #     requires: []      # templates that must succeed first
    #     inputs: [catalogue]  # what it reads besides the datasets its parameters name
    #     follows: [30_participation]  # run after these when the study has them
    #     warm: [civeval.qual.lemmas:french_pipeline]  # loaded once, before the children fork
    #     runs_with: [openpyxl]  # imported when it runs: the runner's parent imports it first
    # ---

and one cell tagged ``parameters`` that declares every parameter with its default, and
optionally its type (``threshold: int = 5``). The runner injects ``study`` and
``output_dir``, so every template declares them. A parameter whose default is ``None`` and
whose type does not admit ``None`` is required.

Cells tagged ``lang-fr`` or ``lang-en`` are kept only in reports of that language.
"""

from __future__ import annotations

import ast
import difflib
import graphlib
import importlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from civeval.errors import ParameterError, TemplateError, combine
from civeval.workbench import yamlsource
from civeval.workbench.paths import display_path, notebooks_dir
from civeval.workbench.schema import TABULAR_KINDS, DatasetKind

if TYPE_CHECKING:
    import nbformat

RESERVED = ("study", "output_dir")
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
    "list": (list,), "dict": (dict,),
}
_NO_DEFAULT = object()
# The lines jupytext's py:percent format opens a cell with (``# %% [markdown] tags=[...]``),
# and the fences of its YAML header.
_CELL_START = re.compile(
    r"^\s*#\s*(?:%%%*(?:\s(?P<options>.*))?|<codecell>\s*|In\[[0-9 ]*\]:?\s*)$")
_TAGS = re.compile(r"(?:^|\s)tags=(\[[^\]]*\])")
_FENCE = re.compile(r"^# ?---\s*$")


@dataclass(frozen=True)
class Parameter:
    """One entry of a template's ``parameters`` cell."""

    name: str
    type_name: str | None
    default: Any
    line: int

    @property
    def allows_none(self) -> bool:
        return self.type_name is None or "None" in self.type_name or "Optional" in self.type_name

    @property
    def required(self) -> bool:
        return self.default is None and not self.allows_none

    def problem_with(self, value) -> str | None:
        """Why ``value`` does not fit this parameter, or None when it does."""
        if value is None:
            return None if self.allows_none else f"{self.name} may not be empty"
        base = (self.type_name or type(self.default).__name__).split("|")[0]
        base = base.replace("Optional[", "").split("[")[0].strip()
        accepted = _TYPES.get(base)
        if accepted is None:
            return None
        # bool is a subclass of int in Python, but True is no year or threshold.
        fits = isinstance(value, accepted) and (bool in accepted or not isinstance(value, bool))
        if not fits:
            return (f"{self.name} expects a value of type {self.type_name or base}, "
                    f"got {value!r} ({type(value).__name__})")
        return None


def _parse_parameters(source: str, path: Path) -> dict[str, Parameter]:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise TemplateError(f"the parameters cell is not valid Python: {error.msg}",
                            file=display_path(path)) from None
    parameters = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value) if value is not None else None
        except ValueError:
            raise TemplateError(f"parameter {name!r} needs a literal default value",
                                file=display_path(path), row=node.lineno) from None
        parameters[name] = Parameter(name, annotation, default, node.lineno)
    return parameters


def _uncommented(line: str) -> str:
    """A header line without its comment mark, as jupytext reads it."""
    return line[2:] if line.startswith("# ") else line.removeprefix("#")


def read_outline(path: Path) -> tuple[dict, list[str]]:
    """The ``jupyter`` metadata of a py:percent template's header and the source of each cell
    tagged ``parameters``, read from its text as jupytext would read them.

    Planning a study needs no more of a template, and reading this much takes neither
    jupytext nor nbformat, whose imports cost most of a second (nbformat's schema validator
    compiles a URI grammar); jupytext reads the whole notebook when it is executed.

    Examples
    --------
    >>> metadata, parameters = read_outline(notebooks_dir() / "00_cadrage.py")
    >>> metadata["civeval"]["title"]["en"], parameters[0].splitlines()[1]
    ('Evaluation framing', 'study: str = "demo-saint-aubin"  # slug or folder of the study')
    """
    shown = display_path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"cannot be read: {error}", file=shown) from None
    metadata, start = {}, 0
    if lines and _FENCE.match(lines[0]):
        end = next((n for n in range(1, len(lines)) if _FENCE.match(lines[n])), None)
        if end is None:
            raise TemplateError("its header has no closing '# ---' line", file=shown)
        try:
            header = yamlsource.safe_load("\n".join(map(_uncommented, lines[1:end]))) or {}
        except yaml.YAMLError as error:
            raise TemplateError(f"its header is not valid YAML: {error}", file=shown,
                                row=2) from None
        metadata = (header.get("jupyter") or {}) if isinstance(header, dict) else {}
        start = end + 1
    cells: list[list[str]] = []
    current = None
    for line in lines[start:]:
        if (marker := _CELL_START.match(line)) is not None:
            tags = _TAGS.search(marker.group("options") or "")
            try:
                tagged = tags is not None and "parameters" in json.loads(tags.group(1))
            except ValueError:
                tagged = False
            current = [] if tagged else None
            if current is not None:
                cells.append(current)
        elif current is not None:
            current.append(line)
    return metadata, ["\n".join(cell).strip("\n") for cell in cells]


@dataclass(frozen=True)
class Template:
    """A template notebook of ``notebooks/``."""

    name: str
    path: Path

    @cached_property
    def outline(self) -> tuple[dict, list[str]]:
        """Its header's metadata and its parameters cells (:func:`read_outline`)."""
        return read_outline(self.path)

    @cached_property
    def notebook(self) -> nbformat.NotebookNode:
        import jupytext

        try:
            return jupytext.read(self.path, fmt="py:percent")
        except Exception as error:  # jupytext raises many kinds for a malformed source
            raise TemplateError(f"cannot be read as a py:percent notebook: {error}",
                                file=display_path(self.path)) from None

    @property
    def meta(self) -> dict:
        return self.outline[0].get("civeval") or {}

    def title(self, language: str = "fr") -> str:
        title = self.meta.get("title", self.name)
        return title.get(language, self.name) if isinstance(title, dict) else str(title)

    @property
    def requires(self) -> list[str]:
        return list(self.meta.get("requires", []))

    @property
    def follows(self) -> list[str]:
        """Templates that run first when the study has them, though not required (the main
        report follows every section whose figures it gathers)."""
        return list(self.meta.get("follows", []))

    def check(self, study, values: dict[str, Any], locate=None) -> None:
        """Run the template's own input check, if its header names one
        (``check: module:function``), before any kernel starts.

        The function receives the study, every parameter (defaults and given values) and
        ``locate(*keys)``, which gives the file, line and column of a parameter in
        ``study.yml``; it raises an :class:`~civeval.errors.InputError` for data that the
        section could not use, such as a district absent from the population table.
        """
        target = self.meta.get("check")
        if not target:
            return
        module, _, name = str(target).partition(":")
        function = getattr(importlib.import_module(module), name)
        defaults = {p.name: p.default for p in self.parameters.values()}
        function(study, {**defaults, **values}, locate or (lambda *keys: study.where()))

    @property
    def datasets(self) -> dict[str, tuple[frozenset[str], bool]]:
        """The parameters that name catalogue datasets (header ``datasets: {parameter: kind}``,
        a list ``[kind]`` when the parameter takes several): the kinds each accepts and
        whether it takes a list."""
        declared = self.meta.get("datasets") or {}
        return {name: (frozenset(map(str, kinds if isinstance(kinds, list) else [kinds])),
                       isinstance(kinds, list))
                for name, kinds in declared.items()}

    def check_datasets(self, study, values: dict[str, Any], locate) -> None:
        """Raise a :class:`ParameterError` listing every dataset parameter that names no
        dataset of the catalogue, a dataset of the wrong kind (a projects table where a vote
        is expected), a list where one dataset is expected, or a dataset bound to another
        scheme than the one this component measures (its ``scheme`` parameter, or the
        study's only scheme). ``locate(*keys)`` places each problem in ``study.yml``."""
        problems = []
        scheme = values.get("scheme") or (study.schemes[0].name if len(study.schemes) == 1
                                          else None)
        catalogue = study.config.data
        for name, (kinds, many) in self.datasets.items():
            value = values.get(name)
            if value is None:
                continue
            if isinstance(value, list) and not many:
                problems.append((f"{name} takes one dataset, not a list", locate(name)))
                continue
            for position, dataset in enumerate(value if isinstance(value, list) else [value]):
                where = locate(name, position) if isinstance(value, list) else locate(name)
                if not isinstance(dataset, str) or dataset not in catalogue:
                    close = difflib.get_close_matches(str(dataset), list(catalogue), n=1)
                    problems.append((f"{name}: no dataset named {dataset!r} in the catalogue"
                                     + (f" (did you mean {close[0]!r}?)" if close else
                                        f" (datasets: {', '.join(catalogue) or 'none'})"),
                                     where))
                    continue
                kind = study.dataset_kind(dataset)
                plain = catalogue[dataset].kind is None and kind == DatasetKind.TABLE
                if kind not in kinds and not (plain and kinds & TABULAR_KINDS):
                    problems.append((f"{name}: data.{dataset} holds {_a(kind)}, and {name} "
                                     f"expects {' or '.join(_a(k) for k in sorted(kinds))}",
                                     where))
                bound = catalogue[dataset].scheme
                if scheme and bound and bound != scheme:
                    problems.append((f"{name}: data.{dataset} holds data of the scheme "
                                     f"{bound!r}, not of {scheme!r}, the one this component "
                                     "measures", where))
        if problems:
            raise combine([ParameterError(f"template {self.name}: {message}", **where)
                           for message, where in problems])

    @cached_property
    def parameters(self) -> dict[str, Parameter]:
        cells = self.outline[1]
        if len(cells) != 1:
            raise TemplateError(f"needs exactly one cell tagged 'parameters', found {len(cells)}",
                                file=display_path(self.path))
        parameters = _parse_parameters(cells[0], self.path)
        missing = [name for name in RESERVED if name not in parameters]
        if missing:
            raise TemplateError(f"the parameters cell must declare {', '.join(missing)}",
                                file=display_path(self.path))
        return parameters

    def check_parameters(self, values: dict[str, Any], where: dict | None = None) -> None:
        """Raise a :class:`ParameterError` for unknown, missing or wrongly typed values.

        ``where`` gives the file, row and column to name in the error (the study's
        ``study.yml``), since that is where the user will fix it.
        """
        where = where or {"file": display_path(self.path)}
        known = self.parameters
        problems = []
        for name, value in values.items():
            if name not in known:
                choices = ", ".join(n for n in known if n not in RESERVED) or "none"
                problems.append(f"template {self.name} has no parameter {name!r} "
                                f"(its parameters: {choices})")
            elif (problem := known[name].problem_with(value)) is not None:
                problems.append(f"template {self.name}: {problem}")
        for parameter in known.values():
            if parameter.required and parameter.name not in values:
                problems.append(f"template {self.name}: parameter {parameter.name!r} is required")
        if problems:
            raise ParameterError("; ".join(problems), **where)

    def prepared(self, language: str) -> nbformat.NotebookNode:
        """A copy ready to execute: other languages' cells dropped, stable cell ids."""
        import nbformat

        notebook = nbformat.from_dict(self.notebook)
        other = {f"lang-{code}" for code in ("fr", "en") if code != language}
        notebook.cells = [c for c in notebook.cells
                          if not other & set(c.metadata.get("tags", []))]
        for number, cell in enumerate(notebook.cells):
            # Random ids would make two runs of the same study differ.
            cell.id = f"cell-{number}"
        notebook.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3",
                                                    "language": "python"})
        return notebook


def _a(kind: str) -> str:
    """A dataset kind as a phrase: "a vote", "a participants table"."""
    return {"table": "a plain table", "participants": "a participants table",
            "projects": "a projects table", "population": "a population table",
            "register": "a meetings register", "members": "a members table",
            "margins": "population margins", "interviews": "coded interviews",
            "geometry": "district geometry"}.get(str(kind), f"a {kind}")


def find_template(name: str) -> Template:
    path = notebooks_dir() / f"{name}.py"
    if not path.is_file():
        known = ", ".join(list_templates()) or "none"
        raise TemplateError(f"no template {name!r} in notebooks/ (templates: {known})")
    return Template(name, path)


def list_templates() -> list[str]:
    return sorted(p.stem for p in notebooks_dir().glob("*.py") if not p.name.startswith("_"))


def execution_order(components) -> list[tuple[Template, Any]]:
    """The study's ``components`` (each naming its ``template``, with an ``id``) as
    ``(template, component)`` steps, each after the components whose templates it requires
    and those it follows."""
    steps = {component.id: (find_template(component.template), component)
             for component in components}
    by_template: dict[str, list[str]] = {}
    for section, (template, _) in steps.items():
        by_template.setdefault(template.name, []).append(section)
    graph = {}
    for section, (template, _) in steps.items():
        absent = [r for r in template.requires if r not in by_template]
        if absent:
            raise TemplateError(f"template {template.name} requires {', '.join(absent)}, which "
                                "the study does not list in its components")
        graph[section] = [other for name in (*template.requires, *template.follows)
                          for other in by_template.get(name, [])]
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise TemplateError(f"templates require each other in a cycle: {error.args[1]}") from None
    return [steps[section] for section in order]
