/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The home screen: the target form and the runs made since the TUI
 * started, with their verdicts.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "registry.h"
#include "starttls.h"
#include "tls.h"
#include "ui.h"

#define K(k) (1u << (k))

static const struct {
	const char *label;
	unsigned kinds;  /* the probes that use the field */
} fields[F_COUNT] = {
	[F_PROBE] = {"Probe", ~0u},
	[F_HOST] = {"Host", K(UI_CLIENT) | K(UI_CIPHERS) | K(UI_AUDIT)},
	[F_PORT] = {"Port", K(UI_CLIENT) | K(UI_CIPHERS) | K(UI_AUDIT)},
	[F_SNI] = {"SNI", K(UI_CLIENT) | K(UI_CIPHERS) | K(UI_AUDIT) | K(UI_PEER)},
	[F_CA] = {"CA file", K(UI_CLIENT) | K(UI_CERT) | K(UI_SERVER) |
		  K(UI_PEER)},
	[F_CERT] = {"Cert file", K(UI_CLIENT) | K(UI_CERT) | K(UI_SERVER) |
		    K(UI_PEER)},
	[F_KEY] = {"Key file", K(UI_CLIENT) | K(UI_CERT) | K(UI_SERVER) |
		   K(UI_PEER)},
	[F_STARTTLS] = {"STARTTLS", K(UI_CLIENT) | K(UI_CIPHERS) | K(UI_AUDIT)},
	[F_EXPECT_NAME] = {"Expect name", K(UI_CLIENT) | K(UI_CERT) |
			   K(UI_PEER)},
	[F_EXPECT_ID] = {"Expect ID", K(UI_CLIENT) | K(UI_CERT) |
			 K(UI_SERVER) | K(UI_PEER)},
	[F_LISTEN] = {"Listen", K(UI_SERVER) | K(UI_PEER)},
	[F_CONNECT] = {"Connect", K(UI_PEER)},
	[F_FILE] = {"Pcap file", K(UI_PCAP)},
	[F_TIMEOUT] = {"Timeout", K(UI_CLIENT) | K(UI_CIPHERS) | K(UI_AUDIT) |
		       K(UI_SERVER) |
		       K(UI_PEER)},
	[F_PRIORITY] = {"Priority", K(UI_CLIENT) | K(UI_SERVER) | K(UI_PEER)},
	[F_PROTOCOLS] = {"Protocols", K(UI_CIPHERS) | K(UI_AUDIT)},
	[F_POLICY] = {"Policy", K(UI_CIPHERS) | K(UI_AUDIT)},
	[F_RUN] = {"", ~0u},
};

/* The fields the library's option keys name (tp_error_set_namer). */
static const struct {
	const char *key;
	enum ui_field_id field;
} keyed[] = {
	{"target", F_HOST}, {"host", F_HOST}, {"port", F_PORT},
	{"sni", F_SNI}, {"ca", F_CA}, {"cert", F_CERT}, {"key", F_KEY},
	{"starttls", F_STARTTLS}, {"expect-name", F_EXPECT_NAME},
	{"expect-id", F_EXPECT_ID}, {"listen", F_LISTEN},
	{"connect", F_CONNECT}, {"file", F_FILE}, {"timeout", F_TIMEOUT},
	{"priority", F_PRIORITY}, {"protocols", F_PROTOCOLS},
	{"policy", F_POLICY},
};

void ui_name_option(const char *key, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
		if (strcmp(keyed[i].key, key) == 0) {
			snprintf(out, size, "%s", fields[keyed[i].field].label);
			return;
		}
	/* an option the form has no field for: as the command line has it */
	snprintf(out, size, "--%s", key);
}

/* An error about field f: its message names the field itself when the
 * library said which option it was about. */
static void field_error(struct ui *u, enum ui_field_id f,
			const struct tp_error *err)
{
	if (err->option[0] != '\0')
		ui_message(u, "%s", err->message);
	else
		ui_message(u, "%s: %s", fields[f].label, err->message);
}

