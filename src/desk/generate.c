/* generate.c - synthetic tickets from a fixed seed: the demo data of
 * `defter init --demo` and the load of the benchmark (`defter desk seed`).
 * Each ticket goes through desk_ticket_create (routing, SLA, audit,
 * search row), batched in transactions of a thousand; tickets older than
 * a week are then moved through their life (response, resolution,
 * closing, a rating) so lists, searches and reports see realistic data. */
#include "desk.h"
#include "desk_int.h"
#include "../core/log.h"

#include <stdio.h>
#include <string.h>

static uint64_t next(uint64_t *s)
{
  /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static const char *pick(uint64_t *s, const char *const *list, size_t n)
{
  return list[next(s) % n];
}

static const char *const devices[] = {
    "Yazıcı", "Bilgisayar", "Monitör", "İnternet bağlantısı", "E-posta", "Telefon", "Tarayıcı", "Projeksiyon",
    "VPN", "Kablosuz ağ", "Klavye", "Fare", "EBYS", "Muhasebe programı", "İmar uygulaması", "Kamera sistemi",
    "Personel kart okuyucu", "Dizüstü bilgisayar", "Fotokopi makinesi", "Ağ anahtarı"};
static const char *const problems[] = {
    "çalışmıyor", "açılmıyor", "çok yavaş", "kağıt sıkıştırıyor", "bağlanamıyor", "hata veriyor",
    "ekranı mavi oluyor", "ses gelmiyor", "donuyor", "şifre kabul etmiyor", "yazdırmıyor", "sürekli kopuyor"};
static const char *const places[] = {
    "Fen İşleri Müdürlüğü", "Zabıta Müdürlüğü", "İmar ve Şehircilik Müdürlüğü", "Mali Hizmetler Müdürlüğü",
    "Kültür İşleri Müdürlüğü", "Yazı İşleri Müdürlüğü", "İnsan Kaynakları Müdürlüğü", "Temizlik İşleri Müdürlüğü",
    "Park ve Bahçeler Müdürlüğü", "Sosyal Destek Hizmetleri Müdürlüğü", "Şişli Kültür Merkezi", "Işıklar Hizmet Binası"};
static const char *const details[] = {
    "Sabahtan beri aynı sorun devam ediyor, acil bakılmasını rica ederim.",
    "Bilgisayarı yeniden başlattım ama düzelmedi.",
    "Vatandaş işlemleri aksıyor, yardımcı olabilir misiniz?",
    "Dün akşam güncelleme sonrası başladı.",
    "Ekranda hata kodu çıkıyor, fotoğrafını ekledim.",
    "Odadaki diğer arkadaşlarda da aynı sorun var."};

int desk_generate(db *d, int64_t count, uint64_t seed, bool quiet)
{
  if (count <= 0)
    return 0;
  uint64_t s = seed ? seed : 1;
  int64_t cats[64], ncats = 0, users[256], nusers = 0;
  db_stmt *st = db_q(d, "SELECT id FROM desk_categories WHERE active = 1 AND parent_id IS NOT NULL ORDER BY id LIMIT 64",
                     "");
  while (db_step(st) == DB_ROW && ncats < 64)
    cats[ncats++] = db_col_int(st, 0);
  db_done(st);
  st = db_q(d, "SELECT id FROM users WHERE active = 1 ORDER BY id LIMIT 256", "");
  while (db_step(st) == DB_ROW && nusers < 256)
    users[nusers++] = db_col_int(st, 0);
  db_done(st);
  struct actor who = audit_system("desk.generate");
  int64_t now = now_unix(), span = 3 * 365 * 86400LL;
  int rc = 0;
  json_t *fields = json_object();
  for (int64_t i = 0; !rc && i < count; i++) {
    if (i % 1000 == 0 && (rc = db_begin(d)))
      break;
    char subject[256], body[512];
    const char *place = pick(&s, places, ARRAY_LEN(places));
    snprintf(subject, sizeof subject, "%s %s", pick(&s, devices, ARRAY_LEN(devices)),
             pick(&s, problems, ARRAY_LEN(problems)));
    snprintf(body, sizeof body, "%s (%s, kat %d, oda %d)", pick(&s, details, ARRAY_LEN(details)), place,
             (int)(next(&s) % 6), (int)(100 + next(&s) % 400));
    /* Newer tickets are more frequent than older ones. */
    int64_t age = (int64_t)(next(&s) % (uint64_t)span);
    if (count > 1000 && i >= count - count / 20)
      age = (int64_t)(next(&s) % (7 * 86400));
    int64_t created = count <= 1000 ? now - (int64_t)(next(&s) % (30 * 86400)) : now - age;
    struct desk_new n = {
        .type = next(&s) % 4 == 0 ? "talep" : "ariza",
        .subject = subject,
        .body = body,
        .location = place,
        .category_id = ncats ? cats[next(&s) % (uint64_t)ncats] : 0,
        .requester_id = nusers ? users[next(&s) % (uint64_t)nusers] : 0,
        .urgency = (int)(1 + next(&s) % 3),
        .impact = (int)(1 + next(&s) % 3),
        .channel = "web",
        .created_at = created,
    };
    n.created_by = n.requester_id;
    int64_t id = 0;
    json_object_clear(fields);
    rc = desk_ticket_create(d, NULL, &who, &n, fields, &id);
    if (!rc && now - created > 7 * 86400) {
      int64_t resp = created + 300 + (int64_t)(next(&s) % 7200), res = resp + 600 + (int64_t)(next(&s) % 259200);
      int64_t rating = next(&s) % 3 == 0 ? 0 : (int64_t)(3 + next(&s) % 3);
      rc = db_run(d,
                  "UPDATE desk_tickets SET status = 5, first_response_at = ?, resolved_at = ?, closed_at = ?,"
                  " resolution = 'Sorun giderildi.', rating = ?, response_breached = (? > response_due),"
                  " resolve_breached = (? > resolve_due), minutes = ? WHERE id = ?",
                  "iiiIiiii", resp, res, res + 86400, rating, resp, res, (int64_t)(10 + next(&s) % 120), id);
    }
    if (!rc && (i % 1000 == 999 || i == count - 1))
      rc = db_commit(d);
    if (!quiet && i % 100000 == 99999)
      fprintf(stderr, "desk: %lld tickets\n", (long long)(i + 1));
  }
  json_decref(fields);
  if (rc) {
    db_rollback(d);
    log_error("ticket generation failed", "%s", "");
    return -1;
  }
  return 0;
}
