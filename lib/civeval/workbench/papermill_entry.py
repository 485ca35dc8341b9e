"""The ``civeval`` papermill engine as its entry point names it.

Papermill loads every registered engine when it is first imported. Were the entry point
:class:`civeval.workbench.engine.InProcessEngine` itself, importing :mod:`civeval.workbench.engine`
first would start papermill, which would load the half-imported module again and fail. This stand-in
imports nothing at load time and hands every call to the real engine.
"""


class _Deferred(type):
    def __getattr__(cls, name):
        from civeval.workbench.engine import InProcessEngine

        return getattr(InProcessEngine, name)


class InProcessEngine(metaclass=_Deferred):
    """Papermill's ``civeval`` engine: :class:`civeval.workbench.engine.InProcessEngine`, loaded on
    first use."""
