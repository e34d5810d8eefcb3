"""Which links an initiative may carry: the one rule that forms, imports, the API and every
page share.

Only http and https web addresses (with a host) and email addresses (shown as mailto:) are
links; anything else (javascript:, data:, a bare word) is not, and is never made clickable.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

WEB_SCHEMES = ("http", "https")
# Whitespace or control characters never belong in a link.
UNSAFE_IN_LINKS = re.compile(r"[\s\x00-\x1f\x7f]")
MAILTO = "mailto:"


def web_link(text: str | None) -> str | None:
    """An http or https address with a host, as typed (trimmed; "www.…" is read as
    https://www.…, as people type it); None when it is not one."""
    text = (text or "").strip()
    if not text or UNSAFE_IN_LINKS.search(text):
        return None
    if text.lower().startswith("www."):
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    return text


def contact_link(text: str | None) -> str | None:
    """A contact as a link: a website, or mailto:<address> for an email address (with or
    without mailto: typed); "www.…" is taken as https. None when it is neither."""
    text = (text or "").strip()
    if not text or UNSAFE_IN_LINKS.search(text):
        return None
    address = contact_text(text)
    if "@" in address and "/" not in address:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            return None
        return f"{MAILTO}{address}"
    return web_link(text)


def contact_anchor(contact: str | None) -> tuple[str, str] | None:
    """(href, text) to show a stored contact as a link, or None when it is not one."""
    link = contact_link(contact)
    return (link, contact_text(link)) if link else None


def contact_text(link: str) -> str:
    """What a person reads and edits for a contact link: the address without mailto:."""
    return link[len(MAILTO) :] if link.lower().startswith(MAILTO) else link
