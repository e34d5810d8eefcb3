"""Configuration: layers, documentation of every key, and the secret key rules."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from app.config import (
    ENVIRONMENT_KEYS,
    Defaults,
    SecretKeyProblem,
    load_settings,
    production_secret_key,
    secret_key_fingerprint,
    write_secret_key,
)

ROOT = Path(__file__).resolve().parent.parent
DESIGN_KEYS = [
    "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GEOCODER", "NOMINATIM_DOMAIN",
    "NOMINATIM_SCHEME", "NOMINATIM_USER_AGENT", "TILE_URL", "TILE_ATTRIBUTION", "MAIL_SERVER",
    "MAIL_PORT", "MAIL_FROM", "PROXY_COUNT", "TIMEZONE", "DATA_LICENCE",
]  # fmt: skip
FLASK_OWN = {"SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE",
             "WTF_CSRF_TIME_LIMIT", "MAX_CONTENT_LENGTH", "SQLALCHEMY_ENGINE_OPTIONS"}  # fmt: skip


def test_every_key_is_explained_in_the_example_config():
    example = (ROOT / "instance" / "config.example.py").read_text()
    documented = set(re.findall(r"^# ([A-Z0-9_]+) =", example, re.M))
    ours = {key for key in dir(Defaults) if key.isupper()} - FLASK_OWN
    assert set(DESIGN_KEYS) <= set(ENVIRONMENT_KEYS)
    assert ours | set(ENVIRONMENT_KEYS) <= documented
    assert documented <= ours | set(ENVIRONMENT_KEYS)


def test_every_environment_key_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in ENVIRONMENT_KEYS if f"`{key}`" not in readme]
    assert missing == []


def test_layers_defaults_then_instance_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('TIMEZONE = "UTC"\nSITE_NAME = "From file"\n')
    monkeypatch.setenv("SITE_NAME", "From environment")
    monkeypatch.setenv("PROXY_COUNT", "2")
    settings = load_settings(tmp_path)
    assert settings["TIMEZONE"] == "UTC"
    assert settings["SITE_NAME"] == "From environment"
    assert settings["PROXY_COUNT"] == 2
    assert settings["DATA_LICENCE"] == "CC BY 4.0"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coproduce.sqlite3'}"


def test_bad_environment_value_names_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(RuntimeError, match="MAIL_PORT"):
        load_settings(tmp_path)


def test_redis_url_moves_rate_limit_counters_to_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert load_settings(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.delenv("REDIS_URL")
    # Without Redis, every process on the machine shares one file, not each its own memory.
    expected = f"sqlite:///{(tmp_path / 'ratelimits.sqlite3').resolve()}"
    assert load_settings(tmp_path)["RATELIMIT_STORAGE_URI"] == expected


def test_secret_key_file_is_made_once_and_private(tmp_path):
    assert write_secret_key(tmp_path) is True
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert write_secret_key(tmp_path) is False
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert load_settings(tmp_path)["SECRET_KEY"] == key


def test_app_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("COPRODUCE_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="No SECRET_KEY"):
        create_app()


def test_no_secret_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [path for path in tracked if path.startswith("instance/") and
                path != "instance/config.example.py"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(tmp_path, **env):
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(COPRODUCE_INSTANCE=str(tmp_path), WEB_CONCURRENCY="2", **env)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    process = _gunicorn(tmp_path, PORT=str(_free_port()))
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert "no SECRET_KEY" in output


def test_gunicorn_refuses_the_generated_key_file(tmp_path):
    """Two instances that each ran `make secret-key` would reject each other's sessions."""
    write_secret_key(tmp_path)
    process = _gunicorn(tmp_path, PORT=str(_free_port()))
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert "instance/secret_key" in output and "ALLOW_INSTANCE_SECRET_KEY=1" in output


def test_production_secret_key_rules(tmp_path, monkeypatch):
    for key in ("SECRET_KEY", "ALLOW_INSTANCE_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(SecretKeyProblem, match="no SECRET_KEY"):
        production_secret_key(tmp_path)
    write_secret_key(tmp_path)
    generated = (tmp_path / "secret_key").read_text().strip()
    with pytest.raises(SecretKeyProblem, match="ALLOW_INSTANCE_SECRET_KEY"):
        production_secret_key(tmp_path)
    monkeypatch.setenv("ALLOW_INSTANCE_SECRET_KEY", "1")
    assert production_secret_key(tmp_path) == (generated, True)
    (tmp_path / "config.py").write_text('SECRET_KEY = "from-config"\n')
    assert production_secret_key(tmp_path) == ("from-config", False)
    monkeypatch.setenv("SECRET_KEY", "from-environment")
    assert production_secret_key(tmp_path) == ("from-environment", False)


def test_under_gunicorn_the_app_too_refuses_the_generated_key_file(tmp_path, monkeypatch):
    for key in ("SECRET_KEY", "ALLOW_INSTANCE_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COPRODUCE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    write_secret_key(tmp_path)
    with pytest.raises(SecretKeyProblem):
        create_app()


def test_the_fingerprint_tells_keys_apart_without_revealing_them():
    fingerprint = secret_key_fingerprint("production-test-key")
    assert re.fullmatch(r"[0-9a-f]{8}", fingerprint)
    assert fingerprint == secret_key_fingerprint("production-test-key")
    assert fingerprint != secret_key_fingerprint("production-test-key2")
    assert fingerprint not in hashlib.sha256(b"production-test-key").hexdigest()


def _wait_until_healthy(process, port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                assert r.status == 200
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


def test_gunicorn_uses_the_key_file_when_allowed_and_says_so(tmp_path):
    write_secret_key(tmp_path)
    key = (tmp_path / "secret_key").read_text().strip()
    port = _free_port()
    process = _gunicorn(
        tmp_path,
        PORT=str(port),
        ALLOW_INSTANCE_SECRET_KEY="1",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    try:
        _wait_until_healthy(process, port)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "ALLOW_INSTANCE_SECRET_KEY is set" in output
    assert f"SECRET_KEY fingerprint {secret_key_fingerprint(key)}" in output


def test_gunicorn_serves_with_a_secret_key(tmp_path):
    port = _free_port()
    process = _gunicorn(
        tmp_path,
        PORT=str(port),
        SECRET_KEY="production-test-key",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    fingerprint = secret_key_fingerprint("production-test-key")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"SECRET_KEY fingerprint {fingerprint}" in output
    assert "ALLOW_INSTANCE_SECRET_KEY" not in output
