"""Jinja2 templates for the prose outputs: defaults plus an optional overlay.

A file in the project's templates directory replaces the default of the same
name. Undefined values render as nothing, so a custom template that leaves
a value out still works. Environments are cached per overlay directory.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from generator.errors import FactoryError

HANDOFF = "handoff.md.j2"
PROMPT = "prompt.md.j2"
ANSWERS = "answers.md.j2"

_SLUG_RE = re.compile(r"[^a-z0-9]+")


class TemplateError(FactoryError):
    """A template could not be loaded or rendered (exit 1)."""


def default_dir() -> Path:
    """The shipped defaults, inside the package (the top-level templates/ links here)."""
    return Path(__file__).resolve().parent.parent / "templates"


def slug(text: str) -> str:
    """Runs of anything but a-z and 0-9 in the lower-cased text as one "_", none at the ends.

    An ASCII text (the usual one) has every such byte made a space and is
    split and joined with "_" in C rather than by the pattern.
    """
    low = text.lower()
    if low.isascii():
        return "_".join(low.encode("ascii").translate(_SLUG_BYTES).decode("ascii").split())
    return _SLUG_RE.sub("_", low).strip("_")


_SLUG_BYTES = bytes(c if 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39 else 0x20 for c in range(256))


def places(sources) -> str:
    """`doc:line` places grouped by document: "D1_CONSTITUTION.md:12, 22; D10_AGENT_CONTEXT.md:64"."""
    if sources.__class__ is not tuple:  # the usual case is a tuple: section sources, shared by many tasks
        sources = tuple(sources)
    if len(sources) == 1:  # often a single place: it stands as it is, or its document alone
        s = str(sources[0])
        doc, _, line = s.partition(":")
        return s if line else doc
    return _places(sources)


@lru_cache(maxsize=4096)
def _places(sources: tuple) -> str:
    if len(sources) == 1:
        s = str(sources[0])
        doc, _, line = s.partition(":")
        return s if line else doc
    groups: dict[str, list[str]] = {}
    for s in sources:
        doc, _, line = str(s).partition(":")
        lines = groups.get(doc)
        if lines is None:
            lines = groups[doc] = []
        if line:
            lines.append(line)
    return "; ".join([f"{d}:{', '.join(ls)}" if ls else d for d, ls in groups.items()])


def with_blocks(items: dict, names: tuple[str, ...]) -> dict:
    """Add `<name>_text` for each list of lines: the lines as one block, each ending
    in a newline, so the default templates print a list with one expression
    (`{{ items["articles_text"] }}{##}`, the comment taking the line's own newline)
    rather than a loop of two outputs per line. The lists stay for overlays."""
    for name in names:
        items[f"{name}_text"] = block(items[name])
    return items


def block(lines) -> str:
    """Lines as one block, each ending in a newline ("" for none)."""
    return "\n".join(lines) + "\n" if lines else ""


def test_name(ident: str, title: str) -> str:
    name = slug(f"{ident} {title}")[:60].rstrip("_")
    return f"test_{name}"


@lru_cache(maxsize=8)
def environment(overlay: str = ""):
    """One cached Environment per overlay directory ("" for none)."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if overlay:
        loaders.append(jinja2.FileSystemLoader(overlay))
    loaders.append(jinja2.FileSystemLoader(str(default_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        auto_reload=False,  # no stat per render; watch clears this cache when templates change
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["slug"] = slug
    env.filters["places"] = places
    env.globals["test_name"] = test_name
    return env


@lru_cache(maxsize=64)
def _loaded(env, name: str) -> tuple:
    """(template, its globals as a plain dict, a maker of its render context) for
    `env.get_template(name)`.

    With auto_reload off an environment gives the same template every time,
    so it is looked up once here rather than through its cache per render.
    `Template.render` merges the globals from a ChainMap on every call, which
    costs more than the short templates' own work; the dict is the same mapping.
    `Template.new_context` is `new_context` with the template's own arguments
    and that ChainMap, which the context only lists the keys of: given the
    dict, it lists the same keys without walking the chain.
    """
    from functools import partial

    from jinja2.runtime import new_context

    template = env.get_template(name)
    return template, dict(template.globals), partial(new_context, template.environment, template.name, template.blocks)


def is_default(overlay: str, name: str) -> bool:
    """Whether template `name` as loaded for `overlay` is the text `prose` prints (the
    shipped default, or an overlay's copy of it), so `prose` may stand in for it."""
    return _is_default(environment(overlay), name)


@lru_cache(maxsize=64)
def _is_default(env, name: str) -> bool:
    import hashlib

    from generator.compile.prose import WRITTEN_FOR

    try:
        source = env.loader.get_source(env, name)[0]
    except Exception:  # not found or unreadable: `render` reports it
        return False
    return hashlib.sha256(source.encode("utf-8")).hexdigest() == WRITTEN_FOR.get(name)


def normalise(text: str) -> str:
    """LF, no trailing spaces, at most one blank line in a row, one final newline."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    stripped = list(map(str.rstrip, lines))
    if stripped != lines:  # rstrip gives back the very line when there is nothing to strip: a cheap compare
        text = "\n".join(stripped)
    while "\n\n\n" in text:  # str.replace, unlike a regex, skips ahead in C: runs of 3+ end as 2
        text = text.replace("\n\n\n", "\n\n")
    if text[-1:] == "\n" and text[-2:] != "\n\n" and text[:1] != "\n":
        return text  # already one final newline and none leading: spare copying the whole text
    return text.strip("\n") + "\n"


def preload(overlay: str = "") -> None:
    """Load and compile the three templates now, before work is shared among forked processes
    (each would otherwise compile them again). A broken template is left for `render` to report."""
    for name in (HANDOFF, PROMPT, ANSWERS):
        try:
            is_default(overlay, name)
            _loaded(environment(overlay), name)
        except Exception:
            pass


def render(name: str, overlay: str = "", **context) -> bytes:
    """Render one template to normalised UTF-8 bytes; errors name the template and line."""
    import jinja2

    try:
        template, globals_, new_context = _loaded(environment(overlay), name)
        ctx = new_context({**globals_, **context}, True, globals_)  # shared: the dict is the context's own
        return normalise(template.environment.concat(template.root_render_func(ctx))).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name}") from None
    except Exception as exc:  # a runtime error inside template code
        raise TemplateError(f"{name}: cannot render: {exc}") from None
