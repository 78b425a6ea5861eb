"""The model library never imports Qt; the GUI never imports torch directly."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "desktop_app"


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_model_library_sources_do_not_import_qt():
    offenders = [p.name for p in (PACKAGE / "seq2seq").rglob("*.py")
                 if {"PySide6", "shiboken6", "PyQt5", "PyQt6"} & _imported_modules(p)]
    assert offenders == []


def test_importing_the_model_library_loads_no_qt():
    code = "import sys, desktop_app.seq2seq; print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PACKAGE.parent)
    assert result.stdout.strip() == "[]"


def test_gui_does_no_tensor_math():
    offenders = [p.name for p in (PACKAGE / "gui").rglob("*.py") if "torch" in _imported_modules(p)]
    assert offenders == []
