/*
 * Sockets on loopback only: the listening sockets of a --listen spec,
 * connects that are refused, answered or stopped, and resolution of
 * what needs no DNS server (address literals; "localhost" from
 * /etc/hosts when it is there). Times are measured on tp_now_ms()'s
 * clock and bounded loosely: the machine may be loaded.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "net.h"

/* A refusal or a cancellation on loopback is at once; this much is
 * only a loaded machine's slack. */
#define QUICK_MS 1000.0

/* The open file descriptors of this process. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* A loopback address of family af (AF_INET, AF_INET6), port 0. */
static socklen_t loopback(int af, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
}

/* A socket bound to a fresh loopback port, listening or not; the port
 * is ours while it stays open, so nothing else answers on it. */
static int bound_socket(int af, bool listening, struct sockaddr_storage *ss,
			socklen_t *len)
{
	int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	*len = loopback(af, ss);
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)ss, *len), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)ss, len), 0);
	return fd;
}

/* ---- tp_net_listen: specs that listen ---- */

struct listen_case {
	const char *spec;
	int family;
	const char *host;  /* as the socket is bound */
};

static const struct listen_case listen_cases[] = {
	{"127.0.0.1:0", AF_INET, "127.0.0.1"},
	{"[::1]:0", AF_INET6, "::1"},
};

static void test_net_listen_loopback(void **state)
{
	const struct listen_case *c = *state;
	int fds[TP_NET_MAX_LISTEN], before = open_fds(), conn, flags;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct tp_error err = {0};
	struct tp_net_result res;
	char host[64];
	size_t n = 99;

	if (tp_net_listen(c->spec, 4433, fds, &n, &err) != 0)
		fail_msg("%s: %s", c->spec, err.message);
	assert_int_equal(err.kind, TP_ERR_NONE);
	assert_int_equal(n, 1);
	assert_int_equal(open_fds(), before + 1);
	assert_int_equal(getsockname(fds[0], (struct sockaddr *)&ss, &sl), 0);
	assert_int_equal(ss.ss_family, c->family);
	tp_addr_format_host((struct sockaddr *)&ss, host, sizeof(host));
	assert_string_equal(host, c->host);
	/* port 0: the kernel's pick, not the default */
	assert_int_not_equal(tp_addr_port(&ss), 0);
	assert_int_not_equal(tp_addr_port(&ss), 4433);
	flags = fcntl(fds[0], F_GETFL);
	assert_true(flags >= 0 && (flags & O_NONBLOCK));
	/* and it listens */
	tp_net_connect((struct sockaddr *)&ss, sl, 5000, 0, NULL, &conn,
		       &res);
	assert_int_equal(res.status, TP_NETRES_OK);
	assert_true(conn >= 0);
	close(conn);
	close(fds[0]);
	assert_int_equal(open_fds(), before);
}

/* ---- tp_net_listen: specs refused, nothing left open ---- */

struct listen_bad_case {
	const char *spec;
	enum tp_error_kind kind;
	const char *message;
};

static const struct listen_bad_case listen_bad_cases[] = {
	{"", TP_ERR_USAGE, "--listen '': expected [ADDR]:PORT, :PORT or PORT"},
	{"[::1", TP_ERR_USAGE, "--listen '[::1': expected [IPv6]:PORT"},
	{"[::1]x", TP_ERR_USAGE, "--listen '[::1]x': expected [IPv6]:PORT"},
	{"127.0.0.1:65536", TP_ERR_USAGE, "--listen '127.0.0.1:65536': port "
	 "'65536' is not a number from 0 to 65535"},
	{"127.0.0.1:http", TP_ERR_USAGE, "--listen '127.0.0.1:http': port "
	 "'http' is not a number from 0 to 65535"},
	/* a literal this host does not have (RFC 5737): no resolver
	 * asked, the bind fails */
	{"192.0.2.1:0", TP_ERR_RUNTIME, "cannot listen on 192.0.2.1:0: "
	 "Cannot assign requested address"},
};

static void test_net_listen_refuses(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(listen_bad_cases) / sizeof(listen_bad_cases[0]);
	     i++) {
		const struct listen_bad_case *c = &listen_bad_cases[i];
		int fds[TP_NET_MAX_LISTEN], before = open_fds();
		struct tp_error err = {0};
		size_t n = 99;

		print_message("# '%s'\n", c->spec);
		if (tp_net_listen(c->spec, 4433, fds, &n, &err) != -1)
			fail_msg("'%s' listened", c->spec);
		assert_int_equal(n, 0);
		assert_int_equal(err.kind, c->kind);
		assert_string_equal(err.message, c->message);
		assert_int_equal(open_fds(), before);
	}
}

