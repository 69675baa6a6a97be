/*
 * Unit tests of tcpflow.c, one table: each row feeds one direction's
 * segments (in order, sent again, overlapping, out of order, past what
 * may be held, cut by the snaplen, across 2^32; a FIN after them) and says what must come
 * out in order, what comes back as a copy, what is held and what gaps
 * were told.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpflow.h"

/* A consumer that keeps every byte it is given, by offset from isn. */
struct sink {
	uint32_t isn;
	char out[256];
	size_t n_out;
	size_t again_bytes, again_differ;
	size_t conflicts, conflict_bytes;
	uint32_t conflict_first;
	unsigned gaps, stops;
	size_t held, bound;
	enum tp_tcpflow_want want;
	bool in_order;         /* every delivery continued the last one */
	uint32_t expect;       /* the seq the next delivery must have */
};

static void sk_deliver(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct sink *s = arg;

	if (seq != s->expect)
		s->in_order = false;
	s->expect = seq + (uint32_t)n;
	assert_true(s->n_out + n < sizeof(s->out));
	memcpy(s->out + s->n_out, p, n);
	s->n_out += n;
}

static void sk_again(void *arg, uint32_t seq, const uint8_t *p, size_t n)
{
	struct sink *s = arg;
	uint32_t off = seq - s->isn;
	size_t i;

	s->again_bytes += n;
	for (i = 0; i < n; i++)
		if (off + i < s->n_out && s->out[off + i] != (char)p[i])
			s->again_differ++;
}

static void sk_conflict(void *arg, uint32_t first, size_t differ)
{
	struct sink *s = arg;

	if (s->conflicts++ == 0)
		s->conflict_first = first - s->isn;
	s->conflict_bytes += differ;
}

static bool sk_hold(void *arg, size_t cost)
{
	struct sink *s = arg;

	if (s->held + cost > s->bound)
		return false;
	s->held += cost;
	return true;
}

static void sk_release(void *arg, size_t cost)
{
	struct sink *s = arg;

	assert_true(cost <= s->held);
	s->held -= cost;
}

static void sk_gap(void *arg)
{
	((struct sink *)arg)->gaps++;
}

static void sk_stop(void *arg)
{
	struct sink *s = arg;

	s->stops++;
	s->want = TP_TCPFLOW_OFF;
}

static enum tp_tcpflow_want sk_want(void *arg)
{
	return ((struct sink *)arg)->want;
}

#define MAX_SEGS 6

struct seg_in {
	uint32_t off;          /* from the isn */
	const char *data;
	size_t wire;           /* 0: the data's length */
};

struct row {
	const char *name;
	uint32_t isn;
	size_t bound;          /* bytes that may be held out of order */
	enum tp_tcpflow_want want;
	struct seg_in segs[MAX_SEGS];
	const char *out;       /* delivered in order */
	size_t again_bytes, again_differ;
	size_t conflict_bytes;
	uint32_t conflict_first;
	unsigned gaps, stops;
	bool holds;            /* something is still held at the end */
	uint32_t next;         /* the next byte expected, from the isn */
};

#define BIG 4096

