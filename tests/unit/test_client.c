/*
 * Tests of the client probe's stop flag, in one process: servers on
 * 127.0.0.1 that take the connection and never say a word (or never
 * take it), a thread that sets the flag after a while, and the report
 * that must say where the run was cut and invent nothing from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "starttls.h"
#include "tlsprobe.h"

/* The promise: every wait looks at the flag within 100 ms; the test
 * allows twice that and a little for a loaded machine. */
#define PROMPT_MS 400

/* ---- a server that accepts and never answers ---- */

struct silent {
	int listen_fd;
	unsigned port;
	int held[16];           /* accepted connections, kept open */
	size_t n_held;
	int pipe[2];            /* a byte here ends the thread */
	pthread_t thread;
	bool accepting;
};

static void *silent_main(void *arg)
{
	struct silent *s = arg;
	struct pollfd pfd[2] = {
		{.fd = s->listen_fd, .events = POLLIN},
		{.fd = s->pipe[0], .events = POLLIN},
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 || (pfd[1].revents & POLLIN))
			break;
		if (pfd[0].revents & POLLIN) {
			int fd = accept(s->listen_fd, NULL, NULL);

			if (fd >= 0 && s->n_held < 16)
				s->held[s->n_held++] = fd;
			else if (fd >= 0)
				close(fd);
		}
	}
	return NULL;
}

/*
 * Listens on 127.0.0.1, port 0. With accepting, a thread takes every
 * connection and keeps it silent; without, the accept queue (backlog
 * 0) is filled by one connection of our own, so that the kernel drops
 * the next SYNs and a connect waits as it would behind a DROP rule.
 */
static void silent_start(struct silent *s, bool accepting)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->accepting = accepting;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sin,
			      sizeof(sin)), 0);
	assert_int_equal(listen(s->listen_fd, accepting ? 16 : 0), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sin,
				     &len), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pipe(s->pipe), 0);
	if (accepting) {
		assert_int_equal(pthread_create(&s->thread, NULL, silent_main,
						s), 0);
		return;
	}
	s->held[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->held[0] >= 0);
	assert_int_equal(connect(s->held[0], (struct sockaddr *)&sin,
				 sizeof(sin)), 0);
	s->n_held = 1;
}

static void silent_stop(struct silent *s)
{
	size_t i;

	if (s->accepting) {
		assert_int_equal(write(s->pipe[1], "", 1), 1);
		pthread_join(s->thread, NULL);
	}
	for (i = 0; i < s->n_held; i++)
		close(s->held[i]);
	close(s->pipe[0]);
	close(s->pipe[1]);
	close(s->listen_fd);
}

/* ---- a run, stopped after a while ---- */

struct stopper {
	volatile sig_atomic_t *flag;
	double after_ms;
	double set_at;          /* tp_now_ms() when it was set */
	pthread_t thread;
};

static void *stopper_main(void *arg)
{
	struct stopper *st = arg;
	struct timespec ts = {
		.tv_sec = (time_t)(st->after_ms / 1000),
		.tv_nsec = (long)((st->after_ms -
				   (double)(long)(st->after_ms / 1000) * 1000) *
				  1e6),
	};

	nanosleep(&ts, NULL);
	st->set_at = tp_now_ms();
	*st->flag = 1;
	return NULL;
}

struct outcome {
	struct tp_report *r;
	double ms;              /* the whole run */
	double after_stop_ms;   /* from the flag to the return */
};

/* Runs o against the server, the flag set after stop_ms (never when
 * negative). */
static void run(struct tp_client_opts *o, double stop_ms,
		struct outcome *out)
{
	static volatile sig_atomic_t flag;
	struct stopper st = {.flag = &flag, .after_ms = stop_ms};
	struct tp_error err = {0};
	double t0, t1;

	flag = 0;
	o->stop = &flag;
	out->r = tp_report_new("client");
	assert_non_null(out->r);
	if (stop_ms >= 0)
		assert_int_equal(pthread_create(&st.thread, NULL, stopper_main,
						&st), 0);
	t0 = tp_now_ms();
	assert_int_equal(tp_client_run(o, out->r, &err), 0);
	t1 = tp_now_ms();
	if (stop_ms >= 0)
		pthread_join(st.thread, NULL);
	out->ms = t1 - t0;
	out->after_stop_ms = stop_ms >= 0 ? t1 - st.set_at : 0;
}

static const struct tp_stage *stage(const struct tp_report *r,
				    const char *name)
{
	const struct tp_stage *st = tp_report_find_stage(r, name);

	if (st == NULL)
		fail_msg("no stage '%s' in the report", name);
	return st;
}

static void assert_stage(const struct tp_report *r, const char *name,
			 enum tp_stage_status status, const char *detail)
{
	const struct tp_stage *st = stage(r, name);

	assert_int_equal(st->status, status);
	if (detail != NULL) {
		assert_non_null(st->detail);
		assert_string_equal(st->detail, detail);
	}
}

/* The stop came in stage: it says "cancelled", the one finding is
 * RUN_CANCELLED naming it, and the run ended promptly. */
