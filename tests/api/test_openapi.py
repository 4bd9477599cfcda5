"""docs/openapi.yaml (served as /api/v1/openapi.json) against the route table."""
import json

from harness import check, eq, expect_status


def _routes(h):
    p = h.cli("routes", "--json")
    eq(p.returncode, 0, f"defter routes --json ({p.stderr.strip()})")
    routes = json.loads(p.stdout)
    check(isinstance(routes, list) and routes, "no routes")
    return routes


def _spec(h):
    r = h.client().get("/api/v1/openapi.json")
    expect_status(r, 200)
    check(r.header("Content-Type", "").startswith("application/json"), f"Content-Type {r.header('Content-Type')}")
    spec = r.json()
    check(str(spec.get("openapi", "")).startswith("3."), f"openapi version {spec.get('openapi')!r}")
    check(isinstance(spec.get("paths"), dict), "no paths")
    return spec


def test_openapi_lists_every_api_route(h):
    spec = _spec(h)
    missing = []
    # /inventory: the agents' endpoint, public and outside /api/v1, documented all the same.
    api = [r for r in _routes(h) if r["path"].startswith("/api/") or r["path"] in ("/healthz", "/inventory")]
    check(len(api) >= 10, f"only {len(api)} API routes registered")
    for r in api:
        ops = spec["paths"].get(r["path"], {})
        if r["method"].lower() not in ops:
            missing.append(f"{r['method']} {r['path']}")
    check(not missing, "routes missing from /api/v1/openapi.json: " + ", ".join(missing))


def test_openapi_has_no_stale_paths(h):
    spec = _spec(h)
    have = {(r["method"].lower(), r["path"]) for r in _routes(h)}
    methods = {"get", "post", "put", "patch", "delete", "head", "options"}
    stale = [f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops if m in methods and (m, p) not in have]
    check(not stale, "documented but not registered: " + ", ".join(stale))


def test_routes_have_permissions(h):
    for r in _routes(h):
        check(r.get("module") and r.get("method") and r.get("perm"), f"incomplete route entry {r}")
        # The rating link of a resolution mail works without signing in: its
        # random token (stored hashed, usable once) is the credential.
        if r["path"].startswith("/api/v1/") and r["path"] not in ("/api/v1/openapi.json", "/api/v1/auth/login",
                                                                   "/api/v1/desk/rate/{token}"):
            check(r["perm"] != "public", f"{r['method']} {r['path']} is public")
