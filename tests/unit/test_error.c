/*
 * The error object: the first failure wins, and the options a message
 * names by key come out in the installed namer's words, with the first
 * key kept for the front end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tlsprobe.h"

static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

/* A namer whose words hold a '%': they must stay text. */
static void percent_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "100%% %s", key);
}

static void label_words(const char *key, char *out, size_t size)
{
	if (strcmp(key, "ca") == 0)
		snprintf(out, size, "CA file");
	/* nothing for other keys: the key itself is used */
}

static int no_namer(void **state)
{
	(void)state;
	tp_error_set_namer(NULL);
	return 0;
}

/* The keys of the format itself: set with the format as a literal. */
static void test_error_format_keys(void **state)
{
	struct tp_error a = {0}, b = {0}, c = {0}, d = {0}, e = {0};

	(void)state;
	tp_error_set_namer(flag_words);
	tp_error_set(&a, TP_ERR_USAGE, "{cert} FILE and {key} FILE are "
		     "required");
	assert_string_equal(a.message, "--cert FILE and --key FILE are "
			    "required");
	assert_string_equal(a.option, "cert");
	tp_error_set_for(&b, TP_ERR_USAGE, "connect", "empty {}: expected "
			 "HOST");
	assert_string_equal(b.message, "empty --connect: expected HOST");
	assert_string_equal(b.option, "connect");
	tp_error_set(&c, TP_ERR_USAGE, "{}: no key; {n+} literal {A}");
	assert_string_equal(c.message, "{}: no key; {n+} literal {A}");
	assert_string_equal(c.option, "");
	/* what an argument says is never taken for a key */
	tp_error_set(&d, TP_ERR_USAGE, "{ca} %s", "{cert}.pem");
	assert_string_equal(d.message, "--ca {cert}.pem");
	assert_string_equal(d.option, "ca");
	tp_error_set_namer(percent_words);
	tp_error_set(&e, TP_ERR_RUNTIME, "{listen} at %d%%", 5);
	assert_string_equal(e.message, "100% listen at 5%");
	assert_int_equal(e.kind, TP_ERR_RUNTIME);
	tp_error_set_namer(label_words);
	tp_error_clear(&a);
	tp_error_set(&a, TP_ERR_USAGE, "{ca} x.pem; {sni} too");
	assert_string_equal(a.message, "CA file x.pem; sni too");
	tp_error_set_namer(NULL);
	tp_error_clear(&a);
	tp_error_set(&a, TP_ERR_USAGE, "{cert} missing");
	assert_string_equal(a.message, "cert missing");
}

static void test_error_first_wins(void **state)
{
	struct tp_error err = {0};

	(void)state;
	tp_error_set_namer(flag_words);
	tp_error_set(&err, TP_ERR_RUNTIME, "{listen} cannot bind");
	tp_error_set(&err, TP_ERR_USAGE, "{cert} later and vaguer");
	assert_string_equal(err.message, "--listen cannot bind");
	assert_string_equal(err.option, "listen");
	assert_int_equal(err.kind, TP_ERR_RUNTIME);
	/* blame names the option only when the message named none */
	tp_error_blame(&err, "port");
	assert_string_equal(err.option, "listen");
	tp_error_clear(&err);
	tp_error_blame(&err, "port");
	assert_string_equal(err.option, "");
	tp_error_set(&err, TP_ERR_USAGE, "built beforehand");
	tp_error_blame(&err, "port");
	assert_string_equal(err.option, "port");
	tp_error_blame(NULL, "port");
	tp_error_set_namer(NULL);
}

static void test_error_name(void **state)
{
	char out[16];

	(void)state;
	tp_error_name("timeout", out, sizeof(out));
	assert_string_equal(out, "timeout");
	tp_error_set_namer(label_words);
	tp_error_name("ca", out, sizeof(out));
	assert_string_equal(out, "CA file");
	tp_error_name("timeout", out, sizeof(out));
	assert_string_equal(out, "timeout");
	tp_error_set_namer(flag_words);
	tp_error_name("a-very-long-option-name", out, sizeof(out));
	assert_string_equal(out, "--a-very-long-o");
	tp_error_set_namer(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_error_format_keys, no_namer),
		cmocka_unit_test_setup(test_error_first_wins, no_namer),
		cmocka_unit_test_setup(test_error_name, no_namer),
	};

	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
