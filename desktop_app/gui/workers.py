"""One pattern for every background job.

A worker is a QObject moved to its own QThread. Requests arrive as queued signals and
carry a job number; results leave as signals carrying plain data (str, int, list, numpy
arrays) and the job number, so the window can ignore anything from a superseded job.
Cancelling is a flag the worker checks between steps (`is_wanted(job)`); nothing is
ever terminated.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QDeadlineTimer, QObject, QThread, Signal

NO_JOB = -1


class Worker(QObject):
    failed = Signal(int, str)  # job, a message for people (never a traceback)
    jobFinished = Signal(int, bool)  # job, completed (False when cancelled or failed)

    def __init__(self) -> None:
        super().__init__()
        self._wanted_job = NO_JOB
        self._job_numbers = itertools.count(1)
        self.closing = False  # set once, when the window closes: long preparations stop at their next check

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

    def request_stop(self) -> None:
        """Cancel the current job and end the thread's event loop once the running slot returns."""
        self.worker.closing = True
        self.worker.cancel()
        self.thread.quit()

    def stop(self, timeout_ms: int = 1000) -> bool:
        """Cancel, end the event loop and wait; True if the thread ended. A thread still busy (a model
        load cannot be interrupted) is kept alive here until it ends: Qt aborts the process when a
        running QThread object is destroyed."""
        self.request_stop()
        return self.wait(timeout_ms)

    def wait(self, timeout_ms: int) -> bool:
        """Wait for the stopped thread to end; True if it did, else keep it alive until it does."""
        if self.thread.wait(timeout_ms):
            return True
        _STILL_RUNNING.add(self)
        self.thread.finished.connect(lambda: _STILL_RUNNING.discard(self))
        return False


_STILL_RUNNING: set[WorkerThread] = set()


def stop_all(threads: list[WorkerThread], timeout_ms: int) -> bool:
    """Stop several workers at once within one shared deadline; True if every thread ended."""
    deadline = QDeadlineTimer(timeout_ms)
    for worker_thread in threads:
        worker_thread.request_stop()
    return all([worker_thread.wait(max(0, deadline.remainingTime())) for worker_thread in threads])


def threads_still_running() -> bool:
    """Whether a worker outlived its window (a model load, say): the process must then leave at once."""
    return any(not worker_thread.thread.isFinished() for worker_thread in _STILL_RUNNING)
