/* report.c - the verification report as a PDF for experts and courts
 * (core pdf): what was checked and how to check it again with openssl,
 * the result, every problem named, and one row per segment with its
 * hash, time range and time stamp. */
#include "netlog.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/pdf.h"

#include <string.h>

enum { REPORT_PDF_MAX = 64 * 1024 * 1024 };

static const struct {
  const char *code, *label;
} problem_labels[] = {
    {"missing", N_("Segment and its seal missing (deleted)")},
    {"no_manifest", N_("No seal (manifest removed or never written)")},
    {"manifest_unreadable", N_("Seal unreadable (altered)")},
    {"reordered", N_("Out of order (reordered or swapped)")},
    {"segment_missing", N_("Segment file missing (deleted)")},
    {"altered", N_("Content altered: its SHA-256 differs from the seal")},
    {"chain_broken", N_("Chain broken: the previous seal is not the one sealed before it")},
    {"stamp", N_("Time stamp missing or invalid")},
    {"ledger", N_("Destruction ledger damaged")},
};

const char *netlog_problem_label(const char *code)
{
  for (size_t i = 0; i < ARRAY_LEN(problem_labels); i++)
    if (str_eq(problem_labels[i].code, code))
      return _(problem_labels[i].label);
  return code ? code : "";
}

static const char *seq_name(arena *a, json_int_t seq)
{
  return arena_printf(a, "%08lld", (long long)seq);
}

static const char *or_dash(const char *s)
{
  return s && s[0] ? s : "–";
}

/* An ISO UTC time as Turkish time (UTC+3), "22.11.2026 09:54:28". */
static const char *tr_time(arena *a, const char *iso)
{
  int64_t t;
  if (!iso || !iso[0] || parse_iso8601(iso, &t))
    return "–";
  char u[32];
  fmt_iso8601(t + 3 * 3600, u);
  return arena_printf(a, "%.2s.%.2s.%.4s %.8s", u + 8, u + 5, u, u + 11);
}

