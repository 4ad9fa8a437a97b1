"""Handoff and prompt markdown to HTML for the site, with markdown-it-py.

Raw HTML in the markdown is escaped, headings get anchors, ids the site knows
become links to their definitions, links to sibling handoff files point at
their pages, and anything that would load or link outside the site (remote
links, images) is kept as text, so a page never reaches the network and never
carries a dead link.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from generator.spec.ids import ID_RE

_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)  # generator notes, invisible in any markdown viewer
Resolver = Callable[[str], str]  # id or file name → href, "" when unknown


def slug(text: str) -> str:
    s = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_]+", "-", s) or "section"


def _heading_ids(state: StateCore) -> set[str]:
    """Give every heading a unique id; return the ids given."""
    given: set[str] = set()
    toks = state.tokens
    for i, tok in enumerate(toks):
        if tok.type == "heading_open" and i + 1 < len(toks):
            base = "h-" + slug(toks[i + 1].content)
            ident, n = base, 1
            while ident in given:
                ident, n = f"{base}-{n}", n + 1
            given.add(ident)
            tok.attrSet("id", ident)
    return given


def _link_ids(children: list[Token], resolve_id: Resolver) -> list[Token]:
    out: list[Token] = []
    depth = 0
    for tok in children:
        if tok.type == "link_open":
            depth += 1
        elif tok.type == "link_close":
            depth -= 1
        if tok.type != "text" or depth or not ID_RE.search(tok.content):
            out.append(tok)
            continue
        pos = 0
        for m in ID_RE.finditer(tok.content):
            href = resolve_id(m.group(0))
            if not href:
                continue
            if m.start() > pos:
                out.append(_text(tok.content[pos : m.start()]))
            a = Token("link_open", "a", 1)
            a.attrSet("href", href)
            a.attrSet("class", "id")
            out += [a, _text(m.group(0)), Token("link_close", "a", -1)]
            pos = m.end()
        if pos < len(tok.content):
            out.append(_text(tok.content[pos:]))
    return out


def _text(content: str) -> Token:
    t = Token("text", "", 0)
    t.content = content
    return t


def _fix_links(children: list[Token], anchors: set[str], resolve_file: Resolver) -> list[Token]:
    """Keep in-page and sibling-file links that resolve; unwrap the rest."""
    out: list[Token] = []
    kept: list[bool] = []  # per open link: kept as a link, or turned into a span
    for tok in children:
        if tok.type == "image":
            out.append(_text(tok.content or "[image]"))
        elif tok.type == "link_open":
            target = _local_target(str(tok.attrGet("href") or ""), anchors, resolve_file)
            kept.append(bool(target))
            if target:
                tok.attrSet("href", target)
                out.append(tok)
            else:
                out.append(Token("span_open", "span", 1))
        elif tok.type == "link_close":
            out.append(tok if (kept.pop() if kept else True) else Token("span_close", "span", -1))
        else:
            out.append(tok)
    return out


def _local_target(href: str, anchors: set[str], resolve_file: Resolver) -> str:
    if href.startswith("#"):
        return href if href[1:] in anchors else ""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("//"):
        return ""
    name = href.split("#", 1)[0].rsplit("/", 1)[-1]
    return resolve_file(name) if name else ""


def render(text: str, resolve_id: Resolver, resolve_file: Resolver) -> str:
    """HTML for a markdown document, links resolved through the callbacks."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def rule(state: StateCore) -> None:
        anchors = _heading_ids(state)
        for tok in state.tokens:
            if tok.type == "th_open":
                tok.attrSet("scope", "col")
            if tok.type == "inline" and tok.children is not None:
                tok.children = _link_ids(_fix_links(tok.children, anchors, resolve_file), resolve_id)

    md.core.ruler.push("site_links", rule)
    return md.render(_COMMENT.sub("", text))
