"""The import page's forms: the file to check, and the confirmation that imports it."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired

from app.forms import Form, select_choices
from app.i18n import lazy_text as _l
from app.submissions.fields import RadiosField

IMPORT_STATE_CHOICES = {
    "pending": _l("Pending: moderators review each new initiative before it is public"),
    "published": _l("Published: new initiatives are public at once"),
}


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose the CSV file to check.")),
            FileAllowed(["csv"], _l("Choose a .csv file (save the spreadsheet as CSV UTF-8).")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    state = RadiosField(
        _l("New initiatives are"),
        choices=select_choices(IMPORT_STATE_CHOICES),
        default="pending",
        message=_l("Choose pending or published."),
    )


class ConfirmImportForm(Form):
    """Nothing to fill in: the check's page names the file (its CSRF token is the page's)."""
