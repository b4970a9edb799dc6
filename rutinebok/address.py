"""Public addresses: the site's published URL, the repository, and draft versus publication.

One place decides them. mkdocs.yml reads RUTINEBOK_SITE_URL and RUTINEBOK_REPO_URL (``!ENV``);
the Pages workflow sets both from the repository (``rutinebok adresse --github``). A
publication (``make build``, the Pages workflow, ``rutinebok pdf`` without ``--draft``) needs a
real public address: QR codes, "newest version" lines, the calendar feed and the sitemap are
printed and signed, and a loopback address in them leads nowhere for ever. A draft (``make
serve``, ``RUTINEBOK_DRAFT=1``, ``rutinebok pdf --draft``) may use localhost and is marked as one.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

DRAFT_TITLE = "Utkast – ikke for signering"
DRAFT_ENV = "RUTINEBOK_DRAFT"
SITE_URL_ENV = "RUTINEBOK_SITE_URL"
REPO_URL_ENV = "RUTINEBOK_REPO_URL"


class AddressError(Exception):
    """A site or repository address that cannot be published; the message is Norwegian."""


def draft_requested(environ=None) -> bool:
    value = (environ if environ is not None else os.environ).get(DRAFT_ENV, "")
    return value.strip().lower() in ("1", "true", "ja", "yes")


def _local_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if not host or host == "localhost" or host.endswith(".localhost") or "." not in host and ":" not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified or ip.is_private or ip.is_link_local


def public_site_problem(url: str | None) -> str | None:
    """Why `url` cannot be a published site's address, or None when it can."""
    if not url or not url.strip():
        return "nettstedets adresse (site_url) er tom"
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"nettstedets adresse «{url}» er ikke en nettadresse som begynner med https://"
    if _local_host(parts.hostname):
        return f"nettstedets adresse «{url}» er en lokal adresse som bare virker på denne maskinen"
    return None


def require_public_site_url(url: str | None) -> str:
    """The address itself, normalised with a final slash; AddressError when it is not public."""
    problem = public_site_problem(url)
    if problem:
        raise AddressError(
            f"{problem}. En publisering trenger den offentlige adressen, ellers peker QR-koder, "
            f"lenker, kalenderen og sitemap.xml ingen steder. Sett {SITE_URL_ENV}=https://… (eller "
            f"site_url i mkdocs.yml), eller lag et utkast: make serve, {DRAFT_ENV}=1 make build, "
            "eller rutinebok pdf --draft."
        )
    return url.strip().rstrip("/") + "/"


def edit_base(repo_url: str | None, branch: str = "main") -> str:
    """Where «Foreslå endring» links point (the repository's web editor), or '' for none."""
    if not repo_url or not repo_url.strip():
        return ""
    parts = urlsplit(repo_url.strip())
    if parts.scheme != "https" or not parts.hostname or _local_host(parts.hostname):
        raise AddressError(f"repository-adressen «{repo_url}» er ikke en https-adresse; sett "
                           f"{REPO_URL_ENV}=https://github.com/<eier>/<repo> eller la den være tom")
    return f"{repo_url.strip().rstrip('/')}/edit/{branch}/"


def github_pages_url(repository: str, cname: str | None = None, override: str | None = None) -> str:
    """The address GitHub Pages publishes `owner/repo` at: an explicit override, a custom domain
    (CNAME), https://<owner>.github.io/ for the user site, else https://<owner>.github.io/<repo>/."""
    if override and override.strip():
        return override.strip().rstrip("/") + "/"
    if cname and cname.strip():
        return f"https://{cname.strip().splitlines()[0].strip().rstrip('/')}/"
    owner, _, repo = repository.partition("/")
    if not owner or not repo:
        raise AddressError(f"«{repository}» er ikke på formen eier/repo")
    owner = owner.lower()
    if repo.lower() == f"{owner}.github.io":
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{repo}/"


def cmd_adresse(args: argparse.Namespace) -> int:
    env = os.environ
    if args.github:
        repository = env.get("GITHUB_REPOSITORY", "")
        cname_file = Path(args.cname)
        cname = cname_file.read_text("utf-8") if cname_file.is_file() else None
        try:
            site = github_pages_url(repository, cname, env.get(SITE_URL_ENV))
            site = require_public_site_url(site)
        except AddressError as exc:
            print(f"rutinebok adresse: {exc}", file=sys.stderr)
            return 1
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        repo_url = env.get(REPO_URL_ENV) or (f"{server}/{repository}" if repository else "")
        print(f"{SITE_URL_ENV}={site}")
        print(f"{REPO_URL_ENV}={repo_url}")
        return 0
    problem = public_site_problem(env.get(SITE_URL_ENV))
    print(f"{SITE_URL_ENV}={env.get(SITE_URL_ENV, '')}" + (f"  ({problem})" if problem else ""))
    print(f"{REPO_URL_ENV}={env.get(REPO_URL_ENV, '')}")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("adresse", help="nettstedets offentlige adresse og repository (for CI)",
                       description="Skriver adressene bygget bruker. Med --github: utleder dem fra "
                                   "GitHub-repoet (GITHUB_REPOSITORY, variabelen RUTINEBOK_SITE_URL eller "
                                   "content/CNAME), som linjer for $GITHUB_ENV.")
    p.add_argument("--github", action="store_true", help="utled adressene fra GitHub-miljøet")
    p.add_argument("--cname", default="content/CNAME", help="CNAME-filen for eget domene (standard: content/CNAME)")
    p.set_defaults(handler=cmd_adresse)
