/*
 * This node's unique ID: tp_id_read_from over files written into a
 * fresh temporary directory, never the machine's own.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tlsprobe.h"

#define GOOD_ID "0123456789abcdef0123456789abcdef"
#define OTHER_ID "fedcba9876543210fedcba9876543210"

static char dir[256];

static int make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tlsprobe-test-id.XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_dir(void **state)
{
	(void)state;
	return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Writes len bytes of content to dir/name; returns the path (static). */
static const char *write_file(const char *name, const char *content,
			      size_t len)
{
	static char paths[4][320];
	static int next;
	char *path = paths[next++ % 4];
	FILE *f;

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *missing_file(const char *name)
{
	static char path[320];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	return path;
}

/* ---- well-formed IDs ---- */

struct good_case {
	const char *name;
	const char *content;
};

static const struct good_case good_cases[] = {
	{"with-newline", GOOD_ID "\n"},
	{"without-newline", GOOD_ID},
};

static void test_id_read_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		const char *paths[2] = {NULL, NULL};
		struct tp_error err = {0};
		char id[TP_ID_LEN + 1];

		paths[0] = write_file(c->name, c->content, strlen(c->content));
		memset(id, 'x', sizeof(id));
		if (tp_id_read_from(paths, id, &err) != 0)
			fail_msg("%s: %s", c->name, err.message);
		assert_int_equal(err.kind, TP_ERR_NONE);
		assert_string_equal(id, GOOD_ID);
	}
}

/* ---- malformed IDs: a usage error naming the file ---- */

struct bad_case {
	const char *name;
	const char *content;
	size_t len;
};

#define BAD(name, content) {name, content, sizeof(content) - 1}

static const struct bad_case bad_cases[] = {
	BAD("upper-case", "0123456789ABCDEF0123456789ABCDEF\n"),
	BAD("31-digits", "0123456789abcdef0123456789abcde\n"),
	BAD("33-digits", "0123456789abcdef0123456789abcdef0\n"),
	BAD("non-hex", "0123456789abcdefg123456789abcdef\n"),
	BAD("uuid-dashes", "01234567-89ab-cdef-0123-456789abcdef\n"),
	BAD("empty", ""),
	BAD("newline-only", "\n"),
	BAD("two-newlines", GOOD_ID "\n\n"),
	BAD("crlf", GOOD_ID "\r\n"),
	BAD("leading-space", " " GOOD_ID "\n"),
	BAD("nul-inside", "0123456789abcdef\0" "123456789abcdef\n"),
	BAD("escape", "\x1b[2J456789abcdef0123456789abcdef\n"),
};

static void test_id_read_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		const char *paths[2] = {NULL, NULL};
		struct tp_error err = {0};
		char id[TP_ID_LEN + 1];

		paths[0] = write_file(c->name, c->content, c->len);
		if (tp_id_read_from(paths, id, &err) != -1)
			fail_msg("%s: accepted as '%s'", c->name, id);
		if (err.kind != TP_ERR_USAGE)
			fail_msg("%s: error kind %d, expected usage (%d): %s",
				 c->name, err.kind, TP_ERR_USAGE, err.message);
		if (strstr(err.message, paths[0]) == NULL)
			fail_msg("%s: '%s' does not name %s", c->name,
				 err.message, paths[0]);
		/* what the file holds is shown, but never raw */
		if (strchr(err.message, '\x1b') != NULL ||
		    strchr(err.message, '\n') != NULL ||
		    strchr(err.message, '\r') != NULL)
			fail_msg("%s: control character in '%s'", c->name,
				 err.message);
	}
}

/* ---- the candidates, in order ---- */

static void test_id_read_second_when_first_missing(void **state)
{
	const char *paths[3];
	struct tp_error err = {0};
	char id[TP_ID_LEN + 1];

	(void)state;
	paths[0] = missing_file("machine-id");
	paths[1] = write_file("dbus-machine-id", OTHER_ID "\n",
			      sizeof(OTHER_ID));
	paths[2] = NULL;
	assert_int_equal(tp_id_read_from(paths, id, &err), 0);
	assert_string_equal(id, OTHER_ID);
}

static void test_id_read_first_wins(void **state)
{
	const char *paths[3];
	struct tp_error err = {0};
	char id[TP_ID_LEN + 1];

	(void)state;
	paths[0] = write_file("first", GOOD_ID "\n", sizeof(GOOD_ID));
	paths[1] = write_file("second", OTHER_ID "\n", sizeof(OTHER_ID));
	paths[2] = NULL;
	assert_int_equal(tp_id_read_from(paths, id, &err), 0);
	assert_string_equal(id, GOOD_ID);
}

/* A malformed first file is an error, not a reason to look further:
 * the node would otherwise change identity behind the user's back. */
static void test_id_read_malformed_first_is_not_skipped(void **state)
{
	const char *paths[3];
	struct tp_error err = {0};
	char id[TP_ID_LEN + 1];

	(void)state;
	paths[0] = write_file("bad-first", "not an id\n", 10);
	paths[1] = write_file("good-second", OTHER_ID "\n", sizeof(OTHER_ID));
	paths[2] = NULL;
	assert_int_equal(tp_id_read_from(paths, id, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, paths[0]));
}

static void test_id_read_none_exists(void **state)
{
	char first[320], second[320];
	const char *paths[3] = {first, second, NULL};
	struct tp_error err = {0};
	char id[TP_ID_LEN + 1];

	(void)state;
	snprintf(first, sizeof(first), "%s", missing_file("no-machine-id"));
	snprintf(second, sizeof(second), "%s",
		 missing_file("no-dbus-machine-id"));
	assert_int_equal(tp_id_read_from(paths, id, &err), -1);
	assert_int_equal(err.kind, TP_ERR_RUNTIME);
	if (strstr(err.message, first) == NULL ||
	    strstr(err.message, second) == NULL)
		fail_msg("'%s' does not name both %s and %s", err.message,
			 first, second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_read_good),
		cmocka_unit_test(test_id_read_malformed),
		cmocka_unit_test(test_id_read_second_when_first_missing),
		cmocka_unit_test(test_id_read_first_wins),
		cmocka_unit_test(test_id_read_malformed_first_is_not_skipped),
		cmocka_unit_test(test_id_read_none_exists),
	};

	return cmocka_run_group_tests_name("id", tests, make_dir, remove_dir);
}
