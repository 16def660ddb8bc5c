"""Demo web front: an HTML page that shows what the API answers. Port from $PORT, API from $API_URL."""
import http.server, os, urllib.request

API = os.environ.get("API_URL", "http://127.0.0.1:8701")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(API, timeout=2) as r:
                api = r.read().decode()
        except OSError as e:
            api = f"API unreachable: {e}"
        data = f"<!doctype html><title>nexsock demo</title><h1>nexsock demo</h1><pre>{api}</pre>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("web:", fmt % args, flush=True)


port = int(os.environ.get("PORT", "8700"))
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
