"""Imports the tabs' modules behind the shown window, so that the window is on screen before torch has loaded.

The tabs import numpy, the model library (torch, SentencePiece, safetensors) and the catalog: seconds on two
cores (benchmarks/startup.py). The window shows placeholders first and builds its tabs once this worker's job
has finished. While it runs, the GUI thread imports nothing of these: a module being imported on one thread
makes the other wait for it, and two threads importing modules that import each other can deadlock.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import Slot

from .workers import Worker

# In import order: the model library first (the bulk of the time), then the modules the tabs are made from.
MODULES = (
    "numpy",
    "desktop_app.seq2seq",
    "desktop_app.seq2seq.quantize",
    "desktop_app.catalog",
    "desktop_app.installing.user_folder",
    "desktop_app.gui.translate_worker",
    "desktop_app.gui.translate_tab",
    "desktop_app.gui.dictate_worker",
    "desktop_app.gui.dictate_tab",
    "desktop_app.gui.install_worker",
    "desktop_app.gui.install_dialog",
)


class PreloadWorker(Worker):
    @Slot(int)
    def preload(self, job: int) -> None:
        self.run_job(job, self._import_all, _describe)

    def _import_all(self) -> bool:
        for name in MODULES:
            if self.closing:  # the window closed while torch was loading: nothing more is needed
                return False
            importlib.import_module(name)
        from desktop_app.seq2seq.quantize import use_inference_threads

        use_inference_threads()  # the workers decode fastest on one intra-op thread
        return True


def _describe(error: Exception) -> str:
    return f"Attend could not load its model library ({type(error).__name__}: {error}). Reinstall Attend."
