/* demo.c - demo tasks for `defter init --demo`: a few weeks of the
 * department's work (done, in progress, overdue, on hold, cancelled, one
 * handed over, some discussed) and two recurring templates. Every change
 * is made in the name of a demo user (mudur, sef, teknik, personel)
 * through the module's own functions, so the history and the audit trail
 * read exactly as if those users had worked through the API. Duties are
 * chosen by capability and unit, never by reference, so any preset works;
 * a task whose capability the preset lacks simply has no duty. */
#include "work.h"
#include "work_int.h"
#include "../core/log.h"
#include "../core/rbac.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The demo accounts `defter init --demo` makes, in this order. */
enum { MUDUR, SEF, TEKNIK, PERSONEL, NUSERS };
static const char *const usernames[NUSERS] = {"mudur", "sef", "teknik", "personel"};

enum { NOBODY = -1, NO_DEADLINE = 9999, MAX_STEPS = 3, MAX_COMMENTS = 2 };

struct demo_step {
  int by;
  const char *to;  /* the status key; NULL ends the list */
  const char *note;
};

struct demo_comment {
  int by;
  const char *body;  /* NULL ends the list */
};

struct demo_havale {
  int by, unit, to;  /* to: user index, or NOBODY for the unit itself */
  const char *reason;  /* NULL: no havale */
};

/* People are user indexes; a unit is named by the demo user who works
 * there: mudur's is the root, sef's and teknik's the first child unit,
 * personel's the second. */
struct demo_task {
  const char *title, *description;
  int by;            /* the creator */
  int unit;          /* whose unit the task belongs to */
  int to;            /* the assignee, or NOBODY */
  const char *caps;  /* duty capabilities in order of preference, space-separated; NULL: no duty */
  int deadline;      /* days from today; NO_DEADLINE: none */
  const char *priority;
  const char *doc_no;
  struct demo_havale havale;
  struct demo_comment comments[MAX_COMMENTS];
  struct demo_step steps[MAX_STEPS];
};