static int describe(const json_t *rep, const char *institution, int64_t now, arena *a, buf *out)
{
  char made[32];
  fmt_iso8601(now, made);
  const char *title = _("Access-log archive (Law 5651): integrity verification report");
  pdf_doc *d = pdf_new(a, title, arena_printf(a, "defter · %s", _("Integrity verification report")));
  pdf_text(d, PDF_TITLE, title, 4);
  if (institution && institution[0])
    pdf_text(d, PDF_BOLD, institution, 2);
  const char *from = jsonx_str(rep, "from"), *to = jsonx_str(rep, "to");
  pdf_text(d, PDF_BODY,
           arena_printf(a, "%s: %s · %s: %s – %s", _("Report made"), tr_time(a, made), _("Period"),
                        from && from[0] ? tr_time(a, from) : _("the whole archive"), to && to[0] ? tr_time(a, to) : _("now")),
           6);
  int problems = (int)jsonx_int(rep, "problems", 0);
  pdf_text(d, PDF_BOLD,
           problems ? arena_printf(a, "%s: %d", _("Result: the archive is NOT intact; problems found"), problems)
                    : _("Result: the archive is intact; every checked segment, seal, time stamp and chain link holds"),
           2);
  pdf_text(d, PDF_BODY,
           arena_printf(a, "%s: %lld · %s: %lld · %s: %lld", _("Segments checked"),
                        (long long)jsonx_int(rep, "segments_checked", 0), _("Lines in them"),
                        (long long)jsonx_int(rep, "lines", 0), _("Stamped by the fallback authority"),
                        (long long)jsonx_int(rep, "fallback_stamps", 0)),
           2);
  const json_t *gone = json_object_get(rep, "destroyed");
  if (json_is_object(gone))
    pdf_text(d, PDF_BODY,
             arena_printf(a, "%s: %s – %s (%lld), %s %s", _("Destroyed at the end of retention, per the ledger"),
                          seq_name(a, jsonx_int(gone, "first_seq", 0)), seq_name(a, jsonx_int(gone, "last_seq", 0)),
                          (long long)jsonx_int(gone, "count", 0), _("last on"), jsonx_str(gone, "last_destroyed_at")),
             2);
  pdf_text(d, PDF_BOLD, _("What was checked"), 2);
  pdf_text(d, PDF_SMALL,
           _("Every segment's SHA-256 was computed again and compared with its manifest; every manifest carries the "
             "SHA-256 of the one before it, so a removed, replaced or reordered segment breaks the chain; every "
             "manifest's RFC 3161 time stamp was checked against the time-stamp authority's CA certificates and "
             "against the manifest's own SHA-256. Segments destroyed at the end of the retention period are listed "
             "in the destruction ledger and are not losses."),
           4);
  pdf_text(d, PDF_BOLD, _("How to check it again"), 2);
  pdf_text(d, PDF_MONO,
           "sha256sum NNNNNNNN.seg   # = \"sha256\" in NNNNNNNN.manifest.json\n"
           "sha256sum NNNNNNNN.manifest.json\n"
           "openssl ts -reply -in NNNNNNNN.tsr -text\n"
           "openssl ts -verify -digest <SHA-256 of the manifest> -in NNNNNNNN.tsr -CAfile tsa-ca.pem\n"
           "defter netlog verify --data DIR",
           8);

  const json_t *issues = json_object_get(rep, "issues");
  size_t i;
  const json_t *p;
  if (json_array_size(issues)) {
    pdf_text(d, PDF_BOLD, _("Problems"), 2);
    static const double w3[3] = {0.12, 0.38, 0.50};
    const char **head = arena_alloc(a, 3 * sizeof *head);
    head[0] = _("Segment");
    head[1] = _("Problem");
    head[2] = _("Detail");
    pdf_table(d, 3, w3, head);
    json_array_foreach(issues, i, p)
    {
      const char **cells = arena_alloc(a, 3 * sizeof *cells);
      json_int_t seq = jsonx_int(p, "seq", 0);
      cells[0] = seq ? seq_name(a, seq) : "–";
      cells[1] = netlog_problem_label(jsonx_str(p, "code"));
      cells[2] = jsonx_str(p, "text");
      pdf_row(d, cells, false);
    }
    pdf_text(d, PDF_BODY, "", 8);
  }
  pdf_text(d, PDF_BOLD, _("Segments"), 2);
  static const double w6[6] = {0.12, 0.20, 0.07, 0.33, 0.18, 0.10};
  const char **head = arena_alloc(a, 6 * sizeof *head);
  head[0] = _("Segment");
  head[1] = _("Records from – to (Turkish time)");
  head[2] = _("Lines");
  head[3] = "SHA-256";
  head[4] = _("Time stamp");
  head[5] = _("Result");
  pdf_table(d, 6, w6, head);
  json_array_foreach(json_object_get(rep, "segments"), i, p)
  {
    const char **cells = arena_alloc(a, 6 * sizeof *cells);
    const char *st = jsonx_str(p, "status");
    cells[0] = seq_name(a, jsonx_int(p, "seq", 0));
    cells[1] = arena_printf(a, "%s –\n%s", tr_time(a, jsonx_str(p, "first_time")), tr_time(a, jsonx_str(p, "last_time")));
    cells[2] = arena_printf(a, "%lld", (long long)jsonx_int(p, "lines", 0));
    cells[3] = or_dash(jsonx_str(p, "sha256"));
    cells[4] = jsonx_str(p, "stamped_at")
                   ? arena_printf(a, "%s\n%s", tr_time(a, jsonx_str(p, "stamped_at")),
                                  str_eq(jsonx_str(p, "tsa"), "fallback") ? _("fallback authority") : or_dash(jsonx_str(p, "tsa_name")))
                   : "–";
    cells[5] = str_eq(st, "ok") ? _("Intact") : str_eq(st, "open") ? _("Open (being written)") : _("BROKEN");
    pdf_row(d, cells, str_eq(st, "open"));
  }
  return pdf_render(d, out);
}

int netlog_verify_pdf(const json_t *rep, const char *institution, int64_t now, buf *out)
{
  arena *a = arena_new();
  buf_init(out, REPORT_PDF_MAX);
  int rc = describe(rep, institution, now, a, out);
  arena_free(a);
  return rc;
}
