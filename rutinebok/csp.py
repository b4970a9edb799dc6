"""Content-Security-Policy for every page (defence in depth behind the escaping boundary).

overrides/main.html puts a `<meta http-equiv="Content-Security-Policy">` first in <head>
with the placeholder PLACEHOLDER; the post-build pass (rutinebok/postbuild.py, after any
builder) replaces it with the policy and the SHA-256 hashes of the page's own inline scripts
(the theme's two small scripts), computed from the built HTML. Everything else (scripts, styles, images, fonts, connections) comes from the site's
own origin only; no 'unsafe-inline', no other host. 'wasm-unsafe-eval' lets the search run
Pagefind's WebAssembly (it allows compiling WebAssembly, not eval of script text).
"""

from __future__ import annotations

import base64
import hashlib
import re

INLINE_HASHES = "'rutinebok-inline-hashes'"
PLACEHOLDER = "'rutinebok-policy'"

POLICY = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' " + INLINE_HASHES + "; style-src 'self'; "
          "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
          "manifest-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; frame-src 'none'")

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html: str) -> list[str]:
    """'sha256-…' for each inline script that runs (JSON data blocks are not scripts)."""
    out = []
    for attrs, body in _INLINE_SCRIPT.findall(html):
        if re.search(r"""type=["']?application/(ld\+)?json""", attrs):
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        token = f"'sha256-{digest}'"
        if token not in out:
            out.append(token)
    return out


def with_policy(html: str) -> str:
    """The page with its policy's placeholder replaced by its inline scripts' hashes."""
    html = html.replace(f'content="{PLACEHOLDER}"', f'content="{POLICY}"', 1)
    if INLINE_HASHES not in html:
        return html
    return html.replace(INLINE_HASHES, " ".join(script_hashes(html)) or "'none'", 1)
