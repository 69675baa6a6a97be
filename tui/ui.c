/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The TUI's loop: the terminal (always restored), signals, the self-pipe
 * the workers wake it with, global keys, the title and status bars, the
 * help, search and save.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ui.h"

/* The wheel turned toward the user (button 5, ncurses 6). */
#ifdef BUTTON5_PRESSED
#define WHEEL_DOWN BUTTON5_PRESSED
#else
#define WHEEL_DOWN 0
#endif

static struct ui U;
static bool curses_on;
static volatile sig_atomic_t got_term, got_winch;
static int wake_write_fd = -1;

static const char *const screen_names[] = {
	"Home", "Client run", "Certificate chain", "Cipher audit",
	"Server monitor", "Peer", "Capture browser",
};

static const int screen_panes[] = {2, 3, 2, 2, 2, 2, 2};

static const char *const help_lines[] = {
	"Keys",
	"  arrows, h j k l   move; h/l also switch panes",
	"  Tab, Shift-Tab    next / previous pane",
	"  PgUp PgDn g G     page up and down, first, last",
	"  Enter             open: run the form, a run, a certificate,",
	"                    the chain of a client run, a direction",
	"  Esc, Backspace    back (and clear a search)",
	"  /                 search: filter the lists (Enter keeps it)",
	"  r                 run the current probe again",
	"  x                 cancel the current run",
	"  s                 save the current report as JSON",
	"  ?                 this help",
	"  q                 quit",
	"  click             select a row; a second click opens it",
	"  wheel             move three rows (Shift+mouse selects text)",
	"",
	"On the form: Enter edits a field (Enter or Esc ends), h/l or",
	"Space change the probe; Enter on [ Run ] starts it.",
	"",
	"Any key or click closes this help.",
};

/* Ends curses if it is on; safe to call more than once. */
static void restore_terminal(void)
{
	if (curses_on) {
		endwin();
		curses_on = false;
	}
}

/* A fatal error: the terminal first, then the message, then exit 3. */
static void fatal(const char *fmt, ...) TP_PRINTF(1, 2);
static void fatal(const char *fmt, ...)
{
	char raw[1024], *clean;
	va_list ap;

	restore_terminal();
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* it may name a file or quote a server: sanitised like any error */
	clean = tp_sanitize(raw, strlen(raw));
	fprintf(stderr, "tlsprobe tui: %s\n", clean ? clean : raw);
	free(clean);
	fflush(stderr);
	_exit(3);
}

static void on_signal(int sig)
{
	int saved = errno;
	char b = 0;

	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_term = 1;
	if (wake_write_fd >= 0 && write(wake_write_fd, &b, 1) < 0) {
		/* a full pipe wakes the loop anyway */
	}
	errno = saved;
}

void ui_message(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->message, sizeof(u->message), fmt, ap);
	va_end(ap);
}

void ui_go(struct ui *u, enum ui_screen screen)
{
	u->screen = screen;
	u->focus = 0;
	memset(u->sel, 0, sizeof(u->sel));
	memset(u->top, 0, sizeof(u->top));
}

enum ui_state ui_cur_state(struct ui *u)
{
	enum ui_state s;

	if (u->cur == NULL)
		return UI_DONE;
	ui_run_lock(u->cur);
	s = u->cur->state;
	ui_run_unlock(u->cur);
	return s;
}

const struct tp_report *ui_view(struct ui *u)
{
	const struct tp_report *r = NULL;

	if (u->cur == NULL)
		return NULL;
	ui_run_lock(u->cur);
	if (u->cur->state != UI_RUNNING)
		r = u->cur->report;
	ui_run_unlock(u->cur);
	if (r != NULL && u->direction >= 0)
		r = r->directions[u->direction];
	return r;
}

