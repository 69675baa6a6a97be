/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The client run (stages, the handshake as a ladder, findings) and the
 * certificate chain (a tree from the leaf to the trust anchor, each
 * certificate marked with the findings that name it, and its details).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static const char *const standard_stages[] = {"dns", "tcp", "tls", "verify"};

/* ---- the client run ---- */

static void stage_row(int y, int w, const char *name, const char *status,
		      int status_attr, double ms, bool has_ms,
		      const char *detail, int detail_lines)
{
	char t[32] = "";

	ui_textf(y, 1, 9, UI_BOLD, "%s", name);
	ui_text(y, 10, 8, status_attr, status);
	if (has_ms)
		snprintf(t, sizeof(t), "%8.1f ms", ms);
	ui_text(y, 18, 11, UI_NORMAL, t);
	if (detail != NULL && w > 32) {
		if (detail_lines > 1)
			ui_wrap(y, 31, w - 32, detail_lines, 0, UI_NORMAL,
				detail);
		else
			ui_text(y, 31, w - 32, UI_NORMAL, detail);
	}
}

static int status_attr(enum tp_stage_status s)
{
	return s == TP_STAGE_OK ? ui_attr(UI_C_GREEN) : s == TP_STAGE_FAIL
		? ui_attr(UI_C_RED) : ui_attr(UI_C_DIM);
}

/* Stages of a finished report, or the live copies of a running one.
 * Returns the rows used. */
static int draw_stages(struct ui *u, const struct tp_report *r, int y,
		       int max)
{
	struct ui_run *run = u->cur;
	int row = 0, i, n, extra, live;
	bool focused = u->focus == 0, running = false;

	ui_hline(y, 0, COLS, "Stages", focused);
	row = 1;
	if (r != NULL) {
		n = (int)r->n_stages;
		ui_clamp(&u->sel[0], &u->top[0], n, max - 1);
		ui_mouse_pane(0, u->sel[0], y + 1, 0, max - 1, COLS);
		for (i = 0; i < n && row < max; i++) {
			const struct tp_stage *stage = &r->stages[i];
			char detail[600];

			snprintf(detail, sizeof(detail), "%s%s%s%s%s",
				 stage->local ? stage->local : "",
				 stage->local ? " -> " : "",
				 stage->remote ? stage->remote : "",
				 stage->local && stage->detail ? "  " : "",
				 stage->detail ? stage->detail : "");
			extra = focused && u->sel[0] == i
				? ui_wrap_count(COLS - 32, detail) : 1;
			if (extra > max - row)
				extra = max - row;
			if (extra < 1)
				extra = 1;
			stage_row(y + row, COLS, stage->name,
				  ui_stage_word(stage->status),
				  status_attr(stage->status) |
				  (focused && u->sel[0] == i ? UI_REVERSE : 0),
				  stage->ms, stage->status != TP_STAGE_SKIPPED,
				  detail, extra);
			ui_mouse_item(0, i, y + row, 0, extra, COLS);
			row += extra;
		}
		return row;
	}
	/*
	 * running: the live copies. A stage not reached yet is in the
	 * report already, as skipped with no time; until the run ends that
	 * means pending (CONTRACT: only a finished run's stage never
	 * reached is skipped). The first pending stage is the one running.
	 */
	ui_run_lock(run);
	n = (int)run->n_stages;
	live = n > 4 ? n : 4;
	ui_clamp(&u->sel[0], &u->top[0], live, max - 1);
	ui_mouse_pane(0, u->sel[0], y + 1, 0, max - 1, COLS);
	for (i = 0; i < live && row < max; i++, row++) {
		const struct ui_stage_view *sv = i < n ? &run->stages[i] : NULL;
		bool reached = sv != NULL && (sv->status != TP_STAGE_SKIPPED ||
					      sv->detail[0] != '\0');
		int cursor = focused && u->sel[0] == i ? UI_REVERSE : 0;
		const char *name = sv != NULL ? sv->name : standard_stages[i];

		if (reached) {
			stage_row(y + row, COLS, name,
				  ui_stage_word(sv->status),
				  status_attr(sv->status) | cursor, sv->ms,
				  sv->status != TP_STAGE_SKIPPED, sv->detail,
				  1);
		} else if (!running) {
			running = true;
			stage_row(y + row, COLS, name, "running",
				  ui_attr(UI_C_CYAN) | cursor,
				  tp_now_ms() - run->progress_ms, true, NULL,
				  1);
		} else {
			stage_row(y + row, COLS, name, "pending",
				  ui_attr(UI_C_DIM) | cursor, 0, false, NULL,
				  1);
		}
		ui_mouse_item(0, i, y + row, 0, 1, COLS);
	}
	ui_run_unlock(run);
	return row;
}

