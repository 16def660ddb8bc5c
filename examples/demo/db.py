"""Demo database: a tiny key-value store over HTTP (GET/PUT /kv/KEY, GET /health). Port from $PORT."""
import http.server, json, os, threading

DATA = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        key = self.path.removeprefix("/kv/")
        with LOCK:
            if key in DATA:
                return self.reply(200, {"key": key, "value": DATA[key]})
        self.reply(404, {"error": f"no key {key}"})

    def do_PUT(self):
        key = self.path.removeprefix("/kv/")
        value = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with LOCK:
            DATA[key] = value
        self.reply(200, {"key": key, "value": value})

    def log_message(self, fmt, *args):
        print("db:", fmt % args, flush=True)


port = int(os.environ.get("PORT", "8702"))
print(f"db listening on {port}", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
