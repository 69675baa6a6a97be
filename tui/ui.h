/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ncurses front end: runs (probes on worker threads), screens, and
 * the drawing helpers they share. It renders struct tp_report and never
 * calls GnuTLS or libpcap itself.
 */
#ifndef TP_UI_H
#define TP_UI_H

#include <curses.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "tlsprobe.h"

/* ---- runs: one probe on a worker thread ---- */

enum ui_kind { UI_CLIENT, UI_CERT, UI_CIPHERS, UI_SERVER, UI_PEER,
	       UI_PCAP, UI_AUDIT, UI_KIND_COUNT };

enum ui_state { UI_RUNNING, UI_DONE, UI_FAILED, UI_CANCELLED };

/* What a run was started with; the strings live as long as the TUI. */
struct ui_params {
	enum ui_kind kind;
	struct tp_client_opts client;
	struct tp_cert_opts cert;
	struct tp_ciphers_opts ciphers;   /* ciphers, and audit's audit */
	bool offline;                     /* audit: --offline */
	const char *checks;               /* audit: --checks */
	struct tp_server_opts server;
	struct tp_peer_opts peer;
	struct tp_pcap_opts pcap;
	char target[160];  /* "127.0.0.1:443", for titles and lists */
};

/* A stage as the client's progress callback last showed it. */
struct ui_stage_view {
	char name[16];
	enum tp_stage_status status;
	double ms;
	char detail[160];
};

/* One connection the server monitor saw; the report itself is gone. */
struct ui_conn {
	char when[12];
	char peer[80];
	enum tp_verdict verdict;
	char summary[200];  /* version and cipher, or why it failed */
	char *text;         /* the full text rendering */
	char *json;         /* the JSON rendering */
};

#define UI_MAX_CONNS 2000

struct ui_run {
	int id;
	struct ui_params p;
	pthread_t thread;
	bool started, joined;
	pthread_mutex_t lock;
	/* under lock */
	enum ui_state state;
	struct tp_report *report;  /* the worker's until state != RUNNING */
	struct tp_error err;
	struct ui_stage_view stages[8];
	size_t n_stages;
	unsigned done, estimate;   /* ciphers progress */
	double progress_ms;        /* when the client last made progress */
	char listening[200];       /* server, peer */
	struct ui_conn *conns;
	size_t n_conns;
	unsigned dropped;          /* connections beyond UI_MAX_CONNS */
	struct tp_server_summary summary;
	/* not shared */
	volatile sig_atomic_t stop;
	double started_ms, ended_ms;
	int wake_fd;               /* the UI's self-pipe */
};

const char *ui_kind_name(enum ui_kind k);
/* Starts p on a worker thread; NULL with *why set when it cannot. */
struct ui_run *ui_run_start(const struct ui_params *p, int id, int wake_fd,
			    const char **why);
/* Asks a run to stop; the worker hands over what it has. */
void ui_run_cancel(struct ui_run *run);
/* Waits up to ms for the worker; true when it ended and was joined. */
bool ui_run_join(struct ui_run *run, int ms);
void ui_run_free(struct ui_run *run);
void ui_run_lock(struct ui_run *run);
void ui_run_unlock(struct ui_run *run);
/* One-line state of a run: "running", "FAIL 2 errors", … (under lock). */
void ui_run_status(struct ui_run *run, char *buf, size_t size);
/* Keeps a string for the life of the TUI (form values, parsed hosts). */
const char *ui_keep(const char *s);

/* ---- the application ---- */

enum ui_screen { UI_SCR_HOME, UI_SCR_CLIENT, UI_SCR_CHAIN, UI_SCR_CIPHERS,
		 UI_SCR_SERVER, UI_SCR_PEER, UI_SCR_PCAP };

#define UI_MAX_RUNS 64
#define UI_PANES 4

/* The home screen's target form. */
enum ui_field_id { F_PROBE, F_HOST, F_PORT, F_SNI, F_CA, F_CERT, F_KEY,
		   F_STARTTLS, F_EXPECT_NAME, F_EXPECT_ID, F_LISTEN,
		   F_CONNECT, F_FILE, F_TIMEOUT, F_PRIORITY, F_PROTOCOLS,
		   F_POLICY, F_RUN, F_COUNT };

struct ui {
	struct ui_run *runs[UI_MAX_RUNS];
	size_t n_runs;
	enum ui_screen screen;
	enum ui_screen back;       /* where Esc goes from the chain screen */
	struct ui_run *cur;        /* the run the screen shows */
	int direction;             /* peer: -1 the whole, 0 or 1 */
	int focus;                 /* pane with the keyboard */
	int sel[UI_PANES], top[UI_PANES];
	bool help;
	bool searching;
	char filter[64];
	char message[256];
	bool color, utf8;
	int wake[2];
	/* the form */
	int field;
	bool editing;
	enum ui_kind probe;
	char values[F_COUNT][256];
	char form_error[256];      /* why the form could not run, one line */
	/* terminal size */
	int rows, cols;
};

/* ---- drawing (ui_draw.c) ---- */

/* curses attributes as int, so that they mix with ui_attr() */
#define UI_NORMAL ((int)A_NORMAL)
#define UI_BOLD ((int)A_BOLD)
#define UI_REVERSE ((int)A_REVERSE)
#define UI_UNDERLINE ((int)A_UNDERLINE)