/* One ladder row: time, then an arrow between the client's and the
 * server's vertical lines, labelled. */
static void ladder_row(int y, int x, int w, double t_ms, bool incoming,
		       const char *label, int attr, bool here)
{
	const struct ui_glyphs *g = ui_glyphs();
	int span = w - 10, lab, i, pad, col;
	char lbl[200];

	ui_textf(y, x, 8, here ? UI_REVERSE | UI_BOLD : ui_attr(UI_C_DIM),
		 "%7.1f", t_ms);
	if (span < 8)
		return;
	snprintf(lbl, sizeof(lbl), " %s ", label);
	lab = (int)strlen(lbl);
	if (lab > span - 4)
		lab = span - 4;
	col = x + 9;
	ui_text(y, col, 1, UI_NORMAL, g->vl);
	ui_text(y, col + span - 1, 1, UI_NORMAL, g->vl);
	pad = span - 2 - lab;
	/* outgoing: label left, arrow to the right; incoming: mirrored */
	for (i = 0; i < span - 2; i++)
		ui_text(y, col + 1 + i, 1, attr, g->hl);
	if (incoming) {
		ui_text(y, col + 1, 1, attr, g->larrow);
		ui_text(y, col + 1 + pad, lab, attr | UI_BOLD, lbl);
	} else {
		ui_text(y, col + 1, lab, attr | UI_BOLD, lbl);
		ui_text(y, col + span - 2, 1, attr, g->rarrow);
	}
}

/* A packet's TCP flags in words. */
static const char *flag_words(const char *f)
{
	if (strcmp(f, "S") == 0) return "SYN";
	if (strcmp(f, "SA") == 0) return "SYN ACK";
	if (strcmp(f, "A") == 0) return "ACK";
	if (strcmp(f, "FA") == 0 || strcmp(f, "F") == 0) return "FIN";
	if (strchr(f, 'R') != NULL) return "RST";
	return f;
}

/* A stage of a report there may be none of yet. */
static const struct tp_stage *stage(const struct tp_report *r,
				    const char *name)
{
	return r != NULL ? tp_report_find_stage(r, name) : NULL;
}

/* The ladder's rows: a message or packet each, and a last one that says
 * where the handshake died, or that nothing was exchanged. */
static int ladder_rows(const struct tp_report *r, bool *last)
{
	const struct tp_stage *tls = stage(r, "tls");
	bool packets = r->has_packets && r->n_packets > 0;
	int n = packets ? (int)r->n_packets : (int)r->n_messages;

	*last = n == 0 || (tls != NULL && tls->status == TP_STAGE_FAIL);
	return n + (*last ? 1 : 0);
}

