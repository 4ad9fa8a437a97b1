"""Reading spec directories: parse (raw records) → typed entities → registry.

Public entry points: `load_spec(spec_dir, cache=None)` and
`parse_document(code, filename, data)`.
"""

from generator.spec.document import DocResult, parse_document
from generator.spec.loader import load_spec

__all__ = ["DocResult", "load_spec", "parse_document"]