static const struct demo_task tasks[] = {
    {"Müdürlük faaliyet raporu için birim verilerinin toplanması",
     "Birimlerin dönem içindeki iş sayıları, tamamlanan projeler ve eğitim bilgileri tek tabloda toplanacak.",
     MUDUR, MUDUR, SEF, "activity_report task", -20, "yuksek", NULL, {0},
     {{SEF, "Üç birimin verisi geldi; kalan birimin tablosu bugün tamamlanacak."}},
     {{SEF, "suruyor", NULL}, {SEF, "tamamlandi", "Tablo müdüre e-posta ile gönderildi."}}},
    {"Aylık yedekten geri dönüş denemesi",
     "Son tam yedekten veritabanı test sunucusuna geri yüklenecek, süre ve sonuç kayda geçirilecek.", SEF, SEF,
     TEKNIK, "backup", -12, "normal", NULL, {0}, {{0}},
     {{TEKNIK, "suruyor", NULL}, {TEKNIK, "tamamlandi", "Geri yükleme 42 dakika sürdü, tutarlılık denetimi temiz."}}},
    {"Toplantı salonu projeksiyon ve ses sistemi kontrolü",
     "Meclis toplantısından önce projeksiyon, mikrofonlar ve kayıt cihazı denenecek.", MUDUR, PERSONEL, PERSONEL,
     "assets task", -15, "normal", NULL, {0}, {{0}},
     {{PERSONEL, "suruyor", NULL},
      {PERSONEL, "tamamlandi", "Projeksiyon lambası değiştirildi, ses sistemi çalışıyor."}}},
    {"Yeni başlayan personel için kullanıcı hesapları ve yetkiler",
     "Üç yeni personel için etki alanı hesabı, e-posta ve belge yönetim sistemi yetkileri tanımlanacak.", SEF, SEF,
     TEKNIK, "access_request", -3, "yuksek", NULL, {0}, {{0}},
     {{TEKNIK, "tamamlandi", "Hesaplar açıldı, ilk giriş parolaları kapalı zarfla teslim edildi."}}},
    {"e-İmza sertifikası süresi dolan personelin yenileme başvuruları",
     "Sertifikasının süresi bu ay dolan personelin yenileme başvuruları yapılıp kartları teslim edilecek.", SEF, SEF,
     TEKNIK, "esign", -6, "yuksek", NULL, {0},
     {{TEKNIK, "12 kişiden 8'inin başvurusu tamamlandı; 4 kişinin kimlik bilgisi bekleniyor."}},
     {{TEKNIK, "suruyor", NULL}}},
    {"Kamera kayıt sunucusunda disk doluluk uyarısı",
     "İzleme sistemi kayıt diskinin %92 dolu olduğunu bildiriyor; kayıtlar durmadan yer açılmalı.", SEF, SEF, TEKNIK,
     "monitor", -4, "acil", NULL, {0},
     {{SEF, "Yeni diskler için satın alma talebi açıldı mı?"},
      {TEKNIK, "Talep yazıldı; 60 günden eski kayıtlar geçici olarak arşiv diskine taşındı."}},
     {{TEKNIK, "suruyor", NULL}}},
    {"KVKK kişisel veri envanterinin güncellenmesi",
     "Birimlerin kişisel veri işleme faaliyetleri gözden geçirilip envanter ve VERBİS kaydı güncellenecek.", MUDUR,
     MUDUR, NOBODY, "kvkk security_policy", -9, "yuksek", NULL, {0},
     {{MUDUR, "Hukuk İşleri ile birlikte ele alınacak; birimlerden güncel işleme faaliyetleri istendi."}}, {{0}}},
    {"IP telefon santralinde dahili numara değişiklikleri",
     "Yer değiştiren birimlerin dahili numaraları santralde ve rehberde güncellenecek.", MUDUR, PERSONEL, PERSONEL,
     "telecom", -2, "normal", NULL, {0}, {{0}}, {{0}}},
    {"Lisans envanterinin çıkarılması",
     "Ofis, tasarım ve veritabanı yazılımlarının lisans sayıları, bitiş tarihleri ve kullanıldığı bilgisayarlar "
     "listelenecek.",
     MUDUR, SEF, TEKNIK, "licence software", 10, "normal", NULL, {0}, {{0}},
     {{TEKNIK, "suruyor", NULL}, {TEKNIK, "beklemede", "Tedarikçiden güncel lisans listesi bekleniyor."}}},
    {"Belediye web sitesinde duyuru tarihlerinin yanlış görünmesi",
     "Duyurular yayın tarihi yerine güncelleme tarihiyle listeleniyor; yazılımda düzeltilecek.", SEF, SEF, SEF,
     "software project", 5, "yuksek", NULL, {0}, {{0}}, {{SEF, "suruyor", NULL}}},
    {"Otomasyon sistemi rol ve yetki gözden geçirmesi",
     "Üç aylık gözden geçirme: ayrılan ve görev değiştiren personelin yetkileri kaldırılacak.", MUDUR, SEF, NOBODY,
     "access_review access_request", 21, "normal", NULL, {0}, {{0}}, {{0}}},
    {"Bilgi güvenliği politikasının yıllık gözden geçirilmesi",
     "Politika belgesi güncel mevzuat ve Bilgi ve İletişim Güvenliği Rehberi'ne göre gözden geçirilecek.", MUDUR,
     MUDUR, SEF, "security_policy", 40, "yuksek", NULL, {0}, {{0}}, {{0}}},
    {"Valilik yazısı: siber güvenlik tatbikatına katılım",
     "Gelen yazı gereği tatbikata katılacak ekip belirlenip bildirilecek.", MUDUR, MUDUR, SEF,
     "security_incident security_policy", 12, "yuksek", "E-38211457-010.06-2814", {0},
     {{MUDUR, "Tatbikat ekibine ağ altyapısından sorumlu bir kişi de eklensin."}}, {{SEF, "suruyor", NULL}}},
    {"Demirbaş etiketlerinin basılıp cihazlara yapıştırılması",
     "Sayımda etiketi eksik çıkan bilgisayar ve yazıcılar için barkodlu etiket basılacak.", MUDUR, PERSONEL,
     PERSONEL, "assets", 7, "normal", NULL,
     {MUDUR, TEKNIK, TEKNIK, "Barkod yazıcısı ve demirbaş listesi bu birimde olduğu için iş buraya devredildi."},
     {{0}}, {{TEKNIK, "suruyor", NULL}}},
    {"Eski faks cihazlarının onarımı", "Arızalı üç faks cihazı için servis çağrılacak.", MUDUR, PERSONEL, PERSONEL,
     "assets", 14, "dusuk", NULL, {0}, {{0}},
     {{MUDUR, "iptal", "Faks kullanımı sona erdi; cihazlar hurdaya ayrılacak."}}},
    {"Birimin hizmet ve süreç envanterinin güncellenmesi",
     "Birimin yürüttüğü hizmetler, süreç sahipleri ve kullanılan bilgi sistemleri listelenecek.", MUDUR, PERSONEL,
     NOBODY, "task project", NO_DEADLINE, "dusuk", NULL, {0}, {{0}}, {{0}}},
};

