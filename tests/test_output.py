"""The writer: write-if-changed, pruning by manifest, all-or-nothing on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.output as output
from generator.errors import FactoryError
from generator.output import MANIFEST, write_tree


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_writes_then_noop_then_prunes(tmp_path):
    out = tmp_path / "out"
    r1 = write_tree(out, {"a/x.md": b"x\n", "b.json": b"{}\n"})
    assert set(r1.written) == {"a/x.md", "b.json", MANIFEST}
    r2 = write_tree(out, {"a/x.md": b"x\n", "b.json": b"{}\n"})
    assert r2.written == () and r2.removed == () and "a/x.md" in r2.unchanged
    r3 = write_tree(out, {"b.json": b"{1}\n"})
    assert r3.removed == ("a/x.md",) and "b.json" in r3.written
    assert not (out / "a").exists()  # emptied directory goes too
    assert (out / MANIFEST).read_text() == "b.json\n"


def test_user_files_are_never_removed(tmp_path):
    out = tmp_path / "out"
    write_tree(out, {"H-1/h.md": b"h\n"})
    (out / "H-1" / "notes.txt").write_text("mine")
    (out / "README").write_text("mine too")
    write_tree(out, {"other.md": b"o\n"})
    assert (out / "H-1" / "notes.txt").read_text() == "mine"
    assert (out / "README").exists() and not (out / "H-1" / "h.md").exists()


def test_unchanged_files_are_not_rewritten(tmp_path):
    out = tmp_path / "out"
    write_tree(out, {"x.md": b"x\n"})
    before = (out / "x.md").stat().st_ino
    write_tree(out, {"x.md": b"x\n", "y.md": b"y\n"})
    assert (out / "x.md").stat().st_ino == before


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_failure_mid_apply_leaves_previous_tree_exactly(tmp_path, monkeypatch, fail_at):
    out = tmp_path / "out"
    write_tree(out, {"keep.md": b"old\n", "gone.md": b"old\n", "d/x.md": b"old\n"})
    before = snapshot(out)
    calls = {"n": 0}
    real = output._place

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(output, "_place", flaky)
    with pytest.raises(FactoryError, match="nothing changed"):
        write_tree(out, {"keep.md": b"new\n", "d/x.md": b"new\n", "e/new.md": b"n\n"})
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # staging area cleaned up


def test_interrupt_leaves_previous_tree(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, {"a.md": b"1\n", "b.md": b"1\n"})
    before = snapshot(out)
    real = output._place
    seen = []

    def interrupted(src, dst):
        seen.append(dst)
        if len(seen) == 2:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(output, "_place", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tree(out, {"a.md": b"2\n", "b.md": b"2\n"})
    assert snapshot(out) == before


def test_first_write_failing_leaves_no_directory(tmp_path, monkeypatch):
    def broken(src, dst):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(output, "_place", broken)
    with pytest.raises(FactoryError):
        write_tree(tmp_path / "new" / "out", {"a.md": b"1\n"})
    assert not (tmp_path / "new" / "out").exists()


@pytest.mark.parametrize("bad", ["/abs.md", "../up.md", "a/../../b", "a\\b.md", MANIFEST])
def test_paths_outside_the_tree_are_refused(tmp_path, bad):
    with pytest.raises(FactoryError):
        write_tree(tmp_path / "out", {bad: b"x\n"})
    assert not (tmp_path / "out").exists()


def test_hand_edited_manifest_cannot_delete_outside(tmp_path):
    out = tmp_path / "out"
    write_tree(out, {"a.md": b"1\n"})
    (tmp_path / "precious").write_text("keep")
    (out / MANIFEST).write_text("a.md\n../precious\n")
    write_tree(out, {"b.md": b"1\n"})
    assert (tmp_path / "precious").read_text() == "keep"


def _many(n: int, tag: bytes) -> dict[str, bytes]:
    return {f"H-{i // 5:04d}/f{i % 5}.md": tag + b" %d\n" % i for i in range(n)}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_large_tree_written_by_workers_is_the_same_tree(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("FACTORY_WORKERS", workers)
    files = _many(output.PARALLEL_MIN_FILES + 7, b"v1")
    r = write_tree(tmp_path / "out", files)
    assert len(r.written) == len(files) + 1
    assert snapshot(tmp_path / "out") == {**files, MANIFEST: "".join(f"{k}\n" for k in sorted(files)).encode()}
    files2 = {**files, **_many(20, b"v2")}
    r2 = write_tree(tmp_path / "out", files2)
    assert len(r2.written) == 20 and snapshot(tmp_path / "out")["H-0000/f0.md"] == b"v2 0\n"


def test_a_write_failing_in_a_worker_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORY_WORKERS", "2")
    out = tmp_path / "out"
    write_tree(out, {"keep.md": b"k\n"})
    before = snapshot(out)
    bad = _many(output.PARALLEL_MIN_FILES + 7, b"v1")
    bad["zz"] = b"a file\n"
    bad["zz/under-a-file.md"] = b"cannot be\n"  # last in order: in the worker's share
    with pytest.raises(FactoryError, match="nothing changed"):
        write_tree(out, bad)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_paths_are_refused_exactly_as_the_path_based_check_refuses_them():
    import itertools
    from pathlib import PurePosixPath

    from generator.output import OutputError, _check_rel

    def refused_by_paths(rel: str) -> bool:
        p = PurePosixPath(rel)
        return not rel or "\\" in rel or p.is_absolute() or ".." in p.parts or rel != p.as_posix()

    pieces = ["a", "T-001", ".", "..", "/", "\\", "b.md", " "]
    for n in range(5):
        for combo in itertools.product(pieces, repeat=n):
            rel = "".join(combo)
            try:
                _check_rel(rel)
                refused = False
            except OutputError:
                refused = True
            assert refused == refused_by_paths(rel), rel