static void draw_ladder(struct ui *u, const struct tp_report *r, int y,
			int h, int w)
{
	const struct tp_stage *tls = stage(r, "tls");
	int n, i, row, first, last_attr;
	bool packets = r != NULL && r->has_packets && r->n_packets > 0;
	bool focused = u->focus == 1, last;

	ui_hline(y, 0, w, packets ? "Handshake and TCP" : "Handshake",
		 u->focus == 1);
	/* no row is selected in the ladder: the wheel scrolls it */
	ui_mouse_pane(1, -1, y + 1, 0, h - 1, w);
	if (r == NULL) {
		ui_wrap(y + 1, 2, w - 3, h - 1, 0, ui_attr(UI_C_DIM),
			"the handshake appears when the run ends");
		return;
	}
	ui_textf(y + 1, 9, w - 9, UI_BOLD, "client%*sserver",
		 w - 10 - 12 > 0 ? w - 10 - 12 : 1, "");
	n = packets ? (int)r->n_packets : (int)r->n_messages;
	ui_clamp(&u->sel[1], &u->top[1], ladder_rows(r, &last), h - 2);
	first = u->top[1];
	for (i = first, row = y + 2; i < n && row < y + h; i++, row++) {
		bool here = focused && u->sel[1] == i;

		if (packets) {
			const struct tp_packet *p = &r->packets[i];
			char lbl[160];

			snprintf(lbl, sizeof(lbl), "%s%s%s%s",
				 p->tls[0] ? p->tls : flag_words(p->flags),
				 p->retransmission ? " (retransmission)" : "",
				 p->icmp[0] ? " " : "", p->icmp);
			ladder_row(row, 0, w, p->t_ms, p->incoming, lbl,
				   strchr(p->flags, 'R') || p->retransmission ||
				   p->icmp[0] ? ui_attr(UI_C_RED)
				   : ui_attr(UI_C_CYAN), here);
		} else {
			const struct tp_message *m = &r->messages[i];

			ladder_row(row, 0, w, m->t_ms, m->incoming, m->name,
				   strncmp(m->name, "Alert", 5) == 0
				   ? ui_attr(UI_C_RED) : ui_attr(UI_C_CYAN),
				   here);
		}
	}
	/* the last row is the cursor's too */
	last_attr = focused && u->sel[1] == n ? UI_REVERSE : 0;
	if (row < y + h && tls != NULL && tls->status == TP_STAGE_FAIL &&
	    tls->detail != NULL && strcmp(tls->detail, "cancelled") == 0)
		ui_text(row, 2, w - 3, ui_attr(UI_C_YELLOW) | last_attr,
			"the run was cancelled here");
	else if (row < y + h && tls != NULL && tls->status == TP_STAGE_FAIL)
		ui_textf(row, 2, w - 3, ui_attr(UI_C_RED) | last_attr,
			 "%s the handshake died here: %s", ui_glyphs()->bad,
			 tls->detail ? tls->detail : "tls failed");
	else if (row < y + h && n == 0)
		ui_text(row, 2, w - 3, ui_attr(UI_C_DIM) | last_attr,
			"no handshake message was exchanged");
}

/* Lines a finding takes at width w. */
static int finding_lines(const struct tp_finding *f, int w)
{
	char buf[1200];
	int n = 1 + ui_wrap_count(w - 2, f->summary ? f->summary : "");

	if (f->detail != NULL) {
		snprintf(buf, sizeof(buf), "evidence: %s", f->detail);
		n += ui_wrap_count(w - 2, buf);
	}
	if (f->fix != NULL) {
		snprintf(buf, sizeof(buf), "fix: %s", f->fix);
		n += ui_wrap_count(w - 2, buf);
	}
	return n;
}

static void draw_findings(struct ui *u, const struct tp_finding *fs,
			  size_t nf, int y, int h, int x, int w, int pane,
			  const char *title)
{
	int idx[256], n = 0, i, row, used, lines;
	char buf[1200];

	ui_hline(y, x, w, title, u->focus == pane);
	for (i = 0; i < (int)nf && n < 256; i++) {
		snprintf(buf, sizeof(buf), "%s %s", tp_code_info(fs[i].code)->name,
			 fs[i].summary ? fs[i].summary : "");
		if (ui_match(u->filter, buf))
			idx[n++] = i;
	}
	if (n == 0) {
		ui_mouse_pane(pane, -1, y + 1, x, h - 1, w);
		ui_text(y + 1, x + 2, w - 3, ui_attr(UI_C_DIM), nf == 0
			? "no findings" : "no finding matches the filter");
		return;
	}
	ui_clamp(&u->sel[pane], &u->top[pane], n, h - 1);
	ui_mouse_pane(pane, u->sel[pane], y + 1, x, h - 1, w);
	/* scroll by findings: the selected one must be on screen */
	for (;;) {
		used = 0;
		for (i = u->top[pane]; i <= u->sel[pane]; i++)
			used += finding_lines(&fs[idx[i]], w - 1);
		if (used <= h - 1 || u->top[pane] >= u->sel[pane])
			break;
		u->top[pane]++;
	}
	for (i = u->top[pane], row = y + 1; i < n && row < y + h; i++) {
		const struct tp_finding *f = &fs[idx[i]];
		bool here = u->focus == pane && u->sel[pane] == i;
		int first = row;

		ui_textf(row, x + 1, 8, ui_severity_attr(f->severity) |
			 (here ? UI_REVERSE : 0), "%-7s",
			 f->severity == TP_SEV_ERROR ? "ERROR"
			 : f->severity == TP_SEV_WARNING ? "WARNING" : "INFO");
		ui_textf(row, x + 9, w - 10, UI_BOLD, "%s (%s)",
			 tp_code_info(f->code)->name, tp_side_name(f->side));
		row++;
		lines = ui_wrap(row, x + 3, w - 4, y + h - row, 0, UI_NORMAL,
				f->summary ? f->summary : "");
		row += lines;
		if (f->detail != NULL && row < y + h) {
			snprintf(buf, sizeof(buf), "evidence: %s", f->detail);
			row += ui_wrap(row, x + 3, w - 4, y + h - row, 0,
				       ui_attr(UI_C_DIM), buf);
		}
		if (f->fix != NULL && row < y + h) {
			snprintf(buf, sizeof(buf), "fix: %s", f->fix);
			row += ui_wrap(row, x + 3, w - 4, y + h - row, 0,
				       ui_attr(UI_C_GREEN), buf);
		}
		ui_mouse_item(pane, i, first, x, row - first, w);
	}
}

