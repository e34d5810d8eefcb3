"""Demo data for ``seed-demo``: organisations, one account per role, and initiatives.

Later features add their own demo data here, so ``make run`` shows a lived-in site.
"""

from __future__ import annotations

from collections.abc import Callable

from app.accounts.services import create_user
from app.demo.clusters import add_demo_clusters
from app.demo.content import DemoAccount, DemoOrganisation, load_demo_records
from app.demo.initiatives import seed_demo_initiatives
from app.demo.photos import add_demo_photos
from app.demo.verifications import verify_demo_outcomes
from app.organisations.services import save_organisation

DEMO_ORGANISATIONS = load_demo_records("organisations.yaml", DemoOrganisation)
DEMO_ACCOUNTS = load_demo_records("accounts.yaml", DemoAccount)


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
    add_demo_photos()
    return accounts
