"""One pattern for every background job.

A worker is a QObject moved to its own QThread. Requests arrive as queued signals and
carry a job number; results leave as signals carrying plain data (str, int, list, numpy
arrays) and the job number, so the window can ignore anything from a superseded job.
Cancelling is a flag the worker checks between steps (`is_wanted(job)`); nothing is
ever terminated.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QObject, QThread, Signal

NO_JOB = -1


class Worker(QObject):
    failed = Signal(int, str)  # job, a message for people (never a traceback)
    jobFinished = Signal(int, bool)  # job, completed (False when cancelled or failed)

    def __init__(self) -> None:
        super().__init__()
        self._wanted_job = NO_JOB
        self._job_numbers = itertools.count(1)

    def next_job(self) -> int:
        """Called on the GUI thread: number a new job and make it the only wanted one."""
        job = next(self._job_numbers)
        self._wanted_job = job  # a single int assignment: atomic under the GIL
        return job

    def cancel(self) -> None:
        """Thread-safe: the running job stops at its next check."""
        self._wanted_job = NO_JOB

    def is_wanted(self, job: int) -> bool:
        return job == self._wanted_job

    def run_job(self, job: int, work, describe) -> None:
        """Run `work()` (returns True when it completed) for a still-wanted job; any exception
        becomes `failed(job, describe(error))`; `jobFinished(job, completed)` always follows."""
        if not self.is_wanted(job):
            return
        try:
            completed = work()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message, never a crash
            self.failed.emit(job, describe(error))
            completed = False
        self.jobFinished.emit(job, completed)


class WorkerThread:
    """Owns a worker and the QThread it runs on; `stop()` cancels and waits (bounded)."""

    def __init__(self, worker: Worker, name: str):
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.finished.connect(worker.deleteLater)
        self.thread.start()

    def stop(self, timeout_ms: int = 1000) -> bool:
        """Cancel the current job, end the thread's event loop and wait; True if it ended."""
        self.worker.cancel()
        self.thread.quit()
        return self.thread.wait(timeout_ms)
