"""Serve the app on a free local port, for tests that need real server processes.

Usage: ``python -m tests.support.serve_app PORT_FILE`` with the app's configuration as JSON in
the ``COPRODUCE_TEST_APP_CONFIG`` environment variable. The port is printed and written to
PORT_FILE (atomically) once the socket listens; the process serves until it is terminated.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app

CONFIG_VARIABLE = "COPRODUCE_TEST_APP_CONFIG"


def main() -> None:
    port_file = Path(sys.argv[1])
    app = create_app(json.loads(os.environ[CONFIG_VARIABLE]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    print(port, flush=True)
    partial = port_file.with_name(port_file.name + ".partial")
    partial.write_text(str(port))
    partial.replace(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
