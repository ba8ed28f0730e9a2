"""Commands qisim prints for the user to paste ("finish with", "next:", "see one alone")."""

from __future__ import annotations

import shlex
from typing import Any


def shell_command(*words: Any) -> str:
    """A command line to print for the user to paste: each word quoted for a POSIX shell, so a
    path with spaces, brackets or quotes survives the paste (``qisim analyse 'out/my sweep'``)."""
    return " ".join(shlex.quote(str(w)) for w in words)
