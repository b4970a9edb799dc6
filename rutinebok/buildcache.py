"""What one build keeps for the next: results stored by the hash of everything they were made
from, so a build after a small change (or none) does only the work the change needs.

Used by the steps after the builder (rutinebok.postbuild, rutinebok.search_index), which see
only the built pages: a processed page's content is stored by the hash of the content the
builder wrote, the code that processes it (`code_hash`) and the glossary; a search index part
by the hash of the pages it indexes. An entry therefore cannot be stale: any change to what
went in gives another key. A key that no build asked for in the last full pass is removed.

Never trusted from the repository: a cache folder holding a file that git tracks stops the
build (a pull request could otherwise put a page or a PDF there that no check ever saw), and
values are bytes or JSON, never pickled objects.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# The libraries whose output the stored results are made of.
LIBRARIES = ("nh3", "lxml", "pagefind", "pagefind-bin", "PyYAML")


class UntrustedCache(Exception):
    """The cache folder is (partly) in the repository; the message says what to do, in Norwegian."""


@lru_cache(maxsize=1)
def code_hash() -> str:
    """The engine's code and templates, and the versions of the libraries it uses."""
    h = hashlib.sha256(sys.version.encode())
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".html", ".css", ".js"}):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\n".encode())
    return h.hexdigest()


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256(code_hash().encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def tracked_files(folder: Path) -> list[str] | None:
    """Files under `folder` that git tracks; None when git cannot tell (no git here)."""
    folder = Path(folder)
    probe = folder if folder.is_dir() else next((p for p in folder.parents if p.is_dir()), Path("/"))
    try:
        done = subprocess.run(["git", "-C", str(probe), "ls-files", "-z", "--", str(folder.resolve())],
                              capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        # Not inside a repository: nothing there came from one.
        return [] if b"not a git repository" in done.stderr else None
    return [name for name in done.stdout.decode(errors="replace").split("\0") if name]


def check_not_tracked(folder: Path) -> bool:
    """Stop with a clear message when the repository holds files in a cache folder. False when
    git cannot tell (the cache is then not used), True when the folder is the build's own."""
    found = tracked_files(folder)
    if found:
        shown = ", ".join(found[:3]) + (f" og {len(found) - 3} til" if len(found) > 3 else "")
        raise UntrustedCache(f"{folder}: hurtiglageret inneholder filer som er sjekket inn i git ({shown}). "
                             "Et hurtiglager lages av bygget og skal aldri ligge i repoet: fjern filene med "
                             f"`git rm -r --cached {folder}` og legg mappen i .gitignore")
    return found is not None


class Store:
    """Bytes by key, one file each (folder/ab/abcd…), written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, k: str) -> Path:
        return self.folder / k[:2] / k

    def get(self, k: str) -> bytes | None:
        try:
            return self._path(k).read_bytes()
        except OSError:
            return None

    def put(self, k: str, data: bytes) -> None:
        path = self._path(k)
        with contextlib.suppress(OSError):  # a cache that cannot be written only makes the next build slower
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{k}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def get_file(self, name: str) -> bytes | None:
        """A named file of the store's own (not by key)."""
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None

    def put_file(self, name: str, data: bytes) -> None:
        path = self.folder / name
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def get_json(self, k: str):
        data = self.get(k)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put_json(self, k: str, value) -> None:
        self.put(k, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())

    def keep_only(self, keys: set[str]) -> None:
        """Remove every entry but these (after a pass that asked for every key it needs)."""
        if not self.folder.is_dir():
            return
        for sub in self.folder.iterdir():
            if not sub.is_dir():
                continue
            for entry in sub.iterdir():
                if entry.name not in keys:
                    with contextlib.suppress(OSError):
                        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


class Folders(Store):
    """Whole folders by key (a search index part): copied out as hard links, which the steps
    never write through (an index is always written new and moved in)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.used: set[str] = set()  # the keys asked for or kept by this build

    def copy_out(self, k: str, dest: Path) -> bool:
        self.used.add(k)
        src = self._path(k)
        if not src.is_dir():
            return False
        try:
            shutil.copytree(src, dest, copy_function=_link_or_copy)
        except OSError:
            shutil.rmtree(dest, ignore_errors=True)
            return False
        return True

    def keep(self, k: str, made: Path) -> None:
        self.used.add(k)
        path = self._path(k)
        if path.is_dir():
            return
        tmp = path.with_name(f".{k}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(made, tmp, copy_function=_link_or_copy)
            os.replace(tmp, path)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class Table:
    """Small JSON values by key in one file (folder/name), read once and written back with only
    the keys this build asked for or added (when that changed anything)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = Path(folder) / name
        self.values: dict = {}
        self.used: set[str] = set()
        self.changed = False
        raw = Store(folder).get_file(name)
        if raw is not None:
            try:
                values = json.loads(raw)
            except ValueError:
                values = None
            if isinstance(values, dict):
                self.values = values

    def get(self, k: str):
        value = self.values.get(k)
        if value is not None:
            self.used.add(k)
        return value

    def put(self, k: str, value) -> None:
        self.values[k] = value
        self.used.add(k)
        self.changed = True

    def save(self) -> None:
        if not self.changed and self.used == set(self.values):
            return
        kept = {k: self.values[k] for k in self.used}
        Store(self.path.parent).put_file(self.path.name, json.dumps(kept, ensure_ascii=False,
                                                                    separators=(",", ":")).encode())