void ui_client_draw(struct ui *u, int y, int h)
{
	const struct tp_report *r = ui_view(u);
	enum ui_state state = ui_cur_state(u);
	int used, lw, rest;

	if (state == UI_FAILED && u->direction < 0) {
		ui_run_lock(u->cur);
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_RED),
			 "the probe could not run: %s", u->cur->err.message);
		ui_run_unlock(u->cur);
		return;
	}
	if (r != NULL) {
		/* a run cut short has a report, but no verdict to show */
		bool cut = tp_report_has(r, TP_RUN_CANCELLED);
		const char *word = cut ? "CANCELLED"
			: ui_verdict_word(tp_report_verdict(r));
		char line[400];

		if (r->session.present)
			snprintf(line, sizeof(line), "%s  %s  %s  group %s  "
				 "signature %s", word, r->session.version ?
				 r->session.version : "?", r->session.cipher ?
				 r->session.cipher : "?", r->session.group ?
				 r->session.group : "-", r->session.signature ?
				 r->session.signature : "-");
		else
			snprintf(line, sizeof(line), "%s  no TLS session  "
				 "(%zu finding%s, %.1f ms)", word,
				 r->n_findings, r->n_findings == 1 ? "" : "s",
				 r->total_ms);
		ui_text(y, 1, COLS - 2, (cut ? ui_attr(UI_C_YELLOW)
			: ui_verdict_attr(tp_report_verdict(r))) | UI_BOLD,
			line);
	} else {
		ui_textf(y, 1, COLS - 2, ui_attr(UI_C_CYAN), "running for "
			 "%.1f s  %s", (tp_now_ms() - u->cur->started_ms) /
			 1000, u->cur->stop ? "(cancelling...)"
			 : "(x cancels)");
	}
	used = 1 + draw_stages(u, r, y + 1, h / 3 + 1);
	rest = h - used;
	lw = COLS * 45 / 100;
	if (lw < 36)
		lw = 36;
	draw_ladder(u, r, y + used, rest, lw);
	ui_vline(y + used + 1, lw, rest - 1);
	if (r != NULL)
		draw_findings(u, r->findings, r->n_findings, y + used, rest,
			      lw + 1, COLS - lw - 1, 2, "Findings");
	else
		ui_hline(y + used, lw + 1, COLS - lw - 1, "Findings",
			 u->focus == 2);
}

bool ui_client_key(struct ui *u, int key)
{
	const struct tp_report *r = ui_view(u);
	bool last;
	int n;

	if (ui_is_enter(key) || key == 'c') {
		if (r == NULL || r->n_certs == 0) {
			ui_message(u, "no certificate in this report%s",
				   r == NULL ? " yet" : "");
			return true;
		}
		u->back = UI_SCR_CLIENT;
		u->screen = UI_SCR_CHAIN;
		u->focus = 0;
		u->sel[0] = u->top[0] = u->sel[1] = u->top[1] = 0;
		return true;
	}
	if (r == NULL) {
		/* while it runs, the stages have a cursor already */
		if (u->focus != 0)
			return false;
		ui_run_lock(u->cur);
		n = u->cur->n_stages > 4 ? (int)u->cur->n_stages : 4;
		ui_run_unlock(u->cur);
		return ui_nav(u, 0, key, n, 5);
	}
	n = u->focus == 0 ? (int)r->n_stages : u->focus == 1
		? ladder_rows(r, &last) : (int)r->n_findings;
	return ui_nav(u, u->focus, key, n, 5);
}

/* ---- the certificate chain ---- */

