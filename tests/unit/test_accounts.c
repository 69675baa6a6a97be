/*
 * The server's remembered accounts and hellos: kept by ClientHello
 * random, the oldest evicted when a ring is full, none older than the
 * TTL. The clock is the test's own, as GnuTLS's tests fix theirs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "accounts.h"

static double fake_now;

static double fake_clock(void)
{
	return fake_now;
}

/* A random that differs from its neighbours in its first and last
 * bytes, so that a comparison of part of it would be caught. */
static void random_of(unsigned i, uint8_t random[32])
{
	memset(random, 0x5a, 32);
	random[0] = (uint8_t)i;
	random[1] = (uint8_t)(i >> 8);
	random[31] = (uint8_t)(i * 7 + 1);
}

static struct tp_accounts *new_accounts(void)
{
	struct tp_accounts *acc;

	fake_now = 1000;
	acc = tp_accounts_new(fake_clock);
	assert_non_null(acc);
	return acc;
}

static void account_of(unsigned i, struct tp_sideband_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->seen_from, sizeof(a->seen_from), "192.0.2.1:%u", i);
	snprintf(a->outcome, sizeof(a->outcome), "ok");
	snprintf(a->codes[0], sizeof(a->codes[0]), "CODE_%u", i);
	a->n_codes = 1;
}

/* What was put comes back whole, for its random only. */
static void test_accounts_put_get_round_trip(void **state)
{
	struct tp_accounts *acc = new_accounts();
	const struct tp_sideband_account *got;
	struct tp_sideband_account a, b;
	uint8_t r1[32], r2[32];

	(void)state;
	random_of(1, r1);
	random_of(2, r2);
	account_of(1, &a);
	account_of(2, &b);
	tp_accounts_put_account(acc, r1, &a);
	tp_accounts_put_account(acc, r2, &b);
	got = tp_accounts_get_account(acc, r1);
	assert_non_null(got);
	assert_memory_equal(got, &a, sizeof(a));
	got = tp_accounts_get_account(acc, r2);
	assert_non_null(got);
	assert_memory_equal(got, &b, sizeof(b));
	/* a second put for one random replaces the first */
	account_of(3, &b);
	tp_accounts_put_account(acc, r2, &b);
	got = tp_accounts_get_account(acc, r2);
	assert_non_null(got);
	assert_string_equal(got->seen_from, "192.0.2.1:3");
	tp_accounts_free(acc);
}

/* A random never put has no account and no hello. */
static void test_accounts_unknown_random(void **state)
{
	struct tp_accounts *acc = new_accounts();
	struct tp_sideband_hello words = {.unique_id = "node-a"};
	struct tp_sideband_account a;
	uint8_t known[32], unknown[32];

	(void)state;
	random_of(1, known);
	random_of(1, unknown);
	unknown[31] ^= 1;           /* differs only in its last byte */
	account_of(1, &a);
	tp_accounts_put_account(acc, known, &a);
	tp_accounts_put_hello(acc, known, &words, "192.0.2.1:1", "[::1]:4433");
	assert_null(tp_accounts_get_account(acc, unknown));
	assert_null(tp_accounts_find_hello(acc, unknown));
	assert_non_null(tp_accounts_get_account(acc, known));
	assert_non_null(tp_accounts_find_hello(acc, known));
	tp_accounts_free(acc);
}

/* A full ring gives the oldest entry's place to the next one; the
 * others stay. */
static void test_accounts_ring_evicts_oldest(void **state)
{
	struct tp_accounts *acc = new_accounts();
	struct tp_sideband_hello words = {.unique_id = "node-a"};
	struct tp_sideband_account a;
	uint8_t r[32];
	unsigned i;

	(void)state;
	for (i = 0; i <= TP_ACCOUNTS_MAX; i++) {
		random_of(i, r);
		account_of(i, &a);
		tp_accounts_put_account(acc, r, &a);
		fake_now += 1;
	}
	for (i = 0; i <= TP_ACCOUNTS_HELLOS_MAX; i++) {
		random_of(i, r);
		tp_accounts_put_hello(acc, r, &words, "192.0.2.1:1",
				      "192.0.2.2:4433");
		fake_now += 1;
	}
	random_of(0, r);
	assert_null(tp_accounts_get_account(acc, r));
	assert_null(tp_accounts_find_hello(acc, r));
	for (i = 1; i <= TP_ACCOUNTS_MAX; i++) {
		random_of(i, r);
		if (tp_accounts_get_account(acc, r) == NULL)
			fail_msg("account %u of %u evicted", i,
				 TP_ACCOUNTS_MAX + 1);
	}
	for (i = 1; i <= TP_ACCOUNTS_HELLOS_MAX; i++) {
		random_of(i, r);
		if (tp_accounts_find_hello(acc, r) == NULL)
			fail_msg("hello %u of %u evicted", i,
				 TP_ACCOUNTS_HELLOS_MAX + 1);
	}
	tp_accounts_free(acc);
}

