/*
 * The many-target runner's parts on a fixed clock (the rate's bucket,
 * the per-address places and their back-off), the resume set and the
 * reading of earlier records, and the runner itself over lists of bad
 * lines and closed loopback ports (no TLS server needed).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fleet.h"
#include "targets.h"

static void test_fleet_bucket_unlimited(void **state)
{
	struct tp_fleet_bucket b;

	(void)state;
	tp_fleet_bucket_init(&b, 0);
	assert_true(tp_fleet_bucket_take(&b, 5.0) == 5.0);
	assert_true(tp_fleet_bucket_take(&b, 5.0) == 5.0);
}

static void test_fleet_bucket_paces(void **state)
{
	struct tp_fleet_bucket b;

	(void)state;
	tp_fleet_bucket_init(&b, 10);  /* one every 100 ms */
	/* three callers at once: now, +100, +200 */
	assert_true(tp_fleet_bucket_take(&b, 1000) == 1000);
	assert_true(tp_fleet_bucket_take(&b, 1000) == 1100);
	assert_true(tp_fleet_bucket_take(&b, 1000) == 1200);
	/* time not used is not saved up: a late caller starts at once,
	 * the next one a full interval later */
	assert_true(tp_fleet_bucket_take(&b, 5000) == 5000);
	assert_true(tp_fleet_bucket_take(&b, 5001) == 5100);
}

static void test_fleet_hosts_per_host(void **state)
{
	struct tp_fleet_hosts *h = tp_fleet_hosts_new(2);
	double until;

	(void)state;
	assert_non_null(h);
	assert_int_equal(tp_fleet_hosts_take(h, "127.0.0.1", 0, &until), 1);
	assert_int_equal(tp_fleet_hosts_take(h, "127.0.0.1", 0, &until), 1);
	/* the third waits for one to end */
	assert_int_equal(tp_fleet_hosts_take(h, "127.0.0.1", 0, &until), 0);
	assert_true(until == 0);
	/* another address is another count */
	assert_int_equal(tp_fleet_hosts_take(h, "127.0.0.2", 0, &until), 1);
	tp_fleet_hosts_release(h, "127.0.0.1", false, 1);
	assert_int_equal(tp_fleet_hosts_take(h, "127.0.0.1", 1, &until), 1);
	tp_fleet_hosts_release(h, "127.0.0.1", false, 2);
	tp_fleet_hosts_release(h, "127.0.0.1", false, 2);
	tp_fleet_hosts_release(h, "127.0.0.2", false, 2);
	/* nothing in flight, nothing backing off: nothing remembered */
	assert_int_equal(tp_fleet_hosts_count(h), 0);
	tp_fleet_hosts_free(h);
}

static void test_fleet_hosts_backoff(void **state)
{
	struct tp_fleet_hosts *h = tp_fleet_hosts_new(2);
	double until, t, last = 0;

	(void)state;
	assert_int_equal(tp_fleet_hosts_take(h, "::1", 0, &until), 1);
	tp_fleet_hosts_release(h, "::1", true, 100);
	/* a reset: the address waits TP_FLEET_BACKOFF_MS */
	assert_int_equal(tp_fleet_hosts_take(h, "::1", 200, &until), 0);
	assert_true(until == 100 + TP_FLEET_BACKOFF_MS);
	assert_int_equal(tp_fleet_hosts_take(h, "::1", until, &until), 1);
	/* a second reset in a row: twice as long */
	tp_fleet_hosts_release(h, "::1", true, 1000);
	assert_int_equal(tp_fleet_hosts_take(h, "::1", 1000, &until), 0);
	assert_true(until == 1000 + 2 * TP_FLEET_BACKOFF_MS);
	/* resets in a row, each probe as soon as it may: the wait never
	 * grows past the cap */
	t = until;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(tp_fleet_hosts_take(h, "::1", t, &until), 1);
		tp_fleet_hosts_release(h, "::1", true, t);
		assert_int_equal(tp_fleet_hosts_take(h, "::1", t, &until), 0);
		last = until - t;
		assert_true(last <= TP_FLEET_BACKOFF_MAX_MS);
		t = until;
	}
	assert_true(last == TP_FLEET_BACKOFF_MAX_MS);
	/* a probe that goes through forgets the resets */
	assert_int_equal(tp_fleet_hosts_take(h, "::1", until, &until), 1);
	tp_fleet_hosts_release(h, "::1", false, 2e7);
	assert_int_equal(tp_fleet_hosts_count(h), 0);
	/* an address left alone long after its wait is forgotten too */
	assert_int_equal(tp_fleet_hosts_take(h, "10.0.0.1", 0, &until), 1);
	tp_fleet_hosts_release(h, "10.0.0.1", true, 0);
	assert_int_equal(tp_fleet_hosts_count(h), 1);
	assert_int_equal(tp_fleet_hosts_take(h, "10.0.0.2", 1e6, &until), 1);
	assert_int_equal(tp_fleet_hosts_count(h), 1);
	tp_fleet_hosts_free(h);
}

