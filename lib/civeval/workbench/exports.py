"""What a process imports, and when: public names of a package loaded on first use.

Each method package (:mod:`civeval.survey`, :mod:`civeval.qual`…) lets a notebook write
``from civeval.survey import rake``. Importing every module of the package up front would
make importing any one of them (a catalogue reader, while a study is validated) load them
all, statsmodels and matplotlib included. :func:`lazy_exports` gives the package a module
``__getattr__`` (PEP 562) that imports the defining module when a name is first asked for.

A section module, likewise, draws with matplotlib and seaborn but checks a study's inputs
without them: :func:`lazy_module` gives it a module that is imported on first use.
:func:`skip_iri_grammar` spares every civeval process (the command, a spare interpreter, a
cluster's warm parent) an import nothing of it needs.
"""

from __future__ import annotations

import importlib
import sys
import types
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


class _LazyModule(types.ModuleType):
    """Stands for a module not imported yet: its attributes are the module's, imported on
    the first one asked for."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)

    def __repr__(self) -> str:
        loaded = "" if self.__name__ in sys.modules else ", not imported yet"
        return f"<module {self.__name__!r}{loaded}>"


def lazy_module(name: str) -> types.ModuleType:
    """The module ``name``, imported when one of its attributes is first used.

    For the libraries a module needs only to draw or to compute (``plt =
    lazy_module("matplotlib.pyplot")``), so that importing it for something else, such as the
    check of a study's inputs that runs before any section, does not import them.

    Examples
    --------
    >>> fractions = lazy_module("fractions")
    >>> fractions.Fraction(1, 3) + fractions.Fraction(1, 6)
    Fraction(1, 2)
    """
    return _LazyModule(name)


def skip_iri_grammar() -> None:
    """Keep jsonschema from compiling the IRI grammar of ``rfc3987_syntax`` on import.

    nbformat validates notebooks with jsonschema, which imports that optional package for
    the ``iri`` string format when it is installed (jupyter-events, for JupyterLab, asks for
    it): some fifty parsers built on import, over a second of every command that executes
    or renders a notebook. The notebook schemas use no such format; without the package,
    jsonschema leaves the format unchecked.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None: `import` raises ImportError
