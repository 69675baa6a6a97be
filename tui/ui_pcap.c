/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The capture browser: the TLS handshakes tlsprobe pcap found in a
 * capture file, filtered with /, and the details of the selected one.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

/* The searchable line of a handshake. */
static void line_of(const struct tp_handshake *hs, char *buf, size_t size)
{
	snprintf(buf, size, "%s -> %s  %s  %s  %s  %s",
		 hs->client ? hs->client : "?", hs->server ? hs->server : "?",
		 hs->sni ? hs->sni : "-", hs->version ? hs->version : "-",
		 hs->cipher ? hs->cipher : "-", hs->outcome);
}

static size_t matching(struct ui *u, const struct tp_report *r, int *idx,
		       size_t cap)
{
	char line[600];
	size_t i, n = 0;

	for (i = 0; i < r->n_handshakes && n < cap; i++) {
		line_of(&r->handshakes[i], line, sizeof(line));
		if (ui_match(u->filter, line))
			idx[n++] = (int)i;
	}
	return n;
}

static void details(const struct tp_report *r, const struct tp_handshake *hs,
		    char *buf, size_t size)
{
	size_t len = 0, k;

#define ADD(...) do { \
	if (len < size) \
		len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); \
} while (0)
	ADD("client     %s\n", hs->client ? hs->client : "?");
	ADD("server     %s\n", hs->server ? hs->server : "?");
	ADD("SNI        %s\n", hs->sni ? hs->sni : "(none)");
	ADD("ALPN       %s\n", hs->alpn ? hs->alpn
			    : hs->version && strcmp(hs->version, "TLS1.3") == 0
			    ? "(encrypted in TLS 1.3)" : "(none chosen)");
	if (hs->n_alpn_offered > 0) {
		ADD("  offered ");
		for (k = 0; k < hs->n_alpn_offered; k++)
			ADD(" %s", hs->alpn_offered[k]);
		ADD("\n");
	}
	ADD("version    %s\n", hs->version ? hs->version : "(no ServerHello)");
	ADD("cipher     %s\n", hs->cipher ? hs->cipher : "-");
	if (hs->starttls[0] != '\0')
		ADD("STARTTLS   %s (TLS began after the plaintext upgrade)\n",
		    hs->starttls);
	if (hs->tunnel[0] != '\0')
		ADD("tunnel     %s to %s (TLS went through a proxy)\n",
		    hs->tunnel, hs->tunnel_target ? hs->tunnel_target : "?");
	ADD("outcome    %s  (history %s, %.1f ms)\n", hs->outcome, hs->history,
	    hs->duration_ms);
	if (hs->has_alert)
		ADD("alert      %s %s from the %s%s\n", hs->alert_level,
		    hs->alert_description,
		    hs->alert_from_server ? "server" : "client",
		    hs->alert_inferred ? " (by its size)" : "");
	ADD("JA3        %s\nJA3S       %s\nJA4        %s\n",
	    hs->ja3[0] ? hs->ja3 : "-", hs->ja3s[0] ? hs->ja3s : "-",
	    hs->ja4[0] ? hs->ja4 : "-");
	if (hs->keylog_secrets >= 0)
		ADD("key log    %d secret%s for its client random\n",
		    hs->keylog_secrets, hs->keylog_secrets == 1 ? "" : "s");
	for (k = 0; k < hs->n_certs; k++)
		ADD("[%zu] %s\n    issuer %s\n    valid %s .. %s, %s\n", k,
		    hs->certs[k].subject ? hs->certs[k].subject : "",
		    hs->certs[k].issuer ? hs->certs[k].issuer : "",
		    hs->certs[k].not_before, hs->certs[k].not_after,
		    hs->certs[k].key);
	if (hs->n_certs == 0 && hs->version != NULL &&
	    strcmp(hs->version, "TLS1.3") == 0)
		ADD("(TLS 1.3 encrypts the certificates)\n");
	for (k = 0; k < r->n_findings; k++)
		if (hs->client != NULL && r->findings[k].detail != NULL &&
		    strstr(r->findings[k].detail, hs->client) != NULL)
			ADD("\n%s %s\n%s\n",
			    tp_code_info(r->findings[k].code)->name,
			    tp_severity_name(r->findings[k].severity),
			    r->findings[k].summary ? r->findings[k].summary
			    : "");
