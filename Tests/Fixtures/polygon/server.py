#!/usr/bin/env python3
"""A local stand-in for the Polygon REST API, for offline tests (127.0.0.1 only).

    python3 server.py --scenario scenario.json --log requests.jsonl

Prints the port it listens on as its first stdout line. Serves the recorded responses in this
folder (v2/aggs, v3/reference/splits and dividends: real responses from the official client's
test mocks; benzinga/v1/earnings: constructed from the endpoint's documented fields, SOURCE.md)
and generated aggregate pages of the same shape, and misbehaves on demand.

Scenario (JSON): {"key": "<the API key clients must send as a Bearer token>",
  "rules": [{"match": "<substring of path?query>", ...one behaviour...}, ...]}
Behaviours, applied by the first rule that matches and still has `times` left (default: always):
  "serve": "<recorded file>"         the recorded body, as is
  "generate": {"page": N, "step_ms": S}  bars every S ms in [from, to] of the request path,
                                     N per page with a next_url (no key in it) to the rest;
                                     with "mark": true each bar's trade count is the request's
                                     sequence number (which answer a stored bar came from)
  "status": 429 | 500 | 502 | 503 | 401 | 403 | 400, "retry_after": seconds (429 only)
  "hang": seconds                    wait before answering (past the client's timeout)
  "truncate": true                   cut the body in half
  "malformed": true                  a body that is not JSON
  "empty": true                      status OK with no `results` key
A scenario may also set "rate_limit": {"requests": N, "seconds": W}: a request that would make
more than N in the last W seconds (whoever sent them) is answered 429 with Retry-After, as
Polygon's per-key limit does, and logged with "limited": true.
Every request is appended to --log as JSON: time, path, client_port (one per TCP connection),
authorization (whether the right Bearer key came), user_agent, accept_encoding.
"""
import argparse
import hashlib
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def bar(ts, step):
    h = int(hashlib.sha256(str(ts).encode()).hexdigest()[:8], 16)
    o = 100 + (h % 1000) / 100
    c = o + ((h >> 10) % 100 - 50) / 100
    return {"v": 1000 + h % 5000 + 0.5, "vw": round((o + c) / 2, 4), "o": o, "c": c,
            "h": max(o, c) + 0.25, "l": min(o, c) - 0.25, "t": ts, "n": 1 + h % 300}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    scenario = json.load(open(args.scenario))
    rules = scenario.get("rules", [])
    for r in rules:
        r.setdefault("times", None)
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1)
    limit = scenario.get("rate_limit")
    admitted = []  # times of the requests admitted in the last window
    sequence = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, code, body, headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Request-Id", "req-" + hashlib.md5(self.path.encode()).hexdigest()[:12])
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self):
            auth = self.headers.get("Authorization", "")
            now = time.time()
            entry = {"time": now, "path": self.path, "client_port": self.client_address[1],
                     "authorization": auth == "Bearer " + scenario["key"],
                     "user_agent": self.headers.get("User-Agent", ""), "accept_encoding": self.headers.get("Accept-Encoding", "")}
            limited = False
            with lock:
                sequence[0] += 1
                seq = entry["seq"] = sequence[0]
                if limit:
                    while admitted and admitted[0] <= now - limit["seconds"]:
                        admitted.pop(0)
                    limited = len(admitted) >= limit["requests"]
                    if not limited:
                        admitted.append(now)
                    entry["limited"] = limited
                log.write(json.dumps(entry) + "\n")
            rid = "req-" + hashlib.md5((self.path + str(time.time())).encode()).hexdigest()[:12]
            if limited:
                return self.send(429, json.dumps({"status": "ERROR", "request_id": rid, "error":
                                 "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue."}),
                                 [("Retry-After", "1")])
            if auth != "Bearer " + scenario["key"]:
                return self.send(401, json.dumps({"status": "ERROR", "request_id": rid, "error": "Unknown API Key"}))
            rule = None
            with lock:
                for r in rules:
                    if r["match"] in self.path and (r["times"] is None or r["times"] > 0):
                        if r["times"] is not None:
                            r["times"] -= 1
                        rule = r
                        break
            if rule is None:
                return self.send(404, json.dumps({"status": "NOT_FOUND", "request_id": rid, "message": "no route"}))
            if "hang" in rule:
                time.sleep(rule["hang"])
            if "status" in rule:
                code = rule["status"]
                headers = [("Retry-After", str(rule["retry_after"]))] if "retry_after" in rule else []
                status = {403: "NOT_AUTHORIZED", 401: "ERROR"}.get(code, "ERROR")
                text = {403: "You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing",
                        429: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue.",
                        401: "Unknown API Key", 400: "Bad request"}.get(code, "Internal server error")
                key = "message" if code == 403 else "error"
                return self.send(code, json.dumps({"status": status, "request_id": rid, key: text}), headers)
            if rule.get("malformed"):
                return self.send(200, '{"status": "OK", "results": [{"o": 1, "h": 2,, ]')
            if rule.get("empty"):
                return self.send(200, json.dumps({"ticker": "X", "queryCount": 0, "resultsCount": 0, "adjusted": False,
                                                  "status": "OK", "request_id": rid, "count": 0}))
            if "serve" in rule:
                body = open(os.path.join(HERE, rule["serve"]), "rb").read()
                # List endpoints filtered by ?ticker= (a ticker's details, /v3/reference/tickers/T, are one object: as is).
                if ("/v3/reference/" in self.path or "/benzinga/" in self.path) and not self.path.startswith("/v3/reference/tickers/"):
                    q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                    doc = json.loads(body)
                    want = q.get("ticker", [None])[0]
                    doc["results"] = [x for x in doc.get("results", []) if want is None or x.get("ticker") == want]
                    body = json.dumps(doc).encode()
                if rule.get("truncate"):
                    body = body[: len(body) // 2]
                return self.send(200, body)
            if "generate" in rule:
                g = rule["generate"]
                url = urllib.parse.urlparse(self.path)
                parts = url.path.split("/")  # /v2/aggs/ticker/T/range/M/SPAN/FROM/TO
                start, end = int(parts[8]), int(parts[9])
                step = g.get("step_ms", 60000)
                first = (start + step - 1) // step * step
                stamps = list(range(first, end + 1, step))
                page = g.get("page", 50000)
                body = {"ticker": parts[4], "queryCount": len(stamps[:page]), "resultsCount": len(stamps[:page]),
                        "adjusted": False, "results": [dict(bar(t, step), **({"n": seq} if g.get("mark") else {})) for t in stamps[:page]], "status": "OK",
                        "request_id": rid, "count": len(stamps[:page])}
                if len(stamps) > page:
                    nxt = "/".join(parts[:8] + [str(stamps[page]), parts[9]])
                    body["next_url"] = f"http://127.0.0.1:{self.server.server_address[1]}{nxt}?cursor=bGltaXQ9NTAwMDA"
                # Compact, as Polygon sends it (the plugin's compact-bar reader takes these pages; the
                # recorded files above are stored pretty-printed and go through its general reader).
                text = json.dumps(body, separators=(",", ":"))
                if rule.get("truncate"):
                    text = text[: len(text) // 2]
                return self.send(200, text)
            return self.send(500, "{}")

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    # Stop when the test that started it closes our stdin (or dies), and after 10 minutes whatever happens.
    def watch_stdin():
        try:
            while sys.stdin.buffer.read(1):
                pass
        finally:
            os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Timer(600, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