static const char *value(struct ui *u, enum ui_field_id f)
{
	return u->values[f][0] != '\0' ? ui_keep(u->values[f]) : NULL;
}

static void set(struct ui *u, enum ui_field_id f, const char *s)
{
	snprintf(u->values[f], sizeof(u->values[f]), "%s", s ? s : "");
}

static void set_seconds(struct ui *u, double s)
{
	char v[32] = "";

	if (s > 0)
		snprintf(v, sizeof(v), "%g", s);
	set(u, F_TIMEOUT, v);
}

void ui_home_fill(struct ui *u, const struct ui_params *p)
{
	const struct tp_client_opts *c;
	char port[16];

	u->probe = UI_CLIENT;
	u->field = F_HOST;
	u->focus = 0;
	if (p == NULL)
		return;
	u->probe = p->kind;
	c = p->kind == UI_PEER ? &p->peer.client : &p->client;
	switch (p->kind) {
	case UI_CLIENT:
		set(u, F_HOST, c->host);
		snprintf(port, sizeof(port), "%u", c->port);
		set(u, F_PORT, port);
		set(u, F_SNI, c->sni);
		set(u, F_STARTTLS, c->starttls ? tp_starttls_name(c->starttls)
			: NULL);
		/* fall through */
	case UI_PEER:
		set(u, F_CA, c->ca_file);
		set(u, F_CERT, c->cert_file);
		set(u, F_KEY, c->key_file);
		set(u, F_EXPECT_NAME, c->expect_name);
		set(u, F_EXPECT_ID, c->expect_id);
		set(u, F_PRIORITY, c->priority);
		set_seconds(u, c->timeout_s);
		if (p->kind == UI_PEER) {
			set(u, F_SNI, c->sni);
			set(u, F_LISTEN, p->peer.listen);
			set(u, F_CONNECT, p->peer.connect);
		}
		break;
	case UI_CERT:
		set(u, F_CA, p->cert.ca_file);
		set(u, F_CERT, p->cert.cert_file);
		set(u, F_KEY, p->cert.key_file);
		set(u, F_EXPECT_NAME, p->cert.expect_name);
		set(u, F_EXPECT_ID, p->cert.expect_id);
		break;
	case UI_CIPHERS:
	case UI_AUDIT:
		set(u, F_HOST, p->ciphers.host);
		snprintf(port, sizeof(port), "%u", p->ciphers.port);
		set(u, F_PORT, port);
		set(u, F_SNI, p->ciphers.sni);
		set(u, F_STARTTLS, p->ciphers.starttls
			? tp_starttls_name(p->ciphers.starttls) : NULL);
		set(u, F_PROTOCOLS, p->ciphers.protocols);
		set(u, F_POLICY, p->ciphers.policy);
		set_seconds(u, p->ciphers.timeout_s);
		break;
	case UI_SERVER:
		set(u, F_CA, p->server.ca_file);
		set(u, F_CERT, p->server.cert_file);
		set(u, F_KEY, p->server.key_file);
		set(u, F_EXPECT_ID, p->server.expect_id);
		set(u, F_LISTEN, p->server.listen);
		set(u, F_PRIORITY, p->server.priority);
		set_seconds(u, p->server.timeout_s);
		break;
	case UI_PCAP:
		set(u, F_FILE, p->pcap.file);
		break;
	default:
		break;
	}
}

/* Host and port from the Host field (HOST, HOST:PORT, [V6]:PORT) and
 * the Port field, which wins when it is filled in. */