static void test_fleet_key_equality(void **state)
{
	char a[TP_FLEET_KEY_SIZE], b[TP_FLEET_KEY_SIZE];

	(void)state;
	tp_fleet_key(a, "example.test", 443, "example.test", "", "192.0.2.1");
	tp_fleet_key(b, "example.test", 443, "example.test", NULL, "192.0.2.1");
	assert_string_equal(a, b);
	/* each field tells records apart */
	tp_fleet_key(b, "example.test", 443, "example.test", "", "192.0.2.2");
	assert_string_not_equal(a, b);
	tp_fleet_key(b, "example.test", 443, "", "", "192.0.2.1");
	assert_string_not_equal(a, b);
	tp_fleet_key(b, "example.test", 443, "example.test", "smtp",
		     "192.0.2.1");
	assert_string_not_equal(a, b);
	tp_fleet_key(b, "example.test", 4433, "example.test", "", "192.0.2.1");
	assert_string_not_equal(a, b);
	/* fields cannot run into each other */
	tp_fleet_key(a, "a", 1, "b", "", "");
	tp_fleet_key(b, "a", 1, "", "b", "");
	assert_string_not_equal(a, b);
	tp_fleet_key_line(a, 7);
	tp_fleet_key_line(b, 7);
	assert_string_equal(a, b);
}

static void test_fleet_seen_grows(void **state)
{
	struct tp_fleet_seen *s = tp_fleet_seen_new();
	char key[TP_FLEET_KEY_SIZE];
	unsigned i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 5000; i++) {
		tp_fleet_key(key, "198.51.100.1", i + 1, "", "", "198.51.100.1");
		assert_int_equal(tp_fleet_seen_add(s, key), 1);
	}
	tp_fleet_key(key, "198.51.100.1", 17, "", "", "198.51.100.1");
	assert_int_equal(tp_fleet_seen_add(s, key), 0);
	assert_int_equal(tp_fleet_seen_count(s), 5000);
	for (i = 0; i < 5000; i++) {
		tp_fleet_key(key, "198.51.100.1", i + 1, "", "", "198.51.100.1");
		assert_true(tp_fleet_seen_has(s, key));
	}
	tp_fleet_key(key, "198.51.100.1", 5001, "", "", "198.51.100.1");
	assert_false(tp_fleet_seen_has(s, key));
	tp_fleet_seen_free(s);
}

/* Reads text as a resume file. */
static int resume_text(const char *text, struct tp_fleet_seen *s,
		       struct tp_fleet_resume *res)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct tp_error err = {0};
	int rc;

	assert_non_null(f);
	rc = tp_fleet_resume_read(f, "records.jsonl", s, res, &err);
	fclose(f);
	return rc;
}

#define REC(host, port, sni, extra, addr) \
	"{\"tool\":\"tlsprobe\",\"command\":\"client\",\"target\":{\"host\":" \
	"\"" host "\",\"port\":" #port ",\"sni\":" sni ",\"addresses\":[" \
	addr "],\"line\":3" extra "},\"verdict\":\"pass\",\"findings\":[]}\n"

