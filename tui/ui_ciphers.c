/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cipher audit: a progress bar while it runs, then a matrix of
 * versions by suites with their grades in colour and the server's order,
 * and below it groups, signature algorithms, policy drift and the
 * reasons for the grade.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "ui.h"

#define MAX_ROWS 512

struct row {
	uint16_t id;
	const char *name;
};

/* Every accepted suite once, newest version's order first. */
static size_t rows_of(const struct tp_scan *s, const char *filter,
		      struct row *rows)
{
	size_t n = 0, i, k, j;

	for (i = s->n_protocols; i-- > 0;) {
		const struct tp_scan_protocol *p = &s->protocols[i];

		for (k = 0; k < p->n_suites && n < MAX_ROWS; k++) {
			const struct tp_suite *su = tp_registry_suite(
				p->suites[k].id);
			const char *name = su ? su->iana : "?";

			for (j = 0; j < n; j++)
				if (rows[j].id == p->suites[k].id)
					break;
			if (j < n || !ui_match(filter, name))
				continue;
			rows[n].id = p->suites[k].id;
			rows[n].name = name;
			n++;
		}
	}
	return n;
}

static void progress_bar(struct ui *u, int y)
{
	const struct ui_glyphs *g = ui_glyphs();
	unsigned done, estimate;
	int w = COLS - 40, fill, i;

	ui_run_lock(u->cur);
	done = u->cur->done;
	estimate = u->cur->estimate;
	ui_run_unlock(u->cur);
	if (estimate < done)
		estimate = done;
	if (w < 10)
		w = 10;
	fill = estimate ? (int)((double)w * done / estimate) : 0;
	ui_text(y, 1, 9, UI_BOLD, "probing");
	for (i = 0; i < w; i++)
		ui_text(y, 10 + i, 1, i < fill ? ui_attr(UI_C_CYAN) : ui_attr(UI_C_DIM),
			i < fill ? g->full : g->empty);
	ui_textf(y, 11 + w, COLS - 12 - w, UI_NORMAL, "%u of about %u "
		 "connections", done, estimate);
	ui_textf(y + 2, 2, COLS - 4, ui_attr(UI_C_DIM),
		 "the matrix appears when the audit ends (x stops it early)");
}

static const char *short_version(uint16_t v)
{
	const struct tp_version *tv = tp_registry_version(v);

	return tv ? tv->name : "?";
}

static void draw_matrix(struct ui *u, const struct tp_scan *s, int y, int h)
{
	struct row *rows = calloc(MAX_ROWS, sizeof(*rows));
	int nw, cw = 7, n, i, row, x;
	size_t p, k;

	ui_hline(y, 0, COLS, "Versions x suites: grade and rank in the "
		 "server's order", u->focus == 0);
	if (rows == NULL)
		return;
	n = (int)rows_of(s, u->filter, rows);
	nw = COLS - 2 - cw * (int)s->n_protocols;
	if (nw > 48)
		nw = 48;
	/* the header: version, accepted, whose order */
	for (p = 0; p < s->n_protocols; p++) {
		const struct tp_scan_protocol *pr = &s->protocols[p];

		x = 1 + nw + cw * (int)p;
		ui_text(y + 1, x, cw - 1, UI_BOLD, short_version(pr->version));
		ui_text(y + 2, x, cw - 1, !pr->tested ? ui_attr(UI_C_DIM) : pr->accepted
			? ui_grade_attr(pr->grade) : ui_attr(UI_C_DIM), !pr->tested
			? "-" : pr->accepted ? "yes" : "no");
		ui_text(y + 3, x, cw - 1, ui_attr(UI_C_DIM), !pr->accepted ? ""
			: pr->preference == TP_PREF_SERVER ? "server"
			: pr->preference == TP_PREF_CLIENT ? "client" : "?");
	}
	ui_text(y + 1, 1, nw, UI_BOLD, "suite");
	ui_text(y + 2, 1, nw, ui_attr(UI_C_DIM), "accepted");
	ui_text(y + 3, 1, nw, ui_attr(UI_C_DIM), "order");
	ui_clamp(&u->sel[0], &u->top[0], n, h - 4);
	ui_mouse_pane(0, n > 0 ? u->sel[0] : -1, y + 1, 0, h - 1, COLS);
	for (i = u->top[0], row = y + 4; i < n && row < y + h; i++, row++) {
		bool here = u->focus == 0 && u->sel[0] == i;

		ui_mouse_item(0, i, row, 0, 1, COLS);
		ui_textf(row, 1, nw - 1, here ? UI_REVERSE : UI_NORMAL, "%s",
			 rows[i].name);
		for (p = 0; p < s->n_protocols; p++) {
			const struct tp_scan_protocol *pr = &s->protocols[p];
			char cell[32] = "";
			int attr = ui_attr(UI_C_DIM);

			for (k = 0; k < pr->n_suites; k++)
				if (pr->suites[k].id == rows[i].id)
					break;
			if (k < pr->n_suites) {
				snprintf(cell, sizeof(cell), "%c %zu",
					 pr->suites[k].grade, k + 1);
				attr = ui_grade_attr(pr->suites[k].grade) |
				       UI_BOLD;
			} else {
				snprintf(cell, sizeof(cell), "%s",
					 pr->accepted ? "." : " ");
			}
			ui_text(row, 1 + nw + cw * (int)p, cw - 1, attr, cell);
		}
	}
	if (n == 0)
		ui_text(y + 4, 2, COLS - 4, ui_attr(UI_C_DIM), u->filter[0]
			? "no accepted suite matches the filter"
			: "no suite accepted");
	free(rows);
}