static bool target(struct ui *u, unsigned default_port, const char **host,
		   unsigned *port)
{
	struct tp_error err = {0};
	char *h = NULL, *end;
	unsigned long v;

	if (u->values[F_HOST][0] == '\0') {
		ui_message(u, "the %s probe needs a Host", ui_kind_name(u->probe));
		return false;
	}
	if (tp_addr_parse(u->values[F_HOST], default_port, &h, port, &err) < 0) {
		field_error(u, F_HOST, &err);
		return false;
	}
	*host = ui_keep(h);
	free(h);
	if (u->values[F_PORT][0] != '\0') {
		errno = 0;
		v = strtoul(u->values[F_PORT], &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 65535) {
			ui_message(u, "Port '%s': expected 1 to 65535",
				   u->values[F_PORT]);
			return false;
		}
		*port = (unsigned)v;
	}
	return *host != NULL;
}

/* Timeout: seconds as --timeout takes them; empty is the default,
 * TP_DEFAULT_TIMEOUT_S. */
static bool timeout_of(struct ui *u, double *out)
{
	const char *v = u->values[F_TIMEOUT];
	char *end;
	double s;

	*out = TP_DEFAULT_TIMEOUT_S;
	if (v[0] == '\0')
		return true;
	errno = 0;
	s = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(s > 0) || s > 86400) {
		ui_message(u, "Timeout '%s': expected seconds between 0 and "
			   "86400 (decimal allowed)", v);
		return false;
	}
	*out = s;
	return true;
}

/* The library's checks of what the form filled in, the ones the run
 * would make first: a mistake is a line on the form, not a failed run. */
static bool checked(struct ui *u, const struct ui_params *p)
{
	struct tp_error err = {0};
	int rc;

	switch (p->kind) {
	case UI_CLIENT: rc = tp_client_opts_check(&p->client, &err); break;
	case UI_PEER: rc = tp_peer_opts_check(&p->peer, &err); break;
	case UI_CERT: rc = tp_cert_opts_check(&p->cert, &err); break;
	case UI_CIPHERS:
	case UI_AUDIT: rc = tp_ciphers_opts_check(&p->ciphers, &err); break;
	case UI_SERVER: rc = tp_server_opts_check(&p->server, &err); break;
	case UI_PCAP: rc = tp_pcap_opts_check(&p->pcap, &err); break;
	default: return false;
	}
	if (rc == 0)
		return true;
	/* the option is the field's own: its label is in the message */
	ui_message(u, "%s", err.message);
	return false;
}

