"""The working-time calendar: GET /api/v1/calendar, PUT .../hours,
PUT/DELETE .../days/{day}, the /calendar page and its forms, and the
official holidays seeded by `defter init` and the org.calendar job."""
import datetime
import re

from harness import check, eq, expect_error, expect_status

DEFAULT_HOURS = "mon-fri 08:30-12:30,13:30-17:30"


def this_year():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).year


def days_of(client, year):
    body = client.get_json(f"/api/v1/calendar?year={year}")
    eq(body["year"], year, "year")
    return {d["day"]: d for d in body["days"]}


def put_day(client, day, body):
    return client.request("PUT", f"/api/v1/calendar/days/{day}", json_body=body, csrf=True)


def put_hours(client, hours):
    return client.request("PUT", "/api/v1/calendar/hours", json_body={"hours": hours}, csrf=True)


def audit_rows(h, entity, entity_id=None):
    q = f"/api/v1/audit?entity={entity}&limit=200" + (f"&entity_id={entity_id}" if entity_id else "")
    return h.as_user("admin").get_json(q)["items"]


def test_calendar_read_year(h):
    personel = h.as_user("personel")
    body = personel.get_json("/api/v1/calendar")
    eq((body["year"], body["hours"]), (this_year(), DEFAULT_HOURS), "default year and hours")
    # the seeded range: last year .. five years ahead, with the official days
    for year in range(this_year() - 1, this_year() + 6):
        days = days_of(personel, year)
        eq(days.get(f"{year}-10-29"), {"day": f"{year}-10-29", "kind": "holiday", "half_from": None,
                                       "name": "Cumhuriyet Bayramı", "source": "builtin"}, f"29 Ekim {year}")
        eq((days[f"{year}-10-28"]["kind"], days[f"{year}-10-28"]["half_from"]), ("half", "13:00"), f"28 Ekim {year}")
        eq(days[f"{year}-01-01"]["kind"], "holiday", f"1 Ocak {year}")
        check(sorted(days) == list(days), "days in date order")
        check(all(d.startswith(f"{year}-") for d in days), f"only days of {year}")
    if this_year() - 1 <= 2026 <= this_year() + 5:
        days = days_of(personel, 2026)
        eq([days[d]["kind"] for d in ("2026-03-19", "2026-03-20", "2026-03-21", "2026-03-22")],
           ["half", "holiday", "holiday", "holiday"], "Ramazan Bayramı 2026")
        eq([days[d]["kind"] for d in ("2026-05-26", "2026-05-27", "2026-05-28", "2026-05-29", "2026-05-30")],
           ["half", "holiday", "holiday", "holiday", "holiday"], "Kurban Bayramı 2026")
        eq(days["2026-05-27"]["name"], "Kurban Bayramı 1. gün", "name")
        eq(len(days), 17, "2026 official days")
    # outside the seeded range: nothing
    eq(days_of(personel, 1990), {}, "1990")
    # seeding was audited once per year by init
    seeds = [r for r in audit_rows(h, "calendar") if r["action"] == "seed"]
    years = sorted(int(r["entity_id"]) for r in seeds)
    eq(years, list(range(this_year() - 1, this_year() + 6)), "seed audit rows")
    for bad in ("abc", "1899", "10000", "-1", "2026.5"):
        err = expect_error(personel.get(f"/api/v1/calendar?year={bad}"), 400, "validation", f"year={bad}")
        check("year" in err.get("fields", {}), f"{err}")
    expect_error(h.client().get("/api/v1/calendar"), 401, "unauthenticated", "anonymous")


def test_calendar_who_may_change(h):
    year = this_year() + 2
    before = days_of(h.as_user("admin"), year)
    for user in ("personel", "teknik", "sef", "denetci"):
        c = h.as_user(user)
        expect_error(put_hours(c, "mon-fri 09:00-17:00"), 403, "forbidden", f"{user} sets hours")
        expect_error(put_day(c, f"{year}-06-02", {"kind": "holiday", "name": "İdari izin"}), 403, "forbidden",
                     f"{user} adds a day")
        expect_error(c.request("DELETE", f"/api/v1/calendar/days/{year}-10-29", csrf=True), 403, "forbidden",
                     f"{user} removes a day")
        r = c.post_form("/calendar/days", {"_csrf": c.csrf, "day": f"{year}-06-02", "kind": "holiday",
                                           "name": "İdari izin"})
        expect_status(r, 403, f"{user} posts the form")
    eq(days_of(h.as_user("admin"), year), before, "nothing changed")
    eq(h.as_user("personel").get_json("/api/v1/calendar")["hours"], DEFAULT_HOURS, "hours unchanged")
    # a sub-unit grant of calendar.manage is not enough: the calendar is the institution's
    _, uname, pw = h.create_user(role="yonetici", unit="TAB")
    c = h.login(uname, pw)
    expect_error(put_day(c, f"{year}-06-02", {"kind": "holiday", "name": "İdari izin"}), 403, "forbidden",
                 "a unit's yonetici")
    # and without the CSRF header
    expect_error(h.as_user("admin").request("PUT", f"/api/v1/calendar/days/{year}-06-02",
                                            json_body={"kind": "holiday", "name": "x"}), 403, "csrf", "no csrf")


