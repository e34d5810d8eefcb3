"""Import problems say what to do, and the advice can be followed (issue 17)."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.initiatives.models import Initiative
from tests.test_imports import make_places

ROW = "{external_id},Street watch,Walking together.,safety,co-delivery,Kirkstall\n"
HEADER = "external_id,title,summary,themes,stages,neighbourhood\n"


def _check(runner, tmp_path, external_id: str) -> str:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(HEADER + ROW.format(external_id=external_id), encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(sheet)])
    assert result.exit_code == 1
    return " ".join(result.output.split())


def test_same_titled_initiatives_get_advice_that_can_be_followed(
    app, runner, make_neighbourhood, make_initiative, tmp_path
):
    places = make_places(make_neighbourhood)
    named = make_initiative(title="Street watch", neighbourhood_id=places["kirkstall"])
    first = make_initiative(title="Street watch", neighbourhood_id=places["kirkstall"])
    second = make_initiative(title="Street watch", neighbourhood_id=places["kirkstall"])
    with app.app_context():
        db.session.execute(
            update(Initiative).where(Initiative.id == named).values(external_id="LCC-1")
        )
        db.session.commit()

    output = _check(runner, tmp_path, "")
    assert f"#{named} (external_id “LCC-1”), #{first}, #{second}" in output
    assert "put it in the row's external_id column" in output

    output = _check(runner, tmp_path, "NEW-1")
    assert f"have this title and no external_id (#{first}, #{second})" in output
    assert "give all but one of them another title on the site" in output
