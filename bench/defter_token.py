#!/usr/bin/env python3
"""Signs in to a running defter as user "bench" (password on stdin) and
prints a new API token: POST /api/v1/auth/login, then POST
/api/v1/auth/tokens with the session cookie and its CSRF token.

  printf '%s' "$PW" | python3 bench/defter_token.py http://127.0.0.1:PORT [USER]
"""
import http.client
import json
import sys
import urllib.parse


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    user = sys.argv[2] if len(sys.argv) > 2 else "bench"
    password = sys.stdin.read()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", "/api/v1/auth/login",
                 json.dumps({"username": user, "password": password}),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"login: HTTP {r.status} {body[:200]!r}")
    csrf = json.loads(body)["csrf_token"]
    cookies = [h.split(";", 1)[0] for k, h in r.getheaders() if k.lower() == "set-cookie"]
    conn.request("POST", "/api/v1/auth/tokens", json.dumps({"name": "bench", "days": 1}),
                 {"Content-Type": "application/json", "X-CSRF-Token": csrf,
                  "Cookie": "; ".join(cookies)})
    r = conn.getresponse()
    body = r.read()
    if r.status != 201:
        sys.exit(f"token: HTTP {r.status} {body[:200]!r}")
    print(json.loads(body)["token"])


if __name__ == "__main__":
    main()