void ui_open_run(struct ui *u, struct ui_run *run)
{
	static const enum ui_screen screens[UI_KIND_COUNT] = {
		UI_SCR_CLIENT, UI_SCR_CHAIN, UI_SCR_CIPHERS, UI_SCR_SERVER,
		UI_SCR_PEER, UI_SCR_PCAP, UI_SCR_CIPHERS,
	};

	u->cur = run;
	u->direction = -1;
	u->filter[0] = '\0';
	ui_go(u, screens[run->p.kind]);
	u->back = UI_SCR_HOME;
}

bool ui_start(struct ui *u, const struct ui_params *p)
{
	struct ui_run *run;
	const char *why = NULL;

	if (u->n_runs >= UI_MAX_RUNS) {
		ui_message(u, "%d runs already: quit and start again to make "
			   "more", UI_MAX_RUNS);
		return false;
	}
	run = ui_run_start(p, (int)u->n_runs + 1, u->wake[1], &why);
	if (run == NULL) {
		ui_message(u, "cannot start the %s run: %s",
			   ui_kind_name(p->kind), why);
		return false;
	}
	u->runs[u->n_runs++] = run;
	ui_open_run(u, run);
	ui_message(u, "run #%d: %s %s started", run->id,
		   ui_kind_name(p->kind), p->target);
	return true;
}

/* ---- the mouse: what the last drawing put where ---- */

#define MAX_HITS 512

struct hit {
	int pane;
	int item;   /* -1: the pane itself */
	int sel;    /* a pane's selected item */
	int y, x, h, w;
};

static struct hit hits[MAX_HITS];
static size_t n_hits;

static void hit_add(int pane, int item, int sel, int y, int x, int h, int w)
{
	if (n_hits < MAX_HITS && h > 0 && w > 0)
		hits[n_hits++] = (struct hit){pane, item, sel, y, x, h, w};
}

void ui_mouse_pane(int pane, int sel, int y, int x, int h, int w)
{
	hit_add(pane, -1, sel, y, x, h, w);
}

void ui_mouse_item(int pane, int item, int y, int x, int h, int w)
{
	hit_add(pane, item, -1, y, x, h, w);
}

/* The item (or, with items false, the pane) drawn at y,x; the last one
 * drawn there wins. */
static const struct hit *hit_at(int y, int x, bool items)
{
	size_t i;

	for (i = n_hits; i-- > 0;) {
		const struct hit *t = &hits[i];

		if ((t->item >= 0) == items && y >= t->y && y < t->y + t->h &&
		    x >= t->x && x < t->x + t->w)
			return t;
	}
	return NULL;
}

static const struct hit *pane_hit(int pane)
{
	size_t i;

	for (i = 0; i < n_hits; i++)
		if (hits[i].item < 0 && hits[i].pane == pane)
			return &hits[i];
	return NULL;
}

bool ui_nav(struct ui *u, int pane, int key, int n, int h)
{
	int *sel = &u->sel[pane];

	switch (key) {
	case KEY_UP: case 'k': (*sel)--; break;
	case KEY_DOWN: case 'j': (*sel)++; break;
	case KEY_PPAGE: *sel -= h > 1 ? h - 1 : 1; break;
	case KEY_NPAGE: *sel += h > 1 ? h - 1 : 1; break;
	case KEY_HOME: case 'g': *sel = 0; break;
	case KEY_END: case 'G': *sel = n - 1; break;
	default: return false;
	}
	ui_clamp(sel, &u->top[pane], n, h);
	return true;
}

bool ui_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

bool ui_scroll(struct ui *u, int pane, int key)
{
	switch (key) {
	case KEY_UP: case 'k': u->top[pane]--; return true;
	case KEY_DOWN: case 'j': u->top[pane]++; return true;
	case KEY_PPAGE: u->top[pane] -= 10; return true;
	case KEY_NPAGE: u->top[pane] += 10; return true;
	case KEY_HOME: case 'g': u->top[pane] = 0; return true;
	default: return false;
	}
}

bool ui_list_key(struct ui *u, int key, int n, int h)
{
	if (u->focus != 0)
		return ui_scroll(u, 1, key);
	if (ui_is_enter(key)) {
		u->focus = 1;
		return true;
	}
	if (ui_nav(u, 0, key, n, h)) {
		u->top[1] = 0;
		return true;
	}
	return false;
}

