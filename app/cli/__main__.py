"""`python -m app.cli` runs the command line (the packaged program and the tests use it)."""

import sys

from app.cli import main

sys.exit(main())