static void test_fleet_resume_lines(void **state)
{
	static const char text[] =
		REC("example.test", 443, "\"example.test\"", "",
		    "\"192.0.2.1\"")
		REC("192.0.2.9", 25, "null", ",\"starttls\":\"smtp\"",
		    "\"192.0.2.9\"")
		REC("nx.example.test", 443, "\"nx.example.test\"", "", "")
		"{\"target\":{\"line\":12,\"text\":\"bad:port\"},"
		"\"error\":\"port 'port' is not a number\"}\n"
		"\n"
		"{\"not\":\"ours\"}\n"
		"[1,2,3]\n"
		"{\"target\":{\"host\":\"x\"},\"verdict\":\"pass\"}\n"
		"this is no JSON\n"
		"{\"target\":{\"host\":\"torn.example.test\",\"port\":443,";
	struct tp_fleet_seen *s = tp_fleet_seen_new();
	struct tp_fleet_resume res;
	char key[TP_FLEET_KEY_SIZE];

	(void)state;
	assert_int_equal(resume_text(text, s, &res), 0);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.foreign, 3);
	assert_int_equal(res.bad_json, 1);
	assert_true(res.torn);
	/* the torn line is not counted in what a writer keeps */
	assert_int_equal(res.whole, (off_t)(strchr(text, '\0') - text -
					    strlen(strrchr(text, '\n') + 1)));
	tp_fleet_key(key, "example.test", 443, "example.test", "",
		     "192.0.2.1");
	assert_true(tp_fleet_seen_has(s, key));
	tp_fleet_key(key, "192.0.2.9", 25, "", "smtp", "192.0.2.9");
	assert_true(tp_fleet_seen_has(s, key));
	/* the same target without its STARTTLS is another one */
	tp_fleet_key(key, "192.0.2.9", 25, "", "", "192.0.2.9");
	assert_false(tp_fleet_seen_has(s, key));
	/* a name that did not resolve: no address */
	tp_fleet_key(key, "nx.example.test", 443, "nx.example.test", "", "");
	assert_true(tp_fleet_seen_has(s, key));
	tp_fleet_key_line(key, 12);
	assert_true(tp_fleet_seen_has(s, key));
	tp_fleet_key_line(key, 3);
	assert_false(tp_fleet_seen_has(s, key));
	tp_fleet_seen_free(s);
}

static void test_fleet_resume_whole(void **state)
{
	static const char text[] =
		REC("example.test", 443, "\"example.test\"", "",
		    "\"192.0.2.1\"");
	struct tp_fleet_seen *s = tp_fleet_seen_new();
	struct tp_fleet_resume res;

	(void)state;
	assert_int_equal(resume_text(text, s, &res), 0);
	assert_false(res.torn);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.whole, (off_t)strlen(text));
	/* an empty file is nothing to resume from, and no error */
	tp_fleet_seen_free(s);
	s = tp_fleet_seen_new();
	assert_int_equal(resume_text("", s, &res), 0);
	assert_int_equal(res.records + res.foreign + res.bad_json, 0);
	assert_false(res.torn);
	tp_fleet_seen_free(s);
}

/* A bad line's record reads back as the key of its line. */
static void test_fleet_bad_line_record(void **state)
{
	struct tp_targets_entry e = {.line = 41};
	struct tp_error why = {0};
	struct tp_fleet_record rec = {.entry = &e, .address = "",
				      .error = &why};
	struct tp_fleet_seen *s = tp_fleet_seen_new();
	struct tp_fleet_resume res;
	char key[TP_FLEET_KEY_SIZE], *line, *text;
	json_t *doc;

	(void)state;
	snprintf(e.text, sizeof(e.text), "bad \"line\" \\ here");
	tp_error_set(&why, TP_ERR_USAGE, "port 'x' is not a number");
	line = tp_fleet_record_json(&rec);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	doc = json_loads(line, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(doc, "target"), "line")), 41);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(doc, "target"), "text")), e.text);
	assert_string_equal(json_string_value(json_object_get(doc, "error")),
			    "port 'x' is not a number");
	json_decref(doc);
	assert_true(asprintf(&text, "%s\n", line) > 0);
	assert_int_equal(resume_text(text, s, &res), 0);
	tp_fleet_key_line(key, 41);
	assert_true(tp_fleet_seen_has(s, key));
	free(text);
	free(line);
	tp_fleet_seen_free(s);
}