static bool cert_code(const char *name)
{
	static const char *const codes[] = {
		"CERT_EXPIRED", "CERT_NOT_YET_VALID", "NAME_MISMATCH",
		"UNKNOWN_CA", "INCOMPLETE_CHAIN", "CHAIN_ORDER", "SELF_SIGNED",
		"WEAK_KEY", "WEAK_SIGNATURE", "BAD_KEY_USAGE",
		"PEER_ID_MISMATCH", "KEY_MISMATCH", "TLS_INTERCEPTED",
		"CA_MISMATCH",
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i], name) == 0)
			return true;
	return false;
}

/*
 * Which node of the tree a finding belongs to: the certificate its
 * summary names as "[N]", the trust anchor for a chain that ends
 * untrusted, -1 for a finding about something else. This only places
 * the probe's own findings; it judges nothing.
 */
static int node_of(const struct tp_report *r, const struct tp_finding *f)
{
	const char *name = tp_code_info(f->code)->name, *s;
	long n;

	if (!cert_code(name))
		return -1;
	if (strcmp(name, "UNKNOWN_CA") == 0 ||
	    strcmp(name, "INCOMPLETE_CHAIN") == 0 ||
	    strcmp(name, "CA_MISMATCH") == 0)
		return (int)r->n_certs;
	/* the probe names the store's anchor so, never by a number */
	if (f->summary != NULL && strncmp(f->summary, "the trusted CA ",
					  15) == 0)
		return (int)r->n_certs;
	for (s = f->summary; s != NULL && (s = strchr(s, '[')) != NULL; s++) {
		char *end;

		n = strtol(s + 1, &end, 10);
		if (end != s + 1 && *end == ']' && n >= 0 &&
		    n < (long)r->n_certs)
			return (int)n;
	}
	return 0;
}

/* No finding hangs on the end of the chain. */
static bool anchor_trusted(const struct tp_report *r)
{
	size_t k;

	for (k = 0; k < r->n_findings; k++)
		if (node_of(r, &r->findings[k]) == (int)r->n_certs)
			return false;
	return true;
}

static void draw_tree(struct ui *u, const struct tp_report *r, int y, int h,
		      int w)
{
	const struct ui_glyphs *g = ui_glyphs();
	const struct tp_stage *verify = stage(r, "verify");
	int n = (int)r->n_certs, i, row = y + 1, ind;
	size_t k;

	ui_hline(y, 0, w, "Chain: leaf to trust anchor", u->focus == 0);
	ui_clamp(&u->sel[0], &u->top[0], n + 1, h - 1);
	ui_mouse_pane(0, u->sel[0], y + 1, 0, h - 1, w);
	for (i = 0; i <= n && row < y + h; i++) {
		bool here = u->sel[0] == i;
		bool bad = false;
		int attr = here ? UI_REVERSE | UI_BOLD : UI_BOLD;
		int first = row;

		ind = 1 + 2 * (i < 6 ? i : 6);
		if (i > 0)
			ui_text(row, ind - 2, 2, ui_attr(UI_C_DIM), g->corner);
		if (i < n)
			ui_textf(row, ind, w - ind - 1, attr, "[%d] %s", i,
				 r->certs[i].subject ? r->certs[i].subject
				 : "(no subject)");
		else if (r->has_anchor) {
			/* not numbered: [N] is a place in what was sent */
			ui_textf(row, ind, w - ind - 1, attr, "anchor from the "
				 "trust store, not sent");
			if (row + 1 < y + h)
				ui_textf(++row, ind + 2, w - ind - 3, attr,
					 "%s", r->anchor.subject
					 ? r->anchor.subject : "?");
		}
		else
			ui_textf(row, ind, w - ind - 1, attr, "%s: %s",
				 anchor_trusted(r) ? "trust anchor"
				 : "untrusted issuer", n > 0 &&
				 r->certs[n - 1].issuer ? r->certs[n - 1].issuer
				 : "?");
		row++;
		for (k = 0; k < r->n_findings && row < y + h; k++) {
			if (node_of(r, &r->findings[k]) != i)
				continue;
			bad = true;
			ui_textf(row++, ind + 2, w - ind - 3,
				 ui_severity_attr(r->findings[k].severity),
				 "%s %s", g->bad,
				 tp_code_info(r->findings[k].code)->name);
		}
		if (!bad && row < y + h) {
			if (i < n)
				ui_textf(row++, ind + 2, w - ind - 3,
					 ui_attr(UI_C_GREEN), "%s no problem "
					 "found", g->ok);
			else if (verify != NULL && verify->status == TP_STAGE_OK)
				ui_textf(row++, ind + 2, w - ind - 3,
					 ui_attr(UI_C_GREEN), "%s trusted",
					 g->ok);
			else
				ui_textf(row++, ind + 2, w - ind - 3,
					 ui_attr(UI_C_DIM), "not checked");
		}
		ui_mouse_item(0, i, first, 0, row - first, w);
	}
}

