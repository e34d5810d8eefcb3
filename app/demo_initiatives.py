"""Demo initiatives for ``seed-demo``: real UK neighbourhoods, invented schemes.

Deterministic: the same data every time (times are relative to the moment of seeding). Covers
every theme, stage, status, credit, location precision and moderation state, with a few
submissions waiting for review, a published initiative with a pending edit, and an open report.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import create_user
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Report, Revision
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.search.services import reindex_initiative
from app.timeutil import utcnow
from app.urls import slugify

VERIFYING_COUNCIL = "Leeds City Council"

# slug, name, local authority, centre latitude, centre longitude
DEMO_NEIGHBOURHOODS = [
    ("kirkstall", "Kirkstall", "Leeds City Council", 53.8170, -1.6030),
    ("chapeltown", "Chapeltown", "Leeds City Council", 53.8228, -1.5331),
    ("armley", "Armley", "Leeds City Council", 53.7985, -1.5885),
    ("harehills", "Harehills", "Leeds City Council", 53.8136, -1.5117),
    ("hulme", "Hulme", "Manchester City Council", 53.4668, -2.2497),
    ("moss-side", "Moss Side", "Manchester City Council", 53.4587, -2.2380),
    ("bethnal-green", "Bethnal Green", "London Borough of Tower Hamlets", 51.5271, -0.0553),
    ("easton", "Easton", "Bristol City Council", 51.4631, -2.5637),
    ("jesmond", "Jesmond", "Newcastle City Council", 54.9850, -1.6030),
    ("splott", "Splott", "Cardiff Council", 51.4818, -3.1560),
    ("govanhill", "Govanhill", "Glasgow City Council", 55.8366, -4.2594),
    ("sneinton", "Sneinton", "Nottingham City Council", 52.9526, -1.1295),
]

# More residents, so "submitted by" is not always the same person. They cannot log in (their
# passwords are random and never shown); the demo resident account is in DEMO_ACCOUNTS.
DEMO_RESIDENTS = [
    ("amina.hussain@example.org", "Amina Hussain"),
    ("tom.price@example.org", "Tom Price"),
    ("grace.mensah@example.org", "Grace Mensah"),
]

COMMISSION, DESIGN, DELIVER, ASSESS = (
    "co-commissioning",
    "co-design",
    "co-delivery",
    "co-assessment",
)


def who(sector: str, name: str, roles: tuple[str, ...], people: int | None, hours: float | None):
    """A participant row."""
    return {"sector": sector, "name": name, "roles": list(roles), "people": people, "hours": hours}


def change(
    description: str,
    indicator: str = "",
    baseline: float | None = None,
    result: float | None = None,
    unit: str = "",
    measured_on: str | None = None,
    evidence_url: str = "",
    verified: bool = False,
):
    """An outcome row; ``verified`` marks it checked by the demo council."""
    return {
        "description": description,
        "indicator": indicator,
        "baseline": baseline,
        "result": result,
        "unit": unit,
        "measured_on": measured_on,
        "evidence_url": evidence_url,
        "verified": verified,
    }


@dataclass(frozen=True)
class DemoInitiative:
    title: str
    neighbourhood: str
    themes: tuple[str, ...]
    stages: tuple[str, ...]
    status: str
    summary: str
    participants: tuple[dict, ...] = ()
    outcomes: tuple[dict, ...] = ()
    description: str = ""
    started_on: str | None = None
    ended_on: str | None = None
    place_name: str = ""
    offset: tuple[float, float] | None = None  # from the neighbourhood's centre, in degrees
    precision: str = "street"
    contact_url: str = ""
    credit: str = "name"
    credit_name: str = ""
    state: str = "published"
    submitter: str = "resident"  # a role in users_by_role, or an email of DEMO_RESIDENTS
    note: str = ""  # the moderator's note for changes requested or a rejection
    pending_edit: dict[str, Any] = field(default_factory=dict)
    report: tuple[str, str] | None = None  # (reason, details) of an open report


LCC, WYP = "Leeds City Council", "West Yorkshire Police"
MCC = "Manchester City Council"

DEMO_INITIATIVES = [
    # Kirkstall, Leeds
    DemoInitiative(
        "Kirkstall Lane street watch",
        "kirkstall",
        ("safety",),
        (DESIGN, DELIVER, ASSESS),
        "completed",
        "Neighbours and the local policing team walked the estate together every week "
        "and fixed what made homes easy to break into.",
        participants=(
            who("residents", "", (DESIGN, DELIVER, ASSESS), 40, 1200),
            who("police", WYP, (DESIGN, DELIVER, ASSESS), 3, 160),
            who("council", LCC, (ASSESS,), 1, 24),
        ),
        outcomes=(
            change(
                "Fewer homes were broken into on the estate.",
                "Reported burglaries",
                31,
                22,
                measured_on="2025-03-31",
                evidence_url="https://data.police.uk/",
                verified=True,
            ),
        ),
        description="We started after a run of break-ins in the winter of 2022.\n\n"
        "* Weekly evening walks with the neighbourhood policing team\n"
        "* Free window locks and timer switches for anyone who asked\n"
        "* A WhatsApp group for reporting, moderated by two volunteers\n\n"
        "**What we learnt:** most break-ins were through back gates, so we asked the "
        "council to gate three alleys.",
        started_on="2023-09-01",
        ended_on="2025-03-31",
        place_name="Kirkstall Lane",
        offset=(0.0021, 0.0012),
        credit="organisation",
        credit_name="Kirkstall Residents' Association",
        contact_url="https://example.org/kirkstall-street-watch",
    ),
    DemoInitiative(
        "Kirkstall repair café",
        "kirkstall",
        ("sustainability",),
        (DESIGN, DELIVER),
        "active",
        "Once a month volunteers mend toasters, bikes and jumpers, with tools and a room "
        "from the council's waste team.",
        description="Bring something broken and a bit of patience. Volunteer fixers work "
        "alongside you, so you go home knowing how to mend it next time.\n\n"
        "* **Electricals:** toasters, lamps, radios (checked by a qualified "
        "electrician)\n"
        "* **Bikes:** punctures, brakes and gears\n"
        "* **Textiles:** zips, hems and darning\n\n"
        "The council's waste team lends the room and the tools, and counts what would "
        "otherwise have gone in the bin.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 15, 600),
            who("council", "Leeds City Council waste team", (COMMISSION, DESIGN), 2, 40),
        ),
        outcomes=(
            change(
                "Things are mended instead of thrown away.",
                "Items repaired",
                0,
                412,
                measured_on="2025-01-31",
                verified=True,
            ),
        ),
        started_on="2024-02-10",
        place_name="Bridge Road",
        offset=(-0.0018, 0.0025),
        contact_url="mailto:repaircafe@example.org",
        pending_edit={
            "summary": "Every second Saturday volunteers mend toasters, bikes and jumpers, "
            "with tools and a room from the council's waste team.",
        },
    ),
    DemoInitiative(
        "Reading buddies at Kirkstall Valley Primary",
        "kirkstall",
        ("education",),
        (DESIGN, DELIVER, ASSESS),
        "active",
        "Retired neighbours read with Year 2 children twice a week, planned with the "
        "school's reading lead.",
        description="Each buddy is paired with the same two children for a whole school year, so "
        "trust has time to grow.\n\n"
        "The school's reading lead chose the books and trained the buddies in a one-"
        "hour session; buddies write a short note after each visit so class teachers "
        "can follow progress.",
        participants=(
            who("residents", "", (DESIGN, DELIVER), 12, 300),
            who("school", "Kirkstall Valley Primary School", (DESIGN, ASSESS), 4, 90),
        ),
        outcomes=(
            change(
                "More children read confidently by the end of Year 2.",
                "Year 2 pupils reading at the expected level",
                58,
                71,
                "%",
                measured_on="2024-07-19",
            ),
        ),
        started_on="2023-01-09",
        place_name="Kirkstall Valley Primary School",
        offset=(0.0009, -0.0031),
        precision="exact",
    ),
    DemoInitiative(
        "Walk and talk from Kirkstall Abbey",
        "kirkstall",
        ("health",),
        (COMMISSION, DESIGN, DELIVER),
        "active",
        "A gentle weekly walk along the canal for people the community health team "
        "thinks would like company.",
        description="We meet at the Abbey gatehouse at 10am every Wednesday and walk for about an"
        " hour along the Leeds and Liverpool Canal towpath, at the pace of the "
        "slowest walker.\n\n"
        "People come because a community matron, a social prescriber or a neighbour "
        "suggested it. Nobody needs to book, and the walk ends with tea.",
        participants=(
            who("volunteers", "Kirkstall walk leaders", (DELIVER,), 6, 280),
            who(
                "health",
                "Leeds Community Healthcare NHS Trust",
                (COMMISSION, DESIGN),
                1,
                30,
            ),
        ),
        outcomes=(
            change(
                "Walkers say they feel less isolated, and two new routes were added at "
                "their request."
            ),
        ),
        started_on="2024-04-03",
        place_name="Kirkstall Abbey, Abbey Road",
        offset=(0.0035, -0.0036),
        precision="exact",
        submitter="amina.hussain@example.org",
    ),
    DemoInitiative(
        "Hawksworth Road over-60s exercise class",
        "kirkstall",
        ("health",),
        (DESIGN,),
        "planned",
        "A chair-based exercise class in the church hall, designed with a physiotherapist.",
        participants=(
            who("residents", "", (DESIGN,), 8, 20),
            who("health", "Leeds Community Healthcare NHS Trust", (DESIGN,), 1, 6),
        ),
        place_name="Hawksworth Road",
        state="pending",
    ),
    # Chapeltown, Leeds
    DemoInitiative(
        "Chapeltown Road safer crossings",
        "chapeltown",
        ("safety",),
        (COMMISSION, DESIGN),
        "completed",
        "Parents mapped where children cross and chose, with the council's highways "
        "engineers, where two new crossings should go.",
        description="Over six weeks parents stood at the school gates at drop-off and pick-up and "
        "marked every crossing on a paper map.\n\n"
        "The highways team turned the maps into counts, and together we chose two "
        "places for new zebra crossings. Both were built in the summer holidays of "
        "2024.",
        participants=(
            who("residents", "Chapeltown parents' group", (COMMISSION, DESIGN), 25, 150),
            who("council", "Leeds City Council highways", (COMMISSION, DESIGN), 3, 80),
        ),
        outcomes=(
            change(
                "Parents report far fewer near misses at the school gates.",
                "Near misses reported by parents",
                14,
                5,
                measured_on="2024-07-15",
                verified=True,
            ),
        ),
        started_on="2023-03-01",
        ended_on="2024-07-15",
        place_name="Chapeltown Road",
        offset=(0.0014, -0.0008),
        credit="anonymous",
    ),
    DemoInitiative(
        "Potternewton Park food growing",
        "chapeltown",
        ("sustainability", "health"),
        (DESIGN, DELIVER),
        "active",
        "Raised beds in the park, built and planted by neighbours with the parks team; "
        "the harvest goes into weekly veg boxes.",
        description="Twelve raised beds near the Harehills Avenue entrance, built from recycled "
        "scaffolding boards.\n\n"
        "* Growing sessions on **Tuesday evenings** and **Saturday mornings**\n"
        "* Veg boxes packed on Fridays for families the children's centre refers\n"
        "* Tools and seeds from the parks team; water from the bowling green\n\n"
        "New growers are welcome, no experience needed: [see our season "
        "plan](https://example.org/chapeltown-growers/season).",
        participants=(
            who("residents", "", (DESIGN, DELIVER), 30, 700),
            who("voluntary", "Chapeltown Community Growers", (DESIGN, DELIVER), 6, 420),
            who("council", "Leeds City Council parks team", (DESIGN,), 2, 60),
        ),
        outcomes=(
            change(
                "Local families get fresh vegetables every week.",
                "Households getting a weekly veg box",
                0,
                45,
                measured_on="2025-06-30",
            ),
        ),
        started_on="2024-03-16",
        place_name="Potternewton Park",
        offset=(0.0040, -0.0020),
        credit="organisation",
        credit_name="Chapeltown Community Growers",
        contact_url="https://example.org/chapeltown-growers",
    ),
    DemoInitiative(
        "Homework club at Chapeltown Library",
        "chapeltown",
        ("education",),
        (DELIVER,),
        "ended",
        "Volunteers helped children with homework after school, in the library, with the "
        "library staff.",
        description="The club ran on Mondays and Thursdays from 3.30pm in the library's study "
        "room, with library staff on hand for printing and computers.\n\n"
        "It ended when the library moved to shorter afternoon hours; the volunteers "
        "now help at the school's own club.",
        participants=(
            who("volunteers", "", (DELIVER,), 8, 320),
            who("council", "Leeds Libraries", (DELIVER,), 2, 100),
        ),
        outcomes=(
            change(
                "Children who came regularly handed in more homework on time, their teachers said."
            ),
        ),
        started_on="2022-09-12",
        ended_on="2024-07-19",
        place_name="Chapeltown Library",
        offset=(-0.0012, 0.0010),
        precision="neighbourhood",
        submitter="grace.mensah@example.org",
    ),
    DemoInitiative(
        "Chapeltown carnival safety stewards",
        "chapeltown",
        ("safety",),
        (COMMISSION, DESIGN),
        "planned",
        "Residents trained as stewards plan the carnival route with the police and the "
        "council's events team.",
        participants=(
            who("residents", "", (COMMISSION, DESIGN), 60, None),
            who("police", WYP, (DESIGN,), None, None),
        ),
        state="pending",
        submitter="grace.mensah@example.org",
    ),
    DemoInitiative(
        "Chapeltown digital help desk",
        "chapeltown",
        ("education",),
        (DESIGN, DELIVER, ASSESS),
        "active",
        "Volunteers help neighbours get online, from booking a GP appointment to applying "
        "for a job, at a weekly desk the library staff run with them.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER, ASSESS), 9, 380),
            who("council", "Leeds Libraries", (DESIGN, DELIVER, ASSESS), 2, 110),
        ),
        outcomes=(
            change(
                "People leave able to do it on their own next time.",
                "Visitors who could book a GP appointment online afterwards",
                18,
                64,
                "%",
                measured_on="2025-04-30",
            ),
        ),
        description="Drop in on Wednesdays from 1pm to 4pm; bring your phone or use ours.\n\n"
        "* Email, video calls and online forms\n"
        "* NHS App and GP appointments\n"
        "* Job searches and Universal Credit journals\n\n"
        "Volunteers and library staff review the questions every quarter and change what "
        "the desk offers.",
        started_on="2024-01-10",
        place_name="Reginald Centre, Chapeltown Road",
        offset=(0.0006, 0.0004),
        submitter="amina.hussain@example.org",
    ),
    # Armley, Leeds
    DemoInitiative(
        "Armley Park litter pick and bulb planting",
        "armley",
        ("sustainability",),
        (DELIVER,),
        "active",
        "A monthly litter pick that ends with planting spring bulbs; the council lends "
        "pickers and takes the bags away.",
        description="We meet by the bowling green on the first Saturday of each month. Gloves, "
        "pickers and bags are provided by the council, who collect the full bags the "
        "same afternoon.\n\n"
        "In autumn we finish by planting bulbs: crocuses along the paths and "
        "daffodils on the bank.",
        participants=(
            who("residents", "", (DELIVER,), 35, 420),
            who("council", LCC, (DELIVER,), 1, 20),
            who("business", "Armley Town Street traders", (DELIVER,), 6, 30),
        ),
        outcomes=(change("Over 200 bags of litter were cleared from the park in a year."),),
        started_on="2023-10-07",
        place_name="Armley Park",
        offset=(0.0022, 0.0015),
        precision="neighbourhood",
        report=(
            "inaccurate",
            "The litter pick moved to Saturdays last spring; the page still says Sundays.",
        ),
    ),
    DemoInitiative(
        "Men's shed on Armley Town Street",
        "armley",
        ("health",),
        (DESIGN, DELIVER),
        "active",
        "A workshop where older men make things together, set up with the GP surgery's "
        "social prescribers.",
        description="The shed is a workshop above a shop on Town Street, open three days a week. "
        "Members repair furniture for local charities, build planters for the park "
        "and teach each other.\n\n"
        "Social prescribers at the GP surgery helped us get started and still refer "
        "new members; nobody has to have a diagnosis to join.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 18, 1100),
            who("health", "Armley GP surgery social prescribers", (DESIGN,), 2, 60),
        ),
        outcomes=(
            change(
                "Members say they feel lonely far less often.",
                "Members who feel lonely most days",
                11,
                4,
                measured_on="2025-05-01",
                verified=True,
            ),
        ),
        started_on="2022-05-14",
        place_name="Town Street",
        offset=(-0.0006, 0.0018),
        submitter="tom.price@example.org",
    ),
    DemoInitiative(
        "Tong Road speed watch",
        "armley",
        ("safety",),
        (DELIVER,),
        "planned",
        "Residents with speed guns, trained by the police, on the stretch outside the "
        "primary school.",
        participants=(who("residents", "", (DELIVER,), 10, None),),
        state="changes_requested",
        note="Please say which stretch of Tong Road you mean, and take the neighbour's full "
        "name out of the summary: participants are groups, not individuals.",
        submitter="tom.price@example.org",
    ),
    DemoInitiative(
        "Armley Moor community orchard",
        "armley",
        ("sustainability", "health"),
        (COMMISSION, DESIGN, DELIVER),
        "active",
        "Neighbours chose the trees and planted a small orchard on the moor with the "
        "council's parks team; the fruit is free to pick.",
        participants=(
            who("residents", "Friends of Armley Moor", (COMMISSION, DESIGN, DELIVER), 24, 310),
            who("council", "Leeds City Council parks team", (COMMISSION, DESIGN), 2, 45),
        ),
        outcomes=(
            change(
                "The moor has fruit trees that neighbours look after.",
                "Fruit trees planted",
                0,
                36,
                measured_on="2025-02-28",
            ),
        ),
        description="Thirty-six apple, pear and plum trees of old Yorkshire varieties, "
        "planted over two winter weekends.\n\n"
        "Pruning days are in **February**, and the harvest picnic is on the last Sunday "
        "of **September**. Bring a bag!",
        started_on="2024-11-30",
        place_name="Armley Moor",
        offset=(-0.0015, 0.0026),
        credit="organisation",
        credit_name="Friends of Armley Moor",
    ),
    # Harehills, Leeds
    DemoInitiative(
        "Harehills community safety walkabouts",
        "harehills",
        ("safety",),
        (DESIGN, DELIVER, ASSESS),
        "active",
        "Every month residents, the police and housing officers walk the streets and log "
        "what needs fixing.",
        description="Each walkabout covers a different part of the area and takes about ninety "
        "minutes.\n\n"
        "1. Residents choose the route at the residents' meeting.\n"
        "2. The police, housing officers and residents walk it together and note "
        "every problem.\n"
        "3. The list is shared within a week, with a name against each item.\n\n"
        "Interpreters in Urdu, Bengali and Slovak walk with us, so every neighbour "
        "can say what worries them.",
        participants=(
            who("residents", "", (DESIGN, DELIVER, ASSESS), 22, 380),
            who("police", WYP, (DELIVER, ASSESS), 4, 120),
            who("housing", "Leeds City Council Housing", (DELIVER,), 2, 40),
        ),
        outcomes=(
            change(
                "Broken street lights found on walkabouts are fixed within a month.",
                "Street lights repaired after walkabouts",
                0,
                17,
                measured_on="2025-04-30",
                verified=True,
            ),
        ),
        started_on="2024-01-18",
        place_name="Harehills Lane",
        offset=(0.0011, -0.0009),
        submitter="council",
        credit="organisation",
        credit_name="Leeds City Council Communities Team",
    ),
    DemoInitiative(
        "English conversation café",
        "harehills",
        ("education",),
        (DELIVER,),
        "active",
        "Informal English practice over tea, run by volunteers in the library.",
        description="An hour of conversation over tea, every Tuesday morning. Each week has a "
        "topic people asked for: phoning the GP surgery, talking to the school, "
        "shopping, filling in forms.\n\n"
        "The library hosts us and the Harehills Neighbourhood Network trains new "
        "volunteers.",
        participants=(
            who("volunteers", "", (DELIVER,), 10, 500),
            who("voluntary", "Harehills Neighbourhood Network", (DELIVER,), 2, 80),
            who("council", "Leeds Libraries", (DELIVER,), 1, 50),
        ),
        outcomes=(
            change(
                "Learners say they now phone the GP surgery and their children's school "
                "on their own."
            ),
        ),
        started_on="2023-05-02",
        place_name="Compton Centre, Harehills Road",
        offset=(-0.0015, -0.0022),
        submitter="amina.hussain@example.org",
    ),
    DemoInitiative(
        "Roundhay Road alley gating",
        "harehills",
        ("safety",),
        (COMMISSION,),
        "planned",
        "Collecting signatures to ask the council to gate the back alleys.",
        state="draft",
        submitter="amina.hussain@example.org",
    ),
    DemoInitiative(
        "Banstead Park football evenings",
        "harehills",
        ("safety", "health"),
        (DESIGN, DELIVER),
        "active",
        "Free football on Friday evenings for young people, designed with them and run by "
        "youth workers and the local police team.",
        participants=(
            who("voluntary", "Harehills Youth Partnership", (DESIGN, DELIVER), 5, 260),
            who("police", WYP, (DESIGN, DELIVER), 2, 90),
            who("residents", "", (DESIGN,), 30, 60),
        ),
        outcomes=(
            change(
                "Fewer calls about young people gathering on Friday nights.",
                "Anti-social behaviour calls on Friday evenings",
                46,
                29,
                measured_on="2025-03-31",
            ),
        ),
        description="Young people chose Friday, when there was nothing else to do, and asked "
        "for floodlights, music and a tuck shop.\n\n"
        "Police officers play in the matches instead of watching from the car. Sessions "
        "are free and run from 6pm to 9pm all year.",
        started_on="2023-10-06",
        place_name="Banstead Park",
        offset=(0.0031, -0.0019),
        credit="anonymous",
    ),
    # Hulme, Manchester
    DemoInitiative(
        "Hulme community garden volunteer days",
        "hulme",
        ("sustainability",),
        (DESIGN, DELIVER),
        "active",
        "Weekly volunteer days growing plants for Hulme's green spaces and composting the "
        "parks' green waste.",
        description="Volunteer days run every Wednesday and Saturday, from 10am until 3pm, with "
        "lunch shared at one o'clock.\n\n"
        "* Grow plants for Hulme's parks and verges\n"
        "* Turn the parks' green waste into compost\n"
        "* Learn propagation, pruning and seed saving\n\n"
        "Find out more on [the garden centre's website](https://example.org/hulme-"
        "garden).",
        participants=(
            who("voluntary", "Hulme Community Garden Centre", (DESIGN, DELIVER), 5, 1400),
            who("volunteers", "", (DELIVER,), 40, 2000),
            who("council", MCC, (DESIGN,), 1, 30),
        ),
        outcomes=(
            change(
                "Most of the parks' green waste is now composted in Hulme.",
                "Green waste composted on site",
                3,
                11,
                "tonnes",
                measured_on="2024-12-31",
            ),
        ),
        started_on="2021-04-01",
        place_name="Hulme Community Garden Centre",
        offset=(-0.0010, 0.0024),
        precision="exact",
        credit="organisation",
        credit_name="Hulme Community Garden Centre",
        contact_url="https://example.org/hulme-garden",
    ),
    DemoInitiative(
        "Hulme Park summer play rangers",
        "hulme",
        ("education", "health"),
        (COMMISSION, DELIVER),
        "completed",
        "Parents chose the activities and ran them with the council's play rangers for "
        "six summer weeks.",
        description="Parents chose the six weekly themes, from den building to water play, at two "
        "planning evenings in June. The council's play rangers brought equipment and "
        "first aid, and parents ran the sessions alongside them.",
        participants=(
            who("residents", "", (COMMISSION, DELIVER), 15, 240),
            who("council", MCC, (COMMISSION, DELIVER), 3, 210),
            who("voluntary", "Hulme Youth Network", (DELIVER,), 4, 120),
        ),
        outcomes=(change("Around 150 children joined at least one session over the summer."),),
        started_on="2024-07-22",
        ended_on="2024-08-30",
        place_name="Hulme Park",
        offset=(0.0006, -0.0030),
    ),
    DemoInitiative(
        "Stretford Road safe routes to school",
        "hulme",
        ("safety", "education"),
        (DESIGN,),
        "completed",
        "Parents and pupils designed safer walking and cycling routes with the council.",
        description="Pupils walked their routes to school with a clipboard and marked where they "
        "felt unsafe. Parents and the council's road safety team then designed "
        "changes together:\n\n"
        "* a lower speed limit outside the two schools\n"
        "* dropped kerbs and a new crossing point on Stretford Road\n"
        "* a bike shelter in each playground",
        participants=(
            who("residents", "Stretford Road parents' forum", (DESIGN,), 30, 90),
            who("school", "Hulme primary schools", (DESIGN,), 3, 40),
            who("council", MCC, (DESIGN,), 2, 60),
        ),
        outcomes=(
            change(
                "More children walk or cycle to school.",
                "Children walking or cycling to school",
                41,
                55,
                "%",
                measured_on="2024-10-15",
            ),
        ),
        started_on="2023-09-04",
        ended_on="2024-10-15",
        place_name="Stretford Road",
        offset=(0.0016, 0.0005),
        credit="anonymous",
    ),
    DemoInitiative(
        "Hulme tenants' fire safety checks",
        "hulme",
        ("safety",),
        (DELIVER,),
        "completed",
        "Tenant volunteers knocked on doors with fire officers and fitted smoke alarms.",
        description="Tenant volunteers knocked on every door in the blocks with fire officers, "
        "explained the checks in plain words and fitted free smoke alarms where none "
        "worked.\n\n"
        "Neighbours opened the door to people they knew, which is why nearly every "
        "flat was reached.",
        participants=(
            who("residents", "", (DELIVER,), 10, 80),
            who("other", "Greater Manchester Fire and Rescue Service", (DELIVER,), 4, 60),
            who("housing", "One Manchester", (DELIVER,), 2, 30),
        ),
        outcomes=(
            change(
                "Almost every flat in the blocks now has a working smoke alarm.",
                "Homes with a working smoke alarm",
                62,
                97,
                "%",
                measured_on="2024-03-31",
            ),
        ),
        started_on="2023-11-01",
        ended_on="2024-03-31",
        place_name="Rolls Crescent",
        offset=(-0.0021, -0.0012),
        precision="neighbourhood",
        submitter="tom.price@example.org",
    ),
    # Moss Side, Manchester
    DemoInitiative(
        "Alexandra Park run and walk referrals",
        "moss-side",
        ("health",),
        (COMMISSION, DESIGN, DELIVER, ASSESS),
        "active",
        "GPs refer patients to a Saturday run-and-walk group that volunteers lead in the "
        "park; together they decide what counts as success.",
        description="Every Saturday at 9am from the park's pavilion. Walkers and runners go at "
        "their own pace, with a volunteer at the back so nobody is last on their own.\n\n"
        "GPs and the group agreed together what success means: still coming after six "
        "months, not how fast anyone runs.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER, ASSESS), 25, 900),
            who("health", "Moss Side GP practices", (COMMISSION, DESIGN, ASSESS), 4, 80),
            who("council", MCC, (COMMISSION,), 1, 20),
        ),
        outcomes=(
            change(
                "Patients referred by their GP keep coming.",
                "Referred patients still active after six months",
                0,
                38,
                measured_on="2025-02-28",
            ),
        ),
        started_on="2023-06-03",
        place_name="Alexandra Park",
        offset=(0.0003, -0.0041),
        submitter="grace.mensah@example.org",
    ),
    DemoInitiative(
        "Moss Side youth mentoring",
        "moss-side",
        ("safety", "education"),
        (DESIGN, DELIVER),
        "active",
        "Young adults from the area mentor teenagers at risk of exclusion, with the "
        "police and schools.",
        description="Mentors are young adults who grew up in Moss Side. Each meets one teenager "
        "every week for a year, in school and out of it.\n\n"
        "Schools and the police helped design how referrals work, so that a young "
        "person is offered a mentor before an exclusion rather than after it.",
        participants=(
            who("voluntary", "Moss Side Youth Mentors", (DESIGN, DELIVER), 12, 1500),
            who("police", "Greater Manchester Police", (DESIGN,), 2, 200),
            who("school", "Moss Side secondary schools", (DESIGN, DELIVER), 3, 60),
        ),
        outcomes=(
            change(
                "Young people on the programme stayed in school, and none was arrested "
                "during the year."
            ),
        ),
        started_on="2022-09-01",
        credit="organisation",
        credit_name="Moss Side Youth Mentors",
    ),
    DemoInitiative(
        "Claremont Road energy advice sessions",
        "moss-side",
        ("sustainability",),
        (DELIVER,),
        "ended",
        "Trained volunteers visited homes with the housing association to cut energy bills.",
        description="Volunteers trained by the housing association visited homes over the winter, "
        "checked tariffs and fitted draught-proofing and radiator foil.\n\n"
        "The scheme ended in spring 2024 when the funding for materials ran out.",
        participants=(
            who("volunteers", "", (DELIVER,), 6, 150),
            who("housing", "Moss Side housing association", (DELIVER,), 2, 40),
        ),
        outcomes=(
            change(
                "Households visited pay less for energy.",
                "Average household energy bill",
                1850,
                1620,
                "£",
                measured_on="2024-04-30",
            ),
        ),
        started_on="2023-10-01",
        ended_on="2024-04-30",
        place_name="Claremont Road",
        offset=(-0.0009, 0.0017),
        precision="neighbourhood",
    ),
    DemoInitiative(
        "Cheap CCTV installation for Moss Side homes",
        "moss-side",
        ("safety",),
        (DELIVER,),
        "active",
        "Special offer on cameras for every house.",
        participants=(who("business", "Camera company", (DELIVER,), 2, None),),
        state="rejected",
        note="This is a commercial offer, not an initiative co-produced with residents.",
        submitter="tom.price@example.org",
    ),
    DemoInitiative(
        "Moss Lane East bike library",
        "moss-side",
        ("sustainability", "health"),
        (COMMISSION, DESIGN, DELIVER),
        "active",
        "Families borrow bikes, child seats and trailers for a month at a time from a "
        "container run by volunteers, with bikes donated through the council.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 11, 540),
            who("council", MCC, (COMMISSION,), 1, 25),
            who("business", "Moss Side bike shops", (DELIVER,), 2, 40),
        ),
        outcomes=(
            change(
                "More families try cycling before they buy.",
                "Bike loans",
                0,
                230,
                measured_on="2025-05-31",
            ),
        ),
        description="Open on Saturday mornings. Every loan starts with a safety check and a "
        "short ride round the car park.\n\n"
        "Bring proof of address in Moss Side, Hulme or Whalley Range; loans are free and "
        "[the full list of bikes is online](https://example.org/moss-side-bike-library).",
        started_on="2024-03-02",
        place_name="Moss Lane East",
        offset=(0.0012, 0.0030),
        submitter="tom.price@example.org",
    ),
    # Bethnal Green, London Borough of Tower Hamlets
    DemoInitiative(
        "Weavers Fields community safety forum",
        "bethnal-green",
        ("safety",),
        (COMMISSION, ASSESS),
        "active",
        "Residents set the park's policing priorities each quarter and check whether they "
        "were met.",
        description="The forum meets every quarter in the park's community hall. Residents vote "
        "on three priorities for the park; the police and the council report back at "
        "the next meeting on what they did.\n\n"
        "Minutes of every meeting are posted on the noticeboard by the playground.",
        participants=(
            who("residents", "", (COMMISSION, ASSESS), 18, 200),
            who("police", "Metropolitan Police", (COMMISSION, ASSESS), 2, 60),
            who("council", "London Borough of Tower Hamlets", (COMMISSION,), 1, 30),
        ),
        outcomes=(
            change(
                "The park feels safer in the evenings.",
                "Reports of anti-social behaviour in the park",
                64,
                40,
                measured_on="2025-02-28",
            ),
        ),
        started_on="2023-04-20",
        place_name="Weavers Fields",
        offset=(-0.0030, -0.0040),
        submitter="amina.hussain@example.org",
    ),
    DemoInitiative(
        "Roman Road repair and reuse market",
        "bethnal-green",
        ("sustainability",),
        (DESIGN, DELIVER),
        "active",
        "A monthly market where traders and volunteers repair bikes, clothes and phones.",
        description="On the first Saturday of the month, repair stalls stand among the market's "
        "regular traders.\n\n"
        "* bike repairs at cost price\n"
        "* clothes mended while you shop\n"
        "* cracked phone screens replaced\n\n"
        "Traders and volunteers [share the stall rota "
        "online](https://example.org/roman-road-market/rota).",
        participants=(
            who("business", "Roman Road traders' association", (DESIGN, DELIVER), 10, 150),
            who("volunteers", "", (DELIVER,), 14, 350),
            who("council", "London Borough of Tower Hamlets", (DESIGN,), 1, 20),
        ),
        outcomes=(change("Stalls now repair bikes, clothes and phones every month."),),
        started_on="2024-05-04",
        place_name="Roman Road",
        offset=(0.0008, 0.0060),
        credit="organisation",
        credit_name="Roman Road traders' association",
        contact_url="https://example.org/roman-road-market",
    ),
    DemoInitiative(
        "Columbia Road reading garden",
        "bethnal-green",
        ("education",),
        (DESIGN, DELIVER),
        "completed",
        "Neighbours turned a corner of the estate into a reading garden with a book "
        "swap, planned with a local primary school.",
        description="A forgotten corner of the estate became a garden with benches, raised beds "
        "and a weatherproof book swap, designed with children from the primary school "
        "next door.\n\n"
        "The school's pupils now look after the book swap, and neighbours keep the "
        "beds.",
        participants=(
            who("residents", "", (DESIGN, DELIVER), 16, 300),
            who("school", "", (DESIGN,), 5, 60),
        ),
        outcomes=(
            change(
                "Children borrow books from the swap every week.",
                "Books borrowed each week",
                30,
                85,
                measured_on="2024-09-30",
            ),
        ),
        started_on="2023-03-01",
        ended_on="2024-06-30",
        place_name="Columbia Road",
        offset=(0.0020, -0.0090),
    ),
    DemoInitiative(
        "Bethnal Green older people's lunch club",
        "bethnal-green",
        ("health",),
        (DELIVER,),
        "ended",
        "A weekly hot lunch and company, cooked by volunteers; the GP practices sent "
        "patients who lived alone.",
        participants=(
            who("volunteers", "", (DELIVER,), 9, 700),
            who("health", "Tower Hamlets GP practices", (DELIVER,), 1, 20),
        ),
        started_on="2021-10-06",
        ended_on="2024-12-18",
        place_name="Cambridge Heath Road",
        offset=(0.0005, 0.0010),
        credit="anonymous",
    ),
    DemoInitiative(
        "Cambridge Heath Road cycle hangars",
        "bethnal-green",
        ("sustainability",),
        (COMMISSION,),
        "planned",
        "Residents want secure bike storage on their streets and will choose the sites "
        "with the council.",
        participants=(who("residents", "", (COMMISSION,), 40, None),),
        state="pending",
        submitter="amina.hussain@example.org",
    ),
    # Easton, Bristol
    DemoInitiative(
        "Stapleton Road community clean-up",
        "easton",
        ("sustainability", "safety"),
        (DELIVER,),
        "active",
        "Monthly clean-ups with the council's street scene team and the local police "
        "team, who follow up fly-tipping.",
        description="On the first Sunday of each month we clean one stretch of Stapleton Road and "
        "the streets around it.\n\n"
        "The council's street scene team brings equipment and removes the rubbish, "
        "and the local police team follows up fly-tipping that can be traced.",
        participants=(
            who("residents", "", (DELIVER,), 50, 600),
            who("council", "Bristol City Council", (DELIVER,), 2, 40),
            who("police", "Avon and Somerset Police", (DELIVER,), 1, 12),
        ),
        outcomes=(
            change(
                "Fewer piles of rubbish are dumped in the street.",
                "Fly-tipping reports",
                48,
                21,
                measured_on="2025-03-31",
            ),
        ),
        started_on="2023-02-04",
        place_name="Stapleton Road",
        offset=(0.0010, 0.0020),
    ),
    DemoInitiative(
        "Easton family learning on St Mark's Road",
        "easton",
        ("education",),
        (DESIGN, DELIVER),
        "active",
        "Parents and teachers run maths and reading sessions for families in the "
        "community centre.",
        description="Sessions run after school on Thursdays in the community centre. Children and "
        "their parents play maths games and read together, and teachers show parents "
        "what their children are learning in class.\n\n"
        "Crèche places are available for younger brothers and sisters.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 7, 400),
            who("school", "Easton primary schools", (DESIGN, DELIVER), 2, 80),
            who("voluntary", "Easton Community Centre", (DELIVER,), 1, 40),
        ),
        outcomes=(
            change(
                "Parents who came to six sessions or more say they help with homework more often."
            ),
        ),
        started_on="2024-01-15",
        place_name="St Mark's Road",
        offset=(-0.0016, 0.0008),
        submitter="grace.mensah@example.org",
    ),
    DemoInitiative(
        "Rawnsley Park health walks",
        "easton",
        ("health",),
        (DESIGN, DELIVER),
        "planned",
        "Short walks round the park for people recovering from illness, planned with the "
        "council's public health team.",
        participants=(
            who("residents", "", (DESIGN, DELIVER), 20, None),
            who("council", "Bristol City Council", (DESIGN,), 1, None),
        ),
        place_name="Rawnsley Park",
        offset=(-0.0025, -0.0060),
        credit="anonymous",
    ),
    DemoInitiative(
        "Easton street party road closure guide",
        "easton",
        ("sustainability",),
        (DESIGN,),
        "planned",
        "A guide for neighbours who want to close their street for a party.",
        state="draft",
        submitter="grace.mensah@example.org",
    ),
    DemoInitiative(
        "Thrissell Street women's cycling club",
        "easton",
        ("health",),
        (DESIGN, DELIVER, ASSESS),
        "active",
        "Women who had never ridden learn together on quiet streets, then ride out as a "
        "group, with instructors from the council's cycle training team.",
        participants=(
            who("residents", "", (DESIGN, DELIVER, ASSESS), 26, 410),
            who("council", "Bristol City Council", (DELIVER, ASSESS), 2, 70),
        ),
        outcomes=(
            change(
                "Women who joined now ride on their own.",
                "Members riding on their own after a year",
                0,
                17,
                measured_on="2025-06-30",
            ),
        ),
        description="Sessions run on Sunday mornings from the leisure centre car park.\n\n"
        "1. Learn to balance and brake, with bikes and helmets lent.\n"
        "2. Ride the back streets together.\n"
        "3. Plan a group ride to somewhere members choose.\n\n"
        "Members and instructors decide together when someone is ready for the road.",
        started_on="2024-04-14",
        place_name="Thrissell Street",
        offset=(0.0018, 0.0021),
        credit="anonymous",
    ),
    # Jesmond, Newcastle
    DemoInitiative(
        "Jesmond Dene volunteer rangers",
        "jesmond",
        ("sustainability",),
        (DELIVER, ASSESS),
        "active",
        "Volunteers clear invasive plants and survey wildlife with the council's rangers.",
        description="Volunteer days are every second Saturday. Work changes with the seasons:\n\n"
        "* **Summer:** pulling Himalayan balsam along the Ouseburn\n"
        "* **Autumn and winter:** coppicing and path repairs\n"
        "* **Spring:** bird and bat surveys with the council's rangers\n\n"
        "Contact us through [the rangers' page](https://example.org/jesmond-dene-"
        "rangers).",
        participants=(
            who("volunteers", "", (DELIVER, ASSESS), 30, 1800),
            who("council", "Newcastle City Council", (DELIVER, ASSESS), 2, 100),
        ),
        outcomes=(
            change(
                "Native plants are coming back along the burn.",
                "Area cleared of Himalayan balsam",
                0,
                3.5,
                "hectares",
                measured_on="2024-09-30",
                evidence_url="https://example.org/jesmond-dene-survey-2024",
            ),
        ),
        started_on="2022-04-02",
        place_name="Jesmond Dene",
        offset=(0.0040, 0.0110),
        precision="exact",
        contact_url="https://example.org/jesmond-dene-rangers",
    ),
    DemoInitiative(
        "Osborne Road student and resident noise pact",
        "jesmond",
        ("safety",),
        (DESIGN,),
        "completed",
        "Long-standing residents and students agreed house rules for the street, with the "
        "police and the council's noise team.",
        description="Students and long-standing residents wrote the house rules together at three "
        "street meetings, with the Students' Union, the police and the council's "
        "noise team in the room.\n\n"
        "Complaint numbers did not fall, but most disagreements are now settled on "
        "the doorstep before anyone rings the council.",
        participants=(
            who("residents", "", (DESIGN,), 20, 60),
            who("other", "Newcastle University Students' Union", (DESIGN,), 4, 30),
            who("police", "Northumbria Police", (DESIGN,), 1, 10),
            who("council", "Newcastle City Council", (DESIGN,), 1, 15),
        ),
        outcomes=(
            change(
                "Complaints did not fall, but neighbours now talk before they complain.",
                "Noise complaints to the council",
                120,
                120,
                measured_on="2024-06-30",
            ),
        ),
        started_on="2023-09-18",
        ended_on="2024-06-30",
        place_name="Osborne Road",
        offset=(0.0005, 0.0010),
        credit="anonymous",
    ),
    DemoInitiative(
        "Acorn Road tutoring swap",
        "jesmond",
        ("education",),
        (DELIVER,),
        "ended",
        "Students tutored local pupils in exchange for help with their cover letters "
        "from retired neighbours.",
        participants=(
            who("volunteers", "", (DELIVER,), 12, 240),
            who("school", "Jesmond secondary schools", (DELIVER,), 2, 20),
        ),
        outcomes=(change("Pupils asked for the scheme to continue next year."),),
        started_on="2023-01-16",
        ended_on="2023-07-14",
        place_name="Acorn Road",
        offset=(-0.0004, 0.0016),
        precision="neighbourhood",
        submitter="tom.price@example.org",
    ),
    DemoInitiative(
        "Jesmond Library warm space",
        "jesmond",
        ("health",),
        (COMMISSION, DESIGN, DELIVER),
        "completed",
        "A warm, welcoming room with hot drinks on winter afternoons, commissioned with "
        "neighbours who said where and when it was needed.",
        participants=(
            who("residents", "", (COMMISSION, DESIGN, DELIVER), 14, 360),
            who("council", "Newcastle City Council libraries", (COMMISSION, DELIVER), 2, 120),
        ),
        outcomes=(
            change(
                "People who live alone had somewhere to go on cold afternoons.",
                "Visits over the winter",
                0,
                1150,
                measured_on="2025-03-31",
            ),
        ),
        description="Open from 1pm to 5pm, Monday to Friday, from November to March.\n\n"
        "Volunteers made the tea and started conversations; library staff kept the room "
        "and the papers. Neighbours asked for afternoons rather than mornings, and got them.",
        started_on="2024-11-04",
        ended_on="2025-03-28",
        place_name="Jesmond Library, St George's Terrace",
        offset=(-0.0024, 0.0011),
        precision="exact",
    ),
    # Splott, Cardiff
    DemoInitiative(
        "Splott play streets",
        "splott",
        ("health", "safety"),
        (COMMISSION, DESIGN, DELIVER),
        "active",
        "Streets closed to traffic for an afternoon so children can play out, stewarded "
        "by parents.",
        description="One afternoon a month a street is closed to through traffic from 3pm to 6pm "
        "so that children can play out. Parent stewards stand at each end and let "
        "residents' cars through at walking pace.\n\n"
        "Any street can apply to the council; we help neighbours with the paperwork.",
        participants=(
            who("residents", "", (COMMISSION, DESIGN, DELIVER), 28, 330),
            who("council", "Cardiff Council", (COMMISSION, DESIGN), 2, 40),
            who("police", "South Wales Police", (DELIVER,), 1, 6),
        ),
        outcomes=(
            change(
                "Children play out on more streets each month.",
                "Streets closed for play each month",
                1,
                6,
                measured_on="2025-05-31",
            ),
        ),
        started_on="2024-04-13",
        place_name="Splott Road",
        offset=(0.0008, 0.0006),
        contact_url="mailto:playstreets@example.org",
    ),
    DemoInitiative(
        "Moorland Road community fridge",
        "splott",
        ("sustainability",),
        (DELIVER,),
        "active",
        "Shops give surplus food to a fridge that volunteers keep clean and stocked.",
        description="Shops on Moorland Road drop off surplus food every evening. Volunteers check "
        "dates and temperatures twice a day and keep a log for the council's food "
        "safety officers.\n\n"
        "Anyone can take anything, no questions asked.",
        participants=(
            who("volunteers", "", (DELIVER,), 16, 900),
            who("business", "Moorland Road shops", (DELIVER,), 5, 50),
            who("council", "Cardiff Council", (DELIVER,), 1, 10),
        ),
        outcomes=(
            change(
                "Good food is eaten instead of thrown away.",
                "Food saved from waste",
                0,
                4200,
                "kg",
                measured_on="2025-01-31",
            ),
        ),
        started_on="2023-07-01",
        place_name="Moorland Road",
        offset=(-0.0011, 0.0019),
        credit="organisation",
        credit_name="Splott Community Fridge",
    ),
    DemoInitiative(
        "Splott Park mural",
        "splott",
        ("education",),
        (DESIGN, DELIVER),
        "completed",
        "Young people designed and painted a mural on the park's changing rooms.",
        participants=(who("residents", "", (DESIGN, DELIVER), 12, 90),),
        started_on="2023-05-01",
        ended_on="2023-08-31",
        place_name="Splott Park",
        offset=(0.0018, 0.0030),
        state="archived",
        note="Withdrawn by its submitter.",
        submitter="tom.price@example.org",
    ),
    DemoInitiative(
        "Splott language swap",
        "splott",
        ("education",),
        (DESIGN, DELIVER),
        "active",
        "Neighbours teach each other Welsh, Arabic, Somali and English over tea, in pairs "
        "matched by the community centre.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 32, 640),
            who("voluntary", "STAR community centre", (DESIGN,), 2, 50),
            who("school", "Splott primary schools", (DELIVER,), 2, 20),
        ),
        outcomes=(
            change(
                "Parents say they understand letters from school without help.",
                "Pairs still meeting after three months",
                0,
                21,
                measured_on="2025-01-31",
            ),
        ),
        description="Every Thursday evening. Each pair spends half the hour in one language "
        "and half in the other.\n\n"
        "Primary schools send home a leaflet in four languages each term, so new families "
        "hear about it.",
        started_on="2024-02-01",
        place_name="Railway Street",
        offset=(-0.0020, -0.0012),
        credit="organisation",
        credit_name="Splott Language Swap",
    ),
    # Govanhill, Glasgow
    DemoInitiative(
        "Govanhill swim and wellbeing sessions",
        "govanhill",
        ("health",),
        (DESIGN, DELIVER),
        "active",
        "Women-only swimming and wellbeing sessions designed with the health board.",
        description="Women-only sessions every Sunday afternoon at the baths on Calder Street, "
        "with female lifeguards and covered windows.\n\n"
        "The health board helped design the sessions and measure wellbeing before and "
        "after, using the Warwick-Edinburgh scale.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 14, 600),
            who("voluntary", "Govanhill wellbeing group", (DESIGN, DELIVER), 3, 210),
            who("health", "NHS Greater Glasgow and Clyde", (DESIGN,), 2, 90),
        ),
        outcomes=(
            change(
                "Regular swimmers feel better.",
                "Average wellbeing score (WEMWBS)",
                41,
                47,
                "points",
                measured_on="2024-11-30",
            ),
        ),
        started_on="2023-08-07",
        place_name="Calder Street",
        offset=(0.0004, 0.0012),
        submitter="amina.hussain@example.org",
    ),
    DemoInitiative(
        "Allison Street back court clean-up",
        "govanhill",
        ("sustainability",),
        (DELIVER, ASSESS),
        "active",
        "Tenants, the council and the housing association clear and check the back courts "
        "together each month.",
        description="On the first Saturday of each month tenants, the council's environmental "
        "team and the housing association clear one or two back courts together and "
        "check the bins, lighting and drying greens.\n\n"
        "A tenant from each close reports problems between clean-ups.",
        participants=(
            who("residents", "", (DELIVER, ASSESS), 45, 700),
            who("council", "Glasgow City Council", (DELIVER, ASSESS), 3, 120),
            who("housing", "Govanhill Housing Association", (DELIVER,), 2, 60),
        ),
        outcomes=(
            change(
                "Back courts are usable again.",
                "Back courts assessed as clean",
                12,
                30,
                "%",
                measured_on="2025-04-30",
            ),
        ),
        started_on="2024-02-01",
        place_name="Allison Street",
        offset=(0.0006, -0.0008),
    ),
    DemoInitiative(
        "Govanhill Roma homework club",
        "govanhill",
        ("education",),
        (DELIVER,),
        "completed",
        "Bilingual volunteers helped Roma children with homework after school.",
        description="Bilingual volunteers helped children with homework after school three days a "
        "week, in Romanes, Slovak and English.\n\n"
        "The club closed when the schools started their own bilingual support, with "
        "two of our volunteers as classroom assistants.",
        participants=(
            who("volunteers", "", (DELIVER,), 8, 350),
            who("school", "Govanhill primary schools", (DELIVER,), 2, 40),
        ),
        outcomes=(
            change("The children who took part came to school more often, their schools say."),
        ),
        started_on="2022-10-03",
        ended_on="2024-06-28",
        credit="anonymous",
    ),
    DemoInitiative(
        "Victoria Road shopfront safety scheme",
        "govanhill",
        ("safety",),
        (COMMISSION,),
        "planned",
        "Shopkeepers and the police will choose together where new lighting and shutters go.",
        participants=(
            who("business", "Victoria Road traders", (COMMISSION,), 20, None),
            who("police", "Police Scotland", (COMMISSION,), 1, None),
        ),
        place_name="Victoria Road",
        offset=(-0.0012, -0.0006),
        credit="organisation",
        credit_name="Victoria Road traders",
    ),
    # Sneinton, Nottingham
    DemoInitiative(
        "Sneinton Market safer evenings",
        "sneinton",
        ("safety",),
        (DESIGN, DELIVER),
        "active",
        "Traders, residents and the police agreed better lighting and a shared radio for "
        "evening opening.",
        description="Traders, residents and the local police team walked the market after dark "
        "and agreed what would help:\n\n"
        "* brighter lights along the avenues\n"
        "* a shared radio between traders and the police\n"
        "* a closing-time walk by the last two traders\n\n"
        "Thefts fell within a year and evening opening continues.",
        participants=(
            who("business", "Sneinton Market traders", (DESIGN, DELIVER), 12, 140),
            who("residents", "", (DESIGN,), 15, 120),
            who("police", "Nottinghamshire Police", (DESIGN, DELIVER), 2, 50),
            who("council", "Nottingham City Council", (DESIGN,), 2, 60),
        ),
        outcomes=(
            change(
                "Fewer thefts in the market in the evenings.",
                "Reported thefts in the market area",
                27,
                19,
                measured_on="2025-03-31",
            ),
        ),
        started_on="2024-03-01",
        place_name="Sneinton Market",
        offset=(0.0003, -0.0140),
    ),
    DemoInitiative(
        "Green's Windmill science Saturdays",
        "sneinton",
        ("education",),
        (DESIGN, DELIVER),
        "active",
        "Hands-on science for families at the windmill, run by volunteers and museum staff.",
        description="Every second Saturday the windmill's museum staff and volunteers run hands-"
        "on science for families: grinding flour, building wind turbines, testing "
        "bridges.\n\n"
        "Local primary schools helped plan the sessions, and older pupils now help "
        "run them.",
        participants=(
            who("volunteers", "", (DESIGN, DELIVER), 6, 200),
            who("council", "Nottingham City Council museums", (DESIGN, DELIVER), 2, 80),
            who("school", "Sneinton primary schools", (DESIGN,), 3, 24),
        ),
        outcomes=(
            change(
                "Families from all over Nottingham visit, and local children now help run "
                "the sessions."
            ),
        ),
        started_on="2023-10-14",
        place_name="Green's Windmill",
        offset=(0.0000, -0.0040),
        precision="exact",
        contact_url="https://example.org/windmill-science",
    ),
    DemoInitiative(
        "Sneinton Dale tree planting",
        "sneinton",
        ("sustainability",),
        (COMMISSION, DESIGN, DELIVER, ASSESS),
        "completed",
        "Residents chose the streets and species, planted the trees with the council and "
        "water them through the summer.",
        description="Residents chose which streets and which trees at two open meetings, with the "
        "council's tree officer advising on what would grow.\n\n"
        "Sixty-four trees went in over one winter, each with a neighbour who waters "
        "it through the first three summers.",
        participants=(
            who("residents", "", (COMMISSION, DESIGN, DELIVER, ASSESS), 35, 280),
            who("council", "Nottingham City Council", (COMMISSION, DESIGN, DELIVER), 3, 90),
            who("business", "Sneinton Dale shops", (DELIVER,), 1, 8),
        ),
        outcomes=(
            change(
                "The street is greener and cooler in summer.",
                "Street trees planted",
                0,
                64,
                measured_on="2024-03-15",
            ),
        ),
        started_on="2023-11-25",
        ended_on="2024-03-15",
        place_name="Sneinton Dale",
        offset=(0.0010, 0.0045),
        precision="exact",
        credit="organisation",
        credit_name="Sneinton Dale residents",
    ),
]


def seed_demo_initiatives(users_by_role: dict[str, User]) -> None:
    """Add the demo neighbourhoods and initiatives with their revisions, verifications and
    an open report; published ones go into the search index. Flushes; the caller commits."""
    neighbourhoods = {row[0]: _ensure_neighbourhood(*row) for row in DEMO_NEIGHBOURHOODS}
    submitters = {**users_by_role, **_ensure_residents()}
    council = users_by_role.get("council")
    moderator = users_by_role.get("moderator")
    verifier = db.session.scalar(
        select(Organisation).where(Organisation.name == VERIFYING_COUNCIL)
    )
    now = utcnow()
    total = len(DEMO_INITIATIVES)
    for index, demo in enumerate(DEMO_INITIATIVES):
        submitter = submitters.get(demo.submitter) or users_by_role.get("resident")
        # Published ones spread over the past months; those awaiting a decision are recent.
        if demo.state in ("published", "archived"):
            submitted = now - timedelta(days=6 * (total - index) + 3)
        else:
            submitted = now - timedelta(days=index % 5 + 1, hours=index)
        initiative = _create_initiative(demo, neighbourhoods[demo.neighbourhood], submitter)
        _set_times(initiative, demo.state, submitted)
        if verifier is not None and council is not None:
            _verify_outcomes(initiative, demo, verifier, council, submitted + timedelta(days=2))
        _add_revisions(initiative, demo, submitter, moderator, submitted, now)
        if demo.report:
            reason, details = demo.report
            db.session.add(
                Report(
                    initiative=initiative,
                    reason=reason,
                    details=details,
                    created_at=now - timedelta(hours=5),
                )
            )
        reindex_initiative(initiative)
    db.session.flush()


def _ensure_neighbourhood(
    slug: str, name: str, local_authority: str, latitude: float, longitude: float
) -> Neighbourhood:
    neighbourhood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
    if neighbourhood is None:
        neighbourhood = Neighbourhood(
            slug=slug,
            name=name,
            local_authority=local_authority,
            latitude=latitude,
            longitude=longitude,
        )
        db.session.add(neighbourhood)
        db.session.flush()
    return neighbourhood


def _ensure_residents() -> dict[str, User]:
    residents = {}
    for email, display_name in DEMO_RESIDENTS:
        user = db.session.scalar(select(User).where(User.email == email))
        residents[email] = user or create_user(
            email, secrets.token_urlsafe(24), role="resident", display_name=display_name
        )
    return residents


def _create_initiative(
    demo: DemoInitiative, neighbourhood: Neighbourhood, submitter: User | None
) -> Initiative:
    latitude = longitude = None
    if demo.offset is not None:
        latitude = round(neighbourhood.latitude + demo.offset[0], 6)
        longitude = round(neighbourhood.longitude + demo.offset[1], 6)
    initiative = Initiative(
        slug=slugify(demo.title, 100),
        title=demo.title,
        state=demo.state,
        submitter_id=submitter.id if submitter else None,
        moderation_note=demo.note,
    )
    db.session.add(initiative)
    apply_content(
        initiative,
        {
            "title": demo.title,
            "summary": demo.summary,
            "description": demo.description,
            "status": demo.status,
            "started_on": demo.started_on,
            "ended_on": demo.ended_on,
            "neighbourhood_id": neighbourhood.id,
            "place_name": demo.place_name,
            "latitude": latitude,
            "longitude": longitude,
            "location_precision": demo.precision,
            "location_state": "set" if latitude is not None else "none",
            "contact_url": demo.contact_url,
            "credit": demo.credit,
            "credit_name": demo.credit_name,
            "themes": list(demo.themes),
            "stages": list(demo.stages),
            "participants": [dict(row) for row in demo.participants],
            "outcomes": [dict(row) for row in demo.outcomes],
        },
    )
    db.session.flush()
    return initiative


def _set_times(initiative: Initiative, state: str, submitted: datetime) -> None:
    initiative.created_at = submitted - timedelta(days=1)
    initiative.updated_at = submitted
    if state == "draft":
        return
    initiative.submitted_at = initiative.consented_at = submitted
    if state in ("published", "archived"):
        initiative.published_at = initiative.updated_at = submitted + timedelta(days=1)


def _verify_outcomes(
    initiative: Initiative,
    demo: DemoInitiative,
    organisation: Organisation,
    officer: User,
    verified_at: datetime,
) -> None:
    """Mark the outcomes the demo says are verified, if the officer's council covers them."""
    if initiative.neighbourhood.local_authority != organisation.local_authority:
        return
    for outcome, row in zip(initiative.outcomes, demo.outcomes, strict=True):
        if row["verified"]:
            outcome.verified_at = verified_at
            outcome.verified_by_organisation_id = organisation.id
            outcome.verified_by_user_id = officer.id
            outcome.verification_note = "Checked against the council's own figures."


def _add_revisions(
    initiative: Initiative,
    demo: DemoInitiative,
    author: User | None,
    moderator: User | None,
    submitted: datetime,
    now: datetime,
) -> None:
    """The submission as revision 1 (decided, unless waiting), and any pending edit as 2."""
    if demo.state == "draft":
        return
    decided = demo.state != "pending"
    revision_state = {
        "pending": "pending",
        "changes_requested": "changes_requested",
        "rejected": "rejected",
    }.get(demo.state, "approved")
    content = initiative_content(initiative)
    db.session.add(
        Revision(
            initiative=initiative,
            number=1,
            author_id=author.id if author else None,
            kind="submission",
            state=revision_state,
            content=content,
            note=demo.note if demo.state in ("changes_requested", "rejected") else "",
            created_at=submitted,
            decided_at=submitted + timedelta(days=1) if decided else None,
            decided_by_id=moderator.id if decided and moderator else None,
        )
    )
    if demo.pending_edit:
        db.session.add(
            Revision(
                initiative=initiative,
                number=2,
                author_id=author.id if author else None,
                kind="edit",
                state="pending",
                content={**content, **demo.pending_edit},
                created_at=now - timedelta(days=1),
            )
        )
