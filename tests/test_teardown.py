"""One-shot commands leave their big objects to the process exit; nothing else does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import weakref

from conftest import EXAMPLE_SPEC


class _Thing:
    pass


def test_retain_keeps_nothing_unless_the_process_asked():
    from generator import teardown

    assert not teardown.retaining()  # no test turns it on in this process
    obj = _Thing()
    ref = weakref.ref(obj)
    teardown.retain(obj)
    del obj
    assert ref() is None


def test_keep_until_exit_holds_what_is_retained_and_stops_the_collector(factory_env):
    script = textwrap.dedent("""
        import gc, weakref
        from generator import teardown
        class Thing: pass
        gc.enable()
        teardown.keep_until_exit()
        obj = Thing(); ref = weakref.ref(obj)
        teardown.retain(obj)
        del obj
        print(ref() is not None, gc.isenabled(), teardown.retaining())
    """)
    r = subprocess.run([sys.executable, "-c", script], env=factory_env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["True", "False", "True"]


def _project(tmp_path, name):
    root = tmp_path / name
    root.mkdir()
    shutil.copytree(EXAMPLE_SPEC, root / "spec")
    (root / "factory.toml").write_text('[project]\nspecs = ["spec"]\nhandoffs = "handoffs"\n', encoding="utf-8")
    return root


def test_build_through_the_entry_point_retains_the_spec_and_writes_the_same_tree(tmp_path, factory_env):
    """The real `factory build` process parks the spec and guard instead of freeing
    them, and writes exactly what an ordinary in-process build writes."""
    from generator.build import build_project
    from generator.config import load_config
    from generator import teardown

    one_shot = _project(tmp_path, "entry")
    script = textwrap.dedent("""
        import os, sys
        from generator import cli, teardown
        real_exit = os._exit
        def report(code):
            kinds = sorted({type(o).__name__ for o in teardown._kept})
            print("KEPT", " ".join(kinds))
            sys.stdout.flush()
            real_exit(code)
        os._exit = report
        sys.argv = ["factory", "build"]
        cli.entry()
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=one_shot, env=factory_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    kept = r.stdout.split("KEPT", 1)[1].split()
    assert "ProductSpec" in kept and "dict" in kept

    ordinary = _project(tmp_path, "ordinary")
    build_project(load_config(path=ordinary / "factory.toml"))
    assert not teardown.retaining()

    def tree(root):
        base = root / "handoffs"
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    ours, theirs = tree(one_shot), tree(ordinary)
    assert ours and ours == theirs