/* A loopback port that refuses: bound, never listening. */
static int closed_port(int *fd)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

struct collected {
	unsigned records, bad, refused;
	unsigned long lines_seen[64];
	int busy;        /* the callback is never entered twice at once */
	bool overlap;
};

static int collect(void *arg, const struct tp_fleet_record *rec,
		   const struct tp_fleet_stats *st, struct tp_error *err)
{
	struct collected *c = arg;

	(void)st;
	(void)err;
	if (__atomic_add_fetch(&c->busy, 1, __ATOMIC_SEQ_CST) != 1)
		c->overlap = true;
	usleep(1000);
	if (rec->report == NULL) {
		c->bad++;
	} else {
		if (tp_report_has(rec->report, TP_TCP_REFUSED))
			c->refused++;
		assert_int_equal(rec->report->target.line, rec->entry->line);
	}
	if (c->records < 64)
		c->lines_seen[c->records] = rec->entry->line;
	c->records++;
	__atomic_sub_fetch(&c->busy, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Runs list through the runner, as --shard k/n (n 0: all). */
static void run_list(const char *list, unsigned k, unsigned n,
		     struct collected *c, struct tp_fleet_stats *st)
{
	FILE *f = fmemopen((void *)list, strlen(list), "r");
	struct tp_targets_opts topts = {.default_port = 443};
	struct tp_client_opts base;
	struct tp_error err = {0};
	struct tp_fleet_opts fo = {
		.base = &base, .concurrency = 4, .shard_k = k, .shard_n = n,
		.on_record = collect, .arg = c,
	};

	tp_client_opts_init(&base);
	base.timeout_s = 2;
	base.no_sideband = true;
	fo.targets = tp_targets_open_stream(f, "list", &topts, &err);
	assert_non_null(fo.targets);
	memset(c, 0, sizeof(*c));
	assert_int_equal(tp_fleet_run(&fo, st, &err), 0);
	tp_targets_close(fo.targets);
	fclose(f);
}

static void test_fleet_run_closed_ports(void **state)
{
	struct tp_fleet_stats st, st1;
	struct collected c, c1;
	char list[1024];
	int fd, port = closed_port(&fd);
	unsigned k, total = 0;

	(void)state;
	snprintf(list, sizeof(list),
		 "# six targets, two bad lines\n"
		 "127.0.0.1:%d\n127.0.0.2:%d\nbad:port:here\n127.0.0.3:%d\n"
		 "127.0.0.4:%d\n\n127.0.0.5:%d x=y\n127.0.0.6:%d\n"
		 "127.0.0.7:%d\n", port, port, port, port, port, port, port);
	run_list(list, 0, 0, &c, &st);
	assert_false(c.overlap);
	assert_int_equal(c.records, 8);
	assert_int_equal(c.bad, 2);
	assert_int_equal(c.refused, 6);
	assert_int_equal(st.records, 8);
	assert_int_equal(st.bad, 2);
	assert_int_equal(st.failed, 8);
	assert_int_equal(st.lines, 8);
	/* the shards share the records out, every one exactly once */
	for (k = 1; k <= 3; k++) {
		run_list(list, k, 3, &c1, &st1);
		total += c1.records;
	}
	assert_int_equal(total, 8);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fleet_bucket_unlimited),
		cmocka_unit_test(test_fleet_bucket_paces),
		cmocka_unit_test(test_fleet_hosts_per_host),
		cmocka_unit_test(test_fleet_hosts_backoff),
		cmocka_unit_test(test_fleet_key_equality),
		cmocka_unit_test(test_fleet_seen_grows),
		cmocka_unit_test(test_fleet_resume_lines),
		cmocka_unit_test(test_fleet_resume_whole),
		cmocka_unit_test(test_fleet_bad_line_record),
		cmocka_unit_test(test_fleet_run_closed_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
