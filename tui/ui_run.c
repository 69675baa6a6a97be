/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs: each probe on its own worker thread, calling libtlsprobe. The
 * worker owns its report until it hands it over whole (state leaves
 * UI_RUNNING under the lock); progress reaches the screen as copies made
 * under the lock, and a byte on the self-pipe wakes the screen.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui.h"

static const char *const kind_names[UI_KIND_COUNT] = {
	"client", "cert", "ciphers", "server", "peer", "pcap", "audit",
};

const char *ui_kind_name(enum ui_kind k)
{
	return k < UI_KIND_COUNT ? kind_names[k] : "?";
}

/* Strings kept for the life of the TUI: few, small, never freed early,
 * so that a rerun can reuse the parameters of the run it repeats. */
static char **kept;
static size_t n_kept;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

const char *ui_keep(const char *s)
{
	char **v, *copy;

	if (s == NULL)
		return NULL;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	pthread_mutex_lock(&kept_lock);
	v = realloc(kept, (n_kept + 1) * sizeof(*v));
	if (v == NULL) {
		pthread_mutex_unlock(&kept_lock);
		free(copy);
		return NULL;
	}
	kept = v;
	kept[n_kept++] = copy;
	pthread_mutex_unlock(&kept_lock);
	return copy;
}

void ui_run_lock(struct ui_run *run)
{
	pthread_mutex_lock(&run->lock);
}

void ui_run_unlock(struct ui_run *run)
{
	pthread_mutex_unlock(&run->lock);
}

/* Wakes the screen; a full pipe already means "look again". */
static void wake(struct ui_run *run)
{
	char b = 1;
	ssize_t n;

	do
		n = write(run->wake_fd, &b, 1);
	while (n < 0 && errno == EINTR);
}

/* A copy that fits size, cut at a whole character and marked "..." when
 * it had to be cut (the screen's own mark depends on the terminal, which
 * a stored string cannot know). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	n = tp_utf8_prefix(src, size > 4 ? size - 4 : 0);
	memcpy(dst, src, n);
	snprintf(dst + n, size - n, "...");
}

/* Client progress: a copy of every stage so far. */
static void on_client_progress(void *arg, const struct tp_report *r,
			       const char *stage)
{
	struct ui_run *run = arg;
	size_t i, n;

	(void)stage;
	ui_run_lock(run);
	n = r->n_stages < 8 ? r->n_stages : 8;
	for (i = 0; i < n; i++) {
		copy_str(run->stages[i].name, sizeof(run->stages[i].name),
			 r->stages[i].name);
		run->stages[i].status = r->stages[i].status;
		run->stages[i].ms = r->stages[i].ms;
		copy_str(run->stages[i].detail, sizeof(run->stages[i].detail),
			 r->stages[i].detail);
	}
	run->n_stages = n;
	run->progress_ms = tp_now_ms();
	ui_run_unlock(run);
	wake(run);
}

static void on_ciphers_progress(void *arg, unsigned done, unsigned estimate)
{
	struct ui_run *run = arg;

	ui_run_lock(run);
	run->done = done;
	run->estimate = estimate;
	ui_run_unlock(run);
	wake(run);
}

static void on_pcap_progress(void *arg, unsigned long long frames,
			     unsigned handshakes)
{
	struct ui_run *run = arg;

	ui_run_lock(run);
	run->done = (unsigned)(frames > 0xffffffffULL ? 0xffffffffULL : frames);
	run->estimate = handshakes;
	ui_run_unlock(run);
	wake(run);
}

static void on_listening(void *arg, const char *addresses)
{
	struct ui_run *run = arg;

	ui_run_lock(run);
	copy_str(run->listening, sizeof(run->listening), addresses);
	ui_run_unlock(run);
	wake(run);
}