static bool form_params(struct ui *u, struct ui_params *p)
{
	enum tp_starttls proto = TP_STARTTLS_NONE;
	struct tp_client_opts *c;
	unsigned used = 0;
	double timeout = TP_DEFAULT_TIMEOUT_S;
	int f;

	memset(p, 0, sizeof(*p));
	p->kind = u->probe;
	for (f = 0; f < F_COUNT; f++)
		if (fields[f].kinds & K(u->probe))
			used |= 1u << f;
	if (u->values[F_STARTTLS][0] != '\0' &&
	    tp_starttls_parse(u->values[F_STARTTLS], &proto) < 0) {
		ui_message(u, "STARTTLS '%s': expected smtp, imap, pop3, ftp, "
			   "xmpp, postgres or ldap", u->values[F_STARTTLS]);
		return false;
	}
	/* a field the probe does not use is dimmed, and not judged */
	if ((used & (1u << F_TIMEOUT)) != 0 && !timeout_of(u, &timeout))
		return false;
	switch (u->probe) {
	case UI_CLIENT:
	case UI_PEER:
		if (u->probe == UI_PEER) {
			tp_peer_opts_init(&p->peer);
			c = &p->peer.client;
		} else {
			tp_client_opts_init(&p->client);
			c = &p->client;
		}
		c->timeout_s = timeout;
		c->priority = value(u, F_PRIORITY);
		c->sni = value(u, F_SNI);
		c->ca_file = value(u, F_CA);
		c->cert_file = value(u, F_CERT);
		c->key_file = value(u, F_KEY);
		c->expect_name = value(u, F_EXPECT_NAME);
		c->expect_id = value(u, F_EXPECT_ID);
		if (u->probe == UI_PEER) {
			p->peer.listen = value(u, F_LISTEN);
			p->peer.connect = value(u, F_CONNECT);
			snprintf(p->target, sizeof(p->target), "%s",
				 p->peer.connect ? p->peer.connect : "");
			return checked(u, p);
		}
		c->starttls = (int)proto;
		if (!target(u, proto ? tp_starttls_default_port(proto) : 443,
			    &c->host, &c->port))
			return false;
		snprintf(p->target, sizeof(p->target), "%s:%u", c->host,
			 c->port);
		return checked(u, p);
	case UI_CERT:
		tp_cert_opts_init(&p->cert);
		p->cert.cert_file = value(u, F_CERT);
		p->cert.key_file = value(u, F_KEY);
		p->cert.ca_file = value(u, F_CA);
		p->cert.expect_name = value(u, F_EXPECT_NAME);
		p->cert.expect_id = value(u, F_EXPECT_ID);
		snprintf(p->target, sizeof(p->target), "%s",
			 p->cert.cert_file ? p->cert.cert_file : "");
		return checked(u, p);
	case UI_CIPHERS:
	case UI_AUDIT:
		tp_ciphers_opts_init(&p->ciphers);
		p->ciphers.timeout_s = timeout;
		p->ciphers.protocols = value(u, F_PROTOCOLS);
		p->ciphers.policy = value(u, F_POLICY);
		p->ciphers.sni = value(u, F_SNI);
		p->ciphers.starttls = (int)proto;
		if (!target(u, proto ? tp_starttls_default_port(proto) : 443,
			    &p->ciphers.host, &p->ciphers.port))
			return false;
		snprintf(p->target, sizeof(p->target), "%s:%u",
			 p->ciphers.host, p->ciphers.port);
		return checked(u, p);
	case UI_SERVER:
		tp_server_opts_init(&p->server);
		p->server.timeout_s = timeout;
		p->server.priority = value(u, F_PRIORITY);
		p->server.listen = value(u, F_LISTEN);
		p->server.cert_file = value(u, F_CERT);
		p->server.key_file = value(u, F_KEY);
		p->server.ca_file = value(u, F_CA);
		p->server.expect_id = value(u, F_EXPECT_ID);
		if (p->server.listen != NULL)
			snprintf(p->target, sizeof(p->target), "%s",
				 p->server.listen);
		else
			snprintf(p->target, sizeof(p->target), ":%u",
				 TP_SERVER_PORT);
		return checked(u, p);
	case UI_PCAP:
		tp_pcap_opts_init(&p->pcap);
		p->pcap.file = value(u, F_FILE);
		/* the form reads files only: the library's "a file or an
		 * interface" would name a field it does not have */
		if (p->pcap.file == NULL) {
			ui_message(u, "the pcap probe needs a Pcap file");
			return false;
		}
		snprintf(p->target, sizeof(p->target), "%s", p->pcap.file);
		return checked(u, p);
	default:
		return false;
	}
}

bool ui_home_params(struct ui *u, struct ui_params *p)
{
	/* the status line's message is the form's error line too: it stays
	 * on the form, under [ Run ], until the form is run or edited */
	u->form_error[0] = '\0';
	if (form_params(u, p))
		return true;
	snprintf(u->form_error, sizeof(u->form_error), "%s", u->message);
	return false;
}

