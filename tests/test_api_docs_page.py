"""The human API docs page at /api: endpoints, filters, paging, tokens, licence, examples."""

from __future__ import annotations

import html5lib

from app.api.openapi import api_rules


def test_docs_page_describes_every_operation_and_its_parameters(app, client):
    page = client.get("/api")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    html5lib.HTMLParser(strict=True).parse(text)
    for rule in api_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = rule.rule.replace("<int:initiative_id>", "{initiative_id}")
            path = path.replace("<slug>", "{slug}")
            assert f"{method} {path}" in text, f"{method} {path}"
    for parameter in ("radius_km", "verified", "cursor", "limit"):
        assert f"<code>{parameter}</code>" in text
    assert "Authorization: Bearer" in text
    assert "curl" in text and "CC BY 4.0" in text
    assert 'rel="license"' in text


def test_footer_links_the_docs_page(client):
    assert 'href="/api"' in client.get("/").get_data(as_text=True)


def test_docs_page_explains_the_envelope_and_the_deprecated_keys(client):
    text = client.get("/api").get_data(as_text=True)
    assert "<code>/api/v1/themes</code> answer everything in one page" in text
    assert 'id="api-deprecated"' in text
    for old_key in ("clusters", "neighbourhoods", "themes"):
        assert f"<code>{old_key}</code>" in text