#undef ADD
}

void ui_pcap_draw(struct ui *u, int y, int h)
{
	const struct tp_report *r = ui_view(u);
	enum ui_state state = ui_cur_state(u);
	int lh = (h - 1) * 45 / 100, i, row, dh;
	int *idx;
	size_t n;
	char *buf;

	if (state == UI_RUNNING) {
		ui_run_lock(u->cur);
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_CYAN), "reading: %u "
			 "frames, %u handshakes so far", u->cur->done,
			 u->cur->estimate);
		ui_run_unlock(u->cur);
		return;
	}
	if (state == UI_FAILED) {
		ui_run_lock(u->cur);
		ui_textf(y + 1, 2, COLS - 4, ui_attr(UI_C_RED),
			 "the capture could not be read: %s",
			 u->cur->err.message);
		ui_run_unlock(u->cur);
		return;
	}
	if (r == NULL)
		return;
	if (r->pcap != NULL)
		ui_textf(y, 1, COLS - 2, ui_verdict_attr(tp_report_verdict(r)),
			 "%s  %llu frames, %llu TCP connections, %llu with TLS%s",
			 r->pcap->source ? r->pcap->source : "",
			 r->pcap->frames, r->pcap->flows, r->pcap->tls_flows,
			 r->pcap->truncated ? "  (the file is cut short)" : "");
	ui_hline(y + 1, 0, COLS, "Handshakes", u->focus == 0);
	idx = calloc(r->n_handshakes + 1, sizeof(*idx));
	if (idx == NULL)
		return;
	n = matching(u, r, idx, r->n_handshakes);
	if (n == 0)
		ui_text(y + 2, 2, COLS - 4, ui_attr(UI_C_DIM), r->n_handshakes
			? "no handshake matches the filter"
			: "no TLS handshake in this capture");
	ui_clamp(&u->sel[0], &u->top[0], (int)n, lh);
	ui_mouse_pane(0, n > 0 ? u->sel[0] : -1, y + 2, 0, lh, COLS);
	for (i = u->top[0], row = y + 2; i < (int)n && row < y + 2 + lh;
	     i++, row++) {
		const struct tp_handshake *hs = &r->handshakes[idx[i]];
		bool here = u->sel[0] == i;
		int oattr = strcmp(hs->outcome, "established") == 0
			? ui_attr(UI_C_GREEN) : ui_attr(UI_C_RED);

		ui_mouse_item(0, i, row, 0, 1, COLS);
		ui_textf(row, 1, 46, here ? UI_REVERSE | UI_BOLD : UI_BOLD,
			 "%s -> %s", hs->client ? hs->client : "?",
			 hs->server ? hs->server : "?");
		ui_text(row, 48, 12, oattr, hs->outcome);
		ui_textf(row, 61, COLS - 62, UI_NORMAL, "%s %s %s",
			 hs->version ? hs->version : "-",
			 hs->sni ? hs->sni : "-",
			 hs->cipher ? hs->cipher : "");
	}
	row = y + 2 + lh;
	dh = y + h - row - 1;
	ui_hline(row, 0, COLS, "Details of the selected handshake",
		 u->focus == 1);
	ui_mouse_pane(1, -1, row + 1, 0, dh, COLS);
	buf = malloc(16384);
	if (buf != NULL && n > 0) {
		details(r, &r->handshakes[idx[u->sel[0]]], buf, 16384);
		ui_text_pane(u, 1, row + 1, 1, dh, COLS - 3, buf);
	}
	free(buf);
	free(idx);
}

bool ui_pcap_key(struct ui *u, int key)
{
	const struct tp_report *r = ui_view(u);

	return r != NULL && ui_list_key(u, key, (int)r->n_handshakes, 5);
}