static void draw_form(struct ui *u, int y, int h, int w)
{
	int f, row, vw = w - 17, attr;
	bool used;

	ui_hline(y, 0, w, "Target", u->focus == 0);
	ui_mouse_pane(0, u->field, y + 1, 0, h - 1, w);
	for (f = 0, row = y + 1; f < F_COUNT && row < y + h; f++, row++) {
		bool here = u->focus == 0 && u->field == f;

		used = fields[f].kinds & K(u->probe);
		attr = used ? UI_NORMAL : ui_attr(UI_C_DIM);
		if (f == F_RUN) {
			row++;
			ui_textf(row, 16, vw, here ? UI_REVERSE | UI_BOLD : UI_BOLD,
				 "[ Run %s ]", ui_kind_name(u->probe));
			ui_mouse_item(0, f, row, 0, 1, w);
			if (u->form_error[0] != '\0' && row + 1 < y + h)
				ui_text(row + 1, 1, w - 2, ui_attr(UI_C_RED),
					u->form_error);
			continue;
		}
		ui_mouse_item(0, f, row, 0, 1, w);
		ui_textf(row, 1, 14, here ? UI_BOLD : attr, "%s%s",
			 here ? "> " : "  ", fields[f].label);
		if (f == F_PROBE) {
			ui_textf(row, 16, vw, here ? UI_REVERSE : UI_BOLD,
				 "%s %s %s", ui_glyphs()->larrow,
				 ui_kind_name(u->probe), ui_glyphs()->rarrow);
			continue;
		}
		if (here && u->editing) {
			size_t len = strlen(u->values[f]);
			const char *shown = u->values[f];

			int x = 16;

			/* the end of a long value, where the cursor is, after
			 * the mark that says its start is cut (values are
			 * typed in ASCII: a byte is a column) */
			if ((int)len > vw - 2) {
				shown += len - (size_t)(vw - 3);
				x += ui_text(row, x, 1, UI_UNDERLINE,
					     ui_cut_mark());
			}
			ui_textf(row, x, vw - (x - 16), UI_UNDERLINE, "%s",
				 shown);
			move(row, x + (int)strlen(shown));
			curs_set(1);
		} else {
			ui_text(row, 16, vw, here ? UI_REVERSE | attr : attr,
				u->values[f][0] ? u->values[f]
				: (used ? "." : ""));
		}
	}
}

/* The runs the / filter lets through, newest first, into idx (room for
 * UI_MAX_RUNS); returns how many. The list's cursor counts these only,
 * so that it is always on a row that is drawn. */
static int shown_runs(struct ui *u, int *idx)
{
	int i, n = 0;

	for (i = (int)u->n_runs - 1; i >= 0; i--) {
		struct ui_run *run = u->runs[i];
		char line[300];

		snprintf(line, sizeof(line), "#%d %s %s", run->id,
			 ui_kind_name(run->p.kind), run->p.target);
		if (ui_match(u->filter, line))
			idx[n++] = i;
	}
	return n;
}

struct ui_run *ui_home_selected(struct ui *u)
{
	int idx[UI_MAX_RUNS], n = shown_runs(u, idx);

	if (u->sel[1] < 0 || u->sel[1] >= n)
		return NULL;
	return u->runs[idx[u->sel[1]]];
}

static void draw_runs(struct ui *u, int y, int h, int x, int w)
{
	char status[256];
	int idx[UI_MAX_RUNS], shown = 0, i, rows = (h - 1) / 2;
	int n = shown_runs(u, idx);

	ui_hline(y, x, w, "Runs", u->focus == 1);
	ui_clamp(&u->sel[1], &u->top[1], n, rows);
	ui_mouse_pane(1, u->sel[1], y + 1, x, h - 1, w);
	if (n == 0) {
		ui_wrap(y + 2, x + 2, w - 3, h - 3, 0, ui_attr(UI_C_DIM),
			u->n_runs > 0 ? "No run matches the filter (Esc "
			"clears it)." : "No runs yet. Fill in the form and "
			"press Enter on [ Run ], or start tlsprobe tui with a "
			"subcommand.");
		return;
	}
	for (i = u->top[1]; i < n && shown < rows; i++) {
		struct ui_run *run = u->runs[idx[i]];
		bool here = u->focus == 1 && u->sel[1] == i;
		enum tp_verdict v = TP_VERDICT_PASS;
		int attr = UI_NORMAL;
		char line[300];

		snprintf(line, sizeof(line), "#%d %s %s", run->id,
			 ui_kind_name(run->p.kind), run->p.target);
		ui_run_lock(run);
		ui_run_status(run, status, sizeof(status));
		if (run->state == UI_DONE && run->report != NULL) {
			v = tp_report_verdict(run->report);
			attr = ui_verdict_attr(v);
		} else if (run->state == UI_FAILED) {
			attr = ui_attr(UI_C_RED);
		} else if (run->state == UI_CANCELLED) {
			attr = ui_attr(UI_C_YELLOW);
		}
		ui_run_unlock(run);
		ui_text(y + 1 + 2 * shown, x + 1, w - 1,
			here ? UI_REVERSE | UI_BOLD : UI_BOLD, line);
		ui_text(y + 2 + 2 * shown, x + 4, w - 4, attr, status);
		ui_mouse_item(1, i, y + 1 + 2 * shown, x, 2, w);
		shown++;
	}
}

