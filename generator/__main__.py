"""`python -m generator` runs the `factory` command line."""

from generator.cli import entry

entry()
