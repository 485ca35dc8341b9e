"""Where the workbench finds studies, templates and reports.

The project root is the folder that holds ``studies/`` and ``notebooks/``. It is taken from
the ``CIVEVAL_ROOT`` environment variable, else found by walking up from the current folder,
else it is the repository this package was installed from in editable mode.
"""

from __future__ import annotations

import os
from pathlib import Path

_MARKERS = ("studies", "notebooks")
STUDY_FILE = "study.yml"
# In a study's reports: what `civeval instrument` writes, which a run keeps as it is.
INSTRUMENTS_FOLDER = "instruments"
# A study's folder name names its report folders too (and a staging folder beside them,
# longer by some 30 characters): file systems refuse names over 255 bytes.
MAX_SLUG = 100
# The repository this package was installed from in editable mode (lib/civeval/workbench/).
SOURCE_CHECKOUT = Path(__file__).resolve().parents[3]


def _is_root(folder: Path) -> bool:
    return all((folder / marker).is_dir() for marker in _MARKERS)


def project_root() -> Path:
    """Return the project root (see the module docstring for how it is found)."""
    if env := os.environ.get("CIVEVAL_ROOT"):
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    if _is_root(SOURCE_CHECKOUT):
        return SOURCE_CHECKOUT
    return here


def studies_dir() -> Path:
    return project_root() / "studies"


def list_studies() -> list[str]:
    """Slugs of the studies under ``studies/``, sorted."""
    folder = studies_dir()
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{STUDY_FILE}"))


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    if env := os.environ.get("CIVEVAL_REPORTS"):
        return Path(env).resolve()
    return project_root() / "reports"


def reference_file(relative: str | Path) -> Path:
    """A shared reference file (``data/reference/…``): the project's copy, else the one in
    the source checkout."""
    candidates = [project_root() / relative, SOURCE_CHECKOUT / relative]
    return next((c for c in candidates if c.is_file()), candidates[-1])


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the project root when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return str(path)