/* A port taken on the one address of the spec. */
static void test_net_listen_port_in_use(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int held = bound_socket(AF_INET, true, &ss, &sl), before = open_fds();
	int fds[TP_NET_MAX_LISTEN];
	struct tp_error err = {0};
	char spec[32], expected[128];
	size_t n = 99;

	(void)state;
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", tp_addr_port(&ss));
	assert_int_equal(tp_net_listen(spec, 4433, fds, &n, &err), -1);
	assert_int_equal(n, 0);
	assert_int_equal(err.kind, TP_ERR_RUNTIME);
	assert_int_equal(err.sys_errno, EADDRINUSE);
	snprintf(expected, sizeof(expected), "cannot listen on %s: %s", spec,
		 strerror(EADDRINUSE));
	assert_string_equal(err.message, expected);
	assert_int_equal(open_fds(), before);
	close(held);
}

/*
 * ":PORT" binds the IPv4 wildcard, then the IPv6 one: with the port
 * taken on [::1] only, the first socket is open when the second fails,
 * and must be closed. Wildcards are bound for a moment, never used.
 */
static void test_net_listen_closes_on_failure(void **state)
{
	int fds[TP_NET_MAX_LISTEN], attempt, held, before;
	struct sockaddr_storage ss;
	struct tp_error err;
	char spec[32], expected[128];
	socklen_t sl;
	size_t n;

	(void)state;
	for (attempt = 0; attempt < 5; attempt++) {
		held = bound_socket(AF_INET6, true, &ss, &sl);
		before = open_fds();
		snprintf(spec, sizeof(spec), ":%u", tp_addr_port(&ss));
		memset(&err, 0, sizeof(err));
		n = 99;
		assert_int_equal(tp_net_listen(spec, 4433, fds, &n, &err), -1);
		assert_int_equal(n, 0);
		assert_int_equal(open_fds(), before);
		close(held);
		/* someone had that port on IPv4 too: the second socket
		 * was never reached; try another */
		snprintf(expected, sizeof(expected), "cannot listen on "
			 "[::]:%u: %s", tp_addr_port(&ss),
			 strerror(EADDRINUSE));
		if (strcmp(err.message, expected) == 0)
			return;
		print_message("# attempt %d: %s\n", attempt, err.message);
	}
	fail_msg("the IPv6 wildcard never failed after the IPv4 one bound");
}

/* ":0": the kernel's port, the same on both wildcards. */
static void test_net_listen_any_same_port(void **state)
{
	int fds[TP_NET_MAX_LISTEN], before = open_fds();
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);
	struct tp_error err = {0};
	size_t n = 99, i;

	(void)state;
	if (tp_net_listen(":0", 4433, fds, &n, &err) != 0)
		fail_msg(":0: %s", err.message);
	if (!have_ipv6_loopback()) {
		assert_int_equal(n, 1);
	} else {
		assert_int_equal(n, 2);
		assert_int_equal(getsockname(fds[0], (struct sockaddr *)&a,
					     &la), 0);
		assert_int_equal(getsockname(fds[1], (struct sockaddr *)&b,
					     &lb), 0);
		assert_int_equal(a.ss_family, AF_INET);
		assert_int_equal(b.ss_family, AF_INET6);
		assert_int_not_equal(tp_addr_port(&a), 0);
		assert_int_equal(tp_addr_port(&a), tp_addr_port(&b));
	}
	assert_int_equal(open_fds(), before + (int)n);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* ---- tp_net_connect ---- */

struct connect_case {
	const char *name;
	int family;
	bool listening;
	enum tp_net_status status;
};

static const struct connect_case connect_cases[] = {
	{"IPv4 listening", AF_INET, true, TP_NETRES_OK},
	{"IPv4 closed", AF_INET, false, TP_NETRES_REFUSED},
	{"IPv6 listening", AF_INET6, true, TP_NETRES_OK},
	{"IPv6 closed", AF_INET6, false, TP_NETRES_REFUSED},
};

