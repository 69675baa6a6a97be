/*
 * tp_sanitize: what reaches a terminal or a JSON document from the
 * network or a certificate. Exact outputs, one case per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tlsprobe.h"

struct sanitize_case {
	const char *in;
	size_t len;
	const char *out;
};

static void run_case(void **state)
{
	const struct sanitize_case *c = *state;
	char *got = tp_sanitize(c->in, c->len);

	assert_non_null(got);
	assert_string_equal(got, c->out);
	free(got);
}

/* One test per case; sizeof keeps NUL bytes inside the input. */
#define SANITIZE_CASE(name, input, expected)                               \
	{"test_sanitize_" #name, run_case, NULL, NULL,                     \
	 &(struct sanitize_case){input, sizeof(input) - 1, expected}}

/* Only the first len bytes count, whatever follows them. */
#define SANITIZE_PREFIX(name, input, n, expected)                          \
	{"test_sanitize_" #name, run_case, NULL, NULL,                     \
	 &(struct sanitize_case){input, n, expected}}

static void test_sanitize_null(void **state)
{
	(void)state;
	assert_null(tp_sanitize(NULL, 0));
	assert_null(tp_sanitize(NULL, 5));
}

/* True when s (NUL-terminated) holds nothing a terminal acts on. */
static bool inert(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		/* C1 controls in UTF-8 */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
	}
	return true;
}

/* The output is valid UTF-8 (jansson refuses anything else). */
static bool valid_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static void check_bytes(const unsigned char *in, size_t len)
{
	char *got = tp_sanitize((const char *)in, len);

	assert_non_null(got);
	if (!inert(got) || !valid_utf8(got) || strlen(got) > 4 * len)
		fail_msg("input %02x %02x %02x gives '%s'", in[0],
			 len > 1 ? in[1] : 0, len > 2 ? in[2] : 0, got);
	free(got);
}

/* Every one- and two-byte input, and every three-byte input that starts
 * a multi-byte sequence: the output is inert, valid UTF-8 and bounded. */
static void test_sanitize_exhaustive_short_inputs(void **state)
{
	unsigned char in[3];
	unsigned a, b, c;

	(void)state;
	for (a = 0; a < 256; a++) {
		in[0] = (unsigned char)a;
		check_bytes(in, 1);
		for (b = 0; b < 256; b++) {
			in[1] = (unsigned char)b;
			check_bytes(in, 2);
		}
	}
	for (a = 0xe0; a <= 0xf7; a++)
		for (b = 0x70; b <= 0xc0; b++)
			for (c = 0x70; c <= 0xc0; c++) {
				in[0] = (unsigned char)a;
				in[1] = (unsigned char)b;
				in[2] = (unsigned char)c;
				check_bytes(in, 3);
			}
}

/* Sanitising twice must not change the result again (only backslashes
 * double), so a sanitised string read back is still unambiguous. */
static void test_sanitize_escapes_are_printable(void **state)
{
	char *once = tp_sanitize("\x1b]0;title\x07", 10);
	char *twice;

	(void)state;
	assert_non_null(once);
	assert_string_equal(once, "\\x1b]0;title\\x07");
	twice = tp_sanitize(once, strlen(once));
	assert_non_null(twice);
	assert_string_equal(twice, "\\\\x1b]0;title\\\\x07");
	free(once);
	free(twice);
}

/* Decodes one UTF-8 character of a sanitised string; 0 if invalid. */
static size_t decode(const unsigned char *p, unsigned *cp)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	size_t i;

	*cp = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return n;
}

/* Every bidi control and invisible format character the sanitiser
 * escapes; nothing outside this list is escaped (see the cases). */
