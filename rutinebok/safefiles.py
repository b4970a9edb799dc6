"""Reading files from a pull request: only regular files inside the repository.

A symbolic link, a device, a FIFO, a file that resolves outside its folder, an unreadable
file, or (in signed/) a name that is not `<routine id pattern>.pdf` is never read: it is
reported as a finding (RB052 unsafe-file) by the check, and left out of every build.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

# signed/<routine-id>/<name>.pdf: the name uses the id alphabet, so it is safe in a URL,
# a Markdown link and a file system on any host.
SIGNED_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.pdf$")


class UnsafeFile(Exception):
    """A file that must not be read; the message says why, in Norwegian."""


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(root.resolve(strict=True))
        return True
    except (OSError, ValueError, RuntimeError):
        return False


def outside_folder(folder: Path, repo: Path) -> str:
    """Why the data folder `folder` must not be read as the repository's ('' if it may): one that
    is, or is reached through, a symbolic link out of `repo`, or that lies outside it. (A link is
    not followed inside the folder; this is the folder itself, which a pull request can also
    replace with a link.)"""
    if not folder.exists():
        return ""  # the loader says the folder is missing
    if _inside(folder, repo):
        return ""
    link = "er en symbolsk lenke ut av repoet" if any(p.is_symlink() for p in (folder, *folder.parents)) else \
        "ligger utenfor repoet"
    return f"datamappen {folder} {link}; legg dataene i selve repoet"


def data_folder(given: Path | None, exit_code: int | None = None) -> Path:
    """The data folder a command reads or writes: `given` (--data, the operator's choice) as it
    is, else the repository's own `data` folder, refused (UserError, with the command's exit code
    for a data folder it cannot use) when it is, or is reached through, a symbolic link out of the
    repository (the current folder)."""
    from .errors import UserError

    if given is not None:
        return Path(given)
    folder = Path("data")
    if why := outside_folder(folder, Path.cwd()):
        raise UserError(why, "erstatt lenken med mappen, eller pek på en datamappe med --data", exit_code)
    return folder


def walk(root: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(regular files under root with one of `suffixes`, sorted; problems as (path, reason)).

    Symbolic links are never followed, neither to files nor to folders: so a file the walk
    reaches is inside root by construction, and is not resolved again (4,000 path
    resolutions at 1,000 routines, on every rebuild of `make serve`)."""
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        base = Path(folder)
        for d in list(dirs):
            if (base / d).is_symlink():
                dirs.remove(d)
                problems.append((base / d, "er en symbolsk lenke til en mappe; lenker følges ikke"))
        for name in names:
            path = base / name
            if not name.endswith(suffixes) and not path.is_symlink():
                continue
            reason = problem(path, root, walked=True)
            if reason:
                problems.append((path, reason))
            elif name.endswith(suffixes):
                files.append(path)
    return sorted(files), sorted(problems)


def problem(path: Path, root: Path, *, walked: bool = False) -> str:
    """Why `path` must not be read ('' if it is a regular file inside root). `walked`: the
    path comes from `walk`, which reaches no file through a link."""
    try:
        st = os.lstat(path)
    except OSError:
        return "kan ikke leses"
    if stat.S_ISLNK(st.st_mode):
        return "er en symbolsk lenke; legg inn selve filen"
    if not stat.S_ISREG(st.st_mode):
        return "er ikke en vanlig fil"
    if not walked and not _inside(path, root):
        return "ligger utenfor repoet"
    if not os.access(path, os.R_OK):
        return "kan ikke leses (mangler lesetilgang)"
    return ""


def read_bytes(path: Path, limit: int) -> bytes:
    """The file's bytes, opened without following a symbolic link and checked to be a regular
    file on the open descriptor (no race between checking and reading). Raises UnsafeFile,
    or ValueError(size) when the file is larger than `limit`."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnsafeFile("er en symbolsk lenke eller kan ikke åpnes" if exc.errno in (40, 62)
                         else "kan ikke leses") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile("er ikke en vanlig fil")
        if st.st_size > limit:
            raise ValueError(st.st_size)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ValueError(len(data))
        return data
    except OSError:
        raise UnsafeFile("kan ikke leses") from None
    finally:
        os.close(fd)


def signed_pdfs(folder: Path, repo: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(the signed copies in signed/<routine-id>/ that may be read and published; problems).

    Only regular files inside the repository named like a routine id with .pdf."""
    good: list[Path] = []
    problems: list[tuple[Path, str]] = []
    try:
        if folder.is_symlink():
            return [], [(folder, "er en symbolsk lenke til en mappe; lenker følges ikke")]
        if not folder.is_dir():
            return [], []
        entries = sorted(folder.iterdir())
    except OSError:
        return [], [(folder, "kan ikke leses")]
    for path in entries:
        reason = problem(path, repo)
        if not reason and not SIGNED_NAME.match(path.name):
            reason = ("har et navn som ikke kan brukes: bruk små bokstaver a–z, sifre og bindestrek, "
                      "og .pdf til slutt (f.eks. rutine-id-v2.pdf)")
        if reason:
            problems.append((path, reason))
        else:
            good.append(path)
    return good, problems


def display(path: Path, repo: Path) -> str:
    """The path as shown to people: relative to the repository, never the build machine's."""
    try:
        return path.relative_to(repo).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(repo.resolve()).as_posix()
        except (ValueError, OSError):
            return path.name