static void test_net_connect_loopback(void **state)
{
	const struct connect_case *c = *state;
	struct sockaddr_storage ss, peer;
	socklen_t sl, pl = sizeof(peer);
	struct tp_net_result res;
	char where[80], expected[160];
	int held, fd = 99, before;
	double t0, took;

	held = bound_socket(c->family, c->listening, &ss, &sl);
	before = open_fds();
	tp_addr_format((struct sockaddr *)&ss, where, sizeof(where));
	t0 = tp_now_ms();
	tp_net_connect((struct sockaddr *)&ss, sl, 10000, 0, NULL, &fd, &res);
	took = tp_now_ms() - t0;
	if (took > QUICK_MS)
		fail_msg("%s took %.0f ms", c->name, took);
	assert_int_equal(res.status, c->status);
	if (c->status == TP_NETRES_OK)
		snprintf(expected, sizeof(expected), "connected to %s", where);
	else
		snprintf(expected, sizeof(expected), "%s answered the SYN with "
			 "a reset (Connection refused)", where);
	assert_string_equal(res.message, expected);
	if (c->status == TP_NETRES_OK) {
		assert_true(fd >= 0);
		assert_int_equal(res.sys_errno, 0);
		assert_int_equal(getpeername(fd, (struct sockaddr *)&peer,
					     &pl), 0);
		assert_int_equal(tp_addr_port(&peer), tp_addr_port(&ss));
		assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
		assert_int_equal(open_fds(), before + 1);
		close(fd);
	} else {
		assert_int_equal(fd, -1);
		assert_int_equal(res.sys_errno, ECONNREFUSED);
		assert_int_equal(open_fds(), before);
	}
	close(held);
}

/* A stop set before the call: no SYN, at once. */
static void test_net_connect_stopped_before(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct sockaddr_storage ss;
	struct tp_net_result res;
	char expected[128], where[80];
	socklen_t sl;
	int held = bound_socket(AF_INET, true, &ss, &sl), fd = 99, before;
	int accepted;
	double t0;

	(void)state;
	before = open_fds();
	tp_addr_format((struct sockaddr *)&ss, where, sizeof(where));
	t0 = tp_now_ms();
	tp_net_connect((struct sockaddr *)&ss, sl, 10000, 0, &stop, &fd,
		       &res);
	assert_true(tp_now_ms() - t0 < QUICK_MS);
	assert_int_equal(res.status, TP_NETRES_CANCELLED);
	assert_int_equal(fd, -1);
	snprintf(expected, sizeof(expected), "cancelled before connecting "
		 "to %s", where);
	assert_string_equal(res.message, expected);
	assert_string_equal(tp_net_status_name(res.status), "cancelled");
	assert_int_equal(open_fds(), before);
	/* nothing reached the listener */
	fcntl(held, F_SETFL, O_NONBLOCK);
	accepted = accept(held, NULL, NULL);
	assert_int_equal(accepted, -1);
	close(held);
}

/* A wait on a socket that never becomes readable, with the stop set. */
static void test_net_wait_stopped_before(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct sockaddr_storage ss;
	socklen_t sl;
	int held = bound_socket(AF_INET, true, &ss, &sl);
	double t0 = tp_now_ms();

	(void)state;
	assert_int_equal(tp_net_wait_stop(held, POLLIN, t0 + 10000, &stop),
			 TP_NET_STOPPED);
	assert_true(tp_now_ms() - t0 < QUICK_MS);
	/* the same wait without the stop times out: the flag made it */
	stop = 0;
	assert_int_equal(tp_net_wait_stop(held, POLLIN, tp_now_ms() + 50,
					  &stop), 0);
	close(held);
}

/* A deadline already past: no socket at all. */
static void test_net_connect_no_time_left(void **state)
{
	struct sockaddr_storage ss;
	struct tp_net_result res;
	char expected[128], where[80];
	socklen_t sl;
	int held = bound_socket(AF_INET, true, &ss, &sl), fd = 99, before;

	(void)state;
	before = open_fds();
	tp_addr_format((struct sockaddr *)&ss, where, sizeof(where));
	tp_net_connect_by((struct sockaddr *)&ss, sl, tp_now_ms() - 1, 0,
			  NULL, &fd, &res);
	assert_int_equal(res.status, TP_NETRES_TIMEOUT);
	assert_int_equal(fd, -1);
	snprintf(expected, sizeof(expected), "no time left to connect to %s",
		 where);
	assert_string_equal(res.message, expected);
	assert_int_equal(open_fds(), before);
	close(held);
}

/* ---- tp_net_resolve ---- */

struct resolve_case {
	const char *host;
	int family;            /* asked: 0, 4, 6 */
	enum tp_net_status status;
	int af;                /* of the one address, when OK */
	const char *address;
};