/* An entry is good for exactly the TTL after it was put. */
static const struct ttl_case {
	double age_ms;
	bool kept;
} ttl_cases[] = {
	{0, true},
	{TP_ACCOUNTS_TTL_MS - 1, true},
	{TP_ACCOUNTS_TTL_MS, true},
	{TP_ACCOUNTS_TTL_MS + 1, false},
	{10 * TP_ACCOUNTS_TTL_MS, false},
};

static void test_accounts_ttl(void **state)
{
	struct tp_sideband_hello words = {.unique_id = "node-a"};
	struct tp_sideband_account a;
	uint8_t r[32];
	size_t i;

	(void)state;
	random_of(7, r);
	account_of(7, &a);
	for (i = 0; i < sizeof(ttl_cases) / sizeof(ttl_cases[0]); i++) {
		const struct ttl_case *c = &ttl_cases[i];
		struct tp_accounts *acc = new_accounts();
		bool account_kept, hello_kept;

		tp_accounts_put_account(acc, r, &a);
		tp_accounts_put_hello(acc, r, &words, "192.0.2.1:1",
				      "192.0.2.2:4433");
		fake_now += c->age_ms;
		account_kept = tp_accounts_get_account(acc, r) != NULL;
		hello_kept = tp_accounts_find_hello(acc, r) != NULL;
		tp_accounts_free(acc);
		if (account_kept != c->kept || hello_kept != c->kept)
			fail_msg("age %.0f ms: account %s, hello %s; expected "
				 "%s", c->age_ms,
				 account_kept ? "kept" : "gone",
				 hello_kept ? "kept" : "gone",
				 c->kept ? "kept" : "gone");
	}
}

/* A hello keeps the client's words and our two ends; for one random,
 * the newest hello is the one found, wherever the ring put it: after
 * the older one, or (wrapped) before it. */
static const unsigned newest_fillers[] = {0, TP_ACCOUNTS_HELLOS_MAX - 1};

static void test_accounts_newest_hello_wins(void **state)
{
	struct tp_sideband_hello first = {
		.unique_id = "node-a", .local = "10.0.0.2:5000",
		.dialled = "198.51.100.1:4433",
	};
	struct tp_sideband_hello second = {
		.unique_id = "node-b", .local = "10.0.0.3:6000",
		.dialled = "198.51.100.2:4433",
	};
	struct tp_sideband_hello filler = {.unique_id = "filler"};
	const struct tp_accounts_hello *h;
	uint8_t r[32], other[32];
	size_t c;
	unsigned i;

	(void)state;
	random_of(9, r);
	for (c = 0; c < sizeof(newest_fillers) / sizeof(newest_fillers[0]);
	     c++) {
		struct tp_accounts *acc = new_accounts();

		for (i = 0; i < newest_fillers[c]; i++) {
			random_of(100 + i, other);
			tp_accounts_put_hello(acc, other, &filler, "", "");
		}
		tp_accounts_put_hello(acc, r, &first, "203.0.113.1:5000",
				      "192.0.2.2:4433");
		h = tp_accounts_find_hello(acc, r);
		assert_non_null(h);
		assert_memory_equal(h->random, r, 32);
		assert_string_equal(h->unique_id, "node-a");
		assert_string_equal(h->local, "10.0.0.2:5000");
		assert_string_equal(h->dialled, "198.51.100.1:4433");
		assert_string_equal(h->seen_from, "203.0.113.1:5000");
		assert_string_equal(h->server_local, "192.0.2.2:4433");
		fake_now += 1;
		tp_accounts_put_hello(acc, r, &second, "203.0.113.9:6000",
				      "[2001:db8::1]:4433");
		h = tp_accounts_find_hello(acc, r);
		assert_non_null(h);
		if (strcmp(h->unique_id, "node-b") != 0)
			fail_msg("after %u other hellos: found '%s', not the "
				 "newest", newest_fillers[c], h->unique_id);
		assert_string_equal(h->local, "10.0.0.3:6000");
		assert_string_equal(h->dialled, "198.51.100.2:4433");
		assert_string_equal(h->seen_from, "203.0.113.9:6000");
		assert_string_equal(h->server_local, "[2001:db8::1]:4433");
		tp_accounts_free(acc);
	}
}

static void test_accounts_free_null(void **state)
{
	(void)state;
	tp_accounts_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts_put_get_round_trip),
		cmocka_unit_test(test_accounts_unknown_random),
		cmocka_unit_test(test_accounts_ring_evicts_oldest),
		cmocka_unit_test(test_accounts_ttl),
		cmocka_unit_test(test_accounts_newest_hello_wins),
		cmocka_unit_test(test_accounts_free_null),
	};

	return cmocka_run_group_tests_name("accounts", tests, NULL, NULL);
}