struct demo_template {
  const char *title, *description;
  int unit, to;
  const char *caps, *rule;
  int due_days;
  const char *priority;
};

static const struct demo_template templates[] = {
    {"Aylık faaliyet raporu", "Ayın iş sayıları, tamamlanan ve geciken görevler müdüre sunulur.", MUDUR, SEF,
     "activity_report task", "monthly:25", 5, "normal"},
    {"Haftalık yedekleme kontrolü", "Gece yedeklerinin başarıyla alındığı ve kopyalarının saklandığı denetlenir.",
     SEF, TEKNIK, "backup", "weekly:1", 1, "normal"},
};

/* A live duty serving one of caps for a task of `unit`: one of the unit
 * itself first, then of a unit below it, then the nearest above; 0 when
 * the preset has none. */
static int64_t pick_duty(db *d, int64_t unit, const char *caps)
{
  int64_t id = 0;
  char cap[64];
  for (const char *p = caps; p && *p && !id;) {
    size_t n = strcspn(p, " ");
    if (n && n < sizeof cap) {
      memcpy(cap, p, n);
      cap[n] = 0;
      if (db_int(d, &id,
                 "SELECT dt.id FROM org_duties dt JOIN units u ON u.id = dt.unit_id JOIN units x ON x.id = ?"
                 " WHERE dt.repealed = 0"
                 " AND EXISTS (SELECT 1 FROM org_duty_caps c WHERE c.duty_id = dt.id AND c.capability = ?)"
                 " AND (substr(u.path, 1, length(x.path)) = x.path OR substr(x.path, 1, length(u.path)) = u.path)"
                 " ORDER BY dt.unit_id = x.id DESC, substr(u.path, 1, length(x.path)) = x.path DESC,"
                 " length(u.path) DESC, dt.sort, dt.id LIMIT 1",
                 "it", unit, cap) != DB_ROW)
        id = 0;
    }
    p += n;
    p += strspn(p, " ");
  }
  return id;
}

/* The demo user's identity for the module's functions, as the server
 * would set it up for a request of theirs. */
struct demo_user {
  struct user_ctx ctx;
  int64_t unit;
  request r;
};

/* 0 ready, 1 no such active user, <0 store error. */
static int load_user(db *d, arena *a, const char *username, const char *ip, struct demo_user *u)
{
  memset(u, 0, sizeof *u);
  db_stmt *st = db_q(d, "SELECT id, username, display_name FROM users WHERE username = ? AND active = 1", "t",
                     username);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    u->ctx.id = db_col_int(st, 0);
    u->ctx.username = arena_strdup(a, db_col_text(st, 1));
    u->ctx.display_name = arena_strdup(a, db_col_text(st, 2));
  }
  db_done(st);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 1;
  rc = work_user_unit(d, u->ctx.id, &u->unit);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 1;
  u->ctx.unit_id = u->unit;
  u->r.a = a;
  u->r.ip = ip;
  u->r.lang = "tr";
  u->r.method = "POST";
  u->r.path = "/api/v1/tasks";
  u->r.user = &u->ctx;
  return 0;
}

static const char *unit_code(db *d, arena *a, int64_t unit)
{
  const char *code = NULL;
  db_stmt *st = db_q(d, "SELECT code FROM units WHERE id = ?", "i", unit);
  if (db_step(st) == DB_ROW)
    code = arena_strdup(a, db_col_text(st, 0));
  db_done(st);
  return code;
}

/* A module call that did not succeed: logs why, returns -1. */
static int failed(const char *what, const char *title, int rc, struct work_err *e)
{
  log_error("demo task not added", "step=%s title=\"%s\" rc=%d code=%s message=\"%s\"", what, title, rc,
            e->code ? e->code : "-", e->message ? e->message : "-");
  json_decref(e->fields);
  memset(e, 0, sizeof *e);
  return -1;
}

