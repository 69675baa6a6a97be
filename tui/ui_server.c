/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server monitor (connections appear as the server probe diagnoses
 * them) and the peer matrix (A->B and B->A side by side).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

/* ---- the server monitor ---- */

void ui_server_draw(struct ui *u, int y, int h)
{
	struct ui_run *run = u->cur;
	int lh = (h - 1) * 45 / 100, i, n, row, shown, dh;
	int idx[UI_MAX_CONNS];
	char *text = NULL;

	ui_run_lock(run);
	if (run->state == UI_FAILED)
		ui_textf(y, 1, COLS - 2, ui_attr(UI_C_RED),
			 "the server could not run: %s", run->err.message);
	else if (run->listening[0] == '\0')
		ui_text(y, 1, COLS - 2, ui_attr(UI_C_CYAN), "starting...");
	else
		ui_textf(y, 1, COLS - 2, run->state == UI_RUNNING
			 ? ui_attr(UI_C_GREEN) : ui_attr(UI_C_DIM), "%s %s   %u "
			 "connection%s, %u established, %u failed%s",
			 run->state == UI_RUNNING ? "listening on" : "stopped;"
			 " was listening on", run->listening,
			 run->summary.connections,
			 run->summary.connections == 1 ? "" : "s",
			 run->summary.established, run->summary.failed,
			 run->dropped ? " (oldest not kept)" : "");
	for (i = 0, n = 0; i < (int)run->n_conns; i++) {
		char line[400];

		snprintf(line, sizeof(line), "%s %s %s %s", run->conns[i].when,
			 run->conns[i].peer,
			 ui_verdict_word(run->conns[i].verdict),
			 run->conns[i].summary);
		if (ui_match(u->filter, line))
			idx[n++] = i;
	}
	ui_hline(y + 1, 0, COLS, "Connections", u->focus == 0);
	if (n == 0)
		ui_text(y + 2, 2, COLS - 4, ui_attr(UI_C_DIM),
			run->n_conns ? "no connection matches the filter"
			: "no connection yet: point a client at the address "
			"above");
	ui_clamp(&u->sel[0], &u->top[0], n, lh);
	ui_mouse_pane(0, n > 0 ? u->sel[0] : -1, y + 2, 0, lh, COLS);
	for (i = u->top[0], row = y + 2, shown = 0; i < n && shown < lh;
	     i++, row++, shown++) {
		const struct ui_conn *c = &run->conns[idx[i]];
		bool here = u->sel[0] == i;

		ui_mouse_item(0, i, row, 0, 1, COLS);
		ui_textf(row, 1, 10, here ? UI_REVERSE : UI_NORMAL, "%-9s",
			 c->when);
		ui_text(row, 11, 24, here ? UI_REVERSE | UI_BOLD : UI_BOLD,
			c->peer);
		ui_text(row, 36, 5, ui_verdict_attr(c->verdict) | UI_BOLD,
			ui_verdict_word(c->verdict));
		ui_text(row, 42, COLS - 43, UI_NORMAL, c->summary);
	}
	if (n > 0 && u->sel[0] < n && run->conns[idx[u->sel[0]]].text)
		text = strdup(run->conns[idx[u->sel[0]]].text);
	ui_run_unlock(run);

	row = y + 2 + lh;
	dh = y + h - row - 1;
	ui_hline(row, 0, COLS, "Details of the selected connection",
		 u->focus == 1);
	ui_mouse_pane(1, -1, row + 1, 0, dh, COLS);
	if (text == NULL)
		return;
	ui_text_pane(u, 1, row + 1, 1, dh, COLS - 3, text);
	free(text);
}

bool ui_server_key(struct ui *u, int key)
{
	int n;

	ui_run_lock(u->cur);
	n = (int)u->cur->n_conns;
	ui_run_unlock(u->cur);
	return ui_list_key(u, key, n, 5);
}

/* ---- the peer matrix ---- */

/* A stage of a report there may be none of yet. */
static const struct tp_stage *stage(const struct tp_report *r,
				    const char *name)
{
	return r != NULL ? tp_report_find_stage(r, name) : NULL;
}

static void cell_stage(int y, int x, int w, const struct tp_stage *stage)
{
	if (stage == NULL) {
		ui_text(y, x, w, ui_attr(UI_C_DIM), "-");
		return;
	}
	ui_textf(y, x, w,
		 stage->status == TP_STAGE_OK	  ? ui_attr(UI_C_GREEN)
		 : stage->status == TP_STAGE_FAIL ? ui_attr(UI_C_RED)
						  : ui_attr(UI_C_DIM),
		 "%-7s %s", ui_stage_word(stage->status),
		 stage->detail ? stage->detail : "");
}

