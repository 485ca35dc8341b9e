"""The diagnosis: from the recorded evidence (:mod:`civeval.evidence`) to the diagnostic
grid and its findings, recommendations and the action plan.

One module per step, each reading what the one before gives:

:mod:`~civeval.diagnosis.grid`
    The diagnostic grid (``data/reference/grille_diagnostic.yml``): criteria, phases,
    OECD stages and rules over the key figures, validated; its tables for the annex.
:mod:`~civeval.diagnosis.findings`
    The grid's rules applied to a study's figures, the consultant's own assessments, and
    the strengths and weaknesses they add up to per criterion, phase or OECD stage.
:mod:`~civeval.diagnosis.recommendations`
    The library of recommendations (``data/reference/recommandations.yml``), those that
    answer the weaknesses found, and the priority of an action.
:mod:`~civeval.diagnosis.actionplan`
    The action plan agreed in ``study.yml``, and its follow-up at the next wave.
:mod:`~civeval.diagnosis.workbook`
    The action plan as a workbook the client's services fill in.

:mod:`~civeval.diagnosis.validation` and :mod:`~civeval.diagnosis.values` hold what the
library and the action plan share: their error, schema base and messages; values of
follow-up indicators (dates, targets by kind).
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "actionplan": ["action_plan", "follow_up", "target_reached"],
    "findings": [
        "AssessmentError",
        "assessments",
        "diagnose",
        "evaluate",
        "scores",
        "summary_chart",
    ],
    "grid": [
        "Grid",
        "GridError",
        "load_grid",
        "phases_table",
        "reference_grid_path",
        "rules_table",
        "study_grid",
    ],
    "recommendations": [
        "Library",
        "lever_label",
        "load_library",
        "priority_label",
        "priority_score",
        "recommend",
    ],
    "validation": ["ActionPlanError"],
    "workbook": ["export_xlsx"],
})