void ui_text_pane(struct ui *u, int pane, int y, int x, int h, int w,
		  const char *text)
{
	int lines = ui_wrap_count(w, text);

	if (u->top[pane] > lines - h)
		u->top[pane] = lines - h;
	if (u->top[pane] < 0)
		u->top[pane] = 0;
	ui_wrap(y, x, w, h, u->top[pane], UI_NORMAL, text);
}

/* Writes the report the screen shows (or the selected server
 * connection) as JSON into the current directory. */
static void save(struct ui *u)
{
	const struct tp_report *r;
	char name[128], stamp[32];
	char *json = NULL;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (u->cur == NULL) {
		ui_message(u, "nothing to save: open a run first");
		return;
	}
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S",
		 localtime_r(&now, &tm));
	if (u->cur->p.kind == UI_SERVER) {
		ui_run_lock(u->cur);
		if (u->sel[0] < (int)u->cur->n_conns &&
		    u->cur->conns[u->sel[0]].json != NULL)
			json = strdup(u->cur->conns[u->sel[0]].json);
		ui_run_unlock(u->cur);
		if (json == NULL) {
			ui_message(u, "nothing to save: no connection selected");
			return;
		}
		snprintf(name, sizeof(name), "tlsprobe-server-%d-%d-%s.json",
			 u->cur->id, u->sel[0] + 1, stamp);
	} else {
		r = ui_view(u);
		if (r == NULL) {
			ui_message(u, "nothing to save yet: the run has no "
				   "report");
			return;
		}
		json = tp_report_to_json(r, 0);
		if (json == NULL) {
			ui_message(u, "out of memory rendering the report");
			return;
		}
		snprintf(name, sizeof(name), "tlsprobe-%s-%d%s-%s.json",
			 r->command, u->cur->id, u->direction == 0 ? "-A-B"
			 : u->direction == 1 ? "-B-A" : "", stamp);
	}
	f = fopen(name, "w");
	if (f == NULL || fputs(json, f) < 0 || fputc('\n', f) < 0) {
		ui_message(u, "cannot write %s: %s", name, strerror(errno));
		if (f != NULL)
			fclose(f);
	} else if (fclose(f) != 0) {
		ui_message(u, "cannot write %s: %s", name, strerror(errno));
	} else {
		ui_message(u, "saved the report to %s", name);
	}
	free(json);
}

static void rerun(struct ui *u)
{
	struct ui_params p;

	if (u->screen == UI_SCR_HOME) {
		struct ui_run *run = ui_home_selected(u);

		if (u->focus != 1 || run == NULL) {
			ui_message(u, "r reruns a run: select one in the list "
				   "(Tab), or start one from the form");
			return;
		}
		p = run->p;
	} else if (u->cur != NULL) {
		if (u->cur->p.kind == UI_SERVER || u->cur->p.kind == UI_PEER) {
			/* the port is taken until the old one stops */
			ui_run_cancel(u->cur);
			ui_run_join(u->cur, 2000);
		}
		p = u->cur->p;
	} else {
		return;
	}
	ui_start(u, &p);
}

static void cancel(struct ui *u)
{
	if (u->cur == NULL || ui_cur_state(u) != UI_RUNNING) {
		ui_message(u, "no run in progress here to cancel");
		return;
	}
	ui_run_cancel(u->cur);
	ui_message(u, "run #%d: stopping", u->cur->id);
}