static int add_task(db *d, struct demo_user *users, const struct demo_task *t)
{
  struct demo_user *by = &users[t->by];
  int64_t unit = users[t->unit].unit, id = 0;
  char deadline[11] = "";
  if (t->deadline != NO_DEADLINE)
    work_date_fmt(work_today() + t->deadline, deadline);
  struct work_task_in in = {
      .title = t->title,
      .description = t->description,
      .unit = unit_code(d, by->r.a, unit),
      .doc_no = t->doc_no,
      .deadline = *deadline ? deadline : NULL,
      .priority = t->priority,
      .user = t->to == NOBODY ? 0 : users[t->to].ctx.id,
      .duty = pick_duty(d, unit, t->caps),
  };
  struct work_err e = {0};
  int rc = work_task_create(&by->r, &in, &id, &e);
  if (rc)
    return failed("create", t->title, rc, &e);
  const struct demo_havale *hv = &t->havale;
  if (hv->reason) {
    struct demo_user *to = hv->to == NOBODY ? NULL : &users[hv->to];
    rc = work_task_assign(&users[hv->by].r, id, unit_code(d, by->r.a, users[hv->unit].unit), to ? to->ctx.id : 0,
                          hv->reason, &e);
    if (rc)
      return failed("havale", t->title, rc, &e);
  }
  for (size_t i = 0; i < MAX_COMMENTS && t->comments[i].body; i++) {
    int64_t cid;
    rc = work_comment_add(&users[t->comments[i].by].r, id, t->comments[i].body, &cid, &e);
    if (rc)
      return failed("comment", t->title, rc, &e);
  }
  for (size_t i = 0; i < MAX_STEPS && t->steps[i].to; i++) {
    rc = work_task_transition(&users[t->steps[i].by].r, id, t->steps[i].to, t->steps[i].note, &e);
    if (rc)
      return failed("transition", t->title, rc, &e);
  }
  return 0;
}

/* A recurring template as POST /api/v1/task-templates makes it (the same
 * row, the same audit entry), for a manager who may manage recurring
 * tasks in the unit. */
static int add_template(db *d, struct demo_user *users, const struct demo_template *t)
{
  struct demo_user *by = &users[MUDUR];
  int64_t unit = users[t->unit].unit, user = users[t->to].ctx.id, duty = pick_duty(d, unit, t->caps), id = 0;
  struct work_rule rule;
  char rule_txt[16];
  if (work_rule_parse(t->rule, &rule) || !work_priority_valid(t->priority) ||
      !rbac_can(by->ctx.id, "task.manage_recurring", unit) ||
      !rbac_can(by->ctx.id, "task.manage_recurring", users[t->to].unit)) {
    log_error("demo template not added", "title=\"%s\"", t->title);
    return -1;
  }
  work_rule_format(&rule, rule_txt);
  struct actor who = audit_actor(&by->r);
  struct work_template_in tin = {t->title, t->description, unit, user, duty, t->priority, rule_txt, t->due_days};
  if (work_template_insert(d, &who, by->ctx.id, &tin, &id)) {
    log_error("demo template not added", "title=\"%s\"", t->title);
    return -1;
  }
  return 0;
}

static int seed(const struct actor *who)
{
  db *d = db_thread();
  if (!d) {
    log_error("demo tasks not added", "reason=\"no database path set\"");
    return -1;
  }
  arena *a = arena_new();
  struct demo_user users[NUSERS];
  int rc = 0;
  for (int i = 0; i < NUSERS; i++) {
    rc = load_user(d, a, usernames[i], who ? who->ip : NULL, &users[i]);
    if (rc > 0) {
      /* Not the demo accounts init makes: nobody to show the work to. */
      log_info("demo tasks skipped", "missing=%s", usernames[i]);
      rc = 0;
      goto out;
    }
    if (rc)
      goto out;
  }
  for (size_t i = 0; i < ARRAY_LEN(tasks) && !rc; i++)
    rc = add_task(d, users, &tasks[i]);
  for (size_t i = 0; i < ARRAY_LEN(templates) && !rc; i++)
    rc = add_template(d, users, &templates[i]);
  if (!rc)
    log_info("demo tasks added", "tasks=%zu templates=%zu", ARRAY_LEN(tasks), ARRAY_LEN(templates));
out:
  arena_free(a);
  return rc;
}

struct seed_job {
  const struct actor *who;
  int rc;
};

static void *seed_thread(void *p)
{
  struct seed_job *j = p;
  j->rc = seed(j->who);
  return NULL;
}

int work_demo_seed(db *d, const struct actor *who)
{
  int64_t have = 0;
  if (db_int(d, &have, "SELECT COUNT(*) FROM work_tasks", "") != DB_ROW)
    return -1;
  if (have > 0)
    return 0;
  /* The module's functions use the thread's own connection (db_thread(),
   * on the path the caller set with db_set_default_path); on a thread of
   * its own that connection is closed when the seeding ends, and the
   * caller's handle d sees every change once it returns. */
  struct seed_job j = {who, -1};
  pthread_t th;
  if (pthread_create(&th, NULL, seed_thread, &j))
    return -1;
  pthread_join(th, NULL);
  return j.rc;
}
