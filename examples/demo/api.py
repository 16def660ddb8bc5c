"""Demo API: JSON on /, a health endpoint on /health; reads the schema version from the db."""
import http.server, json, os, time, urllib.request

STARTED = time.time()
DB = os.environ.get("DB_URL", "http://127.0.0.1:8702")


def schema_version():
    try:
        with urllib.request.urlopen(f"{DB}/kv/schema_version", timeout=2) as r:
            return json.loads(r.read())["value"]
    except OSError as e:
        return f"db unreachable: {e}"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = {"status": "ok"}
        else:
            body = {"service": "api", "uptime_s": round(time.time() - STARTED, 1), "schema_version": schema_version()}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("api:", fmt % args, flush=True)


port = int(os.environ.get("PORT", "8701"))
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"api listening on {port}", flush=True)
server.serve_forever()
