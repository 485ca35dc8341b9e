"""The registry of key figures (civeval.evidence.registry) against what the sections record."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from civeval.evidence import registry as indicators
from civeval.evidence.registry import indicator, is_known, known_indicators

REPO = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((REPO / "lib" / "civeval").rglob("*.py")),
           *sorted((REPO / "notebooks").glob("*.py"))]
TEMPLATES = {path.stem for path in (REPO / "notebooks").glob("*.py")} | {"90_rapport"}


def _template(node: ast.JoinedStr) -> str:
    """An f-string as a registry pattern would spell it, every {...} as {}."""
    return "".join(part.value if isinstance(part, ast.Constant) else "{}"
                   for part in node.values)


def _tuple_keys(function: ast.AST) -> list[str]:
    """First string of each tuple literal in ``function``: keys recorded in a loop over
    ``(key, label, value, kind)`` rows."""
    return [node.elts[0].value for node in ast.walk(function)
            if isinstance(node, ast.Tuple) and node.elts
            and isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str)
            and re.fullmatch(r"[a-z][a-z0-9_]*", node.elts[0].value)]


def recorded_keys() -> list[tuple[str, str, str | None, str | None]]:
    """(where, key or f-string template, literal kind, how it was found) of every
    ``study.record(...)`` in the package and the templates."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record" and node.args):
                continue
            kind = next((k.value.value for k in node.keywords
                         if k.arg == "kind" and isinstance(k.value, ast.Constant)), None)
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((where, first.value, kind, "literal"))
            elif isinstance(first, ast.JoinedStr):
                found.append((where, _template(first), kind, "f-string"))
            elif isinstance(first, ast.Name):
                # The enclosing function lists the keys as literals in a table of rows.
                enclosing = min((f for f in functions
                                 if f.lineno <= node.lineno <= f.end_lineno),
                                key=lambda f: f.end_lineno - f.lineno)
                keys = _tuple_keys(enclosing)
                assert keys, f"{where}: cannot tell which keys study.record({first.id}) records"
                found.extend((where, key, None, "row") for key in keys)
            else:
                raise AssertionError(f"{where}: study.record with a key the test cannot read")
    return found


def _pattern_templates() -> dict[str, str]:
    return {re.sub(r"<[a-z_]+>", "{}", row["key"]): row["key"]
            for row in known_indicators() if row["pattern"]}


def test_the_sections_record_keys_the_test_can_see():
    keys = {key for _, key, _, _ in recorded_keys()}
    # A sample of what the sections record, so that a broken parser fails here.
    assert {"turnout_rate", "coding_alpha", "questionnaire_response_rate",
            "participants_{}", "strengths", "weaknesses", "vigilance_points"} <= keys


def test_every_recorded_key_is_in_the_registry():
    patterns = _pattern_templates()
    unknown = []
    for where, key, _, how in recorded_keys():
        if how == "f-string":
            if key not in patterns:
                unknown.append(f"{where}: {key}")
        elif not (is_known(key) and not indicator(key)["pattern"]):
            unknown.append(f"{where}: {key}")
    assert unknown == []


def test_literal_kinds_match_the_registry():
    patterns = _pattern_templates()
    kinds = {row["key"]: row["kind"] for row in known_indicators()}
    mismatched = []
    for where, key, kind, how in recorded_keys():
        registered = kinds[patterns[key]] if how == "f-string" else indicator(key)["kind"]
        # Without kind=, study.record guesses number (or text for a string).
        if how != "row" and (kind or "number") != registered and registered != "text":
            mismatched.append(f"{where}: {key} is {kind or 'number'}, registry {registered}")
    assert mismatched == []


def test_every_entry_has_both_languages_and_a_known_section():
    rows_fr, rows_en = known_indicators("fr"), known_indicators("en")
    assert [r["key"] for r in rows_fr] == [r["key"] for r in rows_en]
    for fr, en in zip(rows_fr, rows_en, strict=True):
        assert fr["kind"] in indicators.KINDS
        assert fr["section"] in TEMPLATES, fr["key"]
        assert fr["label"] and en["label"] and fr["definition"] and en["definition"]
        assert fr["definition"] != en["definition"], fr["key"]


def test_plain_key():
    entry = indicator("turnout_rate")
    assert entry == {
        "key": "turnout_rate", "kind": "percent", "section": "30_participation",
        "label": "Taux de participation",
        "definition": "Participants de la dernière édition ÷ population totale INSEE de la "
                      "collectivité.",
        "pattern": False, "status": "recorded", "better": "higher", "criterion": "efficacité",
        "matched": "turnout_rate", "parts": {}}


def test_pattern_key_with_its_parts():
    entry = indicator("dissimilarity_tranche_age", "en")
    assert (entry["key"], entry["matched"], entry["parts"], entry["label"]) == (
        "dissimilarity_tranche_age", "dissimilarity_<variable>", {"variable": "tranche_age"},
        "Dissimilarity index of participants")
    assert indicator("agreement_Q1[SQ001]")["parts"] == {"item": "Q1[SQ001]"}


def test_a_plain_key_wins_over_a_pattern():
    assert indicator("participants_change")["matched"] == "participants_change"


def test_every_figure_a_rule_judges_says_which_way_is_good():
    from civeval.diagnosis.grid import load_grid

    for rule in load_grid().rules:
        assert indicator(rule.indicator)["better"] in ("higher", "lower"), rule.id


def test_unknown_keys():
    assert not is_known("turnout")
    assert not is_known("participants_")
    assert indicator("answer_ratio") is None


def test_the_young_representation_ratio_is_recorded_by_participation():
    entry = indicator("young_representation_ratio")
    assert (entry["status"], entry["kind"], entry["section"]) == (
        "recorded", "coefficient", "30_participation")


def test_unknown_language():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        indicator("turnout_rate", "de")
