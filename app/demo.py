"""Demo data for ``seed-demo``: organisations, one account per role, and initiatives.

Later features add their own demo data here, so ``make run`` shows a lived-in site.
"""

from __future__ import annotations

from collections.abc import Callable

from app.accounts.services import create_user
from app.clusters.demo import add_demo_clusters
from app.council.demo import verify_demo_outcomes
from app.demo_initiatives import seed_demo_initiatives
from app.organisations.services import save_organisation

DEMO_ORGANISATIONS = [
    ("Leeds City Council", "council", "Leeds City Council"),
    ("Manchester City Council", "council", "Manchester City Council"),
    ("West Yorkshire Police", "police", None),
    ("Leeds Community Healthcare NHS Trust", "health", None),
    ("Kirkstall Valley Primary School", "school", "Leeds City Council"),
    ("Kirkstall Residents' Association", "residents_group", "Leeds City Council"),
    ("Hulme Community Garden Centre", "charity", "Manchester City Council"),
]

DEMO_ACCOUNTS = [
    # role, email, display name, organisation
    ("resident", "resident@example.org", "Rosa Resident", "Kirkstall Residents' Association"),
    ("moderator", "moderator@example.org", "Mo Moderator", None),
    ("council", "council@example.org", "Cal Council", "Leeds City Council"),
    ("admin", "admin@example.org", "Ada Admin", None),
]


def seed_demo(password_for: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """Create the demo organisations and accounts; return (role, email, password) triples."""
    organisations = {
        name: save_organisation(None, name, kind, local_authority)
        for name, kind, local_authority in DEMO_ORGANISATIONS
    }
    accounts, users_by_role = [], {}
    for role, email, display_name, organisation_name in DEMO_ACCOUNTS:
        password = password_for(role)
        organisation = organisations.get(organisation_name) if organisation_name else None
        users_by_role[role] = create_user(
            email,
            password,
            role=role,
            display_name=display_name,
            organisation_id=organisation.id if organisation else None,
        )
        accounts.append((role, email, password))
    seed_demo_initiatives(users_by_role)
    verify_demo_outcomes()
    add_demo_clusters(users_by_role.get("moderator"))
    return accounts