static void back(struct ui *u)
{
	if (u->filter[0] != '\0') {
		u->filter[0] = '\0';
		return;
	}
	switch (u->screen) {
	case UI_SCR_HOME:
		break;
	case UI_SCR_CHAIN:
		if (u->back != UI_SCR_HOME && u->cur != NULL &&
		    u->cur->p.kind != UI_CERT) {
			ui_go(u, u->back);
			u->back = UI_SCR_HOME;
			break;
		}
		ui_go(u, UI_SCR_HOME);
		break;
	case UI_SCR_CLIENT:
		if (u->direction >= 0) {
			ui_go(u, UI_SCR_PEER);
			u->direction = -1;
			break;
		}
		ui_go(u, UI_SCR_HOME);
		break;
	default:
		ui_go(u, UI_SCR_HOME);
		break;
	}
	if (u->screen == UI_SCR_HOME)
		u->focus = 1;
}

static void draw_bars(struct ui *u)
{
	char status[256] = "", left[200];
	int bar = ui_attr(UI_C_BAR);
	int x;

	attron(bar);
	mvhline(0, 0, ' ', COLS);
	mvhline(LINES - 1, 0, ' ', COLS);
	attroff(bar);
	if (u->cur != NULL && u->screen != UI_SCR_HOME) {
		ui_run_lock(u->cur);
		ui_run_status(u->cur, status, sizeof(status));
		ui_run_unlock(u->cur);
		snprintf(left, sizeof(left), " tlsprobe %s %s #%d %s %s",
			 ui_glyphs()->vl, screen_names[u->screen], u->cur->id,
			 u->cur->p.target, u->direction == 0 ? "(A->B)"
			 : u->direction == 1 ? "(B->A)" : "");
	} else {
		snprintf(left, sizeof(left), " tlsprobe %s %s",
			 ui_glyphs()->vl, screen_names[u->screen]);
		snprintf(status, sizeof(status), "%zu run%s", u->n_runs,
			 u->n_runs == 1 ? "" : "s");
	}
	x = (int)strlen(status);
	if (x > COLS / 2)
		x = COLS / 2;
	ui_text(0, COLS - x - 1, x, bar | UI_BOLD, status);
	ui_text(0, 0, COLS - x - 2, bar | UI_BOLD, left);
	if (u->searching) {
		ui_textf(LINES - 1, 0, COLS, bar, " /%s_", u->filter);
	} else if (u->message[0] != '\0') {
		ui_textf(LINES - 1, 0, COLS, bar, " %s", u->message);
	} else {
		char hint[200];

		snprintf(hint, sizeof(hint), " ?:help Tab:pane Enter:open "
			 "Esc:back /:search r:rerun x:cancel s:save q:quit");
		if (u->filter[0] != '\0')
			snprintf(hint, sizeof(hint), " filter /%s  (Esc "
				 "clears)   ?:help  q:quit", u->filter);
		ui_text(LINES - 1, 0, COLS, bar, hint);
	}
}

static void draw_help(void)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));
	int w = 66, h = n + 2, y, x, i;

	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	for (i = 0; i < h; i++) {
		mvhline(y + i, x, ' ', w);
		ui_text(y + i, x, 1, UI_BOLD, ui_glyphs()->vl);
		ui_text(y + i, x + w - 1, 1, UI_BOLD, ui_glyphs()->vl);
	}
	ui_hline(y, x, w, "tlsprobe tui: help", true);
	ui_hline(y + h - 1, x, w, NULL, false);
	for (i = 0; i < n && i < h - 2; i++)
		ui_text(y + 1 + i, x + 2, w - 4, i == 0 ? UI_BOLD : UI_NORMAL,
			help_lines[i]);
}

static void draw(struct ui *u)
{
	int h = LINES - 2;

	n_hits = 0;
	erase();
	if (LINES < 10 || COLS < 40) {
		ui_text(0, 0, COLS, UI_BOLD, "tlsprobe tui: the terminal is too "
			"small (80x24 or more, please)");
		refresh();
		return;
	}
	switch (u->screen) {
	case UI_SCR_HOME: ui_home_draw(u, 1, h); break;
	case UI_SCR_CLIENT: ui_client_draw(u, 1, h); break;
	case UI_SCR_CHAIN: ui_chain_draw(u, 1, h); break;
	case UI_SCR_CIPHERS: ui_ciphers_draw(u, 1, h); break;
	case UI_SCR_SERVER: ui_server_draw(u, 1, h); break;
	case UI_SCR_PEER: ui_peer_draw(u, 1, h); break;
	case UI_SCR_PCAP: ui_pcap_draw(u, 1, h); break;
	}
	draw_bars(u);
	if (u->help)
		draw_help();
	if (!(u->screen == UI_SCR_HOME && u->editing))
		curs_set(0);
	refresh();
}

