#!/usr/bin/env python3
"""Turns bench/netlog.sh's measurements ("meta KEY VALUE..." and "res NAME
VALUES..." lines on stdin) into the markdown block it prints and keeps in
docs/performance.md (through report.py --doc)."""
import sys

TARGET_RATE = 1_000_000
TARGET_RSYSLOG = 2.0
TARGET_QUERY_MS = 100.0
TARGET_QUERY_LINES = 100_000_000


def main():
    meta, res = {}, {}
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ")
        if len(parts) < 2:
            continue
        if parts[0] == "meta":
            meta[parts[1]] = " ".join(parts[2:])
        elif parts[0] == "res":
            res[parts[1]] = parts[2:]
    n = int(meta["lines"])
    nbytes = int(meta["bytes"])
    mb = nbytes / 1e6
    f = lambda k, i: float(res[k][i])
    out = []
    w = out.append
    w("## 5651 erişim kayıtları / access-log archive (netlog): defter, rsyslog, zstd")
    w("")
    w(f"- Komut / command: `{meta['command'].strip()}`")
    w(f"- Makine / machine: {meta['machine']} (başka işlerle paylaşılıyor / shared with other work)")
    w(f"- Tarih / date: {meta['date']}; defter {meta['rev']}, rsyslog {res['rsyslog'][4]}, zstd {meta['zstd']}")
    w(f"- Veri / data: {n:,} satır / lines, {mb:,.0f} MB, ortalama / mean {nbytes / n:.0f} B/satır line "
      f"(FortiOS 7 traffic/forward key=value, RFC 3164 başlık / header; {int(meta['dhcp']):,} DHCP: dnsmasq, ISC dhcpd)")
    w("")
    t_def, t_sent, t_exit, cpu_def = (f("defter", i) for i in range(4))
    t_rs, t_rs_sent, rs_lines, cpu_rs = f("rsyslog", 0), f("rsyslog", 1), int(res["rsyslog"][2]), f("rsyslog", 3)
    r_def = n / t_def
    r_rs = rs_lines / t_rs
    t_z, z_bytes = f("zstd3", 0), int(res["zstd3"][1])
    t_sha = f("sha256", 0)
    t_par = f("zstd3_sha256_parallel", 0)
    rows = [
        ("defter: TCP → ayrıştır, alan kodla, sıkıştır, diske yaz, mühürle / parse, field-encode, compress, write, seal",
         t_def, cpu_def),
        ("rsyslog: TCP (imtcp) → düz dosya / plain file (omfile)", t_rs, cpu_rs),
        ("zstd -3 (1 çekirdek / core)", t_z, None),
        ("sha256sum (1 çekirdek / core)", t_sha, None),
        ("zstd -3 ∥ sha256sum (2 çekirdek / cores: makinenin sınırı / the machine's limit)", t_par, None),
    ]
    w("| Ölçü / measure | satır/s lines/s | MB/s | süre / time s | CPU çekirdek / cores | defter / bu / this |")
    w("|---|---:|---:|---:|---:|---:|")
    for name, t, cpu in rows:
        lines = rs_lines if name.startswith("rsyslog") else n
        rate = lines / t
        w(f"| {name} | {rate:,.0f} | {lines / n * mb / t:,.0f} | {t:.1f} | "
          f"{'' if cpu is None else f'{cpu / t:.2f}'} | {r_def / rate:.2f}× |")
    w("")
    w(f"defter: son satır / last line sent at {t_sent:.1f} s, diskte / on disk at {t_def:.1f} s, SIGTERM ile son "
      f"segment mühürlenip çıkış / last segment sealed and exit at {t_exit:.1f} s; "
      f"{int(res['defter_disk'][2])} segment, {int(res['defter_disk'][3])} manifest; durum / status: "
      f"received {res['defter_status'][0]}, stored {res['defter_status'][1]}, dropped {res['defter_status'][2]}, "
      f"parsed {res['defter_status'][3]}, unknown {res['defter_status'][4]}. rsyslog: {rs_lines:,} satır / lines yazdı / written.")
    w("")
    seg = int(res["defter_disk"][0])
    sn, s_bytes, s_z19, s_z3, s_def = (int(x) for x in res["sample"][:5])
    w("Diskte satır başına / bytes on disk per line:")
    w("")
    w("| Ne / what | tüm / all " + f"{n:,}" + " | örnek / sample " + f"{sn:,}" + " |")
    w("|---|---:|---:|")
    w(f"| ham / raw | {nbytes / n:.1f} | {s_bytes / sn:.1f} |")
    w(f"| defter segmentleri (indeks dahil) / segments (index included) | {seg / n:.1f} | {s_def / sn:.1f} |")
    w(f"| zstd -3 | {z_bytes / n:.1f} | {s_z3 / sn:.1f} |")
    w(f"| zstd -19 | – | {s_z19 / sn:.1f} |")
    w("")
    ok_rt = res["roundtrip"][0] == "PASS"
    w(f"Geri dönüş / round trip: `defter netlog dump` SHA-256 {'=' if ok_rt else '≠'} üretilen dosyanın / the generated "
      f"file's ({res['roundtrip'][2][:16]}…), {f('roundtrip', 1):.1f} s: **{res['roundtrip'][0]}**")
    w("")
    q_ok = True
    if "store" in res:
        qn, qt, qsegs, qbytes = int(res["store"][0]), f("store", 1), int(res["store"][2]), int(res["store"][3])
        w(f"Sorgu / query: {qn:,} satır / lines in {qsegs} segment ({qbytes / qn:.1f} B/line), "
          f"`netlog_gen | defter netlog ingest` {qt:.0f} s ({qn / qt:,.0f} satır/s lines/s, üretici dahil / generator included)")
        w("")
        w("| Sorgu / query (`defter netlog query`, süreç başlatma ve denetim kaydı dahil / process start and audit write included) | doğru / right | en az / min ms | medyan / median ms | en çok / max ms |")
        w("|---|---|---:|---:|---:|")
        for key, name in (("query_nat", "NAT: genel / public ip:port → iç adres / internal address"),
                          ("query_lease", "DHCP: iç adres / internal address → MAC")):
            ok, lo, med, hi = res[key][0], float(res[key][1]), float(res[key][2]), float(res[key][3])
            q_ok = q_ok and ok == "PASS" and med < TARGET_QUERY_MS
            w(f"| {name} | {ok} | {lo:.1f} | {med:.1f} | {hi:.1f} |")
        w("")
    w("Hedefler / targets:")
    w("")
    w("| Hedef / target | Ölçülen / measured | Sonuç / result |")
    w("|---|---:|---|")
    res_txt = lambda ok: "GEÇTİ / PASS" if ok else "KALDI / FAIL"
    w(f"| uçtan uca / end to end ≥ {TARGET_RATE:,} satır/s lines/s | {r_def:,.0f} | {res_txt(r_def >= TARGET_RATE)} |")
    w(f"| ≥ {TARGET_RSYSLOG:.0f}× rsyslog | {r_def / r_rs:.2f}× | {res_txt(r_def / r_rs >= TARGET_RSYSLOG)} |")
    w(f"| diskte / on disk ≤ zstd -19 (aynı satırlar / same lines) | {s_def / sn:.1f} vs {s_z19 / sn:.1f} B/line | "
      f"{res_txt(s_def <= s_z19)} |")
    w(f"| her satır aynen geri / every line back byte for byte | {res['roundtrip'][0]} | {res_txt(ok_rt)} |")
    if "store" in res:
        big = int(res["store"][0]) >= TARGET_QUERY_LINES
        w(f"| nokta sorgu / point query < {TARGET_QUERY_MS:.0f} ms @ {TARGET_QUERY_LINES:,} | "
          f"{float(res['query_nat'][2]):.1f} / {float(res['query_lease'][2]):.1f} ms @ {int(res['store'][0]):,} | "
          f"{res_txt(q_ok and big)} |")
    w("")
    w("Notlar / notes:")
    w("")
    w("- Makine ölçüm sırasında başka yardımcıların derleme ve fuzz işleriyle paylaşıldı; sayılar o anın sayılarıdır / "
      "the machine was shared with other helpers' builds and fuzzers during the run; the figures are that moment's.")
    w("- Satırlar gerçek FortiOS 7 düzeninde ve konunun saydığı bütün anahtarlarla ~635 bayttır (konu ~430 bayt "
      "varsaymıştı): satır/s hedefi bu yüzden daha zordur / the lines carry the real FortiOS 7 layout with every key the "
      "issue lists and are ~635 bytes (the issue assumed ~430), which makes the lines/s target harder.")
    w("- defter: ilk bayttan status.json'ın her satırı diskte saydığı ana kadar (dosyaya yazılmış; her flush_ms ve "
      "kapanışta fdatasync); durum 250 ms'de bir yazılır. Bir okuyucu/ayrıştırıcı iş parçacığı, iki kodlayıcı/sıkıştırıcı "
      "iş parçacığı / defter: from the first byte until status.json counts every line on disk (written to the segment "
      "file, fdatasync'd every flush_ms and at close); the status is written every 250 ms. One reader/parser thread, "
      "two encoder/compressor threads.")
    w("- Blok biçimi (sürüm 2): satırlar şablon + sütunlara ayrılır (tamsayılar varint farkı, IPv4 4 bayt, tekrar eden "
      "metin sözlük), zstd -3; DHCP kira satırları bloğun başında metin olarak; başlıkta nokta sorgu bloom'u "
      "(~3 B/satır), kapanan segmentin sonunda blok dizini / block format (version 2): lines split into templates and "
      "columns (integers as varint deltas, IPv4 as 4 bytes, repeated text by dictionary), zstd -3; DHCP lease lines as "
      "text at the start of a block; a point-query bloom in the header (~3 B/line); a block directory at the end of a "
      "closed segment.")
    w("- rsyslog: Debian paketi, imtcp → omfile `%rawmsg%`, başka ayar yok (dosyayı fsync etmez) / Debian's package, "
      "imtcp → omfile with `%rawmsg%`, nothing else tuned (it does not fsync its file).")
    w("- Sorgu deposu soketten değil `defter netlog ingest` ile üretecin borusundan kuruldu (daha hızlı, 60 GB dosya "
      "gerekmez), 10M satırlık segmentler / the query store was built with `defter netlog ingest` from the generator's "
      "pipe, not the socket (faster, no 60 GB file), in 10M-line segments.")
    w("- Sorgu süresi `defter netlog query` sürecinin tamamıdır (başlatma, veri dizini, denetim kaydı dahil); NAT için "
      "±600 s (`nat_window_seconds`), kira için ±30 gün aranır; sıcak sayfa önbelleği / query time is the whole "
      "`defter netlog query` process (start, data dir, audit write included); NAT sessions are looked for within "
      "±600 s (`nat_window_seconds`), leases within ±30 days; warm page cache.")
    w("- zstd -19 yalnız örnekte (saniyede birkaç MB); defter de aynı örnekle ölçüldü / zstd -19 runs on the sample "
      "only (a few MB/s); defter was measured on the same sample.")
    w("")
    passed = (r_def >= TARGET_RATE, r_def / r_rs >= TARGET_RSYSLOG, s_def <= s_z19, ok_rt,
              "store" in res and q_ok and int(res["store"][0]) >= TARGET_QUERY_LINES)
    w("Sonuç / result: " + ("bütün hedefler geçti / every target met" if all(passed)
                            else "hedeflerin bazıları kaldı / some targets fail"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
