/* Sanitising of strings that came from the network, a certificate or a
 * file: done once, where they enter a report or an error message. */
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if invalid;
 * its code point in *cp. */
static size_t utf8_len(const unsigned char *s, size_t left, unsigned *cp_out)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*cp_out = cp;
	return n;
}

/*
 * Characters that are valid but must not be shown as they are, because
 * they change how the text around them is displayed without being seen:
 * a name holding them can look like another name (Unicode TR #36,
 * "Unicode Security Considerations"; TR #9 for the bidi controls).
 * - bidi marks, embeddings, overrides and isolates (U+061C, U+200E,
 *   U+200F, U+202A..U+202E, U+2066..U+2069): "moc.evil" shows as
 *   "live.com";
 * - zero-width and invisible operators (U+200B..U+200D, U+2060..U+2064,
 *   U+FEFF), the soft hyphen U+00AD and U+180E: two names that differ
 *   only by them look the same;
 * - line and paragraph separators (U+2028, U+2029): a line break to
 *   some terminals and JSON readers, like \n;
 * - interlinear annotation U+FFF9..U+FFFB: hides the text it wraps;
 * - tag characters U+E0000..U+E007F: invisible letters.
 * Ordinary non-ASCII letters (é, 日本, emoji) are left as they are:
 * confusable letters are a matter of the font, not of the terminal.
 */
static bool invisible(unsigned cp)
{
	return cp == 0x00ad || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp >= 0xe0000 && cp <= 0xe007f);
}

/* The longest escape one input byte or character can give: "\U000e0041". */
#define UNIT_MAX 10

/*
 * Writes the shown form of the character or byte at p into unit (not
 * NUL-terminated); returns the input bytes it stands for and sets *len
 * to the bytes written.
 */
static size_t one_unit(const unsigned char *p, size_t left, char *unit,
		       size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned cp = 0;
	size_t n;
	int i;

	if (p[0] == '\\') {
		unit[0] = unit[1] = '\\';
		*len = 2;
		return 1;
	}
	n = (p[0] < 0x20 || p[0] == 0x7f) ? 0 : utf8_len(p, left, &cp);
	/* C1 controls U+0080..U+009F act as escapes on some terminals:
	 * their two bytes are written as they came */
	if (n == 2 && cp <= 0x9f) {
		for (i = 0; i < 2; i++) {
			unit[4 * i] = '\\';
			unit[4 * i + 1] = 'x';
			unit[4 * i + 2] = hex[p[i] >> 4];
			unit[4 * i + 3] = hex[p[i] & 15];
		}
		*len = 8;
		return 2;
	}
	if (n == 0) {
		unit[0] = '\\';
		unit[1] = 'x';
		unit[2] = hex[p[0] >> 4];
		unit[3] = hex[p[0] & 15];
		*len = 4;
		return 1;
	}
	if (invisible(cp)) {
		int digits = cp > 0xffff ? 8 : 4;

		unit[0] = '\\';
		unit[1] = digits == 8 ? 'U' : 'u';
		for (i = 0; i < digits; i++)
			unit[2 + i] = hex[(cp >> (4 * (digits - 1 - i))) & 15];
		*len = 2 + (size_t)digits;
		return n;
	}
	memcpy(unit, p, n);
	*len = n;
	return n;
}

bool tp_sanitize_hides(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || invisible(cp);
}

char *tp_sanitize(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out;
	size_t i, used = 0, w;

	if (s == NULL)
		return NULL;
	/* worst case 4 bytes out for each byte in: \xNN for a bad byte,
	 * 8 for a 2-byte C1 control, \u00ad for 2, \U000e0041 for 4 */
	out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; used += w)
		i += one_unit(p + i, len - i, out + used, &w);
	out[used] = '\0';
	return out;
}

size_t tp_sanitize_into(char *dst, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char unit[UNIT_MAX];
	size_t i = 0, used = 0, w, n;

	if (size == 0)
		return 0;
	while (s != NULL && i < len) {
		n = one_unit(p + i, len - i, unit, &w);
		/* whole characters and whole escapes only: a cut never
		 * leaves half a UTF-8 sequence or a lone backslash */
		if (used + w >= size)
			break;
		memcpy(dst + used, unit, w);
		used += w;
		i += n;
	}
	dst[used] = '\0';
	return i;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value of n lower-case hex digits at s, -1 if they are not. */
static long hex_digits(const char *s, size_t left, size_t n)
{
	long v = 0;
	size_t i;

	if (left < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (hex_value(s[i]) < 0)
			return -1;
		v = v << 4 | hex_value(s[i]);
	}
	return v;
}

static size_t utf8_put(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *tp_unsanitize(const char *s, size_t len)
{
	char *out, *o;
	size_t i = 0;
	long v;

	if (s == NULL)
		return NULL;
	/* every escape is at least as long as what it stands for */
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if (s[i] != '\\' || i + 1 >= len) {
			*o++ = s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case '\\':
			*o++ = '\\';
			i += 2;
			continue;
		case 'x':
			v = hex_digits(s + i + 2, len - i - 2, 2);
			/* \x00 stays as it is: a NUL would end the string
			 * and hide what follows it */
			if (v > 0) {
				*o++ = (char)v;
				i += 4;
				continue;
			}
			break;
		case 'u':
		case 'U':
			v = hex_digits(s + i + 2, len - i - 2,
				       s[i + 1] == 'u' ? 4 : 8);
			if (v > 0 && v <= 0x10ffff &&
			    !(v >= 0xd800 && v <= 0xdfff)) {
				o += utf8_put((unsigned)v, o);
				i += s[i + 1] == 'u' ? 6 : 10;
				continue;
			}
			break;
		default:
			break;
		}
		*o++ = s[i++];
	}
	*o = '\0';
	return out;
}

size_t tp_utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	/* back over continuation bytes to the start of the cut character */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void tp_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}