static const struct resolve_case resolve_cases[] = {
	{"127.0.0.1", 0, TP_NETRES_OK, AF_INET, "127.0.0.1"},
	{"127.0.0.1", 4, TP_NETRES_OK, AF_INET, "127.0.0.1"},
	{"::1", 0, TP_NETRES_OK, AF_INET6, "::1"},
	{"2001:db8::7", 6, TP_NETRES_OK, AF_INET6, "2001:db8::7"},
	{"192.0.2.7", 0, TP_NETRES_OK, AF_INET, "192.0.2.7"},
	/* the family of the literal, whatever was preferred */
	{"::1", 6, TP_NETRES_OK, AF_INET6, "::1"},
	{"::ffff:127.0.0.1", 0, TP_NETRES_OK, AF_INET6, "::ffff:127.0.0.1"},
	/* an IPv4-mapped literal with IPv4 asked: the IPv4 address */
	{"::ffff:127.0.0.1", 4, TP_NETRES_OK, AF_INET, "127.0.0.1"},
	/* a literal of the other family than asked */
	{"127.0.0.1", 6, TP_NETRES_NONAME, 0, NULL},
	{"::1", 4, TP_NETRES_NONAME, 0, NULL},
};

static void test_net_resolve_literals(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	     i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct tp_resolved out;
		struct tp_net_result res;
		char host[64], prefix[80];
		double t0 = tp_now_ms();

		print_message("# %s family %d\n", c->host, c->family);
		tp_net_resolve(c->host, 8443, c->family, 5000, NULL, &out,
			       &res);
		/* no resolver asked: no wait */
		assert_true(tp_now_ms() - t0 < QUICK_MS);
		assert_int_equal(res.status, c->status);
		if (c->status != TP_NETRES_OK) {
			assert_int_equal(out.n, 0);
			snprintf(prefix, sizeof(prefix), "%s: ", c->host);
			assert_memory_equal(res.message, prefix,
					    strlen(prefix));
			continue;
		}
		assert_string_equal(res.message, "literal address");
		assert_int_equal(out.n, 1);
		assert_int_equal(out.addr[0].ss_family, c->af);
		assert_int_equal(tp_addr_port(&out.addr[0]), 8443);
		tp_addr_format_host((struct sockaddr *)&out.addr[0], host,
				    sizeof(host));
		assert_string_equal(host, c->address);
	}
}

/* Whether /etc/hosts names localhost: then no DNS server is asked. */
static bool hosts_has_localhost(void)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[512], *tok, *save;
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#');

		if (hash != NULL)
			*hash = '\0';
		tok = strtok_r(line, " \t\n", &save);
		if (tok == NULL || strcmp(tok, "127.0.0.1") != 0)
			continue;
		while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL)
			if (strcmp(tok, "localhost") == 0)
				found = true;
	}
	fclose(f);
	return found;
}

static void test_net_resolve_localhost(void **state)
{
	struct tp_resolved out;
	struct tp_net_result res;
	char host[64];
	size_t i;
	bool v4 = false;

	(void)state;
	tp_net_resolve("localhost", 443, 4, 5000, NULL, &out, &res);
	if (res.status != TP_NETRES_OK)
		fail_msg("localhost: %s (%s)", tp_net_status_name(res.status),
			 res.message);
	assert_string_equal(res.message, "resolved");
	assert_true(out.n >= 1);
	for (i = 0; i < out.n; i++) {
		assert_int_equal(out.addr[i].ss_family, AF_INET);
		assert_int_equal(tp_addr_port(&out.addr[i]), 443);
		tp_addr_format_host((struct sockaddr *)&out.addr[i], host,
				    sizeof(host));
		v4 |= strcmp(host, "127.0.0.1") == 0;
	}
	assert_true(v4);
}

/* "localhost" with no family asked: what /etc/hosts maps it to, IPv4
 * here (the files mapped it to 127.0.0.1 only, so that no DNS server
 * is asked for an IPv6 address); every address with the port. */
static void test_net_resolve_localhost_any_family(void **state)
{
	struct tp_resolved out;
	struct tp_net_result res;
	char host[64];
	size_t i;
	bool v4 = false;

	(void)state;
	tp_net_resolve("localhost", 8443, 0, 5000, NULL, &out, &res);
	if (res.status != TP_NETRES_OK)
		fail_msg("localhost: %s (%s)", tp_net_status_name(res.status),
			 res.message);
	assert_string_equal(res.message, "resolved");
	assert_true(out.n >= 1 && out.n <= TP_NET_MAX_ADDRS);
	for (i = 0; i < out.n; i++) {
		assert_true(out.addr[i].ss_family == AF_INET ||
			    out.addr[i].ss_family == AF_INET6);
		assert_int_equal(tp_addr_port(&out.addr[i]), 8443);
		tp_addr_format_host((struct sockaddr *)&out.addr[i], host,
				    sizeof(host));
		v4 |= strcmp(host, "127.0.0.1") == 0;
	}
	assert_true(v4);
}