static bool spoofing(unsigned cp)
{
	return cp == 0xad || cp == 0x61c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Every code point, encoded alone: the output holds no control, no C1,
 * no bidi or invisible character, and is valid UTF-8. */
static void test_sanitize_every_code_point(void **state)
{
	unsigned char in[4];
	unsigned cp, got_cp;
	size_t len, n;
	char *got;
	const unsigned char *q;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			in[0] = (unsigned char)cp, len = 1;
		} else if (cp < 0x800) {
			in[0] = (unsigned char)(0xc0 | cp >> 6);
			in[1] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 2;
		} else if (cp < 0x10000) {
			in[0] = (unsigned char)(0xe0 | cp >> 12);
			in[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			in[2] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 3;
		} else {
			in[0] = (unsigned char)(0xf0 | cp >> 18);
			in[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
			in[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			in[3] = (unsigned char)(0x80 | (cp & 0x3f));
			len = 4;
		}
		got = tp_sanitize((const char *)in, len);
		assert_non_null(got);
		for (q = (const unsigned char *)got; *q != '\0'; q += n) {
			n = decode(q, &got_cp);
			if (n == 0 || got_cp < 0x20 || got_cp == 0x7f ||
			    (got_cp >= 0x80 && got_cp <= 0x9f) ||
			    spoofing(got_cp))
				fail_msg("U+%04X gives '%s'", cp, got);
		}
		/* escaped exactly when it is in the list */
		if (spoofing(cp) != (got[0] == '\\' && got[1] != '\\' &&
				     (got[1] == 'u' || got[1] == 'U')))
			fail_msg("U+%04X gives '%s'", cp, got);
		free(got);
	}
}

struct into_case {
	const char *in;
	size_t size;
	const char *out;
	size_t used;
};

/* tp_sanitize_into cuts at a whole character or escape. */
static void test_sanitize_into_cuts_whole_units(void **state)
{
	static const struct into_case cases[] = {
		{"caf\xc3\xa9", 6, "caf\xc3\xa9", 5},
		{"caf\xc3\xa9", 5, "caf", 3},
		{"caf\xc3\xa9", 4, "caf", 3},
		{"\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5", 3},
		{"ok \xf0\x9f\x98\x80", 7, "ok ", 3},
		{"ok \xf0\x9f\x98\x80", 8, "ok \xf0\x9f\x98\x80", 7},
		{"a\x1b[2J", 5, "a", 1},
		{"a\x1b[2J", 6, "a\\x1b", 2},
		{"a\xc2\x9b", 9, "a", 1},
		{"a\xc2\x9b", 10, "a\\xc2\\x9b", 3},
		{"a\xe2\x80\xae" "b", 7, "a", 1},
		{"a\xe2\x80\xae" "b", 8, "a\\u202e", 4},
		{"a\\b", 3, "a", 1},
		{"a\\b", 4, "a\\\\", 2},
		{"abc", 1, "", 0},
	};
	char out[32];
	size_t i, used;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'X', sizeof(out));
		used = tp_sanitize_into(out, cases[i].size, cases[i].in,
					strlen(cases[i].in));
		assert_string_equal(out, cases[i].out);
		assert_int_equal(used, cases[i].used);
		assert_true(strlen(out) < cases[i].size);
	}
	out[0] = 'X';
	assert_int_equal(tp_sanitize_into(out, 8, NULL, 3), 0);
	assert_string_equal(out, "");
}

/* tp_utf8_prefix never ends inside a character. */
static void test_sanitize_utf8_prefix(void **state)
{
	(void)state;
	assert_int_equal(tp_utf8_prefix("caf\xc3\xa9", 3), 3);
	assert_int_equal(tp_utf8_prefix("caf\xc3\xa9", 4), 3);
	assert_int_equal(tp_utf8_prefix("caf\xc3\xa9", 5), 5);
	assert_int_equal(tp_utf8_prefix("caf\xc3\xa9", 64), 5);
	assert_int_equal(tp_utf8_prefix("\xe6\x97\xa5\xe6\x9c\xac", 4), 3);
	assert_int_equal(tp_utf8_prefix("\xe6\x97\xa5\xe6\x9c\xac", 5), 3);
	assert_int_equal(tp_utf8_prefix("\xf0\x9f\x98\x80!", 3), 0);
	assert_int_equal(tp_utf8_prefix("\xf0\x9f\x98\x80!", 4), 4);
	assert_int_equal(tp_utf8_prefix("", 4), 0);
}

