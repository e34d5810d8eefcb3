"""Markdown that people write, rendered to HTML that is safe to show.

markdown-it-py renders (raw HTML in the input is escaped, not passed through; an image becomes
its alt text), then nh3 (the ammonia sanitiser) keeps only harmless tags and absolute http,
https and mailto links. A link to anything else keeps its text and loses its address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"
# Written out in full: browsers read "https:host" on an https page, and "//host", as relative.
ABSOLUTE_LINK = re.compile(r"(?:https?://[^/\\\s]|mailto:\S)", re.IGNORECASE)


def _image_as_alt_text(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """Pictures are not shown (they would load from anywhere); their description is."""
    token = tokens[index]
    return escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    parser.add_render_rule("image", _image_as_alt_text)
    return parser


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an href stays only when it is an absolute allowed link."""
    if attribute == "href" and not ABSOLUTE_LINK.match(value):
        return None
    return value


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML; headings are shifted so pages keep their outline."""
    if not text:
        return Markup("")
    html = _parser().render(text)
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_absolute_links,
        url_schemes=URL_SCHEMES,
        url_relative="deny",
        link_rel=LINK_REL,
    )
    return Markup(cleaned)  # safe: sanitised by nh3 just above