/* The server frees r after this call: keep renderings and a summary. */
static void on_server_report(void *arg, const struct tp_report *r)
{
	struct ui_run *run = arg;
	struct ui_conn c, *v;
	struct tp_conn_line cl;
	char line[2048];
	time_t now = time(NULL);
	struct tm tm;

	memset(&c, 0, sizeof(c));
	strftime(c.when, sizeof(c.when), "%H:%M:%S", localtime_r(&now, &tm));
	/* out of memory: the connection is still counted, its line blank */
	if (tp_report_to_conn_line(r, &cl) < 0)
		cl.verdict = tp_report_verdict(r);
	copy_str(c.peer, sizeof(c.peer), cl.peer);
	c.verdict = cl.verdict;
	/* the first finding stands in for the lines the monitor has no
	 * room for */
	if (r->session.present)
		snprintf(line, sizeof(line), "%s%s%s",
			 cl.outcome ? cl.outcome : "",
			 r->n_findings ? "  " : "",
			 r->n_findings ? tp_code_info(r->findings[0].code)->name
				       : "");
	else if (r->n_findings > 0)
		snprintf(line, sizeof(line), "%s: %s",
			 tp_code_info(r->findings[0].code)->name,
			 r->findings[0].summary ? r->findings[0].summary : "");
	else
		snprintf(line, sizeof(line), "%s",
			 cl.outcome ? cl.outcome : "");
	tp_conn_line_clear(&cl);
	copy_str(c.summary, sizeof(c.summary), line);
	c.text = tp_report_to_text(r, TP_RENDER_VERBOSE);
	c.json = tp_report_to_json(r, 0);

	ui_run_lock(run);
	if (run->n_conns >= UI_MAX_CONNS) {
		run->dropped++;
		v = NULL;
	} else {
		v = realloc(run->conns, (run->n_conns + 1) * sizeof(*v));
	}
	if (v != NULL) {
		run->conns = v;
		run->conns[run->n_conns++] = c;
	}
	run->summary.connections++;
	if (r->session.present)
		run->summary.established++;
	else
		run->summary.failed++;
	ui_run_unlock(run);
	if (v == NULL) {
		free(c.text);
		free(c.json);
	}
	wake(run);
}

/* Whether the stop flag cut the run short. A client run's report says
 * so itself (a stop after its last wait cuts nothing); the cert probe
 * only reads files and has nothing to stop. */
static bool stopped_early(const struct ui_run *run, const struct tp_report *r)
{
	switch (run->p.kind) {
	case UI_CLIENT: return r != NULL && tp_report_has(r, TP_RUN_CANCELLED);
	case UI_CERT: return false;
	default: return run->stop != 0;
	}
}

/* Sets the callbacks of the run's probe to this run and runs it: into r,
 * or for a server into sum, one report a connection. */
static int run_probe(struct ui_run *run, struct ui_params *p,
		     struct tp_report *r, struct tp_server_summary *sum,
		     struct tp_error *err)
{
	switch (p->kind) {
	case UI_CLIENT:
		p->client.progress = on_client_progress;
		p->client.progress_arg = run;
		p->client.stop = &run->stop;
		return tp_client_run(&p->client, r, err);
	case UI_CERT:
		return tp_cert_run(&p->cert, r, err);
	case UI_CIPHERS:
		p->ciphers.progress = on_ciphers_progress;
		p->ciphers.progress_arg = run;
		p->ciphers.stop = &run->stop;
		return tp_ciphers_run(&p->ciphers, r, err);
	case UI_AUDIT: {
		struct tp_audit_opts ao;

		p->ciphers.progress = on_ciphers_progress;
		p->ciphers.progress_arg = run;
		p->ciphers.stop = &run->stop;
		tp_audit_opts_init(&ao);
		ao.ciphers = p->ciphers;
		ao.offline = p->offline;
		ao.checks = p->checks;
		return tp_audit_run(&ao, r, err);
	}
	case UI_SERVER:
		p->server.on_listening = on_listening;
		p->server.on_report = on_server_report;
		p->server.arg = run;
		p->server.stop = &run->stop;
		return tp_server_run(&p->server, sum, err);
	case UI_PEER:
		p->peer.on_listening = on_listening;
		p->peer.arg = run;
		p->peer.stop = &run->stop;
		return tp_peer_run(&p->peer, r, err);
	case UI_PCAP:
		p->pcap.progress = on_pcap_progress;
		p->pcap.progress_arg = run;
		p->pcap.stop = &run->stop;
		return tp_pcap_run(&p->pcap, r, err);
	default:
		return -1;
	}
}