void ui_home_draw(struct ui *u, int y, int h)
{
	int fw = COLS >= 100 ? 56 : COLS / 2 + 4;

	draw_form(u, y, h, fw);
	ui_vline(y + 1, fw, h - 1);
	draw_runs(u, y, h, fw + 1, COLS - fw - 1);
}

static void cycle(struct ui *u, int step)
{
	int k = (int)u->probe;

	/* the error was about the probe that is no longer chosen */
	u->form_error[0] = '\0';
	k = (k + step + UI_KIND_COUNT) % UI_KIND_COUNT;
	u->probe = (enum ui_kind)k;
}

static bool edit_key(struct ui *u, int key)
{
	char *v = u->values[u->field];
	size_t n = strlen(v);

	switch (key) {
	case '\n': case '\r': case KEY_ENTER: case 27: case '\t':
	case KEY_UP: case KEY_DOWN:
		u->editing = false;
		curs_set(0);
		if (key == KEY_UP && u->field > 0)
			u->field--;
		else if ((key == KEY_DOWN || key == '\t') &&
			 u->field + 1 < F_COUNT)
			u->field++;
		return true;
	case KEY_BACKSPACE: case 127: case 8:
		if (n > 0)
			v[n - 1] = '\0';
		return true;
	case 21:  /* ^U */
		v[0] = '\0';
		return true;
	default:
		if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(u->values[0])) {
			v[n] = (char)key;
			v[n + 1] = '\0';
		}
		return true;
	}
}

bool ui_home_key(struct ui *u, int key)
{
	struct ui_params p;
	int idx[UI_MAX_RUNS], n;

	if (u->editing)
		return edit_key(u, key);
	if (u->focus == 1) {
		n = shown_runs(u, idx);
		if (ui_nav(u, 1, key, n, (LINES - 3) / 2))
			return true;
		if (ui_is_enter(key) && ui_home_selected(u) != NULL) {
			ui_open_run(u, ui_home_selected(u));
			return true;
		}
		return false;
	}
	switch (key) {
	case KEY_UP: case 'k':
		if (u->field > 0)
			u->field--;
		return true;
	case KEY_DOWN: case 'j':
		if (u->field + 1 < F_COUNT)
			u->field++;
		return true;
	case 'g': case KEY_HOME: u->field = 0; return true;
	case 'G': case KEY_END: u->field = F_RUN; return true;
	case ' ': case 'h': case 'l': case KEY_LEFT: case KEY_RIGHT:
		if (u->field != F_PROBE)
			return key == ' ';
		cycle(u, key == 'h' || key == KEY_LEFT ? -1 : 1);
		return true;
	case '\n': case '\r': case KEY_ENTER:
		if (u->field == F_PROBE) {
			cycle(u, 1);
		} else if (u->field == F_RUN) {
			if (ui_home_params(u, &p))
				ui_start(u, &p);
		} else {
			u->editing = true;
			u->form_error[0] = '\0';
		}
		return true;
	default:
		return false;
	}
}
