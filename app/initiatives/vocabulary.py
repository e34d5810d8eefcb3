"""The product's fixed vocabularies: stages, sectors, status, state, credit, precision.

Each is an ordered mapping of stored value to the label people read.
"""

from __future__ import annotations

STAGES = {
    "co-commissioning": "Co-commissioning",
    "co-design": "Co-design",
    "co-delivery": "Co-delivery",
    "co-assessment": "Co-assessment",
}

SECTORS = {
    "residents": "Residents",
    "volunteers": "Volunteers",
    "voluntary": "Voluntary organisation",
    "council": "Council",
    "police": "Police",
    "health": "Health",
    "school": "School",
    "housing": "Housing",
    "business": "Business",
    "other": "Other",
}

# The co-production balance: citizens on one side, public services on the other.
CITIZEN_SECTORS = ("residents", "volunteers")
PUBLIC_SERVICE_SECTORS = ("council", "police", "health", "school", "housing")

STATUSES = {
    "planned": "Planned",
    "active": "Active",
    "completed": "Completed",
    "ended": "Ended",
}

STATES = {
    "draft": "Draft",
    "pending": "Awaiting review",
    "changes_requested": "Changes requested",
    "published": "Published",
    "rejected": "Rejected",
    "archived": "Archived",
}

CREDITS = {
    "name": "By my name",
    "organisation": "By my group or organisation",
    "anonymous": "Anonymously (“a resident of” the neighbourhood)",
}

PRECISIONS = {
    "exact": "Exact point",
    "street": "Street (about 100 m)",
    "neighbourhood": "Neighbourhood only (its centre)",
}

LOCATION_STATES = {
    "none": "No location",
    "set": "Located",
    "pending": "Waiting for geocoding",
}
