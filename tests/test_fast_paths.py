"""The shortcuts that make builds fast must give the same results as the long way round."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
import tomlkit
from test_gitops_support import make_project

from generator.compile.leakguard import Guard, Needle, words


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _build(project: Path):
    from generator.build import build_project
    from generator.config import load_config

    return build_project(load_config(project))


def _no_parse(monkeypatch) -> None:
    """Make any parse fail, so a build that succeeds must have taken the no-op path."""
    import generator.build

    def refuse(spec_dir, *rest):
        raise AssertionError("the spec was parsed")

    monkeypatch.setattr(generator.build, "load_valid", refuse)
    monkeypatch.setattr(generator.build, "load_checked", refuse)


def test_facets_round_trip_through_tomlkit_and_tomllib(tmp_path):
    """The hand-written TOML emitter must write what both TOML readers read back identically."""
    from generator.compile import CompileOptions, compile_spec
    from generator.compile.tomlout import dumps
    from generator.spec import load_spec

    project = make_project(tmp_path / "p", repo=False)
    files = compile_spec(load_spec(project / "specs" / "inkwell"), CompileOptions())
    tomls = {p: b for p, b in files.items() if p.endswith(".toml")}
    assert len(tomls) > 10
    tricky = {"s": 'quote " back \\ tab \t nl \n del \x7f nul \x00 é 😀', "l": ["a", "b"], "n": 3, "t": True,
              "tbl": {"k": "v"}, "row": [{"x": "1", "ys": []}, {"x": "2", "ys": ["p", "q"]}]}
    tomls["tricky.toml"] = dumps(tricky)
    for path, data in tomls.items():
        text = data.decode("utf-8")
        plain = tomllib.loads(text)
        doc = tomlkit.parse(text)
        assert doc.unwrap() == plain, path
        assert tomlkit.dumps(doc) == text, path  # edit-preserving: parsing and writing back changes nothing
    assert tomllib.loads(tomls["tricky.toml"].decode()) == tricky


def test_no_op_build_skips_parsing_and_repairs_edited_or_deleted_outputs(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p", repo=False)
    first = _build(project)[0]
    out = first.output_dir
    good = _tree(out)
    assert first.report.written and (project / ".factory-cache" / ".gitignore").read_text().strip().endswith("*")

    with monkeypatch.context() as m:
        _no_parse(m)
        again = _build(project)[0]
    assert again.report.written == () and again.report.removed == ()
    assert set(again.report.unchanged) == set(good) and again.digest == first.digest

    handoff = out / "H-FACTORY-002" / "H-FACTORY-002_BUILDER_HANDOFF.md"
    handoff.write_bytes(handoff.read_bytes() + b"hand edit\n")
    (out / "facets" / "tasks.toml").unlink()
    repaired = _build(project)[0]
    assert sorted(repaired.report.written) == ["H-FACTORY-002/H-FACTORY-002_BUILDER_HANDOFF.md", "facets/tasks.toml"]
    assert _tree(out) == good


def test_no_op_path_notices_a_spec_or_option_change(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p", repo=False)
    _build(project)
    d2 = project / "specs" / "inkwell" / "D2_SPECIFICATION.md"
    d2.write_text(d2.read_text() + "\n", encoding="utf-8")
    with monkeypatch.context() as m:
        _no_parse(m)
        with pytest.raises(AssertionError, match="parsed"):
            _build(project)
    _build(project)
    (project / "factory.toml").write_text('[project]\nspecs = ["specs/inkwell"]\n[prompt]\nadversarial = "infrastructure"\n')
    with monkeypatch.context() as m:
        _no_parse(m)
        with pytest.raises(AssertionError, match="parsed"):
            _build(project)


def test_leak_planted_during_watch_keeps_last_good_outputs(tmp_path):
    """Every watch rebuild passes the leak guard; a leak prints its place and writes nothing."""
    from generator.compile.leakguard import build_guard
    from generator.config import load_config
    from generator.spec import load_spec
    from generator.watch import WatchSession

    project = make_project(tmp_path / "p", repo=False)
    spec_dir = project / "specs" / "inkwell"
    buf = io.StringIO()
    session = WatchSession(load_config(project), out=buf)
    session.start()
    out = project / "handoffs" / "inkwell"
    good = _tree(out)
    title = next(n for n in build_guard(load_spec(spec_dir)).needles if n.kind == "title")
    d8 = spec_dir / "D8_TASKS.md"
    clean = d8.read_text(encoding="utf-8")
    d8.write_text(clean.replace("- Unit tests: 8+ in `tests/test_foundation.py`.\n",
                                f"- Unit tests: 8+ in `tests/test_foundation.py`.\n- {title.text}\n", 1), encoding="utf-8")
    assert d8.read_text(encoding="utf-8") != clean
    assert session.on_change({d8}, 0.0) == 1
    last = buf.getvalue().splitlines()
    assert any("→ failed, outputs kept" in line for line in last)
    assert any(f"holdout title from {title.source}" in line for line in last)
    assert _tree(out) == good
    d8.write_text(clean, encoding="utf-8")
    assert session.on_change({d8}, 0.0) == 1
    assert buf.getvalue().splitlines()[-1].startswith("rebuilt inkwell: D8_TASKS.md changed")
    assert _tree(out) == good


@pytest.mark.parametrize("prefix,line", [(b"", 3), ("caf\u00e9 \u2014 ".encode(), 3), (b"\r", 4)])
def test_leak_lines_are_the_same_on_the_fast_and_the_slow_scan(prefix, line):
    """ASCII files are scanned as bytes, others as text: both number lines as str.splitlines does."""
    g = Guard([Needle("sentence", tuple(words("the ledger rejects a stale tip")), "D9:4", "x")])
    body = b"ok\n" + prefix + b"line two\n- **The ledger** rejects a `stale` tip \xe2\x80\x94 always\n"
    leaks = g.scan({"a.md": body})
    assert [x.line for x in leaks] == [line]


def test_write_tree_known_stats_do_not_hide_a_hand_edit(tmp_path):
    from generator.output import write_tree

    known: dict = {}
    out = tmp_path / "out"
    write_tree(out, {"a.md": b"one\n"}, known=known)
    assert write_tree(out, {"a.md": b"one\n"}, known=known).written == ()
    (out / "a.md").write_bytes(b"two\n")  # same size, new mtime
    assert write_tree(out, {"a.md": b"one\n"}, known=known).written == ("a.md",)
    assert (out / "a.md").read_bytes() == b"one\n"


@pytest.mark.parametrize("remove", [None, "D10_AGENT_CONTEXT.md", "D5_RESEARCH.md"])
def test_the_fingerprint_from_parsed_documents_is_the_one_read_from_disk(tmp_path, remove):
    import shutil

    from generator.build import input_fingerprint, parsed_digests
    from generator.compile import CompileOptions
    from generator.spec import load_spec

    d = tmp_path / "spec"
    shutil.copytree(Path(__file__).resolve().parent.parent / "specs" / "inkwell", d)
    if remove:
        (d / remove).unlink()
    opts = CompileOptions(source_label="spec")
    assert input_fingerprint(d, opts, parsed_digests(load_spec(d))) == input_fingerprint(d, opts)


def test_a_document_edited_during_a_cold_build_is_not_vouched_for(tmp_path, monkeypatch):
    import generator.build

    project = make_project(tmp_path / "p", repo=False)
    d2 = project / "specs" / "inkwell" / "D2_SPECIFICATION.md"
    real = generator.build.load_checked

    def edit_after_parsing(*a, **k):
        got = real(*a, **k)
        d2.write_text(d2.read_text() + "\n", encoding="utf-8")
        return got

    with monkeypatch.context() as m:
        m.setattr(generator.build, "load_checked", edit_after_parsing)
        _build(project)
    with monkeypatch.context() as m:
        _no_parse(m)
        with pytest.raises(AssertionError, match="parsed"):
            _build(project)
