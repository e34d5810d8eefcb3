"""Embeds in a real browser, on a stand-in blog served from another origin (a second loopback
port): two /embed.js script snippets and one iframe snippet show their examples and fit their
content without a scrollbar; user text never runs; the "Embed / subscribe" panel works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.support.blog import BlogServer
from tests.test_clusters import create_cluster

PAYLOAD = '<img src=x onerror=alert(1)><script>alert("x")</script>'
FIT_TOLERANCE_PX = 3


@pytest.fixture
def examples(app, make_initiative, make_neighbourhood):
    """A hand-picked cluster of two, and three health initiatives, all with hostile text."""
    where = make_neighbourhood(name=f"Kirkstall {PAYLOAD}", slug="kirkstall")
    watch = make_initiative(title=f"Street watch {PAYLOAD}", neighbourhood_id=where)
    walk = make_initiative(title="Walking group", neighbourhood_id=where)
    create_cluster(
        app,
        [watch, walk],
        notes={watch: f"Note {PAYLOAD}", walk: "Every Tuesday.\nAll welcome."},
        slug="safer-streets",
        title=f"Safer streets {PAYLOAD}",
        introduction=f"Intro {PAYLOAD} [x](javascript:alert(1))",
    )
    for number in range(3):
        make_initiative(
            title=f"Health walk {number} {PAYLOAD}",
            themes=["health"],
            neighbourhood_id=where,
            latitude=53.82 + number / 100,
            longitude=-1.6,
        )


def blog_page(site: str) -> str:
    """A blog post whose own CSS is hostile to anything it contains."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A local blog</title>