static bool screen_key(struct ui *u, int key)
{
	switch (u->screen) {
	case UI_SCR_HOME: return ui_home_key(u, key);
	case UI_SCR_CLIENT: return ui_client_key(u, key);
	case UI_SCR_CHAIN: return ui_chain_key(u, key);
	case UI_SCR_CIPHERS: return ui_ciphers_key(u, key);
	case UI_SCR_SERVER: return ui_server_key(u, key);
	case UI_SCR_PEER: return ui_peer_key(u, key);
	case UI_SCR_PCAP: return ui_pcap_key(u, key);
	}
	return false;
}

/*
 * A click selects the row under it (a first click in another pane gives
 * that pane the keyboard too) and a click on the selected row opens it
 * as Enter does, as does a double click on any row; the wheel moves
 * three rows in the pane under it. Moves go through the screen's own
 * keys, so that the mouse does exactly what the keyboard does.
 */
static void mouse(struct ui *u)
{
	const struct hit *item, *pane;
	MEVENT ev;
	bool twice;
	int n, step;

	if (getmouse(&ev) != OK || u->searching ||
	    (u->screen == UI_SCR_HOME && u->editing))
		return;
	item = hit_at(ev.y, ev.x, true);
	pane = item != NULL ? pane_hit(item->pane) : hit_at(ev.y, ev.x, false);
	if (pane == NULL)
		return;
	if (ev.bstate & (BUTTON4_PRESSED | WHEEL_DOWN)) {
		u->focus = pane->pane;
		for (n = 0; n < 3; n++)
			screen_key(u, ev.bstate & BUTTON4_PRESSED ? KEY_UP
								  : KEY_DOWN);
		return;
	}
	twice = ev.bstate & BUTTON1_DOUBLE_CLICKED;
	if (!twice && !(ev.bstate & BUTTON1_CLICKED))
		return;
	if (item != NULL && u->focus == pane->pane && item->item == pane->sel) {
		screen_key(u, '\n');
		return;
	}
	u->focus = pane->pane;
	if (item == NULL || pane->sel < 0)
		return;
	step = item->item > pane->sel ? KEY_DOWN : KEY_UP;
	for (n = abs(item->item - pane->sel); n > 0; n--)
		screen_key(u, step);
	if (twice)
		screen_key(u, '\n');
}

/* Returns false when the TUI should end. */
static bool key(struct ui *u, int k)
{
	size_t n;

	if (k != ERR && !u->searching)
		u->message[0] = '\0';
	if (u->help) {
		if (k == KEY_MOUSE)
			getmouse(&(MEVENT){0});
		u->help = false;
		return true;
	}
	if (k == KEY_MOUSE) {
		mouse(u);
		return true;
	}
	if (u->searching) {
		n = strlen(u->filter);
		if (k == 27) {
			u->filter[0] = '\0';
			u->searching = false;
		} else if (k == '\n' || k == '\r' || k == KEY_ENTER) {
			u->searching = false;
		} else if (k == KEY_BACKSPACE || k == 127 || k == 8) {
			if (n > 0)
				u->filter[n - 1] = '\0';
		} else if (k >= 0x20 && k < 0x7f && n + 1 < sizeof(u->filter)) {
			u->filter[n] = (char)k;
			u->filter[n + 1] = '\0';
		}
		memset(u->sel, 0, sizeof(u->sel));
		memset(u->top, 0, sizeof(u->top));
		return true;
	}
	if (u->screen == UI_SCR_HOME && u->editing)
		return ui_home_key(u, k), true;
	switch (k) {
	case 'q': return false;
	case '?': u->help = true; return true;
	case '/':
		u->searching = true;
		u->filter[0] = '\0';
		return true;
	case 's': save(u); return true;
	case 'r': rerun(u); return true;
	case 'x': cancel(u); return true;
	case '\t':
		u->focus = (u->focus + 1) % screen_panes[u->screen];
		return true;
	case KEY_BTAB:
		u->focus = (u->focus + screen_panes[u->screen] - 1) %
			   screen_panes[u->screen];
		return true;
	case 27: case KEY_BACKSPACE: case 127: case 8:
		back(u);
		return true;
	default:
		break;
	}
	if (!screen_key(u, k)) {
		if (k == 'h' || k == KEY_LEFT)
			u->focus = (u->focus + screen_panes[u->screen] - 1) %
				   screen_panes[u->screen];
		else if (k == 'l' || k == KEY_RIGHT)
			u->focus = (u->focus + 1) % screen_panes[u->screen];
	}
	return true;
}

