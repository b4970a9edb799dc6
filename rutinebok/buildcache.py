"""What one build keeps for the next: results stored by the hash of everything they were made
from, so a build after a small change (or none) does only the work the change needs.

Used for each data file's parsed YAML (rutinebok.load), the generated pages with what they
showed (rutinebok.incremental), each page's processed content (rutinebok.postbuild) and each
search index part (rutinebok.search_index). A key is the SHA-256 of everything the result was
made from, of the engine's code and templates and of the installed libraries' versions
(`code_hash`), so an entry cannot be stale: any change to what went in gives another key.
Every stored value carries the SHA-256 of its bytes, checked when it is read: a damaged or
half-written entry is a miss, never a result. Entries no build used for a day are removed.

Never trusted from the repository: the cache is used only inside a git work tree, never
through a symbolic link inside it, and a cache folder holding a file git tracks stops the build
(a pull request could otherwise put a page or a PDF there that no check ever saw). Values are
bytes or JSON, never pickled objects.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
KEEP_UNUSED_S = 24 * 3600  # an entry no build asked for is removed after this long


class UntrustedCache(Exception):
    """The cache folder is (partly) in the repository; the message says what to do, in Norwegian."""


@lru_cache(maxsize=1)
def code_hash() -> str:
    """The engine's code and templates, Python's version and every installed library's."""
    h = hashlib.sha256(sys.version.encode())
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".html", ".css", ".js"}):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for name, version in sorted({(d.metadata["Name"] or "", d.version) for d in metadata.distributions()}):
        h.update(f"{name}={version}\n".encode())
    return h.hexdigest()


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256(code_hash().encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _git(probe: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(probe), *args], capture_output=True, check=False, timeout=60,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None


def tracked_files(folder: Path) -> list[str] | None:
    """Files under `folder` that git tracks; None when git cannot tell (no git, or not inside a
    work tree: a copy without its history says nothing about where its files came from).
    Raises UntrustedCache when the way to the folder inside the work tree is a symbolic link
    (the link could be the repository's, pointing anywhere)."""
    folder = Path(os.path.abspath(folder))
    probe = next((p for p in (folder, *folder.parents) if p.is_dir() and not p.is_symlink()), Path("/"))
    top = _git(probe, "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return None
    root = Path(top.stdout.decode(errors="replace").strip()).resolve()
    for p in (folder, *folder.parents):
        if p.is_symlink() and p.parent.resolve().is_relative_to(root):
            raise UntrustedCache(f"{folder}: {p} er en symbolsk lenke; hurtiglageret brukes bare i en vanlig mappe "
                                 "i repoet (en lenke kan komme fra repoet og peke hvor som helst)")
    done = _git(probe, "ls-files", "-z", "--", str(folder))
    if done is None or done.returncode != 0:
        return None
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


def _sealed(data: bytes) -> bytes:
    return hashlib.sha256(data).digest() + data


def _unsealed(raw: bytes) -> bytes | None:
    data = raw[32:]
    return data if len(raw) >= 32 and hashlib.sha256(data).digest() == raw[:32] else None


def _write(path: Path, data: bytes) -> None:
    """`data` sealed into `path`, whole or not at all; a cache that cannot be written only makes
    the next build slower."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_sealed(data))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


class Store:
    """Bytes by key, one file each (folder/ab/abcd…)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, k: str) -> Path:
        return self.folder / k[:2] / k

    @contextlib.contextmanager
    def _lock(self, exclusive: bool):
        """Pruning excludes reading and adding folders (another build may be at it)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fh = open(self.folder / ".lock", "a")  # noqa: SIM115 (held for the block)
        except OSError:
            yield
            return
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield

    def get(self, k: str) -> bytes | None:
        path = self._path(k)
        try:
            data = _unsealed(path.read_bytes())
            if data is not None:
                os.utime(path)  # used: kept by the next prune
            return data
        except OSError:
            return None

    def put(self, k: str, data: bytes) -> None:
        _write(self._path(k), data)

    def get_file(self, name: str) -> bytes | None:
        """A named file of the store's own (not by key)."""
        try:
            return _unsealed((self.folder / name).read_bytes())
        except OSError:
            return None

    def put_file(self, name: str, data: bytes) -> None:
        _write(self.folder / name, data)

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
        """Remove the entries a build has not used for KEEP_UNUSED_S, except `keys` (those this
        pass used). Other builds (the preview of `make serve`, the tests) keep theirs a while."""
        old = time.time() - KEEP_UNUSED_S
        with self._lock(exclusive=True), contextlib.suppress(OSError):
            for sub in self.folder.iterdir():
                if not sub.is_dir():
                    continue
                for entry in sub.iterdir():
                    with contextlib.suppress(OSError):
                        if entry.name in keys or entry.name.startswith(".") or entry.stat().st_mtime > old:
                            continue
                        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


class Folders(Store):
    """Whole folders by key (a search index part), each with a list of its files' SHA-256
    checked when it is copied out; copies, never links (a later write to the site folder must
    not reach the cache)."""

    MANIFEST = ".rb-files.json"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.used: set[str] = set()  # the keys asked for or kept by this build

    def copy_out(self, k: str, dest: Path) -> bool:
        self.used.add(k)
        src = self._path(k)
        with self._lock(exclusive=False):
            try:
                manifest = json.loads(_unsealed((src / self.MANIFEST).read_bytes()) or b"null")
                if not isinstance(manifest, dict):
                    return False
                for rel, digest in manifest.items():
                    data = (src / rel).read_bytes()
                    if hashlib.sha256(data).hexdigest() != digest or ".." in Path(rel).parts:
                        raise OSError(f"{rel}: changed")
                    target = dest / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                os.utime(src)
            except (OSError, ValueError):
                shutil.rmtree(dest, ignore_errors=True)
                return False
        return True

    def keep(self, k: str, made: Path) -> None:
        self.used.add(k)
        path = self._path(k)
        if path.is_dir():
            return
        tmp = path.with_name(f".{k}.{os.getpid()}.tmp")
        with self._lock(exclusive=False):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.copytree(made, tmp)
                files = {p.relative_to(tmp).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                         for p in tmp.rglob("*") if p.is_file()}
                (tmp / self.MANIFEST).write_bytes(_sealed(json.dumps(files).encode()))
                os.replace(tmp, path)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)


class Table:
    """Small JSON values by key in one file (folder/name), read once and written back with the
    keys this build asked for or added (when that changed anything)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.store, self.name = Store(folder), name
        self.values: dict = {}
        self.used: set[str] = set()
        self.changed = False
        raw = self.store.get_file(name)
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
        self.store.put_file(self.name, json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode())
