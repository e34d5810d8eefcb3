"""Photos in a real browser: a resident uploads one in place with its alt text, sees it
"processing", the worker processes it, a moderator approves, and the photo shows on the page,
in an embed on another site and in the oEmbed answer."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.support import photos as files
from tests.support.blog import BlogServer

ALT = "Volunteers planting cherry trees along Abbey Road"


def log_in(page: Page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Log out")


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Account").get_by_role("button", name="Log out").click()


def loaded(image) -> bool:
    """Whether the picture arrived (brought into view first: it may be lazy)."""
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    return image.evaluate("img => img.naturalWidth > 0")


def test_upload_review_and_show_a_photo_everywhere(
    page, live_server, make_user, make_initiative, paused_queue, no_tiles, console
):
    resident, moderator = make_user(), make_user(role="moderator")
    initiative_id = make_initiative(
        state="draft", submitter_id=resident.id, title="Abbey Road cherry trees"
    )
    log_in(page, resident)
    page.goto(f"/initiatives/{initiative_id}/edit")

    # With JavaScript the uploader opens in place; the no-script step is hidden.
    uploader = page.locator("[data-photo-uploader]")
    expect(uploader).to_be_visible()
    expect(page.get_by_role("button", name="Add a photo", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Upload this photo").click()  # nothing chosen yet
    expect(uploader.locator("[data-error-for=alt]")).to_be_visible()
    page.locator("#new-photo-file").set_input_files(
        files=[{"name": "trees.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg_with_gps()}]
    )
    page.locator("#new-photo-alt").fill(ALT)
    page.locator("#new-photo-caption").fill("Planting day")
    page.locator("#new-photo-consent").check()
    page.get_by_role("button", name="Upload this photo").click()
    row = page.locator("[data-photo-row]").first
    expect(row).to_contain_text("Processing")
    expect(row.get_by_label("Alt text (a description of the photo)")).to_have_value(ALT)

    assert paused_queue.run() >= 1  # the worker's turn
    page.goto(f"/initiatives/{initiative_id}/edit")
    preview = page.locator("[data-photo-row] img").first
    expect(preview).to_have_attribute("alt", ALT)
    assert loaded(preview)
    page.get_by_role("group", name="Participant 1").get_by_label("Sector").select_option(
        label="Residents"
    )
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash--success")).to_contain_text("waiting for a moderator")
    log_out(page)

    log_in(page, moderator)
    page.goto(f"/moderation/initiatives/{initiative_id}")
    expect(page.get_by_role("heading", name="Photos")).to_be_visible()
    assert loaded(page.get_by_role("img", name=ALT))
    page.get_by_role("button", name="Approve").first.click()
    paused_queue.run()  # the public copies
    log_out(page)

    page.goto(f"/initiatives/{initiative_id}")
    picture = page.locator(".gallery").get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    assert loaded(picture)
    link = page.get_by_role("link", name=f"{ALT} (open the full-size photo)")
    link.focus()  # the keyboard reaches it; it leads to the full size
    expect(link).to_be_focused()
    assert "/media/" in link.get_attribute("href") and link.get_attribute("href").endswith(
        "-1280.jpg"
    )

    blog = '<!doctype html><html lang="en"><head><title>Blog</title></head><body>'
    blog += f'<iframe id="embed" src="{live_server}/embed/initiatives?layout=cards" '
    blog += 'title="Examples" width="600" height="600"></iframe></body></html>'
    with BlogServer({"/": blog}) as other_site:
        page.goto(other_site.url + "/")
        frame = page.frame_locator("#embed")
        thumbnail = frame.get_by_role("img", name=ALT)
        expect(thumbnail).to_have_attribute("loading", "lazy")
        assert loaded(thumbnail)  # the picture came, across origins

    url = quote(f"{live_server}/initiatives/{initiative_id}", safe="")
    answer = page.request.get(f"{live_server}/oembed?url={url}&format=json").json()
    assert answer["thumbnail_url"].startswith(live_server + "/media/")
    image = page.request.get(answer["thumbnail_url"])
    assert image.status == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert answer["thumbnail_width"] == 1280