def test_calendar_admin_changes_are_audited(h):
    admin, mudur = h.as_user("admin"), h.as_user("mudur")
    year = this_year() + 3
    day = f"{year}-03-14"
    r = put_day(admin, day, {"kind": "workday", "name": "  Telafi çalışması "})
    expect_status(r, 201, "create")
    eq(r.json(), {"day": day, "kind": "workday", "half_from": None, "name": "Telafi çalışması", "source": "admin"},
       "created")
    eq(days_of(mudur, year)[day]["kind"], "workday", "listed")
    r = put_day(mudur, day, {"kind": "half", "name": "Yarım gün"})
    expect_status(r, 200, "replace")
    eq((r.json()["kind"], r.json()["half_from"]), ("half", "13:00"), "half day defaults to 13:00")
    r = put_day(mudur, day, {"kind": "half", "half_from": "12:30", "name": "Yarım gün", })
    expect_status(r, 200, "replace with a time")
    eq(r.json()["half_from"], "12:30", "half_from")
    # an official day can be corrected and keeps the change
    r = put_day(admin, f"{year}-10-28", {"kind": "holiday", "name": "Cumhuriyet Bayramı arifesi (tam gün)"})
    expect_status(r, 200, "correct an official day")
    eq(r.json()["source"], "admin", "source after a correction")
    r = admin.request("DELETE", f"/api/v1/calendar/days/{day}", csrf=True)
    expect_status(r, 200, "delete")
    eq(r.json()["half_from"], "12:30", "the deleted record")
    check(day not in days_of(admin, year), "deleted")
    expect_error(admin.request("DELETE", f"/api/v1/calendar/days/{day}", csrf=True), 404, "not_found", "twice")
    expect_error(admin.request("DELETE", "/api/v1/calendar/days/2026-02-30", csrf=True), 404, "not_found", "no date")
    rows = audit_rows(h, "calendar_day", day)
    eq(sorted(x["action"] for x in rows), ["create", "delete", "update", "update"], "audit rows")
    create = [x for x in rows if x["action"] == "create"][0]
    eq((create["actor"], create["before"], create["after"]["kind"]), ("admin", None, "workday"), "create row")
    delete = [x for x in rows if x["action"] == "delete"][0]
    eq((delete["actor"], delete["before"]["kind"], delete["after"]), ("admin", "half", None), "delete row")
    # hours, canonicalised
    r = put_hours(mudur, " Mon-Thu 8:00-12:00 , 13:00-17:00 ;fri 08:00-12:00")
    expect_status(r, 200, "hours")
    eq(r.json()["hours"], "mon-thu 08:00-12:00,13:00-17:00; fri 08:00-12:00", "canonical hours")
    eq(admin.get_json("/api/v1/calendar")["hours"], "mon-thu 08:00-12:00,13:00-17:00; fri 08:00-12:00", "stored")
    expect_status(put_hours(admin, DEFAULT_HOURS), 200, "hours back")
    rows = audit_rows(h, "calendar_hours")
    check(len(rows) >= 2, f"hours audit rows: {rows}")
    last = rows[0] if rows[0]["id"] > rows[-1]["id"] else rows[-1]
    eq((last["before"]["hours"], last["after"]["hours"]),
       ("mon-thu 08:00-12:00,13:00-17:00; fri 08:00-12:00", DEFAULT_HOURS), "hours audit row")


def test_calendar_bad_input(h):
    admin = h.as_user("admin")
    year = this_year() + 4
    before = days_of(admin, year)
    n_audit = len(audit_rows(h, "calendar_day"))
    cases = [
        (f"{year}-02-30", {"kind": "holiday", "name": "x"}, "day"),
        (f"{year}-2-3", {"kind": "holiday", "name": "x"}, "day"),
        (f"{year}-06-02", {"kind": "tatil", "name": "x"}, "kind"),
        (f"{year}-06-02", {"kind": "holiday", "name": "   "}, "name"),
        (f"{year}-06-02", {"kind": "holiday", "name": "a\u0001b"}, "name"),
        (f"{year}-06-02", {"kind": "holiday", "name": "x" * 201}, "name"),
        (f"{year}-06-02", {"kind": "holiday", "half_from": "13:00", "name": "x"}, "half_from"),
        (f"{year}-06-02", {"kind": "half", "half_from": "25:00", "name": "x"}, "half_from"),
        (f"{year}-06-02", {"kind": "half", "half_from": "00:00", "name": "x"}, "half_from"),
        (f"{year}-06-02", {"kind": "half", "half_from": 780, "name": "x"}, "half_from"),
        (f"{year}-06-02", {"kind": "holiday"}, "name"),
        (f"{year}-06-02", {"kind": "holiday", "name": "x", "extra": 1}, "extra"),
    ]
    for day, body, field in cases:
        err = expect_error(put_day(admin, day, body), 400, "validation", f"{day} {body}")
        check(field in err.get("fields", {}), f"400 does not name {field}: {err}")
    for hours in ("", "mon", "mon 17:00-08:00", "mon 08:00-12:00,11:00-13:00", "xyz 08:00-12:00",
                  "mon 08:00-25:00", "mon-fri 08:00-12:00;", "x" * 600):
        err = expect_error(put_hours(admin, hours), 400, "validation", f"hours {hours!r}")
        check("hours" in err.get("fields", {}), f"{err}")
        check(err["message"] and "hours" in err["fields"], "message")
    # the messages are Turkish by default (po/tr.po), English on request
    err = expect_error(put_hours(h.login("admin"), "mon"), 400, "validation", "Turkish message")
    check(re.search(r"[çğıöşüÇĞİÖŞÜ]", err["fields"]["hours"]), f"not Turkish: {err}")
    en = h.login("admin", lang="en")
    err = expect_error(put_hours(en, "mon"), 400, "validation", "English message")
    check(err["fields"]["hours"].startswith("Write the hours like"), f"not English: {err}")
    eq(days_of(admin, year), before, "no write")
    eq(len(audit_rows(h, "calendar_day")), n_audit, "no audit row")
    eq(admin.get_json("/api/v1/calendar")["hours"], DEFAULT_HOURS, "hours unchanged")


