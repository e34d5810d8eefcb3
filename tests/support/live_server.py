"""App processes of a test's own on free local ports, and a cookie-keeping client for them."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.support.serve_app import CONFIG_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


class AppServer:
    """One app process serving on a free local port."""

    def __init__(self, config: dict, folder: Path):
        folder.mkdir(parents=True)
        self.port_file = folder / "port"
        self.log_path = folder / "server.log"
        self._log = self.log_path.open("wb")
        environment = {**os.environ, CONFIG_VARIABLE: json.dumps(config)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.serve_app", str(self.port_file)],
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_until_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"app server exited ({self.process.returncode}):\n{self.log()}")
            if self.port is None and self.port_file.exists():
                self.port = int(self.port_file.read_text())
            if self.port is not None:
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                        if response.status == 200:
                            return
                except (urllib.error.URLError, ConnectionError):
                    pass
            time.sleep(0.05)
        pytest.fail(f"app server not ready within 15 s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class Browser:
    """A cookie-keeping HTTP client for one server: reads the CSRF token, posts forms."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf_token = ""

    def request(
        self, path: str, data: dict | None = None, json_body: object = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode()

    def open_form(self, path: str) -> None:
        status, _, page = self.request(path)
        assert status == 200
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, "no CSRF token in the form"
        self.csrf_token = match.group(1)

    def post(self, path: str, data: dict) -> tuple[int, dict[str, str], str]:
        return self.request(path, {**data, "csrf_token": self.csrf_token})
