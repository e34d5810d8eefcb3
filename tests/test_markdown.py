"""Markdown people write becomes safe HTML: harmless tags, absolute http, https, mailto links."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.markdown import render_markdown

LINK_REL = "nofollow noopener ugc"


class Elements(HTMLParser):
    """Every start tag of a fragment with its attributes, and its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data

    def hrefs(self) -> list[str | None]:
        return [attrs.get("href") for tag, attrs in self.tags if tag == "a"]


# (what someone wrote, the text a reader must still see)
LINKS_WITHOUT_ADDRESS = [
    ("[home](//evil.example/steal)", "home"),
    ("[delete](/account/delete)", "delete"),
    ("[page](initiatives/1)", "page"),
    ("[up](../admin)", "up"),
    ("[here](#top)", "here"),
    ("[query](?q=1)", "query"),
    ("[backslashes](\\\\evil.example)", "backslashes"),
    ("[no slashes](https:evil.example)", "no slashes"),
    ("[slash and backslash](https:\\\\evil.example)", "slash and backslash"),
    ("[ftp](ftp://files.example/x)", "ftp"),
    ("[tel](tel:+441130000000)", "tel"),
    ("[ref]\n\n[ref]: //evil.example", "ref"),
]

# (what someone wrote, text that must not become a link's address)
SCRIPT_LINKS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[click][x]\n\n[x]: javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
]

RAW_HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<b onclick=alert(1)>bold</b>",
    '<a href="https://ok.example" onmouseover="alert(1)">hover</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{display:none}</style>",
    "<form action=https://evil.example><input name=x></form>",
]


@pytest.mark.parametrize(("markdown", "text"), LINKS_WITHOUT_ADDRESS)
def test_links_that_are_not_absolute_http_https_or_mailto_keep_only_their_text(markdown, text):
    page = Elements(str(render_markdown(markdown)))
    assert page.hrefs() == [None]
    assert text in page.text


@pytest.mark.parametrize("markdown", SCRIPT_LINKS)
def test_script_and_data_links_never_become_an_address(markdown):
    html = str(render_markdown(markdown))
    page = Elements(html)
    assert all(href is None for href in page.hrefs()), html
    values = [value or "" for _, attrs in page.tags for value in attrs.values()]
    assert not [value for value in values if "script" in value.lower() or "data:" in value]


@pytest.mark.parametrize("markdown", RAW_HTML)
def test_raw_html_is_shown_as_text_never_as_markup(markdown):
    html = str(render_markdown(markdown))
    page = Elements(html)
    assert {tag for tag, _ in page.tags} <= {"p"}, html
    assert all(not attrs for _, attrs in page.tags), html
    assert markdown in page.text  # what was typed is still there to read


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[site](https://example.org/path?a=1&b=2)", "https://example.org/path?a=1&b=2"),
        ("[site](http://example.org)", "http://example.org"),
        ("[site](HTTPS://EXAMPLE.ORG)", "HTTPS://EXAMPLE.ORG"),
        ("[write](mailto:group@example.org)", "mailto:group@example.org"),
        ("<https://example.org/autolink>", "https://example.org/autolink"),
        ("<group@example.org>", "mailto:group@example.org"),
    ],
)
def test_absolute_http_https_and_mailto_links_are_kept_with_a_safe_rel(markdown, href):
    page = Elements(str(render_markdown(markdown)))
    [(tag, attrs)] = [element for element in page.tags if element[0] == "a"]
    assert attrs["href"] == href
    assert attrs["rel"] == LINK_REL


def test_an_image_shows_its_alt_text_and_loads_nothing():
    html = str(
        render_markdown('![Volunteers <b>planting</b> *bulbs*](https://evil.example/x.png "t")')
    )
    page = Elements(html)
    assert "img" not in {tag for tag, _ in page.tags}
    assert "evil.example" not in html
    assert "Volunteers <b>planting</b> bulbs" in page.text


def test_an_image_inside_a_link_becomes_the_link_text():
    page = Elements(str(render_markdown("[![Our garden](x.png)](https://example.org)")))
    assert page.hrefs() == ["https://example.org"]
    assert page.text.strip() == "Our garden"


def test_ordinary_markdown_keeps_its_structure():
    html = str(render_markdown("# Big heading\n\nSome **bold** and *soft*.\n\n- one\n- two\n"))
    assert "<h3>Big heading</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_empty_description_renders_nothing():
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""
