"""Accounts end to end in a real browser: a person registering, logging in, resetting."""

from __future__ import annotations

import re

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

NEW_PASSWORD = "lantern orchard pebble tuesday"
BAD_CREDENTIALS = "That email address and password do not match an account."


def link_in_mail(outbox, live_server: str, subject: str, path: str) -> str:
    """The one link to ``path`` in the one mail with ``subject``; it points at the live server."""
    mails = [mail for mail in outbox() if mail["Subject"] == subject]
    assert len(mails) == 1, [mail["Subject"] for mail in outbox()]
    links = re.findall(r"https?://\S+", mails[0].get_content())
    matching = [link for link in links if link.startswith(f"{live_server}{path}")]
    assert len(matching) == 1, links
    return matching[0]


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_register_confirm_by_mail_and_log_in(page: Page, live_server, outbox):
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Password", exact=True).fill("analytical engine notes")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text("ada@example.org")).to_be_visible()

    link = link_in_mail(outbox, live_server, "Confirm your Coproduce account", "/confirm/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    page.get_by_role("button", name="Confirm my email address").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Your email address is confirmed.")
    expect(page.get_by_label("Email address")).to_have_value("ada@example.org")
    page.get_by_label("Password", exact=True).fill("analytical engine notes")
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    details = page.locator("dl.details")
    expect(details).to_contain_text("Ada Lovelace")
    expect(details).to_contain_text("ada@example.org")


def test_reset_forgotten_password_through_the_mail(page: Page, live_server, outbox, make_user):
    user = make_user(email="grace@example.org")
    page.goto("/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send me a reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    link = link_in_mail(outbox, live_server, "Reset your Coproduce password", "/reset-password/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()

    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")

    page.get_by_role("navigation", name="Account").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    page.goto("/login")
    log_in(page, user.email, user.password)
    expect(page.get_by_role("alert")).to_contain_text(BAD_CREDENTIALS)
    expect(page).to_have_url(f"{live_server}/login")

    log_in(page, user.email, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_account_page_offers_data_download_and_password_change(page: Page, make_user):
    user = make_user(email="mary@example.org")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, user.email, user.password)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    download = page.get_by_role("link", name="Download my data")
    expect(download).to_have_attribute("href", "/account/data.json")
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    expect(page.get_by_label("Current password")).to_be_visible()
    expect(page.get_by_label("New password")).to_be_visible()
    expect(page.get_by_role("button", name="Change password")).to_be_visible()


def test_keyboard_skip_link_moves_focus_to_main(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    outline = skip_link.evaluate(
        "element => { const style = getComputedStyle(element);"
        " return [style.outlineStyle, style.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert page.url.endswith("#main")


def test_form_errors_keep_typed_values(page: Page):
    page.goto("/register")
    page.get_by_label("Email address").fill("alan@example.org")
    page.get_by_label("Your name").fill("Alan Turing")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Use at least 8 characters.")).to_have_attribute(
        "href", "#password"
    )
    expect(page.get_by_label("Email address")).to_have_value("alan@example.org")
    expect(page.get_by_label("Your name")).to_have_value("Alan Turing")

    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("Use at least 8 characters."))
    # The message sits in the field's own group, right before the input.
    message = page.locator(".field", has=password).locator(".error-message")
    expect(message).to_have_text("Error: Use at least 8 characters.")
