#!/usr/bin/env python3
"""A stand-in service for the readiness benchmark (benches/readiness.rs).

Usage: ready_service.py tcp|http|log PORT

Waits a random 20-200 ms, so that the port opens at an unpredictable point of the host's probe
schedule, then becomes ready:

- tcp:  binds 127.0.0.1:PORT and listens (never accepts: the kernel completes the probe's connect);
- http: an HTTP server on 127.0.0.1:PORT that answers every GET with 200;
- log:  prints the line `service ready`.

It reads the clock (`time.time_ns()`) right before and right after listen() / writing the ready
line, and then prints `opened_ns=BEFORE AFTER` on stdout: the port opened (or the line became
readable) somewhere between the two. The benchmark reads that line from the host's event stream and
subtracts the stamps from the wall-clock time at which the host's `ready` event arrived. Then the
service serves until it is killed.
"""

import random
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Ok(BaseHTTPRequestHandler):
    """Answers every GET with 200 and a tiny body; logs nothing but the arrival of the first GET
    (`get_ns=<time.time_ns()>`, printed after answering), which splits the http latency in two."""

    seen_get = False

    def do_GET(self):  # noqa: N802 (the name http.server dispatches to)
        arrived = time.time_ns()
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if not Ok.seen_get:
            Ok.seen_get = True
            say(f"get_ns={arrived}")

    def log_message(self, *args):
        pass


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    time.sleep(random.uniform(0.020, 0.200))
    if kind == "tcp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        before = time.time_ns()
        sock.listen(128)
        after = time.time_ns()
        say(f"opened_ns={before} {after}")
        while True:
            time.sleep(3600)
    elif kind == "http":
        # Bind first, then listen (the constructor would do both; allow_reuse_address is set).
        server = HTTPServer(("127.0.0.1", port), Ok, bind_and_activate=False)
        server.server_bind()
        before = time.time_ns()
        server.server_activate()  # listen()
        after = time.time_ns()
        say(f"opened_ns={before} {after}")
        server.serve_forever()
    elif kind == "log":
        before = time.time_ns()
        say("service ready")
        after = time.time_ns()
        say(f"opened_ns={before} {after}")
        while True:
            time.sleep(3600)
    else:
        sys.exit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    main()