static const struct row rows[] = {
	{"in order", 1000, BIG, TP_TCPFLOW_READ,
	 {{0, "hel", 0}, {3, "lo", 0}}, "hello", 0, 0, 0, 0, 0, 0, false, 5},
	{"sent again whole", 1000, BIG, TP_TCPFLOW_READ,
	 {{0, "hello", 0}, {0, "hello", 0}}, "hello", 5, 0, 0, 0, 0, 0,
	 false, 5},
	{"sent again, other bytes: the first copy stays", 1000, BIG,
	 TP_TCPFLOW_READ, {{0, "hello", 0}, {1, "ELL", 0}}, "hello", 3, 3,
	 0, 0, 0, 0, false, 5},
	{"overlapping the end", 7, BIG, TP_TCPFLOW_READ,
	 {{0, "hel", 0}, {1, "ello!", 0}}, "hello!", 2, 0, 0, 0, 0, 0,
	 false, 6},
	{"out of order", 1, BIG, TP_TCPFLOW_READ,
	 {{3, "lo", 0}, {0, "hel", 0}}, "hello", 0, 0, 0, 0, 0, 0, false, 5},
	{"out of order, three runs backwards", 1, BIG, TP_TCPFLOW_READ,
	 {{6, "ld", 0}, {3, "wor", 0}, {0, "hi ", 0}}, "hi world", 0, 0, 0,
	 0, 0, 0, false, 8},
	{"held bytes come first, the later copy is checked", 1, BIG,
	 TP_TCPFLOW_READ, {{3, "XY", 0}, {0, "hello", 0}}, "helXY", 2, 2, 0,
	 0, 0, 0, false, 5},
	{"held twice, differently", 1, BIG, TP_TCPFLOW_READ,
	 {{3, "ab", 0}, {3, "aX", 0}}, "", 0, 0, 1, 4, 0, 0, true, 0},
	{"a hole past the bound", 50, 16, TP_TCPFLOW_READ,
	 {{0, "ab", 0}, {10, "far away", 0}}, "ab", 0, 0, 0, 0, 1, 0, false,
	 2},
	{"a hole never filled", 50, BIG, TP_TCPFLOW_READ,
	 {{0, "ab", 0}, {10, "far", 0}}, "ab", 0, 0, 0, 0, 0, 0, true, 2},
	{"cut by the snaplen", 9, BIG, TP_TCPFLOW_READ,
	 {{0, "abc", 5}}, "abc", 0, 0, 0, 0, 1, 0, false, 5},
	{"cut, and early", 9, BIG, TP_TCPFLOW_READ,
	 {{4, "abc", 5}}, "", 0, 0, 0, 0, 1, 0, false, 0},
	{"across 2^32", 0xfffffffeu, BIG, TP_TCPFLOW_READ,
	 {{0, "ab", 0}, {2, "cd", 0}}, "abcd", 0, 0, 0, 0, 0, 0, false, 4},
	{"across 2^32, out of order", 0xfffffffdu, BIG, TP_TCPFLOW_READ,
	 {{4, "ef", 0}, {2, "cd", 0}, {0, "ab", 0}, {1, "bcd", 0}}, "abcdef",
	 3, 0, 0, 0, 0, 0, false, 6},
	{"in order only: in order", 3, BIG, TP_TCPFLOW_IN_ORDER,
	 {{0, "ab", 0}, {2, "cd", 0}}, "abcd", 0, 0, 0, 0, 0, 0, false, 4},
	{"in order only: early bytes stop it", 3, BIG, TP_TCPFLOW_IN_ORDER,
	 {{0, "ab", 0}, {5, "cd", 0}, {2, "xyz", 0}}, "ab", 0, 0, 0, 0, 0, 1,
	 false, 2},
	{"not read", 3, BIG, TP_TCPFLOW_OFF, {{0, "ab", 0}}, "", 0, 0, 0, 0,
	 0, 0, false, 0},
};

static void feed(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
		 const struct row *r)
{
	size_t i;

	for (i = 0; i < MAX_SEGS && r->segs[i].data != NULL; i++) {
		const struct seg_in *s = &r->segs[i];
		size_t n = strlen(s->data);

		tp_tcpflow_segment(t, o, r->isn + s->off,
				   (const uint8_t *)s->data, n,
				   s->wire ? s->wire : n);
	}
}

static void test_rows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const struct row *r = &rows[i];
		struct sink s = {.isn = r->isn, .bound = r->bound,
				 .want = r->want, .in_order = true,
				 .expect = r->isn};
		struct tp_tcpflow t = {0};
		struct tp_tcpflow_ops o = {sk_deliver, sk_again, sk_conflict,
					   sk_hold, sk_release, sk_gap,
					   sk_stop, sk_want, &s};

		print_message("# %s\n", r->name);
		tp_tcpflow_start(&t, r->isn);
		feed(&t, &o, r);
		assert_int_equal(s.n_out, strlen(r->out));
		assert_memory_equal(s.out, r->out, s.n_out);
		assert_true(s.in_order);
		assert_int_equal(s.again_bytes, r->again_bytes);
		assert_int_equal(s.again_differ, r->again_differ);
		assert_int_equal(s.conflict_bytes, r->conflict_bytes);
		if (r->conflict_bytes > 0)
			assert_int_equal(s.conflict_first, r->conflict_first);
		assert_int_equal(s.gaps, r->gaps);
		assert_int_equal(s.stops, r->stops);
		assert_int_equal(t.ooo != NULL, r->holds);
		assert_int_equal(t.next - r->isn, r->next);
		tp_tcpflow_free(&t, &o);
		assert_null(t.ooo);
		assert_int_equal(s.held, 0);
	}
}

/* Every split of a stream, delivered in every order of its two halves
 * and with both sent again: the same bytes, once, in order. */
static void test_every_split(void **state)
{
	static const char msg[] = "a stream of bytes to cut";
	size_t n = sizeof(msg) - 1, cut;
	int order;

	(void)state;
	for (order = 0; order < 2; order++)
		for (cut = 1; cut < n; cut++) {
			struct sink s = {.isn = 0xfffffff0u, .bound = BIG,
					 .want = TP_TCPFLOW_READ,
					 .in_order = true,
					 .expect = 0xfffffff0u};
			struct tp_tcpflow t = {0};
			struct tp_tcpflow_ops o = {
				sk_deliver, sk_again, sk_conflict, sk_hold,
				sk_release, sk_gap, sk_stop, sk_want, &s};
			const uint8_t *p = (const uint8_t *)msg;
			int k;

			tp_tcpflow_start(&t, s.isn);
			for (k = 0; k < 2; k++) {
				if (order == 0) {
					tp_tcpflow_segment(&t, &o, s.isn, p,
							   cut, cut);
					tp_tcpflow_segment(
						&t, &o, s.isn + (uint32_t)cut,
						p + cut, n - cut, n - cut);
				} else {
					tp_tcpflow_segment(
						&t, &o, s.isn + (uint32_t)cut,
						p + cut, n - cut, n - cut);
					tp_tcpflow_segment(&t, &o, s.isn, p,
							   cut, cut);
				}
			}
			assert_int_equal(s.n_out, n);
			assert_memory_equal(s.out, msg, n);
			assert_true(s.in_order);
			assert_int_equal(s.again_bytes, n);
			assert_int_equal(s.again_differ, 0);
			assert_int_equal(s.conflicts, 0);
			assert_null(t.ooo);
			assert_int_equal(s.held, 0);
		}
}

