/*
 * The summary of many-target runs (tlsprobe summary): JSON Lines of
 * client and ciphers records in, one summary model out, rendered as
 * text, JSON (CONTRACT.md, "Many targets") or one self-contained HTML
 * page. Internal to libtlsprobe.
 *
 * Records are read one line at a time; what is kept grows with the
 * number of distinct endpoints, names, certificates and codes only (hash
 * tables keyed by them), never with the number of lines.
 */
#ifndef TP_SUMMARY_H
#define TP_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "tlsprobe.h"

#define TP_SUMMARY_DEFAULT_DAYS 30
/* Malformed lines whose message is kept; the rest are only counted. */
#define TP_SUMMARY_MAX_MALFORMED 10
/* Longest line read; a longer one is malformed, not a reason to grow. */
#define TP_SUMMARY_MAX_LINE (16 * 1024 * 1024)

struct tp_summary;

/* An empty summary; certificates expiring before now + days are listed. */
struct tp_summary *tp_summary_new(time_t now, unsigned days);
void tp_summary_free(struct tp_summary *s);

/*
 * Adds every record of f (JSON Lines), name being what messages call it
 * ("-" for stdin). A line that is no record is counted and kept as
 * "NAME:LINE: why" (the first TP_SUMMARY_MAX_MALFORMED of them). -1 with
 * err only when reading fails or memory runs out.
 */
int tp_summary_read(struct tp_summary *s, FILE *f, const char *name,
		    struct tp_error *err);
/* Adds one line (without its newline); for tests and tp_summary_read. */
void tp_summary_add_line(struct tp_summary *s, const char *line, size_t len,
			 const char *name, unsigned long lineno);

/* Takes old (read the same way) as the baseline that changes compare to. */
void tp_summary_set_baseline(struct tp_summary *s, struct tp_summary *old);

/*
 * Builds the summary document from what was read: counts, routing map,
 * ADDRESSES_DIFFER findings, expiring certificates, changes. Borrowed:
 * it lives as long as s. NULL when memory ran out.
 */
const json_t *tp_summary_doc(struct tp_summary *s);

/* Malformed lines: how many, and the kept messages (sanitised). */
unsigned long tp_summary_malformed_count(const struct tp_summary *s);
size_t tp_summary_malformed_kept(const struct tp_summary *s);
const char *tp_summary_malformed(const struct tp_summary *s, size_t i);

/* 0: every record passed; 1: an error finding, an error record or a
 * malformed line (CONTRACT.md's exit codes). Call after tp_summary_doc. */
int tp_summary_exit_status(const struct tp_summary *s);

/* The views of the document tp_summary_doc built. */
void tp_summary_text(struct tp_summary *s, FILE *out, bool color);
void tp_summary_html(struct tp_summary *s, FILE *out);

/* HTML-escapes s (&, <, >, ", ') onto out. */
void tp_summary_html_escape(FILE *out, const char *s);

#endif
