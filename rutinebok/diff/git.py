"""Git access for `rutinebok diff`: revisions, files at a revision, the data set as it was."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from ..findings import Report
from ..load import Dataset, load_dataset
from ..safefiles import outside_folder

WORKTREE = "arbeidskopien"


class DiffError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("git er ikke installert") from None
    if result.returncode != 0:
        raise DiffError(result.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} feilet")
    return result.stdout


def repo_root(cwd: Path) -> Path:
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    except DiffError:
        raise DiffError(f"{cwd} er ikke i et git-repository") from None


def resolve(rev: str, root: Path) -> str:
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).decode().strip()
    except DiffError:
        raise DiffError(f"ukjent revisjon «{rev}» (skriv f.eks. main, HEAD~1 eller en commit-id)") from None


def extract(rev: str, root: Path, path: str, dest: Path) -> bool:
    """Files under `path` at `rev` into dest/<path>; False when the revision has none."""
    if not _git(["ls-tree", "--name-only", rev, "--", path], root).strip():
        return False
    archive = _git(["archive", "--format=tar", rev, "--", path], root)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        try:
            tar.extractall(dest, filter="data")
        except tarfile.FilterError as exc:  # a link out of the folder, an absolute path
            raise DiffError(f"revisjon {rev[:12]}: {path} har en fil eller lenke som peker ut av repoet "
                            f"({exc.tarinfo.name})", 1) from None
    return True


def load_at(rev: str | None, root: Path, data: str, tmp: Path) -> tuple[Dataset, dict[str, str]]:
    """The data set at a revision (None: the working tree) and its files' texts."""
    where = WORKTREE if rev is None else f"revisjon {rev[:12]}"
    if rev is None:
        folder = root / data
        if why := outside_folder(folder, root):  # the working tree's folder replaced with a link
            raise DiffError(why, 1)
    else:
        folder = tmp / rev[:12] / data
        if not extract(rev, root, data, tmp / rev[:12]):
            raise DiffError(f"{where} har ingen datamappe «{data}»", 1)
    if not folder.is_dir():
        raise DiffError(f"{where} har ingen datamappe «{data}»", 1)
    report = Report()
    ds = load_dataset(folder, report, display_base=folder.parent)
    if report.errors:
        first = report.sorted()[0].format()
        raise DiffError(f"dataene i {where} kan ikke leses ({len(report.errors)} feil), f.eks.: {first}", 1)
    texts = {rel: src.text for rel, src in ds.files.items()}
    return ds, texts


def default_base(root: Path) -> str:
    """The merge base of HEAD and main (or origin/main); HEAD when there is no main."""
    for main in ("main", "origin/main"):
        try:
            return _git(["merge-base", "HEAD", main], root).decode().strip()
        except DiffError:
            continue
    return "HEAD"
