"""The I/O floor: read every spec file, write a finished build's bytes, no work between.

    python bench/floor_copy.py SPEC_DIR TREE_BLOB OUT_DIR

TREE_BLOB is a marshal dump of {relative path: bytes} taken from a real
build, so this process does only the reading and writing a build must do.
"""

import marshal
import os
import sys


def main(spec_dir: str, blob: str, out_dir: str) -> None:
    for name in sorted(os.listdir(spec_dir)):
        with open(os.path.join(spec_dir, name), "rb") as f:
            f.read()
    with open(blob, "rb") as f:
        tree = marshal.load(f)
    made = set()
    for rel, data in tree.items():
        path = os.path.join(out_dir, rel)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(*sys.argv[1:4])
