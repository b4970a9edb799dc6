"""The post-build pass and the search index step share a large site's pages out to forked
workers (rutinebok/parallel.py): the result must be the same, byte for byte, as doing the
pages in order, and the workers must really be other processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from .test_pipeline import _BUILD_TREE, ROOT, _env, _run


def test_map_items_uses_other_processes_and_keeps_the_order():
    code = textwrap.dedent("""
        import json, os
        from rutinebok.parallel import map_items
        def where(x):
            import time
            time.sleep(0.005)
            return [x * x, os.getpid()]
        out = map_items(where, range(200), min_items=1)
        print(json.dumps({"squares": [x for x, _ in out], "pids": sorted({p for _, p in out}), "me": os.getpid()}))
        """)
    env = {**os.environ, "RUTINEBOK_JOBS": "2"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert got["squares"] == [x * x for x in range(200)]
    assert len(got["pids"]) == 2 and got["me"] not in got["pids"]


def _files(site: Path) -> dict[str, bytes]:
    # Pagefind's own files carry its build hashes; the pages and our vocabulary must match.
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()
            and (p.suffix == ".html" or "vocab" in p.parts or p.name == "rb-search.json")}


def test_the_post_build_pass_in_parallel_makes_the_same_site(tmp_path):
    env = _env()
    docs, raw = tmp_path / "docs", tmp_path / "raw"
    for step in (["-m", "rutinebok.site", "write", str(docs)],
                 ["-c", _BUILD_TREE, str(ROOT / "mkdocs.tree.yml"), str(docs), str(raw)]):
        done = _run(step, env)
        assert done.returncode == 0, done.stdout + done.stderr
    sites = {}
    for name, extra, want in (("in-order", {"RUTINEBOK_JOBS": "1"}, 1),
                              ("parallel", {"RUTINEBOK_JOBS": "2", "RUTINEBOK_PARALLEL_MIN": "1"}, 2)):
        site = tmp_path / name
        shutil.copytree(raw, site)
        code = ("import sys; from pathlib import Path; from rutinebok import parallel, postbuild; "
                "from rutinebok.site import Engine, Project; "
                "e = Engine(Project.from_mkdocs(Path('mkdocs.yml'), serve=True)); "
                "postbuild.run(Path(sys.argv[1]), e.renderer.glossary_terms(), e.renderer.names_with_spaces()); "
                "print('workers', parallel.last_workers)")
        done = _run(["-c", code, str(site)], {**env, **extra})
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"workers {want}" in done.stdout  # the pool really ran (or really did not)
        sites[name] = _files(site)
    assert len(sites["parallel"]) > 80
    assert sites["parallel"] == sites["in-order"]
    assert sites["parallel"] != _files(raw)  # the pass did something
