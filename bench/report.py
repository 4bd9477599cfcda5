#!/usr/bin/env python3
"""Turns bench/desk.sh's measurements into the markdown block it prints and
keeps in docs/performance.md.

  report.py < facts                      prints the block
  report.py --doc FILE --block NAME < block
                                         puts the block into FILE between
                                         <!-- bench:NAME:begin/end --> markers
                                         (creates FILE, replaces an old block)

facts: "res SYSTEM.MEASURE rps p50_ms p99_ms errors requests [cpu_server
cpu_wrk cpu_other]" and
"meta KEY VALUE..." lines.
"""
import argparse
import re
import sys

MEASURES = [
    ("create", "Kayıt açma / ticket create"),
    ("list", "Liste: birimin son 50 kaydı / list: newest 50 of a unit"),
    ("search", "Arama / search (50)"),
]
TARGET_P99_MS = 20.0
TARGET_CREATE = 2000.0
TARGET_RATIO = 50.0

PAGE_HEAD = """# Performans / Performance

Bu sayfa `bench/` altındaki ölçümlerin son sonuçlarını tutar. Her ölçüm tek
komutla çalışır, aynı çalıştırmada bir karşılaştırma programını da ölçer ve
oranları yazar; bloklar betikler tarafından yeniden yazılır.

This page keeps the latest results of the benchmarks in `bench/`. Each runs
with one command, measures a reference program in the same run and prints the
ratios; the blocks are rewritten by the scripts.
"""


