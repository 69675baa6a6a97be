/*
 * Unit tests of tlsrec.c: streams of records (handshake messages that
 * span records, several in one record, alerts, records not read, a
 * record turned unread halfway, one that is not TLS), each fed whole,
 * byte by byte and cut at every point, must give the same events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsrec.h"

/* The events, written out: "R22 M1/6 b6 E A2/40 ..." */
struct log {
	char s[512];
	struct tp_tlsrec *rec;
	bool stopped;
	uint8_t skip_after;    /* skip the rest of a record after a message
				* of this type (0: never) */
};

static void say(struct log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct log *l, const char *fmt, ...)
{
	size_t used = strlen(l->s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->s + used, sizeof(l->s) - used, fmt, ap);
	va_end(ap);
}

static enum tp_tlsrec_body lg_record(void *arg, const uint8_t hdr[5])
{
	struct log *l = arg;

	say(l, "R%u ", hdr[0]);
	if (hdr[1] != 3) {
		l->stopped = true;
		return TP_TLSREC_STOP;
	}
	switch (hdr[0]) {
	case 21: return TP_TLSREC_ALERTS;
	case 22: return TP_TLSREC_MESSAGES;
	default: return TP_TLSREC_SKIP;
	}
}

static void lg_message(void *arg, uint8_t type, uint32_t len)
{
	say(arg, "M%u/%u ", type, (unsigned)len);
}

static void lg_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct log *l = arg;
	size_t i;

	/* bytes are only counted, but must be the message's own */
	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0xee);
	say(l, "b%zu ", n);
}

static void lg_end(void *arg)
{
	struct log *l = arg;

	say(l, "E ");
	if (l->skip_after != 0 && l->rec->hs_hdr[0] == l->skip_after)
		tp_tlsrec_skip_record(l->rec);
}

static void lg_alert(void *arg, uint8_t level, uint8_t desc)
{
	say(arg, "A%u/%u ", level, desc);
}

static bool lg_reading(void *arg)
{
	return !((struct log *)arg)->stopped;
}

/* Message bytes merged across calls: "b3 b3" and "b6" are the same. */
static void merge(const char *in, char *out, size_t size)
{
	unsigned run = 0, k;
	const char *p = in;
	size_t used = 0;

	out[0] = '\0';
	while (*p != '\0') {
		if (*p == 'b' && sscanf(p, "b%u ", &k) == 1) {
			run += k;
		} else {
			if (run > 0)
				used += (size_t)snprintf(out + used, size - used,
							 "b%u ", run);
			run = 0;
			used += (size_t)snprintf(out + used, size - used, "%.*s",
						 (int)(strchr(p, ' ') - p + 1), p);
		}
		p = strchr(p, ' ') + 1;
	}
	if (run > 0)
		snprintf(out + used, size - used, "b%u ", run);
}

struct row {
	const char *name;
	uint8_t bytes[96];
	size_t n;
	uint8_t skip_after;
	const char *events;    /* with message bytes merged */
};

#define EE4 0xee, 0xee, 0xee, 0xee

static const struct row rows[] = {
	{"one message in one record",
	 {22, 3, 1, 0, 8, 1, 0, 0, 4, EE4}, 13, 0, "R22 M1/4 b4 E "},
	{"two messages in one record, an empty one first",
	 {22, 3, 3, 0, 12, 14, 0, 0, 0, 2, 0, 0, 4, EE4}, 17, 0,
	 "R22 M14/0 E M2/4 b4 E "},
	{"one message over two records",
	 {22, 3, 3, 0, 6, 11, 0, 0, 4, 0xee, 0xee,
	  22, 3, 3, 0, 2, 0xee, 0xee}, 18, 0, "R22 M11/4 b2 R22 b2 E "},
	{"a header over two records",
	 {22, 3, 3, 0, 2, 11, 0, 22, 3, 3, 0, 6, 0, 4, EE4}, 18, 0,
	 "R22 R22 M11/4 b4 E "},
	{"alerts, two in a record, one cut",
	 {21, 3, 3, 0, 4, 1, 0, 2, 40, 21, 3, 3, 0, 1, 2}, 15, 0,
	 "R21 A1/0 A2/40 R21 "},
	{"records not read, an empty one",
	 {23, 3, 3, 0, 3, 1, 2, 3, 20, 3, 3, 0, 0, 22, 3, 3, 0, 4, 14, 0, 0,
	  0}, 22, 0, "R23 R20 R22 M14/0 E "},
	{"the rest of a record not read after a message",
	 {22, 3, 3, 0, 12, 2, 0, 0, 0, 8, 0, 0, 4, EE4,
	  22, 3, 3, 0, 4, 20, 0, 0, 0}, 26, 2, "R22 M2/0 E R22 M20/0 E "},
	{"not TLS: nothing after it",
	 {22, 3, 3, 0, 4, 14, 0, 0, 0, 22, 9, 9, 0, 4, 14, 0, 0, 0}, 18, 0,
	 "R22 M14/0 E R22 "},
};

static void run(const struct row *r, size_t cut, size_t step, char *out,
		size_t size)
{
	struct tp_tlsrec rec = {0};
	struct log l = {.rec = &rec, .skip_after = r->skip_after};
	const struct tp_tlsrec_ops o = {lg_record, lg_message, lg_bytes,
					lg_end, lg_alert, lg_reading, &l};
	size_t at = 0, n, took;

	while (at < r->n && !l.stopped) {
		n = at < cut ? cut - at : step;
		if (n > r->n - at)
			n = r->n - at;
		took = tp_tlsrec_feed(&rec, &o, r->bytes + at, n);
		assert_true(took == n || l.stopped);
		at += took;
	}
	merge(l.s, out, size);
}

static void test_rows(void **state)
{
	char got[512];
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const struct row *r = &rows[i];

		print_message("# %s\n", r->name);
		run(r, 0, r->n, got, sizeof(got));
		assert_string_equal(got, r->events);
		run(r, 0, 1, got, sizeof(got));
		assert_string_equal(got, r->events);
		for (cut = 1; cut < r->n; cut++) {
			run(r, cut, r->n, got, sizeof(got));
			assert_string_equal(got, r->events);
		}
	}
}

/* After a reset the next byte starts a record, whatever was under way. */
static void test_reset(void **state)
{
	static const uint8_t half[] = {22, 3, 3, 0, 8, 1, 0};
	static const uint8_t whole[] = {22, 3, 3, 0, 4, 14, 0, 0, 0};
	struct tp_tlsrec rec = {0};
	struct log l = {.rec = &rec};
	const struct tp_tlsrec_ops o = {lg_record, lg_message, lg_bytes,
					lg_end, lg_alert, lg_reading, &l};

	(void)state;
	tp_tlsrec_feed(&rec, &o, half, sizeof(half));
	assert_false(tp_tlsrec_at_record(&rec));
	tp_tlsrec_reset(&rec);
	assert_true(tp_tlsrec_at_record(&rec));
	tp_tlsrec_feed(&rec, &o, whole, sizeof(whole));
	assert_string_equal(l.s, "R22 R22 M14/0 E ");
	assert_true(tp_tlsrec_at_record(&rec));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
