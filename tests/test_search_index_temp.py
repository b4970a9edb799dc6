"""Pagefind's temporary input folders: those of a process that is gone are removed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rutinebok import search_index


def test_input_folders_of_a_process_that_is_gone_are_removed():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    base = Path(tempfile.gettempdir())
    stale = base / f"{search_index.TEMP_PREFIX}{int(gone.stdout)}-abc"
    alive = base / f"{search_index.TEMP_PREFIX}{os.getppid()}-abc"
    other = base / f"{search_index.TEMP_PREFIX}x-abc"
    for folder in (stale, alive, other):
        (folder / "sub").mkdir(parents=True, exist_ok=True)
        (folder / "sub" / "1.html").write_text("<p>x</p>", "utf-8")
    try:
        search_index.remove_stale_temp()
        assert not stale.exists()
        assert alive.exists() and other.exists()
    finally:
        for folder in (stale, alive, other):
            subprocess.run(["rm", "-rf", str(folder)], check=False)
