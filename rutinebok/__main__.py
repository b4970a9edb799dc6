"""`python -m rutinebok` runs the command line."""

from .cli import run

run()
