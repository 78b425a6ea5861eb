"""The layers: the model library and speech/ (recognition at run time) never import Qt or training/; the GUI
never imports training/ and never imports torch directly.

Checked twice: statically (every import statement in the sources, lazy ones inside functions included, relative
imports resolved), and by importing every module in a fresh interpreter and looking at sys.modules (which also
catches an import that goes through a third module).
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "desktop_app"
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
TRAINING = "desktop_app.training"
RULES = {  # folder under desktop_app/: what its modules must never import
    "seq2seq": (*QT, TRAINING),
    "speech": (*QT, TRAINING),
    "installing": (*QT, TRAINING),  # fetching and converting published checkpoints: the app and the CLI use it
    "gui": (TRAINING,),
}


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(path: Path) -> set[str]:
    """Every module (and `from X import name` as X.name) that `path` imports, as absolute dotted names."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # from desktop_app import training
    return names


def _is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _static_offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in sorted(_imported_names(path))
        if any(_is_within(name, f) for f in forbidden)
    ]


@pytest.mark.parametrize("folder", sorted(RULES))
def test_sources_import_nothing_from_a_forbidden_layer(folder):
    assert _static_offenders(folder, RULES[folder]) == []


def test_the_static_scan_sees_relative_and_lazy_imports(tmp_path, monkeypatch):
    """The scan itself: a relative import that reaches training/, a lazy Qt import, a `from desktop_app import`."""
    fake = tmp_path / "desktop_app"
    (fake / "speech").mkdir(parents=True)
    (fake / "speech" / "bad.py").write_text(
        "from ..training import speech_corpus\ndef later():\n    from PySide6 import QtCore\n", encoding="utf-8"
    )
    (fake / "gui").mkdir()
    (fake / "gui" / "bad.py").write_text("from desktop_app import training\n", encoding="utf-8")
    (fake / "seq2seq").mkdir()
    (fake / "seq2seq" / "fine.py").write_text("from .training import Trainer\n", encoding="utf-8")  # its own
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _static_offenders("speech", RULES["speech"]) == [
        "desktop_app/speech/bad.py imports PySide6",
        "desktop_app/speech/bad.py imports PySide6.QtCore",
        "desktop_app/speech/bad.py imports desktop_app.training",
        "desktop_app/speech/bad.py imports desktop_app.training.speech_corpus",
    ]
    assert _static_offenders("gui", RULES["gui"]) == ["desktop_app/gui/bad.py imports desktop_app.training"]
    assert _static_offenders("seq2seq", RULES["seq2seq"]) == []


_IMPORT_ALL = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
print(sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in sys.argv[2:])))
"""


@pytest.mark.parametrize("folder", sorted(RULES))
def test_importing_every_module_loads_no_forbidden_layer(folder):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, f"desktop_app.{folder}", *RULES[folder]],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
        env=env,
    )
    assert result.stdout.strip() == "[]"


def test_gui_does_no_tensor_math():
    offenders = [p.name for p in (PACKAGE / "gui").rglob("*.py") if "torch" in _imported_modules(p)]
    assert offenders == []