<style>* {{ font-size: 30px !important; color: #c00 !important; }} body {{ margin: 2rem; }}
article {{ max-width: 44rem; }}</style></head>
<body><article>
<h1>Neighbourhood co-production near us</h1>
<p>A tidy little cluster of examples:</p>
<script src="{site}/embed.js" data-cluster="safer-streets" async></script>
<p>And the newest health initiatives:</p>
<script src="{site}/embed.js" data-filter="theme=health" data-layout="cards"
  data-scheme="dark" async></script>
<p>And on a map:</p>
<iframe id="snippet" src="{site}/embed/initiatives?theme=health&amp;layout=map&amp;limit=2"
  title="Health on a map" width="100%" height="150" style="border:0" loading="lazy"></iframe>
<p>The end.</p>
</article></body></html>"""


@pytest.fixture
def csp_violations(page) -> list[str]:
    """Content security policy complaints in the console (of the page or any frame in it)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def frame_of(page: Page, selector: str) -> Frame:
    handle = page.locator(selector).element_handle()
    frame = handle.content_frame()
    assert frame is not None, selector
    return frame


def example_titles(frame: Frame) -> list[str]:
    frame.wait_for_selector(".embed-example__title")
    return frame.locator(".embed-example__title").all_inner_texts()


def wait_until_fitted(page: Page, selector: str) -> None:
    """The iframe's height equals its content's, and the content has no scrollbar.

    Chromium pauses rendering (and so ResizeObserver) in cross-origin frames out of view, as
    it should: a frame catches up when it is scrolled into view.
    """
    page.locator(selector).scroll_into_view_if_needed()
    frame = frame_of(page, selector)
    for _attempt in range(50):
        outer = page.locator(selector).evaluate("frame => frame.getBoundingClientRect().height")
        inner = frame.evaluate(
            """() => ({
                content: document.getElementById("embed").getBoundingClientRect().height,
                scroll: document.documentElement.scrollHeight,
                client: document.documentElement.clientHeight,
            })"""
        )
        fitted = abs(outer - inner["content"]) <= FIT_TOLERANCE_PX
        if fitted and inner["scroll"] <= inner["client"] and outer > 150:
            return
        page.wait_for_timeout(100)
    pytest.fail(f"{selector} did not fit its content: frame {outer}px, content {inner}")


def test_snippets_on_another_site_show_their_examples_and_fit_them(
    page, live_server, examples, no_tiles, csp_violations
):
    with BlogServer({"/": blog_page(live_server)}) as blog:
        assert blog.url != live_server
        page.goto(blog.url + "/")
        expect(page.locator("iframe")).to_have_count(3)
        cluster, cards = "iframe.coproduce-embed >> nth=0", "iframe.coproduce-embed >> nth=1"

        # Each script was replaced in place by its iframe, full width and borderless.
        followers = page.evaluate(
            """() => Array.from(document.querySelectorAll('script[src$="/embed.js"]'))
                .map(script => script.nextElementSibling.tagName)"""
        )
        assert followers == ["IFRAME", "IFRAME"]
        article_width = page.locator("article").evaluate("a => a.clientWidth")
        for selector in (cluster, cards, "#snippet"):
            box = page.locator(selector).bounding_box()
            assert abs(box["width"] - article_width) <= 1, selector

        assert example_titles(frame_of(page, cluster)) == [
            f"Street watch {PAYLOAD}",
            "Walking group",
        ]
        assert sorted(example_titles(frame_of(page, cards))) == [
            f"Health walk {number} {PAYLOAD}" for number in range(3)
        ]
        page.locator("#snippet").scroll_into_view_if_needed()
        assert len(example_titles(frame_of(page, "#snippet"))) == 2

        for selector in (cluster, cards, "#snippet"):
            wait_until_fitted(page, selector)
        expect(page.locator(cluster)).to_have_attribute(
            "title", f"Safer streets {PAYLOAD} · Coproduce"
        )
        dark = frame_of(page, cards).evaluate("() => document.documentElement.className")
        assert dark == "embed-scheme-dark"

        # Links open our site in a new tab; the blog's CSS does not reach inside.
        link = frame_of(page, cluster).locator(".embed-example__title a").first
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("href").startswith(live_server + "/initiatives/")
        size = link.evaluate("a => getComputedStyle(a).fontSize")
        assert size != "30px"

        # A narrower column reflows the examples: the frames follow.
        page.set_viewport_size({"width": 420, "height": 800})
        for selector in (cluster, cards, "#snippet"):
            wait_until_fitted(page, selector)

        # Messages from anywhere but the frame itself are ignored.
        before = page.locator(cluster).evaluate("f => f.style.height")
        page.evaluate(
            """() => window.postMessage(
                {type: "coproduce:height", id: "coproduce-embed-1", height: 7}, "*")"""
        )
        page.wait_for_timeout(200)
        assert page.locator(cluster).evaluate("f => f.style.height") == before

        # The map's popups are text, never HTML.
        map_frame = frame_of(page, "#snippet")
        map_frame.wait_for_selector(".embed-marker")
        map_frame.locator(".embed-marker").first.click()
        popup = map_frame.locator(".embed-popup__title a")
        expect(popup).to_contain_text(PAYLOAD)
        assert map_frame.locator(".leaflet-popup img").count() == 0
    assert csp_violations == []


def test_embed_panel_updates_the_preview_and_copies_a_snippet(
    page, live_server, examples, csp_violations
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto("/initiatives?theme=health")
    page.locator("#embed-panel summary").click()
    preview = page.locator("#embed-preview")
    expect(preview).to_have_attribute("src", f"{live_server}/embed/initiatives?theme=health")
    page.get_by_label("Cards").check()
    page.get_by_label("Dark").check()
    page.get_by_label("Number of examples (1 to 50)").fill("2")
    expected = f"{live_server}/embed/initiatives?theme=health&layout=cards&limit=2&scheme=dark"
    expect(preview).to_have_attribute("src", expected)
    # Changed options load at once, even scrolled out of view (a lazy frame waits to be seen,
    # and the iframe snippet would keep the old preview's height meanwhile).
    expect(preview).to_have_js_property("loading", "eager")
    script = page.locator("#embed-script-snippet")
    expect(script).to_have_value(
        f'<script src="{live_server}/embed.js" data-filter="theme=health" '
        'data-layout="cards" data-limit="2" data-scheme="dark" async></script>'
    )
    # The preview navigates to its new address: wait for the new document, not the old one.
    expect(page.frame_locator("#embed-preview").locator(".embed-example__title")).to_have_count(2)
    frame = frame_of(page, "#embed-preview")
    snippet = page.locator("#embed-iframe-snippet")
    for _attempt in range(50):
        height = preview.evaluate("f => f.getBoundingClientRect().height")
        content = frame.evaluate('() => document.getElementById("embed").offsetHeight')
        iframe_snippet = snippet.input_value()
        sized = f'height="{round(content)}"' in iframe_snippet or (
            f'height="{int(height)}"' in iframe_snippet
        )
        if abs(height - content) <= FIT_TOLERANCE_PX and sized:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"the preview did not fit: {height} vs {content}; {iframe_snippet}")
    page.get_by_role("button", name="Copy the script").click()
    expect(page.get_by_role("status").filter(has_text="copied")).to_have_text(
        "Script snippet copied."
    )
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == script.input_value()
    assert csp_violations == []


# Embeds that fit without our script (oEmbed's html, a plain iframe snippet), on a blog on
# another origin, at a phone's width and a column's.

FIT_WIDTHS = (375, 720)
OEMBED_PAGES = ("/clusters/safer-streets-made-together", "/clusters/health-with-residents")


def plain_blog_page(frames: list[str], site: str, with_loader: bool = False) -> str:
    """A blog post holding the given iframe snippets as pasted, full width on a phone."""
    loader = f'<script src="{site}/embed.js" async></script>' if with_loader else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A local blog</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 0; }} article {{ max-width: 44rem; }}</style></head>