/*
 * A name no resolver can be asked for: a label of 64 characters (RFC
 * 1035 allows 63) cannot be put in a query, so the resolver gives up
 * before it sends one. Not OK, no address, the name in the message,
 * and no wait.
 */
static void test_net_resolve_bad_name(void **state)
{
	char name[128];
	struct tp_resolved out;
	struct tp_net_result res;
	double t0;

	(void)state;
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof(name) - 64, ".test");
	t0 = tp_now_ms();
	tp_net_resolve(name, 443, 0, 5000, NULL, &out, &res);
	assert_true(tp_now_ms() - t0 < QUICK_MS);
	if (res.status != TP_NETRES_NONAME && res.status != TP_NETRES_ERROR)
		fail_msg("%s: %s (%s)", name, tp_net_status_name(res.status),
			 res.message);
	assert_int_equal(out.n, 0);
	assert_memory_equal(res.message, name, strlen(name));
}

/* A stop set before the call: no answer taken, whatever the name. */
static void test_net_resolve_stopped_before(void **state)
{
	static const char *const hosts[] = {"localhost", "127.0.0.1", "::1"};
	volatile sig_atomic_t stop = 1;
	struct tp_resolved out;
	struct tp_net_result res;
	char expected[128];
	size_t i;
	double t0;

	(void)state;
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		print_message("# %s\n", hosts[i]);
		t0 = tp_now_ms();
		tp_net_resolve(hosts[i], 443, 0, 10000, &stop, &out, &res);
		assert_true(tp_now_ms() - t0 < QUICK_MS);
		assert_int_equal(res.status, TP_NETRES_CANCELLED);
		assert_int_equal(out.n, 0);
		snprintf(expected, sizeof(expected), "cancelled before "
			 "resolving %s", hosts[i]);
		assert_string_equal(res.message, expected);
	}
}

/* A test this host cannot run; its name says so (TAP's SKIP), since
 * cmocka's own skip() prints "not ok". */
static void skipped(void **state)
{
	(void)state;
}

/* One row of a table as a test of its own, named after the row, so
 * that a row the host cannot run is skipped alone. */
#define ROW(fn, name, row) {(name), (fn), NULL, NULL, (void *)(row)}
#define ROW_IF(ok, why, fn, name, row) \
	{(ok) ? name : name " # SKIP " why, (ok) ? (fn) : skipped, \
	 NULL, NULL, (void *)(row)}
#define TEST_IF(ok, why, fn) ROW_IF(ok, why, fn, #fn, NULL)

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	bool v6 = have_ipv6_loopback(), hosts = hosts_has_localhost();
	const struct CMUnitTest tests[] = {
		ROW(test_net_listen_loopback, "test_net_listen 127.0.0.1:0",
		    &listen_cases[0]),
		ROW_IF(v6, "no IPv6 loopback", test_net_listen_loopback,
		       "test_net_listen [::1]:0", &listen_cases[1]),
		cmocka_unit_test(test_net_listen_refuses),
		cmocka_unit_test(test_net_listen_port_in_use),
		TEST_IF(v6, "no IPv6 loopback",
			test_net_listen_closes_on_failure),
		cmocka_unit_test(test_net_listen_any_same_port),
		ROW(test_net_connect_loopback, "test_net_connect IPv4 "
		    "listening", &connect_cases[0]),
		ROW(test_net_connect_loopback, "test_net_connect IPv4 closed",
		    &connect_cases[1]),
		ROW_IF(v6, "no IPv6 loopback", test_net_connect_loopback,
		       "test_net_connect IPv6 listening", &connect_cases[2]),
		ROW_IF(v6, "no IPv6 loopback", test_net_connect_loopback,
		       "test_net_connect IPv6 closed", &connect_cases[3]),
		cmocka_unit_test(test_net_connect_stopped_before),
		cmocka_unit_test(test_net_wait_stopped_before),
		cmocka_unit_test(test_net_connect_no_time_left),
		cmocka_unit_test(test_net_resolve_literals),
		TEST_IF(hosts, "/etc/hosts does not map localhost",
			test_net_resolve_localhost),
		TEST_IF(hosts, "/etc/hosts does not map localhost",
			test_net_resolve_localhost_any_family),
		cmocka_unit_test(test_net_resolve_bad_name),
		cmocka_unit_test(test_net_resolve_stopped_before),
	};

	tp_error_set_namer(flag_words);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
