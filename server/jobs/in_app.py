"""Worker threads inside the web process, so that ``make run`` needs nothing else.

The threads start with the first request the process serves, not when the app is created:
``flask db upgrade``, ``flask worker`` and the watcher process of ``flask run --debug`` (which
loads the app but never serves) must not run jobs, and a forking server (gunicorn) starts them
in each serving process rather than in a parent whose threads would not survive the fork.
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from server.jobs.context import HandlerRegistry
from server.jobs.worker import Worker, stop_threads

log = logging.getLogger(__name__)

#: at interpreter exit (Ctrl-C on the dev server, a web worker stopping), how long a running job
#: may take to finish before it is released; kept short because a person or a process manager
#: is waiting, and a released job simply runs again later
EXIT_GRACE_SECONDS = 2.0
EXIT_SETTLE_SECONDS = 1.0


class InAppWorkers:
    """``count`` worker threads started on demand and stopped at exit."""

    def __init__(self, app: Flask, registry: HandlerRegistry, count: int) -> None:
        self.app = app
        self.registry = registry
        self.count = count
        self.workers: list[Worker] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return bool(self._threads)

    def ensure_started(self) -> None:
        """Start the threads unless they run already (cheap after the first call)."""
        if self._threads:
            return
        with self._lock:
            if self._threads:
                return
            for number in range(1, self.count + 1):
                worker = Worker.from_config(self.app, self.registry, f"in-app-{number}")
                thread = threading.Thread(
                    target=worker.run, name=f"job-worker-{number}", daemon=True
                )
                self.workers.append(worker)
                self._threads.append(thread)
            for thread in self._threads:
                thread.start()
            atexit.register(self.stop)
            log.info("started %s in-app job worker thread(s)", self.count)

    def stop(self, grace_seconds: float = EXIT_GRACE_SECONDS) -> None:
        """Stop claiming, let running jobs finish within ``grace_seconds``, release the rest."""
        with self._lock:
            threads, workers = self._threads, self.workers
            self._threads, self.workers = [], []
        if not threads:
            return
        atexit.unregister(self.stop)
        stop_threads(workers, threads, grace_seconds, settle_seconds=EXIT_SETTLE_SECONDS)
