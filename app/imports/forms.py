"""The import page's forms: the file to check, and the confirmation that imports it."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField

from app.forms import Form, select_choices
from app.submissions.fields import RadiosField

IMPORT_STATE_CHOICES = {
    "pending": "Pending: moderators review each new initiative before it is public",
    "published": "Published: new initiatives are public at once",
}


class ImportForm(Form):
    file = FileField(
        "CSV file",
        description="UTF-8 CSV with a header row, like the template: at most 2,000 rows and "
        "12 MB (an admin imports longer files from the command line).",
        validators=[
            FileRequired("Choose the CSV file to check."),
            FileAllowed(["csv"], "Choose a .csv file (save the spreadsheet as CSV UTF-8)."),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    state = RadiosField(
        "New initiatives are",
        choices=select_choices(IMPORT_STATE_CHOICES),
        default="pending",
        message="Choose pending or published.",
    )


class ConfirmImportForm(Form):
    token = HiddenField()
