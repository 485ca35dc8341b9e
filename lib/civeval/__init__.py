"""civeval: evaluate citizen-participation schemes, one reproducible report per client.

Notebooks start with ``study = civeval.load_study(study)`` and ask the study for everything:
``study.load("questionnaire")`` reads a catalogued dataset, ``study.record(...)`` keeps a key
figure for the report.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("civeval")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["Study", "__version__", "load_study"]


def __getattr__(name: str):
    # Loaded on first use: the command line checks whether reports are up to date without
    # paying for pandas.
    if name in {"Study", "load_study"}:
        from civeval.workbench import study

        return getattr(study, name)
    raise AttributeError(f"module 'civeval' has no attribute {name!r}")
