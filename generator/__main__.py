"""`python -m generator` runs the `factory` command line."""

import sys

from generator.cli import main

sys.exit(main())