/* The lines of the details pane, one string with newlines. */
static void details_text(const struct tp_report *r, int sel, char *buf,
			 size_t size)
{
	const struct tp_stage *verify = stage(r, "verify");
	size_t len = 0, k;
	int n = (int)r->n_certs;

#define ADD(...) do { \
	if (len < size) \
		len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); \
} while (0)
	buf[0] = '\0';
	if (sel >= n && r->has_anchor)
		ADD("anchor from the trust store (%s), not sent\n",
		    r->anchor_store ? r->anchor_store : "?");
	if (sel < n || r->has_anchor) {
		const struct tp_cert_info *c = sel < n ? &r->certs[sel]
					       : &r->anchor;

		ADD("subject    %s\n", c->subject ? c->subject : "");
		ADD("issuer     %s\n", c->issuer ? c->issuer : "");
		for (k = 0; k < c->n_san; k++)
			ADD("%s %s\n", k == 0 ? "names     " : "          ",
			    c->san[k]);
		ADD("not before %s\n", c->not_before);
		ADD("not after  %s\n", c->not_after);
		ADD("key        %s\n", c->key);
		ADD("signature  %s\n", c->signature ? c->signature : "");
		ADD("CA         %s%s\n", c->is_ca ? "yes" : "no",
		    c->self_signed ? ", self-signed" : "");
		ADD("sha256\n  %.32s\n  %s\n", c->sha256,
		    strlen(c->sha256) > 32 ? c->sha256 + 32 : "");
	} else {
		ADD("trust anchor\n");
		ADD("issuer     %s\n", n > 0 && r->certs[n - 1].issuer
		    ? r->certs[n - 1].issuer : "?");
		if (verify != NULL)
			ADD("verify     %s%s%s\n", ui_stage_word(verify->status),
			    verify->detail ? ": " : "",
			    verify->detail ? verify->detail : "");
	}
	for (k = 0; k < r->n_findings; k++) {
		const struct tp_finding *f = &r->findings[k];

		if (node_of(r, f) != sel)
			continue;
		ADD("\n%s %s\n%s\n", f->severity == TP_SEV_ERROR ? "ERROR"
		    : f->severity == TP_SEV_WARNING ? "WARNING" : "INFO",
		    tp_code_info(f->code)->name, f->summary ? f->summary : "");
		if (f->detail != NULL)
			ADD("evidence: %s\n", f->detail);
		if (f->fix != NULL)
			ADD("fix: %s\n", f->fix);
	}
#undef ADD
}

void ui_chain_draw(struct ui *u, int y, int h)
{
	const struct tp_report *r = ui_view(u);
	char *buf;
	int tw, x;

	if (r == NULL) {
		ui_text(y + 1, 2, COLS - 4, ui_attr(UI_C_DIM),
			ui_cur_state(u) == UI_RUNNING
			? "waiting for the run to finish..."
			: "this run has no certificates");
		return;
	}
	if (r->n_certs == 0) {
		ui_text(y + 1, 2, COLS - 4, ui_attr(UI_C_DIM),
			"no certificate was received or read");
		return;
	}
	tw = COLS * 45 / 100;
	draw_tree(u, r, y, h, tw);
	ui_vline(y + 1, tw, h - 1);
	x = tw + 1;
	ui_hline(y, x, COLS - x, "Details", u->focus == 1);
	ui_mouse_pane(1, -1, y + 1, x, h - 1, COLS - x);
	buf = malloc(16384);
	if (buf == NULL)
		return;
	details_text(r, u->sel[0], buf, 16384);
	ui_text_pane(u, 1, y + 1, x + 1, h - 1, COLS - x - 2, buf);
	free(buf);
}

bool ui_chain_key(struct ui *u, int key)
{
	const struct tp_report *r = ui_view(u);

	return r != NULL && ui_list_key(u, key, (int)r->n_certs + 1, 8);
}
