"""The curators' forms: a cluster's details, an item's note, adding an initiative."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.clusters.curation import normalise_filter_query, slug_problem
from app.clusters.models import CLUSTER_KINDS
from app.forms import Form, select_choices, strip_whitespace
from app.i18n import lazy_text as _l

TITLE_LENGTH = 200
INTRODUCTION_LENGTH = 20_000
FILTER_LENGTH = 2_000
NOTE_LENGTH = 1_000


def lower_case(value):
    return value.lower() if isinstance(value, str) else value


class ClusterForm(Form):
    """Title, address, introduction, and what the cluster holds."""

    title = StringField(
        _l("Title"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(
                max=TITLE_LENGTH,
                message=_l("Keep the title to %(limit)s characters.", limit=TITLE_LENGTH),
            ),
        ],
    )
    slug = StringField(
        _l("Address"),
        description=(
            _l(
                "The last part of the page’s address, /clusters/…: lower-case letters, digits and "
                "hyphens. Leave it empty to make one from the title. Changing it later breaks "
                "links, embeds and feed subscriptions that use the old address."
            )
        ),
        filters=[strip_whitespace, lower_case],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    introduction = TextAreaField(
        _l("Introduction"),
        description=(
            _l(
                "What ties these examples together, for someone arriving from a blog post. "
                "Markdown: *emphasis*, **strong**, [links](https://example.org), lists. "
                "Use Preview to see it as readers will."
            )
        ),
        validators=[
            Length(
                max=INTRODUCTION_LENGTH,
                message=_l(
                    "Keep the introduction to %(limit)s characters.",
                    limit=format(INTRODUCTION_LENGTH, ","),
                ),
            )
        ],
        render_kw={"rows": 10},
    )
    kind = RadioField(
        _l("What it holds"),
        choices=select_choices(CLUSTER_KINDS),
        default="picked",
        validators=[DataRequired(_l("Choose what the cluster holds."))],
    )
    filter_query = TextAreaField(
        _l("Saved filter"),
        description=(
            _l(
                "For a saved filter: the filters of a list or map, such as "
                "theme=health&neighbourhood=kirkstall or near=53.8162,-1.6037&radius_km=2, or "
                "paste the address of a filtered list or map. Leave it empty for every published "
                "initiative."
            )
        ),
        filters=[strip_whitespace],
        validators=[
            Length(
                max=FILTER_LENGTH,
                message=_l(
                    "Keep the filter to %(limit)s characters.", limit=format(FILTER_LENGTH, ",")
                ),
            )
        ],
        render_kw={"rows": 2, "spellcheck": "false"},
    )

    def __init__(self, *args, cluster_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster_id = cluster_id

    def validate_slug(self, field):
        if field.data:
            problem = slug_problem(field.data, self.cluster_id)
            if problem:
                raise ValidationError(problem)

    def validate_filter_query(self, field):
        if self.kind.data != "filter":
            return
        canonical, problems = normalise_filter_query(field.data or "")
        if problems:
            field.errors.extend(problems)
        else:
            field.data = canonical  # shown back as it is stored


class NoteForm(Form):
    """A hand-picked item's curator's note."""

    note = TextAreaField(
        "Curator’s note",
        filters=[strip_whitespace],
        validators=[
            Length(
                max=NOTE_LENGTH,
                message=_l(
                    "Keep the note to %(limit)s characters.", limit=format(NOTE_LENGTH, ",")
                ),
            )
        ],
        render_kw={"rows": 3},
    )


class AddInitiativeForm(Form):
    """Which initiative to add: its number, its address, or words from its title."""

    initiative = StringField(
        _l("Add an initiative"),
        description=(
            _l(
                "Its number, its address (such as https://…/initiatives/12-street-watch) or words "
                "from its title. Only published initiatives can be added."
            )
        ),
        filters=[strip_whitespace],
        validators=[
            Length(max=500, message=_l("That is too long for a number, address or title."))
        ],
        render_kw={"autocomplete": "off"},
    )
