"""Public names of a package, loaded on first use.

Each method package (:mod:`civeval.survey`, :mod:`civeval.qual`…) lets a notebook write
``from civeval.survey import rake``. Importing every module of the package up front would
make importing any one of them (a catalogue reader, while a study is validated) load them
all, statsmodels and matplotlib included. :func:`lazy_exports` gives the package a module
``__getattr__`` (PEP 562) that imports the defining module when a name is first asked for.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]
                 ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Submodule name (relative to the package) → the public names it defines.

    Examples
    --------
    >>> names, getattr_, _ = lazy_exports("civeval.survey", {"weights": ["rake"]})
    >>> names, getattr_("rake").__module__
    (['rake'], 'civeval.survey.weights')
    """
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        setattr(sys.modules[package], name, value)  # found directly next time
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *home})

    return sorted(home), __getattr__, __dir__
