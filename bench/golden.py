"""Golden comparison of the built site and its PDFs, to show a refactor changed nothing unintended.

    python bench/golden.py snapshot DIR [--repo CHECKOUT] [--builder mkdocs|zensical]
    python bench/golden.py compare A B

`snapshot` builds the site (with its PDFs) of a checkout (default: this one) as a publication
with a fixed date (RUTINEBOK_TODAY) and a fixed SOURCE_DATE_EPOCH, then writes to DIR one
normalised text file per page: the visible text of the page's content and its links, in
order, and one per PDF (pdftotext -layout). Timestamps and build-specific hashes (CSP
hashes, asset cache-busting queries) are normalised away. `compare` prints a unified diff
per file that differs and the files only in one snapshot; exit status 1 when anything differs.

The build runs with the checkout's own code (the interpreter's working directory is the
checkout, so its `rutinebok` package is imported first) and this interpreter's libraries.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"
EPOCH = "1795392000"  # 2026-11-22T00:00:00Z
PUBLIC_URL = "https://rutiner.example.no/"
REPO_URL = "https://github.com/example/rutinebok"

# Whatever changes from build to build without the content changing.
NORMALISE = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<tidspunkt>"),
    (re.compile(r"\b(DTSTAMP|CREATED|LAST-MODIFIED)(;[^:]*)?:\d{8}T\d{6}Z?"), r"\1:<tidspunkt>"),
    (re.compile(r"sha256-[A-Za-z0-9+/=]{40,}"), "sha256-<hash>"),
    (re.compile(r"\?v=[0-9a-f]{6,}"), "?v=<hash>"),
    (re.compile(r"\.[0-9a-f]{8}\.min\.(js|css)"), r".<hash>.min.\1"),
]
# Theme furniture that differs between builders but is not the project's content.
CONTENT = ("//article", "//main", "//body")


def normalise(text: str) -> str:
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text


def page_text(path: Path) -> str:
    """The page's title, its content's text (one line per block) and its links (href + text)."""
    doc = lxml.html.fromstring(path.read_bytes())
    title = " ".join((doc.findtext(".//title") or "").split())
    region = next((found[0] for xp in CONTENT if (found := doc.xpath(xp))), doc)
    for bad in region.xpath(".//script|.//style"):
        bad.drop_tree()
    lines = [f"TITLE {title}"]
    for block in region.iter("h1", "h2", "h3", "h4", "p", "li", "td", "th", "dt", "dd", "summary", "figcaption"):
        text = " ".join(block.text_content().split())
        if text:
            lines.append(f"{block.tag.upper()} {text}")
    for a in region.iter("a"):
        lines.append(f"LINK {a.get('href', '')} {' '.join(a.text_content().split())}")
    return normalise("\n".join(lines)) + "\n"


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return normalise(out.stdout)


def build(repo: Path, site: Path, builder: str) -> None:
    env = {**os.environ, "RUTINEBOK_TODAY": TODAY, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1",
           "RUTINEBOK_SITE_URL": PUBLIC_URL, "RUTINEBOK_REPO_URL": REPO_URL, "RUTINEBOK_DRAFT": "",
           "PYTHONPATH": str(repo)}
    env.pop("RUTINEBOK_DATA", None)
    if builder == "mkdocs":
        steps = [[sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)]]
        if (repo / "rutinebok" / "postbuild.py").exists():
            steps.append([sys.executable, "-m", "rutinebok.postbuild", str(site)])
        else:
            steps.append([sys.executable, "-m", "rutinebok.search_index", str(site)])
    else:
        # mkdocs.tree.yml builds build/docs into build/site-tree (as `make build-zensical`).
        zensical = repo / ".venv-zensical" / "bin" / "zensical"
        if not zensical.exists():
            sys.exit(f"{zensical} finnes ikke; kjør `make build-zensical` i {repo} først")
        steps = [[sys.executable, "-m", "rutinebok.site", "write", "build/docs", "--pdf"],
                 [str(zensical), "build", "--strict", "-f", "mkdocs.tree.yml"],
                 [sys.executable, "-m", "rutinebok.postbuild", "build/site-tree"],
                 ["sh", "-c", f'rm -rf "{site}" && mv build/site-tree "{site}"']]
    for step in steps:
        done = subprocess.run(step, cwd=repo, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"{' '.join(step)} mislyktes:\n{done.stdout}\n{done.stderr}")


def snapshot(out: Path, repo: Path, builder: str) -> None:
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        site = Path(tmp) / "site"
        build(repo, site, builder)
        if out.exists():
            shutil.rmtree(out)
        for page in sorted(site.rglob("*.html")):
            rel = page.relative_to(site)
            if rel.parts[0] in {"pagefind", "assets"}:
                continue
            dest = out / "html" / rel.with_suffix(".txt")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(page_text(page), "utf-8")
        for pdf in sorted(site.rglob("*.pdf")):
            dest = out / "pdf" / pdf.relative_to(site).with_suffix(".txt")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(pdf_text(pdf), "utf-8")
        for ics in sorted(site.rglob("*.ics")):
            dest = out / "ics" / ics.relative_to(site).with_suffix(".txt")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(normalise(ics.read_text("utf-8")), "utf-8")
        extra = sorted(str(p.relative_to(site)) for p in site.rglob("*")
                       if p.is_file() and p.suffix not in {".html", ".pdf"} and "pagefind" not in p.parts)
        (out / "files.txt").write_text("\n".join(normalise(e) for e in extra) + "\n", "utf-8")
    print(f"{out}: {sum(1 for _ in out.rglob('*.txt'))} filer")


def compare(a: Path, b: Path) -> int:
    left = {p.relative_to(a) for p in a.rglob("*.txt")}
    right = {p.relative_to(b) for p in b.rglob("*.txt")}
    differs = 0
    for rel in sorted(left - right):
        print(f"bare i {a}: {rel}")
        differs += 1
    for rel in sorted(right - left):
        print(f"bare i {b}: {rel}")
        differs += 1
    for rel in sorted(left & right):
        x = (a / rel).read_text("utf-8").splitlines()
        y = (b / rel).read_text("utf-8").splitlines()
        if x != y:
            differs += 1
            sys.stdout.writelines(line + "\n" for line in
                                  difflib.unified_diff(x, y, f"{a}/{rel}", f"{b}/{rel}", lineterm="", n=1))
    print(f"{len(left | right)} filer sammenlignet, {differs} ulike")
    return 1 if differs else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("dir", type=Path)
    s.add_argument("--repo", type=Path, default=ROOT)
    s.add_argument("--builder", choices=["mkdocs", "zensical"], default="mkdocs")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "snapshot":
        snapshot(args.dir.resolve(), args.repo.resolve(), args.builder)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