static void details(const struct tp_report *r, char *buf, size_t size)
{
	const struct tp_scan *s = r->scan;
	size_t len = 0, p, k;

#define ADD(...) do { \
	if (len < size) \
		len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); \
} while (0)
	for (p = s->n_protocols; p-- > 0;) {
		const struct tp_scan_protocol *pr = &s->protocols[p];

		if (!pr->accepted)
			continue;
		ADD("%s groups:", short_version(pr->version));
		for (k = 0; k < pr->n_groups; k++) {
			const struct tp_group *g = tp_registry_group(pr->groups[k]);

			if (g != NULL)
				ADD(" %s", g->name);
			else
				ADD(" 0x%04x", pr->groups[k]);
		}
		ADD("%s\n", pr->n_groups == 0 ? " (none seen)"
		    : pr->group_preference == TP_PREF_SERVER
		    ? "  (server order)"
		    : pr->group_preference == TP_PREF_CLIENT
		    ? "  (client order)" : "");
		ADD("%s signatures:", short_version(pr->version));
		for (k = 0; k < pr->n_sig_algs; k++) {
			const struct tp_sigscheme *sg =
				tp_registry_sigscheme(pr->sig_algs[k]);

			if (sg != NULL)
				ADD(" %s", sg->name);
			else
				ADD(" 0x%04x", pr->sig_algs[k]);
		}
		ADD("%s\n", pr->n_sig_algs ? "" : " (none seen)");
	}
	if (s->policy_syntax != NULL) {
		ADD("policy (%s): ", s->policy_syntax);
		if (s->n_policy_extra + s->n_policy_missing == 0)
			ADD("no drift\n");
		else
			ADD("%zu accepted but not in it, %zu in it but "
			    "refused\n", s->n_policy_extra, s->n_policy_missing);
		for (k = 0; k < s->n_policy_extra; k++) {
			const struct tp_suite *su =
				tp_registry_suite(s->policy_extra[k]);

			ADD("  + %s\n", su ? su->iana : "?");
		}
		for (k = 0; k < s->n_policy_missing; k++) {
			const struct tp_suite *su =
				tp_registry_suite(s->policy_missing[k]);

			ADD("  - %s\n", su ? su->iana : "?");
		}
	} else {
		ADD("policy: none given (--policy compares with one)\n");
	}
	for (k = 0; k < s->n_grade_reasons; k++)
		ADD("grade: %s\n", s->grade_reasons[k]);
	for (k = 0; k < r->n_checks; k++)
		ADD("check %s: %s: %s\n", r->checks[k].name,
		    tp_check_status_name(r->checks[k].status),
		    r->checks[k].detail);
	for (k = 0; k < r->n_findings; k++)
		ADD("%s %s: %s\n", r->findings[k].severity == TP_SEV_ERROR
		    ? "ERROR" : r->findings[k].severity == TP_SEV_WARNING
		    ? "WARNING" : "INFO", tp_code_info(r->findings[k].code)->name,
		    r->findings[k].summary ? r->findings[k].summary : "");
#undef ADD
}

void ui_ciphers_draw(struct ui *u, int y, int h)
{
	const struct tp_report *r = ui_view(u);
	enum ui_state state = ui_cur_state(u);
	const struct tp_stage *tls = NULL;
	int mh;
	char *buf;
	size_t i;

	if (state == UI_RUNNING) {
		progress_bar(u, y + 1);
		return;
	}
	if (state == UI_FAILED) {
		ui_run_lock(u->cur);
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_RED),
			 "the audit could not run: %s", u->cur->err.message);
		ui_run_unlock(u->cur);
		return;
	}
	if (r == NULL || r->scan == NULL) {
		for (i = 0; r != NULL && i < r->n_stages; i++)
			if (r->stages[i].status == TP_STAGE_FAIL)
				tls = &r->stages[i];
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_RED), "no audit: %s",
			 tls && tls->detail ? tls->detail : "the audit was "
			 "stopped before it had results");
		if (r != NULL)
			for (i = 0; i < r->n_findings && (int)i < h - 3; i++)
				ui_textf(y + 3 + (int)i, 2, COLS - 4,
					 ui_severity_attr(r->findings[i].severity),
					 "%s: %s",
					 tp_code_info(r->findings[i].code)->name,
					 r->findings[i].summary);
		return;
	}
	ui_textf(y, 1, 9, ui_grade_attr(r->scan->grade) | UI_BOLD | UI_REVERSE,
		 " grade %c ", r->scan->grade ? r->scan->grade : '-');
	ui_textf(y, 12, COLS - 13, UI_NORMAL, "%s  %u connections in %.1f ms"
		 "  cert key %s%s", ui_verdict_word(tp_report_verdict(r)),
		 r->scan->connections, r->scan->ms, r->scan->cert_key[0]
		 ? r->scan->cert_key : "?", state == UI_CANCELLED
		 ? "  (stopped early)" : "");
	mh = (h - 1) * 60 / 100;
	draw_matrix(u, r->scan, y + 1, mh);
	ui_hline(y + 1 + mh, 0, COLS, r->n_checks > 0
		 ? "Groups, signatures, policy, grade, checks"
		 : "Groups, signatures, policy, grade", u->focus == 1);
	ui_mouse_pane(1, -1, y + 2 + mh, 0, h - 2 - mh, COLS);
	buf = malloc(32768);
	if (buf == NULL)
		return;
	buf[0] = '\0';
	details(r, buf, 32768);
	ui_text_pane(u, 1, y + 2 + mh, 1, h - 2 - mh, COLS - 3, buf);
	free(buf);
}

bool ui_ciphers_key(struct ui *u, int key)
{
	const struct tp_report *r = ui_view(u);

	if (r == NULL || r->scan == NULL)
		return false;
	if (u->focus == 0)
		return ui_nav(u, 0, key, MAX_ROWS, 8);
	return ui_scroll(u, 1, key);
}
