"""The open-data downloads (issue 18): the whole published dataset as files, rebuilt by the
worker when the data changed, written atomically, served with ETag and Content-Length."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from app.downloads.files import FILES, rebuild_open_data


@pytest.fixture
def downloads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DOWNLOADS_ROOT", str(tmp_path / "downloads"))
    return tmp_path / "downloads"


def rebuild(app, force: bool = False) -> bool:
    with app.app_context():
        return rebuild_open_data(force=force)


def test_nothing_is_served_before_the_first_build(client, downloads):
    assert client.get("/downloads/initiatives.csv").status_code == 404
    assert client.get("/downloads/secret_key").status_code == 404


def test_the_files_hold_the_published_initiatives_only(app, client, downloads, make_initiative):
    make_initiative(title="Street watch")
    make_initiative(title="Not yet", state="pending")

    assert rebuild(app) is True

    rows = list(
        csv.DictReader(io.StringIO((downloads / "initiatives.csv").read_text("utf-8-sig")))
    )
    assert [row["title"] for row in rows] == ["Street watch"]
    assert rows[0]["url"].startswith("http://localhost:5000/initiatives/")
    geojson = (downloads / "initiatives.geojson").read_text()
    assert "Street watch" in geojson and "Not yet" not in geojson
    with zipfile.ZipFile(downloads / "open-data.zip") as archive:
        assert sorted(archive.namelist()) == [
            "README.txt",
            "initiatives.csv",
            "initiatives.geojson",
        ]
        assert "1 published initiatives" in archive.read("README.txt").decode()
    assert not [path for path in downloads.iterdir() if path.name.startswith(".")]
    # Readable by a front web server running as another user.
    assert {(downloads / name).stat().st_mode & 0o777 for name in FILES} == {0o644}


def test_the_files_are_rebuilt_only_after_a_change(
    app, downloads, make_initiative, make_neighbourhood
):
    place = make_neighbourhood()  # (a new neighbourhood is a public change of its own)
    make_initiative(title="Street watch", neighbourhood_id=place)
    assert rebuild(app) is True
    assert rebuild(app) is False  # nothing public changed
    make_initiative(title="Draft", state="draft", neighbourhood_id=place)
    assert rebuild(app) is False  # nor does a draft
    make_initiative(title="Walking group")
    assert rebuild(app) is True
    assert "Walking group" in (downloads / "initiatives.csv").read_text("utf-8-sig")


def test_a_renamed_neighbourhood_is_a_change_too(app, downloads, make_initiative):
    from app.extensions import db
    from app.initiatives.models import Initiative

    initiative_id = make_initiative(title="Street watch")
    assert rebuild(app) is True
    with app.app_context():  # nothing about the initiative row itself changes
        db.session.get(Initiative, initiative_id).neighbourhood.name = "Renamed Park"
        db.session.commit()
    assert rebuild(app) is True
    assert "Renamed Park" in (downloads / "initiatives.csv").read_text("utf-8-sig")


def test_files_are_served_with_etag_length_and_ranges(app, client, downloads, make_initiative):
    make_initiative(title="Street watch")
    rebuild(app)
    size = (downloads / "open-data.zip").stat().st_size

    response = client.get("/downloads/open-data.zip")
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert int(response.headers["Content-Length"]) == size
    assert response.headers["Content-Disposition"] == 'attachment; filename="open-data.zip"'
    etag = response.headers["ETag"]
    unchanged = client.get("/downloads/open-data.zip", headers={"If-None-Match": etag})
    unchanged.close()
    assert unchanged.status_code == 304
    part = client.get("/downloads/initiatives.csv", headers={"Range": "bytes=0-2"})
    assert part.status_code == 206 and part.get_data() == "\ufeff".encode()
    part.close()
    geojson = client.get("/downloads/initiatives.geojson")
    geojson.close()
    assert geojson.mimetype == "application/geo+json"
    assert client.get("/cy/downloads/initiatives.csv").status_code == 404  # never prefixed


@pytest.fixture
def public_site(app, monkeypatch):
    """The files built for the address the test client asks at."""
    monkeypatch.setitem(app.config, "SITE_URL", "http://localhost")


def _from_file(response) -> bool:
    """A file is sent with its length; an export made afresh is streamed without one."""
    response.get_data()
    response.close()
    return "Content-Length" in response.headers


def test_an_unfiltered_export_is_the_current_file_byte_for_byte(
    app, client, downloads, public_site, make_initiative, monkeypatch
):
    make_initiative(title="Street watch")
    made_afresh = {
        name: client.get(f"/api/v1/initiatives.{name}").get_data() for name in ("csv", "geojson")
    }
    rebuild(app)

    def made_again(_filter):
        raise AssertionError("the current file should have been sent")

    monkeypatch.setattr("app.api.exports.csv_chunks", made_again)
    monkeypatch.setattr("app.api.exports.geojson_chunks", made_again)
    for name, mimetype in (("csv", "text/csv"), ("geojson", "application/geo+json")):
        assert (downloads / f"initiatives.{name}").read_bytes() == made_afresh[name]
        response = client.get(f"/api/v1/initiatives.{name}")
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.get_data() == made_afresh[name]
        assert int(response.headers["Content-Length"]) == len(made_afresh[name])
        response.close()
        assert response.headers["ETag"] and response.headers["Link"]
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="initiatives-')
        unchanged = client.get(
            f"/api/v1/initiatives.{name}", headers={"If-None-Match": response.headers["ETag"]}
        )
        unchanged.close()
        assert unchanged.status_code == 304


def test_an_export_the_file_does_not_answer_is_made_afresh(
    app, client, downloads, public_site, make_initiative
):
    make_initiative(title="Street watch")
    rebuild(app)
    assert _from_file(client.get("/api/v1/initiatives.csv"))

    for path, headers, base_url in (
        ("/api/v1/initiatives.csv?q=watch", {}, "http://localhost"),  # filtered
        ("/api/v1/initiatives.csv", {"Accept-Language": "cy"}, "http://localhost"),  # in Welsh
        ("/api/v1/initiatives.csv", {}, "http://mirror.example"),  # at another address
    ):
        response = client.get(path, headers=headers, base_url=base_url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and not _from_file(response)
        assert f",{base_url}/" in text  # the rows link to where they were asked for

    make_initiative(title="Walking group")  # the file is an hour behind at most
    after_a_change = client.get("/api/v1/initiatives.csv")
    assert not _from_file(after_a_change)
    assert "Walking group" in after_a_change.get_data(as_text=True)
    assert rebuild(app) is True
    assert _from_file(client.get("/api/v1/initiatives.csv"))


def test_files_of_an_older_layout_are_built_again_and_not_sent(
    app, client, downloads, public_site, make_initiative, monkeypatch
):
    make_initiative(title="Street watch")
    rebuild(app)
    monkeypatch.setattr("app.api.open_data_files.ROWS_FORMAT", 999)  # an upgrade words rows anew

    assert not _from_file(client.get("/api/v1/initiatives.csv"))
    assert rebuild(app) is True
    assert _from_file(client.get("/api/v1/initiatives.csv"))
    monkeypatch.setitem(app.config, "DATA_LICENCE", "ODbL")  # so does a new licence
    assert not _from_file(client.get("/api/v1/initiatives.csv"))
    assert rebuild(app) is True
