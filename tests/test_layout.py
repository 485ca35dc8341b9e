"""The package's layout holds: no import cycle, every module importable on its own, and each
method's public functions importable from its package."""

import ast
import graphlib
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "civeval"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(_module_name(path) for path in PACKAGE.rglob("*.py"))


def _imports_at_load(path: Path, modules: set[str]) -> set[str]:
    """The civeval modules a module imports when it is loaded: its top-level imports (and
    those under top-level ``if``/``try``), not those inside functions, which run later."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    pending = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If | ast.Try):
            pending += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            pending += [item for handler in getattr(node, "handlers", []) for item in handler.body]
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1],
                                 *([base] if base else [])])
            for alias in node.names:
                # "from civeval.x import y" imports the module civeval.x.y when there is one.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def test_no_import_cycle_inside_civeval():
    modules = set(MODULES)
    graph = {_module_name(path): _imports_at_load(path, modules)
             for path in PACKAGE.rglob("*.py")}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' → '.join(error.args[1])}")


def test_every_module_imports_on_its_own():
    # One interpreter; civeval is forgotten before each import, so that a module which
    # works only when another was imported first fails here.
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {MODULES!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'civeval' or "
        "m.startswith('civeval.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {type(error).__name__}: {error}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"MPLBACKEND": "Agg", "PATH": ""}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("package, names", [
    ("civeval.survey", ["read_survey", "load_codebook", "rake", "poststratify",
                        "estimate_mean", "estimate_proportion", "crosstab",
                        "chi2_independence", "compare_groups", "pre_post", "cronbach_alpha",
                        "ordinal_model", "likert_table", "likert_chart", "read_margins"]),
    ("civeval.qual", ["read_coded_segments", "read_taguette", "read_qualcoder", "read_qdpx",
                      "read_workshop", "read_codebook", "cohen_kappa", "krippendorff_alpha",
                      "coding_agreement", "kendall_w", "code_frequencies",
                      "pseudonymise_quote", "propose_codes", "validation_grid"]),
    ("civeval.participation", ["read_pabulib", "read_decidim", "participation_rate",
                               "unique_participants", "diversity", "territorial_equity",
                               "trend", "retention", "attendance"]),
    ("civeval.transparency", ["read_project_tracking", "implementation_rates",
                              "delivery_delay", "answer_rates"]),
    ("civeval.benchmark", ["load_reference", "portfolio", "peer_group", "compare",
                           "anonymise", "benchmark_chart"]),
    ("civeval.evidence", ["indicator", "is_known", "known_indicators"]),
    ("civeval.diagnosis", ["load_grid", "evaluate", "diagnose", "scores", "load_library",
                           "recommend", "action_plan", "follow_up", "export_xlsx"]),
])
def test_public_functions_importable_from_their_package(package, names):
    module = importlib.import_module(package)
    missing = [name for name in names if not hasattr(module, name)]
    assert not missing, f"{package} does not export {', '.join(missing)}"
    assert set(names) <= set(module.__all__)
    for name in module.__all__:  # defined in the package, not borrowed from another
        assert getattr(getattr(module, name), "__module__", package).startswith(package), name


def test_importing_one_module_of_a_method_package_loads_only_what_it_needs():
    # Validation reads catalogue files through a reader of each package: it must not pay
    # for statsmodels or matplotlib because the package exports a statistic that needs them.
    script = ("import sys\n"
              "import civeval.survey.margins, civeval.qual.segments, "
              "civeval.participation.pabulib, civeval.transparency.tracking\n"
              "print(sorted(m for m in ('statsmodels', 'matplotlib', 'spacy') "
              "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"
