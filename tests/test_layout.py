"""The layout's promises: imports run one way, and indexes keep naming their tokenizers by the earlier paths."""

from __future__ import annotations

import ast
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

from search.analysis.tokenizer import JapaneseTokenizer
from search.index.schema import make_schema
from search.views.compound import CompoundTokenizer
from search.views.ngram import NgramTokenizer
from search.views.reading import ReadingTokenizer

EARLIER_PATHS = {
    "search.analysis JapaneseTokenizer": JapaneseTokenizer,
    "search.analysis ReadingTokenizer": ReadingTokenizer,
    "search.analysis NgramTokenizer": NgramTokenizer,
    "search.compounds CompoundTokenizer": CompoundTokenizer,
}


def _our_globals(data: bytes) -> set[str]:
    return {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL" and arg.startswith("search")}


def test_a_schema_pickles_its_tokenizers_under_the_earlier_paths_only():
    assert _our_globals(pickle.dumps(make_schema(), protocol=2)) == set(EARLIER_PATHS)


def test_a_schema_pickled_under_the_earlier_paths_loads_the_tokenizers_of_today():
    schema = pickle.loads(pickle.dumps(make_schema(), protocol=2))
    tokenizers = {type(schema[name].analyzer) for name in ("body", "body_reading", "body_ngram", "body_compound")}
    assert tokenizers == set(EARLIER_PATHS.values())
    for path, cls in EARLIER_PATHS.items():
        module, name = path.split()
        assert pickle.loads(f"c{module}\n{name}\n.".encode()) is cls


LIBRARY = Path(__file__).resolve().parent.parent / "search"


def _imports(path: Path) -> set[str]:
    """The top-level packages a module imports (absolute imports only; relative ones stay in `search`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_library_never_imports_the_web_app_or_flask():
    offenders = [str(p.relative_to(LIBRARY)) for p in LIBRARY.rglob("*.py") if _imports(p) & {"web", "flask"}]
    assert offenders == []
    code = (
        "import importlib, pkgutil, sys, search\n"
        "for m in pkgutil.walk_packages(search.__path__, 'search.'): importlib.import_module(m.name)\n"
        "print(sorted(n for n in ('web', 'flask') if n in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=LIBRARY.parent)
    assert done.stdout.strip() == "[]"


def test_the_commands_that_never_serve_load_no_flask():
    code = "import sys, web.cli; print('flask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=LIBRARY.parent)
    assert done.stdout.strip() == "False"


def test_only_the_analysis_package_and_the_internals_module_import_janome():
    importers = {str(p.relative_to(LIBRARY)) for p in LIBRARY.rglob("*.py") if "janome" in _imports(p)}
    assert importers and all(path.startswith("analysis/") or path == "internals.py" for path in importers)
