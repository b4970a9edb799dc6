"""`python -m rutinebok.sign sign|verify ...`."""

import sys

from .cli import main

sys.exit(main())