<body><article><h1>Co-production near us</h1>{"".join(frames)}{loader}</article></body></html>"""


def what_the_frame_hides(frame: Frame) -> dict:
    """How much of the frame's content is out of view, and whether "See all" is in view."""
    return frame.evaluate(
        """() => {
            const more = document.querySelector(".embed__more");
            const box = more && !more.hidden ? more.getBoundingClientRect() : null;
            return {
                hidden: document.documentElement.scrollHeight - window.innerHeight,
                link: box !== null && box.top >= 0 && box.bottom <= window.innerHeight + 1,
                text: more && !more.hidden ? more.textContent.trim() : "",
                href: more ? more.querySelector("a").href : "",
                shown: document.querySelectorAll(".embed-example").length,
            };
        }"""
    )


def nothing_hidden_without_the_link(page: Page, selector: str) -> dict:
    """Wait until the frame has settled; then all of it is in view or "See all" is."""
    page.locator(selector).scroll_into_view_if_needed()
    frame = frame_of(page, selector)
    frame.wait_for_selector(".embed-example")
    for _attempt in range(30):
        seen = what_the_frame_hides(frame)
        if seen["hidden"] <= 1 or seen["link"]:
            return seen
        page.wait_for_timeout(100)
    pytest.fail(f"{selector} hides {seen['hidden']}px with no 'See all' link in view: {seen}")


@pytest.mark.parametrize("width", FIT_WIDTHS)
def test_oembed_and_iframe_snippets_hide_nothing_without_a_see_all_link(
    browser, live_server, demo, width
):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    messages: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: messages.append(message.text))
        answers = []
        for path in OEMBED_PAGES:
            for maxwidth in (width, None):  # told the column's width, or not told at all
                query = {"url": live_server + path, "format": "json"}
                if maxwidth:
                    query["maxwidth"] = str(maxwidth)
                response = page.request.get(f"{live_server}/oembed", params=query)
                assert response.ok, response.text()
                answers.append((path, maxwidth, response.json()))
        frames = [
            f'<div class="o" id="o{n}">{a["html"]}</div>' for n, (*_, a) in enumerate(answers)
        ]
        frames.append(
            f'<iframe id="plain" src="{live_server}/embed/initiatives" title="All"'
            ' width="100%" height="600" style="border:0"></iframe>'
        )
        with BlogServer({"/": plain_blog_page(frames, live_server)}) as blog:
            page.goto(blog.url + "/")
            for number, (path, maxwidth, answer) in enumerate(answers):
                assert answer["height"] <= 600 and answer["width"] <= (maxwidth or 600)
                seen = nothing_hidden_without_the_link(page, f"#o{number} iframe")
                if maxwidth:  # declared for this very width: its examples fit, none cut off
                    assert seen["hidden"] <= 1, (path, width, seen)
                if seen["text"]:
                    assert re.fullmatch(r"See all \d+ examples", seen["text"]), seen
                    assert seen["href"] == live_server + path
            seen = nothing_hidden_without_the_link(page, "#plain")
            # All 10 newest of the demo's published initiatives: the list is cut, and says so.
            assert seen["link"] and seen["text"] == f"See all {demo} examples", seen
    finally:
        context.close()
    assert [text for text in messages if "postMessage" in text] == []


def test_embed_script_posts_nothing_to_frames_that_have_not_loaded(browser, live_server, demo):
    """An iframe snippet pasted before /embed.js: the loader asks it for its height only once
    it has loaded, so the browser never warns of a message to the wrong origin."""
    context = browser.new_context(viewport={"width": 720, "height": 800}, locale="en-GB")
    messages: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: messages.append(message.text))
        frame = (
            f'<iframe id="plain" src="{live_server}/embed/clusters/safer-streets-made-together"'
            ' title="Safer streets" width="100%" height="150" style="border:0"></iframe>'
        )
        with BlogServer({"/": plain_blog_page([frame], live_server, with_loader=True)}) as blog:
            page.goto(blog.url + "/")
            wait_until_fitted(page, "#plain")
            page.reload()  # the loader again, with the frame perhaps loaded first this time
            wait_until_fitted(page, "#plain")
    finally:
        context.close()
    assert [text for text in messages if "postMessage" in text] == [], messages