enum ui_color { UI_C_NONE, UI_C_RED, UI_C_GREEN, UI_C_YELLOW, UI_C_CYAN,
		UI_C_BAR, UI_C_DIM };

struct ui_glyphs {
	const char *vl, *hl, *rarrow, *larrow, *branch, *corner, *ok, *bad,
		*warn, *full, *empty, *tee;
};

void ui_draw_init(bool color, bool utf8);
const struct ui_glyphs *ui_glyphs(void);
/* The attributes of a colour (bold/reverse stand-ins without colour). */
int ui_attr(enum ui_color c);
int ui_verdict_attr(enum tp_verdict v);
int ui_severity_attr(enum tp_severity s);
int ui_grade_attr(char grade);
/* Draws at most w columns of s at y,x; returns the columns used. Every
 * character that is not printable is drawn as '?'. A text longer than w
 * is cut at a whole character and ends with the cut mark. */
int ui_text(int y, int x, int w, int attr, const char *s);
/* The mark of a cut text: "\u2026" on a UTF-8 terminal, else "~". */
const char *ui_cut_mark(void);
/* The same, formatted. */
int ui_textf(int y, int x, int w, int attr, const char *fmt, ...)
	TP_PRINTF(5, 6);
/* Word-wraps s into at most max_lines lines of width w from row y,
 * skipping the first skip lines; returns the lines drawn. */
int ui_wrap(int y, int x, int w, int max_lines, int skip, int attr,
	    const char *s);
/* How many lines ui_wrap needs for s at width w. */
int ui_wrap_count(int w, const char *s);
/* A horizontal rule and a pane title. */
void ui_hline(int y, int x, int w, const char *title, bool focused);
void ui_vline(int y, int x, int h);
/* Case-insensitive substring test, for the / filter ("" matches all). */
bool ui_match(const char *filter, const char *s);
/* Keeps sel inside [0, n) and top so that sel is visible in h rows. */
void ui_clamp(int *sel, int *top, int n, int h);
const char *ui_verdict_word(enum tp_verdict v);
const char *ui_stage_word(enum tp_stage_status s);

/* ---- screens ---- */

void ui_home_draw(struct ui *u, int y, int h);
bool ui_home_key(struct ui *u, int key);
void ui_home_fill(struct ui *u, const struct ui_params *p);
/* Builds parameters from the form; false with a message when invalid. */
bool ui_home_params(struct ui *u, struct ui_params *p);
/* The run selected in the runs list (as filtered), or NULL. */
struct ui_run *ui_home_selected(struct ui *u);
/* The form's words for an option the library names by its key
 * (tp_error_set_namer): the field's label, "--KEY" for one it lacks. */
void ui_name_option(const char *key, char *out, size_t size);

void ui_client_draw(struct ui *u, int y, int h);
bool ui_client_key(struct ui *u, int key);
void ui_chain_draw(struct ui *u, int y, int h);
bool ui_chain_key(struct ui *u, int key);
void ui_ciphers_draw(struct ui *u, int y, int h);
bool ui_ciphers_key(struct ui *u, int key);
void ui_server_draw(struct ui *u, int y, int h);
bool ui_server_key(struct ui *u, int key);
void ui_peer_draw(struct ui *u, int y, int h);
bool ui_peer_key(struct ui *u, int key);
void ui_pcap_draw(struct ui *u, int y, int h);
bool ui_pcap_key(struct ui *u, int key);

/* Shows a run on its screen. */
void ui_open_run(struct ui *u, struct ui_run *run);
/* Switches screens, the keyboard on the first pane. */
void ui_go(struct ui *u, enum ui_screen screen);
/* The report the screen shows: the current run's once it has one, or a
 * peer direction of it; NULL while it runs. */
const struct tp_report *ui_view(struct ui *u);
/* State of the current run, read under its lock. */
enum ui_state ui_cur_state(struct ui *u);
/* Starts a run and shows it; false with a message when it cannot. */
bool ui_start(struct ui *u, const struct ui_params *p);
void ui_message(struct ui *u, const char *fmt, ...) TP_PRINTF(2, 3);
/* Moves sel/top of pane for a navigation key; true when it was one. */
bool ui_nav(struct ui *u, int pane, int key, int n, int h);
bool ui_is_enter(int key);
/* Scrolls the text of pane (top[pane]) for a key; true when it was one. */
bool ui_scroll(struct ui *u, int pane, int key);
/* A list of n items h rows high in pane 0 over its details in pane 1:
 * in the list, navigation and Enter (which moves to the details, from
 * their top); in the details, scrolling. True when the key was used. */
bool ui_list_key(struct ui *u, int key, int n, int h);
/* Draws text word-wrapped into rows y..y+h-1 and columns x..x+w-1,
 * scrolled by top[pane], which it keeps within the text. */
void ui_text_pane(struct ui *u, int pane, int y, int x, int h, int w,
		  const char *text);
/*
 * Where the screen being drawn put its panes and list rows, for the
 * mouse: pane covers rows y..y+h-1 and columns x..x+w-1, and sel is the
 * index of its selected item (-1 in a pane of text); item of pane's
 * list covers the same kind of rectangle. Drawing starts a fresh map.
 */
void ui_mouse_pane(int pane, int sel, int y, int x, int h, int w);
void ui_mouse_item(int pane, int item, int y, int x, int h, int w);
/* The entry point: runs the TUI until q; start, when not NULL, is run at
 * once. Returns the exit status. */
int ui_main(const struct ui_params *start, bool no_color);

#endif