static void *worker(void *arg)
{
	struct ui_run *run = arg;
	struct ui_params p = run->p;  /* its own copy: callbacks set here */
	struct tp_report *r = NULL;
	struct tp_error err = {0};
	struct tp_server_summary sum = {0};
	int rc = -1;

	/* every run but a server's fills one report, named for its
	 * command */
	if (p.kind != UI_SERVER && p.kind < UI_KIND_COUNT)
		r = tp_report_new(ui_kind_name(p.kind));
	if (r != NULL || p.kind == UI_SERVER)
		rc = run_probe(run, &p, r, &sum, &err);
	if (r == NULL && p.kind != UI_SERVER && rc < 0 && err.kind == 0)
		tp_error_set(&err, TP_ERR_RUNTIME, "out of memory");

	ui_run_lock(run);
	run->ended_ms = tp_now_ms();
	if (rc < 0) {
		run->err = err;
		run->state = UI_FAILED;
		tp_report_free(r);
	} else {
		run->report = r;
		if (p.kind == UI_SERVER)
			run->summary = sum;
		run->state = stopped_early(run, r) ? UI_CANCELLED : UI_DONE;
	}
	ui_run_unlock(run);
	wake(run);
	return NULL;
}

struct ui_run *ui_run_start(const struct ui_params *p, int id, int wake_fd,
			    const char **why)
{
	struct ui_run *run = calloc(1, sizeof(*run));
	sigset_t all, old;
	int rc;

	if (run == NULL) {
		*why = "out of memory";
		return NULL;
	}
	run->id = id;
	run->p = *p;
	run->wake_fd = wake_fd;
	run->state = UI_RUNNING;
	run->started_ms = tp_now_ms();
	run->progress_ms = run->started_ms;
	pthread_mutex_init(&run->lock, NULL);
	/* signals belong to the screen's thread: block them in the worker */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&run->thread, NULL, worker, run);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&run->lock);
		free(run);
		*why = strerror(rc);
		return NULL;
	}
	run->started = true;
	return run;
}

void ui_run_cancel(struct ui_run *run)
{
	run->stop = 1;
}

bool ui_run_join(struct ui_run *run, int ms)
{
	struct timespec ts;

	if (!run->started || run->joined)
		return true;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(run->thread, NULL, &ts) != 0)
		return false;
	run->joined = true;
	return true;
}

/* Only for a joined run: nothing else can touch it any more. */
void ui_run_free(struct ui_run *run)
{
	size_t i;

	if (run == NULL)
		return;
	for (i = 0; i < run->n_conns; i++) {
		free(run->conns[i].text);
		free(run->conns[i].json);
	}
	free(run->conns);
	tp_report_free(run->report);
	pthread_mutex_destroy(&run->lock);
	free(run);
}

void ui_run_status(struct ui_run *run, char *buf, size_t size)
{
	const struct tp_report *r = run->report;
	size_t i, errors = 0, warnings = 0;

	switch (run->state) {
	case UI_RUNNING:
		if (run->p.kind == UI_SERVER)
			snprintf(buf, size, "listening, %u connection%s",
				 run->summary.connections,
				 run->summary.connections == 1 ? "" : "s");
		else
			snprintf(buf, size, "running");
		return;
	case UI_FAILED:
		snprintf(buf, size, "could not run: %s", run->err.message);
		return;
	case UI_CANCELLED:
		if (run->p.kind == UI_SERVER)
			snprintf(buf, size, "stopped, %u connection%s",
				 run->summary.connections,
				 run->summary.connections == 1 ? "" : "s");
		else
			snprintf(buf, size, "cancelled");
		return;
	case UI_DONE:
		break;
	}
	if (run->p.kind == UI_SERVER || r == NULL) {
		snprintf(buf, size, "ended, %u connection%s",
			 run->summary.connections,
			 run->summary.connections == 1 ? "" : "s");
		return;
	}
	for (i = 0; i < r->n_findings; i++) {
		if (r->findings[i].severity == TP_SEV_ERROR)
			errors++;
		else if (r->findings[i].severity == TP_SEV_WARNING)
			warnings++;
	}
	if (r->scan != NULL && r->scan->grade != 0)
		snprintf(buf, size, "%s  grade %c  %zu error%s %zu warning%s",
			 ui_verdict_word(tp_report_verdict(r)), r->scan->grade,
			 errors, errors == 1 ? "" : "s", warnings,
			 warnings == 1 ? "" : "s");
	else
		snprintf(buf, size, "%s  %zu error%s %zu warning%s",
			 ui_verdict_word(tp_report_verdict(r)), errors,
			 errors == 1 ? "" : "s", warnings,
			 warnings == 1 ? "" : "s");
}