void ui_peer_draw(struct ui *u, int y, int h)
{
	static const char *const rows[] = {"dns", "tcp", "tls", "verify",
					   "sideband"};
	const struct tp_report *r;
	enum ui_state state = ui_cur_state(u);
	int cw = (COLS - 12) / 2, d, i, row, fy;
	char listening[200];

	ui_run_lock(u->cur);
	snprintf(listening, sizeof(listening), "%s", u->cur->listening);
	ui_run_unlock(u->cur);
	if (state == UI_RUNNING) {
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_CYAN),
			 "listening on %s, connecting to %s", listening[0]
			 ? listening : "...", u->cur->p.peer.connect);
		ui_textf(y + 2, 2, COLS - 4, UI_NORMAL, "waiting for the other "
			 "node (up to %.0f s): run tlsprobe peer there, "
			 "connecting here", u->cur->p.peer.wait_s);
		return;
	}
	if (state == UI_FAILED) {
		ui_run_lock(u->cur);
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_RED),
			 "the peer probe could not run: %s",
			 u->cur->err.message);
		ui_run_unlock(u->cur);
		return;
	}
	r = ui_view(u);
	if (r == NULL) {
		ui_text(y + 1, 2, COLS - 4, ui_attr(UI_C_DIM), "stopped before a result");
		return;
	}
	ui_textf(y, 1, COLS - 2, ui_verdict_attr(tp_report_verdict(r)) | UI_BOLD,
		 "%s  A = %s   B = %s", ui_verdict_word(tp_report_verdict(r)),
		 r->a_id[0] ? r->a_id : "?", r->b_id[0] ? r->b_id : "?");
	ui_hline(y + 1, 0, COLS, "Directions (Enter opens one)",
		 u->focus == 0);
	if (u->sel[0] > 1)
		u->sel[0] = 1;
	if (u->sel[0] < 0)
		u->sel[0] = 0;
	ui_mouse_pane(0, u->sel[0], y + 2, 0, 8, COLS);
	for (d = 0; d < 2; d++) {
		const struct tp_report *dr = r->directions[d];
		int x = 11 + d * (cw + 1);
		bool here = u->focus == 0 && u->sel[0] == d;

		ui_textf(y + 2, x, cw, here ? UI_REVERSE | UI_BOLD : UI_BOLD,
			 "%s  %s", d == 0 ? "A->B" : "B->A", dr == NULL
			 ? "no report" : ui_verdict_word(tp_report_verdict(dr)));
		ui_mouse_item(0, d, y + 2, x, 8, cw + 1);
		if (dr == NULL)
			continue;
		for (i = 0; i < 5; i++)
			cell_stage(y + 3 + i, x, cw - 1, stage(dr, rows[i]));
		if (dr->session.present)
			ui_textf(y + 8, x, cw - 1, UI_NORMAL, "%s %s",
				 dr->session.version ? dr->session.version : "?",
				 dr->session.cipher ? dr->session.cipher : "?");
		ui_textf(y + 9, x, cw - 1, ui_attr(UI_C_DIM), "%zu finding%s",
			 dr->n_findings, dr->n_findings == 1 ? "" : "s");
	}
	for (i = 0; i < 5; i++)
		ui_text(y + 3 + i, 1, 9, UI_BOLD, rows[i]);
	ui_text(y + 8, 1, 9, UI_BOLD, "session");
	ui_text(y + 9, 1, 9, UI_BOLD, "findings");
	fy = y + 10;
	ui_hline(fy, 0, COLS, "Findings over both directions", u->focus == 1);
	ui_clamp(&u->sel[1], &u->top[1], (int)r->n_findings, y + h - fy - 1);
	ui_mouse_pane(1, r->n_findings > 0 ? u->sel[1] : -1, fy + 1, 0,
		      y + h - fy - 1, COLS);
	for (i = u->top[1], row = fy + 1; i < (int)r->n_findings &&
	     row < y + h; i++) {
		const struct tp_finding *f = &r->findings[i];
		char line[800];
		int first = row;

		snprintf(line, sizeof(line), "%s %s", tp_code_info(f->code)->name,
			 f->summary ? f->summary : "");
		if (!ui_match(u->filter, line))
			continue;
		ui_textf(row, 1, 8, ui_severity_attr(f->severity) |
			 (u->focus == 1 && u->sel[1] == i ? UI_REVERSE : 0),
			 "%s", f->severity == TP_SEV_ERROR ? "ERROR"
			 : f->severity == TP_SEV_WARNING ? "WARNING" : "INFO");
		row += ui_wrap(row, 10, COLS - 11, y + h - row, 0, UI_NORMAL,
			       line);
		ui_mouse_item(1, i, first, 0, row - first, COLS);
	}
	if (r->n_findings == 0)
		ui_text(fy + 1, 2, COLS - 4, ui_attr(UI_C_GREEN),
			"no findings: both directions are fine");
}

bool ui_peer_key(struct ui *u, int key)
{
	const struct tp_report *r = ui_view(u);

	if (r == NULL)
		return false;
	if (u->focus == 0) {
		switch (key) {
		case 'h': case KEY_LEFT: case 'k': case KEY_UP:
			u->sel[0] = 0;
			return true;
		case 'l': case KEY_RIGHT: case 'j': case KEY_DOWN:
			u->sel[0] = 1;
			return true;
		default:
			break;
		}
		if (ui_is_enter(key)) {
			if (r->directions[u->sel[0]] == NULL) {
				ui_message(u, "no report for this direction");
				return true;
			}
			u->direction = u->sel[0];
			ui_go(u, UI_SCR_CLIENT);
			return true;
		}
		return false;
	}
	return ui_nav(u, 1, key, (int)r->n_findings, 5);
}
