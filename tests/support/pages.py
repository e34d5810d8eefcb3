"""Pages compared for what they reveal, not for what differs from one request to the next."""

from __future__ import annotations

import re

# A form's CSRF token is signed with the second it was made in, so two requests that straddle
# a second get different tokens; the token reveals nothing about an account.
CSRF_TOKEN = re.compile(rb'(name="csrf_token"[^>]*value=")[^"]*(")')


def without_csrf_token(body: bytes) -> bytes:
    """The page with every CSRF token's value blanked."""
    return CSRF_TOKEN.sub(rb"\1\2", body)


def page_without(response, *texts: str) -> bytes:
    """The response's page with each of texts (such as the address typed) and the CSRF token
    blanked, ready to compare with another answer."""
    body = response.data
    for text in texts:
        body = body.replace(text.encode(), b"X")
    return without_csrf_token(body)