def test_calendar_page_and_forms(h):
    year = this_year()
    personel = h.as_user("personel")
    r = personel.get("/calendar")
    expect_status(r, 200, "page")
    check(f'id="day-{year}-10-29"' in r.text, "29 Ekim row")
    check("Cumhuriyet Bayramı" in r.text, "holiday name")
    check(DEFAULT_HOURS in r.text, "hours shown")
    check('id="day-form"' not in r.text and 'id="hours-form"' not in r.text, "personel sees no forms")
    check('href="/calendar"' in r.text, "nav entry")
    admin = h.as_user("admin")
    target = this_year() + 5
    r = admin.get(f"/calendar?year={target}")
    expect_status(r, 200, "admin page")
    check('id="day-form"' in r.text and 'id="hours-form"' in r.text, "admin sees the forms")
    day = f"{target}-09-07"
    r = admin.post_form("/calendar/days", {"_csrf": admin.csrf, "day": day, "kind": "half", "half_from": "11:00",
                                           "name": "İl kurtuluş günü"})
    expect_status(r, 303, "form add")
    eq(r.header("Location"), f"/calendar?year={target}", "back to the year")
    got = days_of(admin, target)[day]
    eq((got["kind"], got["half_from"], got["name"]), ("half", "11:00", "İl kurtuluş günü"), "added by the form")
    r = admin.get(f"/calendar?year={target}")
    check(f'id="day-{day}"' in r.text and "İl kurtuluş günü" in r.text, "listed on the page")
    bad = admin.post_form("/calendar/days", {"_csrf": admin.csrf, "day": day, "kind": "half", "half_from": "99:00",
                                             "name": "Bozuk"})
    expect_status(bad, 400, "bad form")
    check('id="form-message"' in bad.text and "Bozuk" in bad.text, "the problem is shown, the input kept")
    eq(days_of(admin, target)[day]["half_from"], "11:00", "bad form wrote nothing")
    bad = admin.post_form("/calendar/hours", {"_csrf": admin.csrf, "hours": "every day", "year": str(target)})
    expect_status(bad, 400, "bad hours form")
    r = admin.post_form(f"/calendar/days/{day}/delete", {"_csrf": admin.csrf})
    expect_status(r, 303, "form delete")
    check(day not in days_of(admin, target), "removed by the form")
    expect_status(admin.post_form(f"/calendar/days/{day}/delete", {"_csrf": admin.csrf}), 404, "already gone")
    expect_status(admin.post_form("/calendar/days", {"day": day, "kind": "holiday", "name": "x"}), 403, "no csrf")
    r = admin.post_form("/calendar/hours", {"_csrf": admin.csrf, "hours": "mon-fri 08:00-17:00",
                                            "year": str(target)})
    expect_status(r, 303, "hours form")
    eq(admin.get_json("/api/v1/calendar")["hours"], "mon-fri 08:00-17:00", "hours by the form")
    expect_status(put_hours(admin, DEFAULT_HOURS), 200, "hours back")
    expect_status(personel.get("/calendar?year=abc"), 400, "bad year on the page")


def test_calendar_job_keeps_removed_days(h):
    admin = h.as_user("admin")
    year = this_year() + 1
    day = f"{year}-05-19"
    expect_status(admin.request("DELETE", f"/api/v1/calendar/days/{day}", csrf=True), 200, "remove an official day")
    p = h.cli("jobs", "run", "org.calendar", "--data", h.server.data_dir)
    eq(p.returncode, 0, f"jobs run org.calendar: {p.stderr.strip()}")
    check(day not in days_of(admin, year), "the job put a removed official day back")
    seeds = [r for r in audit_rows(h, "calendar") if r["action"] == "seed"]
    eq(len(seeds), 7, "no year seeded twice")
    body = {"kind": "holiday", "name": "Atatürk'ü Anma, Gençlik ve Spor Bayramı"}
    expect_status(put_day(admin, day, body), 201, "put it back")
