"""The product's fixed vocabularies: stages, sectors, status, state, credit, reporters,
precision.

Each is an ordered mapping of stored value to the label people read.
"""

from __future__ import annotations

from app.i18n import lazy_text as _l

STAGES = {
    "co-commissioning": _l("Co-commissioning"),
    "co-design": _l("Co-design"),
    "co-delivery": _l("Co-delivery"),
    "co-assessment": _l("Co-assessment"),
}

SECTORS = {
    "residents": _l("Residents"),
    "volunteers": _l("Volunteers"),
    "voluntary": _l("Voluntary organisation"),
    "council": _l("Council"),
    "police": _l("Police"),
    "health": _l("Health"),
    "school": _l("School"),
    "housing": _l("Housing"),
    "business": _l("Business"),
    "other": _l("Other"),
}

# The co-production balance: citizens on one side, public services on the other.
CITIZEN_SECTORS = ("residents", "volunteers")
PUBLIC_SERVICE_SECTORS = ("council", "police", "health", "school", "housing")

STATUSES = {
    "planned": _l("Planned"),
    "active": _l("Active"),
    "completed": _l("Completed"),
    "ended": _l("Ended"),
}

STATES = {
    "draft": _l("Draft"),
    "pending": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "published": _l("Published"),
    "rejected": _l("Rejected"),
    "archived": _l("Archived"),
}

CREDITS = {
    "name": _l("By my name"),
    "organisation": _l("By my group or organisation"),
    "anonymous": _l("Anonymously (“a resident of” the neighbourhood)"),
}

# Who reported a later measurement of an outcome (Measurement.reported_by_role).
REPORTERS = {
    "submitter": _l("the submitter"),
    "group_member": _l("a group member"),
    "council_officer": _l("a council officer"),
}

PRECISIONS = {
    "exact": _l("Exact point"),
    "street": _l("Street (about 100 m)"),
    "neighbourhood": _l("Neighbourhood only (its centre)"),
}

LOCATION_STATES = {
    "none": _l("No location"),
    "set": _l("Located"),
    "pending": _l("Waiting for geocoding"),
}
