/*
 * The cipher audit's gate (tp_ciphers_opts.before_connect/after_close)
 * against a loopback listener that takes each connection and closes it:
 * every connection passes the gate and is given back once, a gate of
 * one place at a time never sees two and does not deadlock an audit of
 * four jobs at once, the report counts what the gate let through, and a
 * gate that refuses makes no connection at all.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tlsprobe.h"

/* ---- a listener that closes what it takes ---- */

struct listener {
	int fd;
	unsigned port;
	volatile int done;
	unsigned accepted;
	pthread_t thread;
};

static void *listener_main(void *arg)
{
	struct listener *l = arg;

	while (!l->done) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};
		int c;

		if (poll(&p, 1, 20) <= 0)
			continue;
		c = accept(l->fd, NULL, NULL);
		if (c < 0)
			continue;
		l->accepted++;
		close(c);
	}
	return NULL;
}

static void listener_start(struct listener *l)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	memset(l, 0, sizeof(*l));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l->fd, 64), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&sin, &len), 0);
	l->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&l->thread, NULL, listener_main, l), 0);
}

/* Stops the listener, taking what is still queued: a connection the
 * audit closed before the thread came to it counts too. */
static void listener_stop(struct listener *l)
{
	struct pollfd p = {.fd = l->fd, .events = POLLIN};
	int c;

	l->done = 1;
	pthread_join(l->thread, NULL);
	while (poll(&p, 1, 0) > 0 && (c = accept(l->fd, NULL, NULL)) >= 0) {
		l->accepted++;
		close(c);
	}
	close(l->fd);
}

/* ---- a gate of `places` connections at once ---- */

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned places, open, most, before, after;
	bool refuse;
};

static int gate_before(void *arg, const struct sockaddr *sa)
{
	struct gate *g = arg;

	assert_int_equal(sa->sa_family, AF_INET);
	pthread_mutex_lock(&g->lock);
	g->before++;
	if (g->refuse) {
		pthread_mutex_unlock(&g->lock);
		return -1;
	}
	while (g->open >= g->places)
		pthread_cond_wait(&g->cond, &g->lock);
	g->open++;
	if (g->open > g->most)
		g->most = g->open;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void gate_after(void *arg, const struct sockaddr *sa)
{
	struct gate *g = arg;

	(void)sa;
	pthread_mutex_lock(&g->lock);
	g->after++;
	assert_true(g->open > 0);
	g->open--;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void audit(struct listener *l, struct gate *g, struct tp_report **r)
{
	struct tp_ciphers_opts o;
	struct tp_error err = {0};

	tp_ciphers_opts_init(&o);
	o.host = "127.0.0.1";
	o.port = l->port;
	o.protocols = "TLS1.2,TLS1.3";
	o.concurrency = 4;
	o.budget = 40;
	o.timeout_s = 1;
	o.max_time_s = 10;
	o.before_connect = gate_before;
	o.after_close = gate_after;
	o.gate_arg = g;
	*r = tp_report_new("ciphers");
	assert_non_null(*r);
	assert_int_equal(tp_ciphers_run(&o, *r, &err), 0);
}

static void test_ciphers_gate_one_place(void **state)
{
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			 .places = 1};
	struct listener l;
	struct tp_report *r;

	(void)state;
	listener_start(&l);
	audit(&l, &g, &r);
	listener_stop(&l);
	/* the first contact and at least one probe of each version */
	assert_true(g.before >= 3);
	assert_int_equal(g.after, g.before);
	assert_int_equal(g.open, 0);
	assert_int_equal(g.most, 1);
	assert_int_equal(l.accepted, g.before);
	assert_int_equal(r->scan->connections, g.before);
	tp_report_free(r);
}

static void test_ciphers_gate_refuses(void **state)
{
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			 .places = 1, .refuse = true};
	struct listener l;
	struct tp_report *r;
	size_t i;

	(void)state;
	listener_start(&l);
	audit(&l, &g, &r);
	listener_stop(&l);
	/* the first contact asked, was refused, and nothing else was tried */
	assert_int_equal(g.before, 1);
	assert_int_equal(g.after, 0);
	assert_int_equal(l.accepted, 0);
	for (i = 0; i < r->n_stages; i++)
		if (strcmp(r->stages[i].name, "tcp") == 0)
			assert_int_equal(r->stages[i].status, TP_STAGE_FAIL);
	tp_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ciphers_gate_one_place),
		cmocka_unit_test(test_ciphers_gate_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
