#!/usr/bin/env python3
"""Synthetic service desk tickets for the Request Tracker side of
bench/desk.sh, with the same vocabulary and word frequencies as
`defter desk seed`, so that a word search matches a similar share of
tickets in both systems.

  gen_tickets.py rt --count N --seed S         "queue\tstatus\tsubject\tbody" lines
  gen_tickets.py create --count N --seed S --system rt|defter
                                               one JSON create body a line
  gen_tickets.py words                         the search words, one a line
"""
import argparse
import json
import random
import sys

# Unit codes of the eyupsultan preset; RT gets one queue per unit.
UNITS = ["MUD", "YBY", "ASD", "SNB", "TAB"]

OBJECTS = ["yazıcı", "bilgisayar", "monitör", "klavye", "fare", "telefon",
           "tarayıcı", "e-posta", "internet", "ağ", "sunucu", "şifre",
           "hesap", "toner", "projeksiyon", "kamera", "dizüstü", "modem",
           "uygulama", "ebys"]
PROBLEMS = ["çalışmıyor", "açılmıyor", "bağlanmıyor", "yavaş", "arızalı",
            "kilitlendi", "donuyor", "hata veriyor", "görüntü vermiyor",
            "ses vermiyor", "kağıt sıkıştı", "tanımıyor"]
PLACES = ["zemin kat", "birinci kat", "ikinci kat", "üçüncü kat", "arşiv",
          "meclis salonu", "zabıta", "fen işleri", "imar", "muhasebe",
          "yazı işleri", "insan kaynakları", "basın", "nikah salonu"]
FILLER = ["lütfen", "acil", "destek", "bekliyoruz", "sabahtan", "beri",
          "birimimizde", "kullanıcı", "personel", "işlem", "yapılamıyor",
          "yeniden", "başlatıldı", "sorun", "devam", "ediyor", "kontrol",
          "edilmesi", "rica", "olunur", "teşekkürler", "bugün", "dün",
          "toplantı", "öncesi", "gerekli", "cihaz", "kablo", "değişti"]
TYPES = ["ariza", "talep", "hizmet"]
# defter status -> the nearest RT status that a ticket may be created in
STATUSES = [("yeni", "new"), ("islemde", "open"), ("cozuldu", "resolved"), ("kapandi", "resolved")]


def ticket(rng):
    obj, prob = rng.choice(OBJECTS), rng.choice(PROBLEMS)
    place = rng.choice(PLACES)
    subject = f"{place} {obj} {prob}"
    words = [rng.choice(FILLER) for _ in range(rng.randint(12, 40))]
    words.insert(rng.randrange(len(words)), obj)
    body = " ".join(words).capitalize() + "."
    status = rng.choices(STATUSES, weights=[1, 2, 4, 8])[0]
    return {"unit": rng.choice(UNITS), "type": rng.choice(TYPES), "status": status,
            "subject": subject, "body": body}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["rt", "create", "words"])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--system", choices=["rt", "defter"], default="rt")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = sys.stdout
    try:
        if a.what == "words":
            for w in OBJECTS:
                print(w)
            return
        for _ in range(a.count):
            t = ticket(rng)
            if a.what == "rt":
                out.write(f"{t['unit']}\t{t['status'][1]}\t{t['subject']}\t{t['body']}\n")
            elif a.system == "rt":
                out.write(json.dumps({"Queue": t["unit"], "Subject": t["subject"],
                                      "Content": t["body"]}, ensure_ascii=False) + "\n")
            else:
                out.write(json.dumps({"type": t["type"], "subject": t["subject"],
                                      "body": t["body"]}, ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:
        # The RT loader stops reading when its time is up.
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