static void assert_cancelled_in(const struct outcome *out, const char *name)
{
	const struct tp_report *r = out->r;
	char where[64];

	assert_stage(r, name, TP_STAGE_FAIL, "cancelled");
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].code, TP_RUN_CANCELLED);
	assert_int_equal(r->findings[0].severity, TP_SEV_WARNING);
	snprintf(where, sizeof(where), "in the %s stage", name);
	assert_non_null(strstr(r->findings[0].summary, where));
	assert_int_equal(tp_report_verdict(r), TP_VERDICT_WARN);
	assert_true(out->ms < 1000);
	assert_true(out->after_stop_ms < PROMPT_MS);
}

static void client_opts(struct tp_client_opts *o, const struct silent *s)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = s->port;
	o->timeout_s = 10;
	o->no_sideband = true;
}

/* ---- the cases ---- */

static void test_client_cancel_tls(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, true);
	client_opts(&o, &s);
	run(&o, 300, &out);
	assert_stage(out.r, "dns", TP_STAGE_OK, NULL);
	assert_stage(out.r, "tcp", TP_STAGE_OK, NULL);
	assert_cancelled_in(&out, "tls");
	assert_stage(out.r, "verify", TP_STAGE_SKIPPED, NULL);
	assert_false(tp_report_has(out.r, TP_HANDSHAKE_TIMEOUT));
	assert_false(out.r->session.present);
	/* the evidence names what had ended before it */
	assert_non_null(strstr(out.r->findings[0].detail,
			       "stages that had ended: dns ok, tcp ok"));
	tp_report_free(out.r);
	silent_stop(&s);
}

static void test_client_cancel_sideband(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, true);
	client_opts(&o, &s);
	/* --paired: the hello before the handshake waits up to 1 s for an
	 * answer (without it the client says nothing before TLS) */
	o.no_sideband = false;
	o.paired = true;
	run(&o, 300, &out);
	assert_stage(out.r, "dns", TP_STAGE_OK, NULL);
	assert_cancelled_in(&out, "sideband");
	assert_stage(out.r, "tcp", TP_STAGE_SKIPPED, NULL);
	assert_stage(out.r, "tls", TP_STAGE_SKIPPED, NULL);
	assert_stage(out.r, "verify", TP_STAGE_SKIPPED, NULL);
	assert_false(out.r->has_peer_report);
	tp_report_free(out.r);
	silent_stop(&s);
}

static void test_client_cancel_starttls(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, true);
	client_opts(&o, &s);
	o.starttls = TP_STARTTLS_SMTP;  /* waits for a 220 greeting */
	run(&o, 300, &out);
	assert_stage(out.r, "tcp", TP_STAGE_OK, NULL);
	assert_cancelled_in(&out, "starttls");
	assert_stage(out.r, "tls", TP_STAGE_SKIPPED, NULL);
	assert_false(tp_report_has(out.r, TP_STARTTLS_FAILED));
	tp_report_free(out.r);
	silent_stop(&s);
}

static void test_client_cancel_connect(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, false);  /* the SYN is never answered */
	client_opts(&o, &s);
	run(&o, 300, &out);
	assert_cancelled_in(&out, "tcp");
	assert_stage(out.r, "tls", TP_STAGE_SKIPPED, NULL);
	assert_false(tp_report_has(out.r, TP_TCP_TIMEOUT));
	tp_report_free(out.r);
	silent_stop(&s);
}

/*
 * The handshake is silent for the first half of its --timeout (1 s),
 * and the stop comes while the retries without SNI and with a small MSS
 * wait in the second half: what they would have shown is unknown, so
 * no finding is made from the stall either.
 */
static void test_client_cancel_retries(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, true);
	client_opts(&o, &s);
	o.host = "localhost";  /* a name, so that SNI is sent and retried */
	o.family = 4;
	o.timeout_s = 1;
	run(&o, 750, &out);
	assert_stage(out.r, "tls", TP_STAGE_FAIL, "cancelled");
	assert_int_equal(out.r->n_findings, 1);
	assert_int_equal(out.r->findings[0].code, TP_RUN_CANCELLED);
	assert_false(tp_report_has(out.r, TP_HANDSHAKE_TIMEOUT));
	assert_false(tp_report_has(out.r, TP_PMTU_BLACKHOLE));
	assert_false(tp_report_has(out.r, TP_SNI_FILTERED));
	assert_true(out.after_stop_ms < PROMPT_MS);
	tp_report_free(out.r);
	silent_stop(&s);
}

/* A flag that is never set changes nothing: the stall is diagnosed. */
static void test_client_stop_unset_times_out(void **state)
{
	struct tp_client_opts o;
	struct silent s;
	struct outcome out;

	(void)state;
	silent_start(&s, true);
	client_opts(&o, &s);
	o.timeout_s = 0.5;
	run(&o, -1, &out);
	assert_stage(out.r, "tls", TP_STAGE_FAIL, NULL);
	assert_true(tp_report_has(out.r, TP_HANDSHAKE_TIMEOUT));
	assert_false(tp_report_has(out.r, TP_RUN_CANCELLED));
	assert_string_not_equal(stage(out.r, "tls")->detail, "cancelled");
	assert_true(out.ms >= 500);
	tp_report_free(out.r);
	silent_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_cancel_tls),
		cmocka_unit_test(test_client_cancel_sideband),
		cmocka_unit_test(test_client_cancel_starttls),
		cmocka_unit_test(test_client_cancel_connect),
		cmocka_unit_test(test_client_cancel_retries),
		cmocka_unit_test(test_client_stop_unset_times_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
