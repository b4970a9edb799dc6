"""`rutinebok diff [REV_A] [REV_B]`: what a change alters, in the reader's terms (Norwegian).

Loads data/ at two git revisions (or the working tree) and compares the models, not the
text: steps added, removed, moved or reworded; deadlines (old → new words); parties,
actors, sections, contacts, meetings, time rules, legal references, review dates; the
signatures the change invalidates; and whether a routine's version went up. A change to
formatting alone (comments, quoting, indentation) is said to be one.

- git.py: revisions and the data set at a revision
- compare.py: the comparison (one keyed added/removed/changed walk for every kind of item)
- labels.py: field words from the model's field titles
- format.py: the summary as text or Markdown
- cli.py: the command and the version check
"""

from .cli import add_parsers, cmd_diff, main, run_diff, version_findings
from .compare import RoutineChange, Summary, compare, compare_routine, keyed
from .compare import _Names as _Names  # the checklist tests build one
from .format import FORMATTING_ONLY, NO_CHANGE, format_markdown, format_text
from .git import WORKTREE, DiffError, default_base, load_at, repo_root, resolve

__all__ = ["FORMATTING_ONLY", "NO_CHANGE", "WORKTREE", "DiffError", "RoutineChange", "Summary", "add_parsers",
           "cmd_diff", "compare", "compare_routine", "default_base", "format_markdown", "format_text", "keyed", "load_at", "main",
           "repo_root", "resolve", "run_diff", "version_findings"]