static void resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clear();
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Stops every run; true when all ended (their memory can go). */
static bool stop_runs(struct ui *u)
{
	bool all = true;
	size_t i;

	for (i = 0; i < u->n_runs; i++)
		ui_run_cancel(u->runs[i]);
	for (i = 0; i < u->n_runs; i++)
		if (!ui_run_join(u->runs[i], 1500))
			all = false;
	return all;
}

int ui_main(const struct ui_params *start, bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	struct ui *u = &U;
	struct pollfd pfd[2];
	SCREEN *scr;
	char drain[64];
	size_t i;
	int k;

	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("tlsprobe tui: needs a terminal on stdin and stdout\n",
		      stderr);
		return 2;
	}
	/* from here on the library's messages name the form's fields; no
	 * probe thread runs yet */
	tp_error_set_namer(ui_name_option);
	if (pipe2(u->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "tlsprobe tui: cannot make a pipe: %s\n",
			strerror(errno));
		return 3;
	}
	wake_write_fd = u->wake[1];
	/* before curses, so that it keeps ours for SIGWINCH */
	install_signals();
	atexit(restore_terminal);
	set_escdelay(25);
	scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		fprintf(stderr, "tlsprobe tui: cannot use the terminal "
			"(TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		return 3;
	}
	curses_on = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* clicks and the wheel where the terminal reports them; button
	 * events only, no motion tracking, so that Shift with the mouse
	 * still selects text in the terminal. ncurses tells a double click
	 * from two clicks by its default interval (1/6 s). */
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
		  WHEEL_DOWN, NULL);
	curs_set(0);
	u->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	u->color = has_colors() && !no_color && (nc == NULL || nc[0] == '\0');
	ui_draw_init(u->color, u->utf8);
	u->direction = -1;
	ui_home_fill(u, start);
	if (start != NULL && !ui_start(u, start))
		fatal("%s", u->message);

	for (;;) {
		if (got_winch) {
			got_winch = 0;
			resize();
		}
		draw(u);
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = u->wake[0];
		pfd[1].events = POLLIN;
		/* a quarter second keeps running timers alive */
		if (poll(pfd, 2, 250) < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN)
			while (read(u->wake[0], drain, sizeof(drain)) > 0)
				;
		if (got_term)
			break;
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;
		while ((k = getch()) != ERR) {
			if (k == KEY_RESIZE) {
				clear();
				continue;
			}
			if (!key(u, k))
				goto out;
			/* the next click in this batch (a double click) must
			 * meet the rows where they are now */
			if (k == KEY_MOUSE)
				draw(u);
		}
	}
out:
	restore_terminal();
	if (!stop_runs(u)) {
		/* a run that did not stop in time: do not wait for it */
		fflush(stdout);
		fflush(stderr);
		_exit(0);
	}
	for (i = 0; i < u->n_runs; i++)
		ui_run_free(u->runs[i]);
	delscreen(scr);
	close(u->wake[0]);
	close(u->wake[1]);
	return 0;
}
