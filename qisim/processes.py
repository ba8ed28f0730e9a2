"""Worker processes started from a user's script, and how their progress is shown.

Progress: a live bar on a terminal or in a notebook; in a log (stderr redirected) plain lines
now and then (:class:`PlainProgress`), never carriage-return redraws.

With the ``forkserver`` and ``spawn`` start methods (sweeps; ``qisim.deviance``), every worker
process imports the main script again before it runs anything, so code at the script's top level
runs again in every worker: a script calling ``run_sweep(...)`` without the
``if __name__ == "__main__":`` guard starts a sweep inside each worker, and every worker dies. The
standard library refuses such a start in the worker with a traceback; here the parent checks the
script before starting any worker, and a worker that finds itself being started that way exits
quietly with :data:`MAIN_REIMPORTED` so that the parent can say what to do, once.
"""

from __future__ import annotations

import ast
import multiprocessing as mp
import os
import sys

MAIN_REIMPORTED = 78  # exit code of a worker whose import of the main script started workers

PARENT_LEAD = '{script} calls {call} at its top level, outside `if __name__ == "__main__":`.'
WORKER_LEAD = "A worker process importing {script} again reached a call of {call}, so it stopped."
GUARD_ADVICE = (
    " With the 'forkserver' and 'spawn' start methods each worker process imports the main "
    "script first, so code at its top level runs again in every worker (and would start workers "
    'of its own). Put the call under `if __name__ == "__main__":` (see \'Safe importing of '
    "main module' in the Python multiprocessing documentation), e.g.\n\n"
    '    if __name__ == "__main__":\n        {call}(...)\n'
)


class MainGuardError(RuntimeError):
    """A script starts worker processes from its top level, without the main guard."""


def _main_script() -> str | None:
    """The file of the main script that workers would import again, if any."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.endswith("__main__"):
        return None  # `python -m package`: the standard library does not import it again
    return getattr(main, "__file__", None)


def _unguarded(tree: ast.Module, names: set[str]) -> bool:
    """Whether a call to one of ``names`` runs at the module's top level, outside
    ``if __name__ == "__main__":`` (calls inside functions and classes run only when called)."""

    def is_guard(node: ast.stmt) -> bool:
        return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)

    def calls(node: ast.AST) -> bool:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            if name in names:
                return True
        return any(calls(child) for child in ast.iter_child_nodes(node))

    return any(calls(stmt) for stmt in tree.body if not is_guard(stmt))


def check_main_guard(call: str) -> None:
    """Before starting workers for ``call`` (e.g. ``"run_sweep"``): in a worker that is
    importing the main script, exit quietly with :data:`MAIN_REIMPORTED`; in the parent, raise
    :class:`MainGuardError` with the advice if the main script calls ``call`` at its top level
    without the guard."""
    if getattr(mp.current_process(), "_inheriting", False):
        os._exit(MAIN_REIMPORTED)  # the parent explains; a traceback per worker would not
    script = _main_script()
    if script is None or mp.parent_process() is not None:
        return
    try:
        with open(script, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return
    if _unguarded(tree, {call}):
        raise MainGuardError((PARENT_LEAD + GUARD_ADVICE).format(call=call, script=script))


def reimport_error(call: str) -> MainGuardError:
    """The error for a worker that exited with :data:`MAIN_REIMPORTED`."""
    script = _main_script() or "the main script"
    return MainGuardError((WORKER_LEAD + GUARD_ADVICE).format(call=call, script=script))


def interactive(stream=None) -> bool:
    """Whether ``stream`` (default stderr) shows a live progress bar: a terminal or a notebook."""
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) or "ipykernel" in sys.modules


class PlainProgress:
    """Progress for a log file: a plain line at each tenth of the work and at least every
    ``every_s`` seconds, never a carriage-return redraw. Same calls as the tqdm bar it stands
    in for (``update``, ``set_postfix``, ``close``)."""

    def __init__(
        self, total: int, initial: int = 0, desc: str = "", every_s: float = 60.0, stream=None
    ) -> None:
        import time

        self.total, self.n, self.desc = total, initial, desc
        self.start_n, self.every_s = initial, every_s
        self.stream = stream or sys.stderr
        self.clock = time.monotonic
        self.started = self.last = self.clock()
        self.step = max(1, (total - initial) // 10)
        self.postfix: dict = {}

    def set_postfix(self, refresh: bool = False, **values) -> None:
        self.postfix.update(values)

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self.clock()
        if (self.n - self.start_n) % self.step == 0 or now - self.last >= self.every_s:
            self._line(now)

    def _line(self, now: float) -> None:
        self.last = now
        elapsed = now - self.started
        done = self.n - self.start_n
        left = (self.total - self.n) * elapsed / done if done else 0.0
        extra = "".join(f", {k} {v}" for k, v in self.postfix.items())
        print(
            f"{self.desc}: {self.n}/{self.total} runs ({self.n / max(self.total, 1):.0%}){extra}, "
            f"{elapsed:.0f} s, about {left:.0f} s left",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        """Nothing to clear: every line is already whole."""