/* Reading on past a hole: what is held before the new point goes. */
static void test_skip(void **state)
{
	struct sink s = {.isn = 100, .bound = BIG, .want = TP_TCPFLOW_READ,
			 .in_order = true, .expect = 100};
	struct tp_tcpflow t = {0};
	struct tp_tcpflow_ops o = {sk_deliver, sk_again, sk_conflict, sk_hold,
				   sk_release, sk_gap, sk_stop, sk_want, &s};

	(void)state;
	tp_tcpflow_start(&t, 100);
	tp_tcpflow_segment(&t, &o, 105, (const uint8_t *)"old", 3, 3);
	tp_tcpflow_segment(&t, &o, 120, (const uint8_t *)"new", 3, 3);
	assert_true(tp_tcpflow_holds(&t, 105, 108));
	assert_false(tp_tcpflow_holds(&t, 108, 120));
	tp_tcpflow_skip(&t, &o, 110);
	assert_false(tp_tcpflow_holds(&t, 105, 108));
	assert_true(tp_tcpflow_holds(&t, 120, 123));
	s.expect = 110;
	tp_tcpflow_segment(&t, &o, 110, (const uint8_t *)"0123456789", 10,
			   10);
	assert_int_equal(s.n_out, 13);
	assert_memory_equal(s.out, "0123456789new", 13);
	assert_null(t.ooo);
	assert_int_equal(s.held, 0);
}

/* A FIN takes one sequence number where it continues the stream; one
 * sent again, or one ahead of a hole, moves nothing. */
static void test_fin(void **state)
{
	struct sink s = {.isn = 0xffffffffu, .bound = BIG,
			 .want = TP_TCPFLOW_READ, .in_order = true,
			 .expect = 0xffffffffu};
	struct tp_tcpflow t = {0};
	struct tp_tcpflow_ops o = {sk_deliver, sk_again, sk_conflict, sk_hold,
				   sk_release, sk_gap, sk_stop, sk_want, &s};

	(void)state;
	tp_tcpflow_start(&t, s.isn);
	tp_tcpflow_fin(&t, s.isn + 3);
	assert_int_equal(t.next, s.isn);
	tp_tcpflow_segment(&t, &o, s.isn, (const uint8_t *)"bye", 3, 3);
	tp_tcpflow_fin(&t, s.isn + 3);
	assert_int_equal(t.next, s.isn + 4);
	tp_tcpflow_fin(&t, s.isn + 3);
	assert_int_equal(t.next, s.isn + 4);
	/* the same segment and its FIN again: a copy, nothing new */
	tp_tcpflow_segment(&t, &o, s.isn, (const uint8_t *)"bye", 3, 3);
	assert_int_equal(s.n_out, 3);
	assert_int_equal(s.again_bytes, 3);
	assert_int_equal(s.gaps, 0);
}

/* A consumer that holds nothing and checks no copies: early bytes are a
 * gap, and it reads on from them once it skips there. */
static void test_minimal(void **state)
{
	struct sink s = {.isn = 7, .in_order = true, .expect = 7};
	struct tp_tcpflow t = {0};
	const struct tp_tcpflow_ops o = {.deliver = sk_deliver,
					 .gap = sk_gap, .arg = &s};

	(void)state;
	tp_tcpflow_start(&t, 7);
	tp_tcpflow_segment(&t, &o, 7, (const uint8_t *)"ab", 2, 2);
	tp_tcpflow_segment(&t, &o, 7, (const uint8_t *)"ab", 2, 2);
	tp_tcpflow_segment(&t, &o, 12, (const uint8_t *)"cd", 2, 2);
	assert_int_equal(s.gaps, 1);
	assert_null(t.ooo);
	tp_tcpflow_skip(&t, &o, 12);
	s.expect = 12;
	tp_tcpflow_segment(&t, &o, 12, (const uint8_t *)"cd", 2, 2);
	assert_int_equal(s.n_out, 4);
	assert_memory_equal(s.out, "abcd", 4);
	assert_int_equal(t.next, 14);
	assert_int_equal(s.again_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_fin),
		cmocka_unit_test(test_minimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