def num(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def read_facts(f):
    res, meta = {}, {}
    for line in f:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "res" and len(parts) >= 7:
            rps, p50, p99 = (float(v) for v in parts[2:5])
            res[parts[1]] = {"rps": rps, "p50": p50, "p99": p99,
                             "errors": int(parts[5]), "n": int(parts[6]),
                             "cpu": [float(v) for v in parts[7:10]] if len(parts) >= 10 else None}
        elif parts[0] == "meta" and len(parts) >= 2:
            meta[parts[1]] = " ".join(parts[2:])
    return res, meta


def block(res, meta):
    m = lambda k, d="?": meta.get(k, d)  # noqa: E731
    out = []
    w = out.append
    desk_n, rt_n = int(m("desk_tickets", "0")), int(m("rt_tickets", "0"))
    w("## Servis masası / Service desk: defter ve / and Request Tracker 5")
    w("")
    w(f"- Komut / command: `DESK_TICKETS={desk_n} RT_LOAD_SECONDS={m('rt_load_seconds')} "
      f"DURATION={m('duration')} CONNECTIONS={m('connections')} SEED={m('seed')} bash bench/desk.sh`")
    w(f"- Makine / machine: {m('nproc')} çekirdek / cores, {m('cpu')}")
    w(f"- Tarih / date: {m('date')}; defter {m('defter_version')}, "
      f"request-tracker5 {m('rt_version')} (rt5-standalone/Starlet, SQLite, REST2)")
    w(f"- Veri / data: defter {desk_n:,} kayıt / tickets (`defter desk seed`, {m('desk_seed_time')} s); "
      f"RT {rt_n:,} kayıt / tickets ({m('rt_load_time')} s içinde yüklenebilen / "
      f"what RT loaded in {m('rt_load_time')} s)")
    w("")
    w("| Ölçü / measure | defter istek/s req/s | defter p50 ms | defter p99 ms "
      "| RT istek/s req/s | RT p50 ms | RT p99 ms | oran istek/s / ratio req/s | oran p99 / ratio p99 |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {}
    for key, label in MEASURES:
        d, r = res.get("defter." + key), res.get("rt." + key)
        cells = [label]
        for x in (d, r):
            cells += [num(x["rps"]), f"{x['p50']:.2f}", f"{x['p99']:.2f}"] if x else ["-", "-", "-"]
        if d and r and r["rps"] > 0 and d["p99"] > 0:
            ratios[key] = d["rps"] / r["rps"]
            cells += [f"{ratios[key]:,.0f}×", f"{r['p99'] / d['p99']:,.0f}×"]
        else:
            cells += ["-", "-"]
        w("| " + " | ".join(cells) + " |")
    if any(x.get("cpu") for x in res.values()):
        w("")
        w("İşlemci (ölçüm süresince ortalama çekirdek) / CPU (average cores during the measurement):")
        w("")
        w("| Ölçü / measure | sunucu / server | wrk | diğer süreçler (kullanıcı) / other processes (user) |")
        w("|---|---:|---:|---:|")
        for sysname in ("defter", "rt"):
            for key, label in MEASURES:
                x = res.get(f"{sysname}.{key}")
                if x and x.get("cpu"):
                    c = x["cpu"]
                    w(f"| {'defter' if sysname == 'defter' else 'RT'}: {label.split(':')[0].split(' / ')[0]} "
                      f"| {c[0]:.2f} | {c[1]:.2f} | {c[2]:.2f} |")
        busy = max((x["cpu"][2] for x in res.values() if x.get("cpu")), default=0.0)
        if busy >= 0.2:
            w("")
            w(f"Uyarı / warning: ölçüm sırasında makinede başka işler de çalıştı (en çok {busy:.2f} çekirdek); "
              f"sonuçlar olduğundan düşük olabilir / other work ran on the machine during a measurement "
              f"(up to {busy:.2f} cores); figures may be low.")
    w("")
    w("Hedefler / targets:")
    w("")
    w("| Hedef / target | Ölçülen / measured | Sonuç / result |")
    w("|---|---:|---|")
    ok_all = True

    def target(name, measured, ok):
        nonlocal ok_all
        ok_all &= ok
        w(f"| {name} | {measured} | {'GEÇTİ / PASS' if ok else 'KALDI / FAIL'} |")

    for key, name in (("list", "liste / list"), ("search", "arama / search")):
        d = res.get("defter." + key)
        target(f"{name} p99 < {TARGET_P99_MS:.0f} ms", f"{d['p99']:.2f} ms" if d else "-",
               bool(d) and d["p99"] < TARGET_P99_MS)
    d = res.get("defter.create")
    target(f"kayıt açma / create ≥ {TARGET_CREATE:,.0f}/s", f"{num(d['rps'])}/s" if d else "-",
           bool(d) and d["rps"] >= TARGET_CREATE)
    for key, label in MEASURES:
        rr = ratios.get(key)
        target(f"{label.split(':')[0]}: ≥ {TARGET_RATIO:.0f}× RT (istek/s / req/s)",
               f"{rr:,.0f}×" if rr else "-", bool(rr) and rr >= TARGET_RATIO)
    errs = sum(x["errors"] for x in res.values())
    target("hatasız yanıt / no error responses", str(errs), errs == 0)
    if desk_n < 1_000_000:
        w("")
        w(f"Not / note: defter'de {desk_n:,} kayıt vardı; p99 hedefleri 1.000.000 kayıt içindir / "
          f"defter held {desk_n:,} tickets; the p99 targets are for 1,000,000.")
    w("")
    w("Notlar / notes:")
    w("")
    w(f"- wrk 1 iş parçacığı, {m('connections')} bağlantı, 3 s ısınmadan sonra {m('duration')} s; "
      f"sunucu ve wrk aynı makinede, 127.0.0.1 / wrk with 1 thread and {m('connections')} connections, "
      f"{m('duration')} s after a 3 s warm-up; server and wrk share the machine.")
    w("- RT: Debian paketi, kendi varsayılanları (SQLite, tam fsync), Starlet ile bağlantı başına bir "
      "işçi süreci; istekler REST2'ye oturum çerezi ile (temel kimlik doğrulamada RT her istekte bcrypt "
      "parola özeti hesaplar, ~0,2 s) / RT: Debian's package with its defaults (SQLite, full sync), one "
      "Starlet worker per connection, requests to REST2 with a web session cookie (with basic auth RT "
      "checks a bcrypt hash on every request, ~0.2 s). defter: Bearer API token.")
    w("- RT'ye veri RT'nin Perl API'si (RT::Ticket->Create, REST2'nin kullandığı yol) ile, 200'lük "
      "işlemlerde ve scrip'ler kapalı yüklendi; ölçülen kayıt açmada scrip'ler açıktır / RT was loaded "
      "through its Perl API (RT::Ticket->Create, the path REST2 uses) in transactions of 200 with "
      "scrips off; the measured create runs RT's default scrips.")
    w("- RT'ye defter'in ürettiği kayıtların aynısı (en eskiden başlayarak; konu, metin, birim, durum) "
      "yüklendi, birim başına bir kuyruk / RT got the very tickets defter's seed wrote (oldest first: "
      "subject, body, unit, status), one queue per unit.")
    w("- Liste: RT `Queue = 'BİRİM'` ORDER BY id DESC, per_page=50, fields=Subject,Status,Queue,Created; "
      "defter `?unit=BİRİM&limit=50` / List: RT's TicketSQL queue search newest first with those fields; "
      "defter's unit list.")
    w("- Arama: konuların ilk sözcükleri sırayla; RT `Subject LIKE 'Yazıcı'` (yalnız konu, yazıldığı "
      "gibi: SQLite'ta RT'nin tam metin dizini yoktur, LIKE yalnız ASCII harfleri katlar), defter "
      "`?q=yazıcı` (konu ve metin, FTS5, Türkçe harf katlama) / Search: the subjects' first words in "
      "turn; RT's subject LIKE with the word as written (RT has no full-text index on SQLite and LIKE "
      "folds ASCII letters only), defter's full-text search over subject and body, typed in lower "
      "case.")
    rates = m("rt_rates", "").split()
    if len(rates) == 2:
        w(f"- RT'nin kayıt açması tablolar büyüdükçe yavaşlar (SQLite): ilk 1000 kayıt {rates[0]}/s, son 1000 "
          f"kayıt {rates[1]}/s / RT's create slows down as its tables grow (SQLite): first thousand "
          f"{rates[0]}/s, last thousand {rates[1]}/s.")
    w("- RT daha az kayıtla ölçüldü, yani oranlar RT lehinedir / RT held fewer tickets, so the ratios "
      "favour RT.")
    w("")
    w(f"Sonuç / result: {'tüm hedefler geçti / all targets pass' if ok_all else 'hedeflerin bazıları kaldı / some targets fail'}")
    return "\n".join(out) + "\n"


def put_block(path, name, text):
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    try:
        with open(path, encoding="utf-8") as f:
            page = f.read()
    except FileNotFoundError:
        page = PAGE_HEAD
    new = f"{begin}\n{text.rstrip()}\n{end}"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pat.search(page):
        page = pat.sub(lambda _: new, page)
    else:
        page = page.rstrip() + "\n\n" + new + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc")
    ap.add_argument("--block", default="desk")
    a = ap.parse_args()
    if a.doc:
        put_block(a.doc, a.block, sys.stdin.read())
    else:
        sys.stdout.write(block(*read_facts(sys.stdin)))


if __name__ == "__main__":
    main()