/* tp_unsanitize turns the escapes back into what they stand for. */
static void test_sanitize_unsanitize_cases(void **state)
{
	static const struct sanitize_case cases[] = {
		{"a\\x1b[2J", 0, "a\x1b[2J"},
		{"\\u202e\\u2066x", 0, "\xe2\x80\xae\xe2\x81\xa6x"},
		{"\\U000e0041", 0, "\xf3\xa0\x81\x81"},
		{"a\\\\x41", 0, "a\\x41"},
		{"\\xc2\\x9b", 0, "\xc2\x9b"},
		/* \x00 would end the string: kept as it is */
		{"a\\x00b", 0, "a\\x00b"},
		/* not escapes: as they are */
		{"\\xZZ \\u12 \\q \\", 0, "\\xZZ \\u12 \\q \\"},
		{"\\ud800", 0, "\\ud800"},
		{"\\U00110000", 0, "\\U00110000"},
		{"\\x1B", 0, "\\x1B"},
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = tp_unsanitize(cases[i].in, strlen(cases[i].in));
		assert_non_null(got);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
	assert_null(tp_unsanitize(NULL, 0));
}

/* Every short input without a NUL (\x00 is not read back): sanitised,
 * read back and sanitised again, it is what it was the first time
 * (another node's text shows as it did). */
static void test_sanitize_round_trip(void **state)
{
	unsigned char in[3];
	unsigned a, b, c;
	char *once, *raw, *again;

	(void)state;
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			for (c = 0; c < 256; c += 17) {
				in[0] = (unsigned char)a;
				in[1] = (unsigned char)b;
				in[2] = (unsigned char)c;
				if (memchr(in, 0, 3) != NULL)
					continue;
				once = tp_sanitize((const char *)in, 3);
				raw = tp_unsanitize(once, strlen(once));
				again = tp_sanitize(raw, strlen(raw));
				if (strcmp(once, again) != 0)
					fail_msg("%02x %02x %02x: '%s' then "
						 "'%s'", a, b, c, once, again);
				free(once);
				free(raw);
				free(again);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* kept as is */
		SANITIZE_CASE(empty, "", ""),
		SANITIZE_CASE(ascii, "hello, world: CN=node1/O=Test 123",
			      "hello, world: CN=node1/O=Test 123"),
		SANITIZE_CASE(ascii_printable_edges, " ~", " ~"),
		SANITIZE_CASE(utf8_e_acute, "caf\xc3\xa9", "caf\xc3\xa9"),
		SANITIZE_CASE(utf8_nbsp_is_not_c1, "a\xc2\xa0z", "a\xc2\xa0z"),
		SANITIZE_CASE(utf8_cjk, "\xe6\x97\xa5\xe6\x9c\xac",
			      "\xe6\x97\xa5\xe6\x9c\xac"),
		SANITIZE_CASE(utf8_emoji, "ok \xf0\x9f\x98\x80",
			      "ok \xf0\x9f\x98\x80"),
		SANITIZE_CASE(utf8_last_before_surrogates, "\xed\x9f\xbf",
			      "\xed\x9f\xbf"),
		SANITIZE_CASE(utf8_max_code_point, "\xf4\x8f\xbf\xbf",
			      "\xf4\x8f\xbf\xbf"),
		/* terminal escape sequences */
		SANITIZE_CASE(esc_csi, "\x1b[31mred\x1b[0m",
			      "\\x1b[31mred\\x1b[0m"),
		SANITIZE_CASE(esc_clear_screen, "\x1b[2J\x1b[H",
			      "\\x1b[2J\\x1b[H"),
		SANITIZE_CASE(esc_osc_title, "\x1b]0;pwned\x07",
			      "\\x1b]0;pwned\\x07"),
		/* C0 controls inside a length-delimited buffer */
		SANITIZE_CASE(cr_lf_tab_nul, "a\rb\nc\td\0e",
			      "a\\x0db\\x0ac\\x09d\\x00e"),
		SANITIZE_CASE(nul_first, "\0abc", "\\x00abc"),
		SANITIZE_CASE(nul_last, "abc\0", "abc\\x00"),
		SANITIZE_CASE(bell_backspace, "\x07\x08", "\\x07\\x08"),
		SANITIZE_CASE(unit_separator, "\x1f", "\\x1f"),
		SANITIZE_CASE(del, "a\x7f" "b", "a\\x7fb"),
		/* C1 controls: U+0085 NEL, U+009B CSI, and the raw byte */
		SANITIZE_CASE(c1_nel, "a\xc2\x85" "b", "a\\xc2\\x85b"),
		SANITIZE_CASE(c1_csi, "\xc2\x9b" "31m", "\\xc2\\x9b31m"),
		SANITIZE_CASE(c1_first, "\xc2\x80", "\\xc2\\x80"),
		SANITIZE_CASE(c1_last, "\xc2\x9f", "\\xc2\\x9f"),
		SANITIZE_CASE(c1_raw_byte, "\x9b" "31m", "\\x9b31m"),
		/* overlong encodings */
		SANITIZE_CASE(overlong_slash_2, "\xc0\xaf", "\\xc0\\xaf"),
		SANITIZE_CASE(overlong_nul_2, "\xc0\x80", "\\xc0\\x80"),
		SANITIZE_CASE(overlong_c1, "\xc1\xbf", "\\xc1\\xbf"),
		SANITIZE_CASE(overlong_slash_3, "\xe0\x80\xaf",
			      "\\xe0\\x80\\xaf"),
		SANITIZE_CASE(overlong_esc_3, "\xe0\x80\x9b",
			      "\\xe0\\x80\\x9b"),
		SANITIZE_CASE(overlong_slash_4, "\xf0\x80\x80\xaf",
			      "\\xf0\\x80\\x80\\xaf"),
		/* surrogates and code points past U+10FFFF */
		SANITIZE_CASE(surrogate_high, "\xed\xa0\x80",
			      "\\xed\\xa0\\x80"),
		SANITIZE_CASE(surrogate_low, "\xed\xbf\xbf",
			      "\\xed\\xbf\\xbf"),
		SANITIZE_CASE(beyond_max, "\xf4\x90\x80\x80",
			      "\\xf4\\x90\\x80\\x80"),
		SANITIZE_CASE(f5_lead, "\xf5\x80\x80\x80",
			      "\\xf5\\x80\\x80\\x80"),
		SANITIZE_CASE(ff_byte, "a\xff" "b", "a\\xffb"),
		/* truncated and broken sequences */
		SANITIZE_CASE(lone_continuation, "\x80", "\\x80"),
		SANITIZE_CASE(truncated_2_at_end, "ab\xc3", "ab\\xc3"),
		SANITIZE_CASE(truncated_3_at_end, "ab\xe6\x97", "ab\\xe6\\x97"),
		SANITIZE_CASE(truncated_4_at_end, "\xf0\x9f\x98",
			      "\\xf0\\x9f\\x98"),
		SANITIZE_CASE(truncated_3_then_ascii, "\xe6\x97x",
			      "\\xe6\\x97x"),
		SANITIZE_CASE(truncated_then_valid, "\xe6\xe6\x97\xa5",
			      "\\xe6\xe6\x97\xa5"),
		SANITIZE_CASE(c2_at_end, "a\xc2", "a\\xc2"),
		/* backslash is doubled so that \xNN stays unambiguous */
		SANITIZE_CASE(backslash, "a\\b", "a\\\\b"),
		SANITIZE_CASE(backslash_x, "\\x41", "\\\\x41"),
		SANITIZE_CASE(backslash_before_esc, "\\\x1b", "\\\\\\x1b"),
		/* len bounds the input, not the NUL */
		SANITIZE_PREFIX(len_prefix, "abcdef", 3, "abc"),
		SANITIZE_PREFIX(len_zero, "abc", 0, ""),
		SANITIZE_PREFIX(len_cuts_utf8, "\xc3\xa9", 1, "\\xc3"),
		SANITIZE_PREFIX(len_cuts_c1, "\xc2\x9b", 1, "\\xc2"),
		/* bidi controls: a name that displays as another */
		SANITIZE_CASE(bidi_rlo, "evil\xe2\x80\xaegnp.exe",
			      "evil\\u202egnp.exe"),
		SANITIZE_CASE(bidi_lre_pdf, "\xe2\x80\xaa" "a\xe2\x80\xac",
			      "\\u202aa\\u202c"),
		SANITIZE_CASE(bidi_lri, "a\xe2\x81\xa6" "b", "a\\u2066b"),
		SANITIZE_CASE(bidi_pdi, "\xe2\x81\xa9", "\\u2069"),
		SANITIZE_CASE(bidi_lrm_rlm, "\xe2\x80\x8e\xe2\x80\x8f",
			      "\\u200e\\u200f"),
		SANITIZE_CASE(bidi_alm, "\xd8\x9c", "\\u061c"),
		/* invisible characters: two names that look the same */
		SANITIZE_CASE(zero_width_space, "ex\xe2\x80\x8b" "ample",
			      "ex\\u200bample"),
		SANITIZE_CASE(zero_width_joiner, "\xe2\x80\x8d", "\\u200d"),
		SANITIZE_CASE(word_joiner, "\xe2\x81\xa0", "\\u2060"),
		SANITIZE_CASE(invisible_plus, "\xe2\x81\xa4", "\\u2064"),
		SANITIZE_CASE(bom, "\xef\xbb\xbfname", "\\ufeffname"),
		SANITIZE_CASE(soft_hyphen, "pay\xc2\xadpal", "pay\\u00adpal"),
		SANITIZE_CASE(mongolian_vs, "\xe1\xa0\x8e", "\\u180e"),
		SANITIZE_CASE(line_separator, "a\xe2\x80\xa8" "b", "a\\u2028b"),
		SANITIZE_CASE(paragraph_separator, "\xe2\x80\xa9", "\\u2029"),
		SANITIZE_CASE(annotation, "\xef\xbf\xb9x\xef\xbf\xbb",
			      "\\ufff9x\\ufffb"),
		SANITIZE_CASE(tag_first, "\xf3\xa0\x80\x80", "\\U000e0000"),
		SANITIZE_CASE(tag_letter, "a\xf3\xa0\x81\x81", "a\\U000e0041"),
		SANITIZE_CASE(tag_last, "\xf3\xa0\x81\xbf", "\\U000e007f"),
		/* their neighbours are ordinary text */
		SANITIZE_CASE(hyphen_2010, "\xe2\x80\x90", "\xe2\x80\x90"),
		SANITIZE_CASE(narrow_nbsp_202f, "\xe2\x80\xaf", "\xe2\x80\xaf"),
		SANITIZE_CASE(unassigned_2065, "\xe2\x81\xa5", "\xe2\x81\xa5"),
		SANITIZE_CASE(replacement_fffd, "\xef\xbf\xbd", "\xef\xbf\xbd"),
		SANITIZE_CASE(past_tags_e0080, "\xf3\xa0\x82\x80",
			      "\xf3\xa0\x82\x80"),
		SANITIZE_CASE(a_grave_is_not_shy, "\xc3\xa0", "\xc3\xa0"),
		cmocka_unit_test(test_sanitize_null),
		cmocka_unit_test(test_sanitize_escapes_are_printable),
		cmocka_unit_test(test_sanitize_exhaustive_short_inputs),
		cmocka_unit_test(test_sanitize_every_code_point),
		cmocka_unit_test(test_sanitize_into_cuts_whole_units),
		cmocka_unit_test(test_sanitize_utf8_prefix),
		cmocka_unit_test(test_sanitize_unsanitize_cases),
		cmocka_unit_test(test_sanitize_round_trip),
	};

	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
