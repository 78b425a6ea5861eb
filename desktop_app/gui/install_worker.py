"""Installing a catalog model on a worker thread: a model name in; progress and the installed folder out.

`install()` reports each step through its progress callable; the callable is also where cancelling is
checked: once the job is no longer wanted it raises InstallCancelled, which ends the install between two
steps (install() leaves no half-made model folder behind).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from desktop_app.installing.install import install
from desktop_app.installing.sources import InstallError

from .workers import Worker


class InstallCancelled(Exception):  # noqa: N818 - not an error: the user asked for it
    """Raised from the progress callable when the job was cancelled (or the window is closing)."""


@dataclass(frozen=True)
class InstallRequest:
    job: int
    name: str  # a catalog name, e.g. "whisper-tiny.en"


class InstallWorker(Worker):
    progress = Signal(int, str, object)  # job, what is happening, fraction done (float) or None when unknown
    installed = Signal(int, str, str)  # job, model name, the installed folder

    @Slot(object)
    def run(self, request: InstallRequest) -> None:
        self.run_job(request.job, lambda: self._run(request), _describe)

    def _run(self, request: InstallRequest) -> bool:
        def report(message: str, fraction: float | None) -> None:
            if not self.is_wanted(request.job):
                raise InstallCancelled
            self.progress.emit(request.job, message, None if fraction is None else float(fraction))

        try:
            folder = install(request.name, progress=report)
        except InstallCancelled:
            return False
        # Even when cancelled during its last step the model is now installed, and the window must know.
        self.installed.emit(request.job, request.name, str(folder))
        return True


def _describe(error: Exception) -> str:
    if isinstance(error, InstallError):
        return f"Could not install: {_one_line(error)}"
    return f"Installing failed: {type(error).__name__}: {_one_line(error)}"


def _one_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else "no reason was given"
