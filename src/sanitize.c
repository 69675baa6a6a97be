/* Sanitising of strings that came from the network or a certificate. */
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
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
	/* C1 controls U+0080..U+009F act as escapes on some terminals */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

char *tp_sanitize(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t i, n;

	if (s == NULL)
		return NULL;
	/* worst case: every byte becomes \xNN */
	out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (i = 0; i < len;) {
		if (p[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			i++;
			continue;
		}
		n = (p[i] < 0x20 || p[i] == 0x7f) ? 0 : utf8_len(p + i, len - i);
		if (n == 0) {
			/* C1 controls are two bytes: escape both */
			size_t bad = (p[i] == 0xc2 && i + 1 < len &&
				      p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) ? 2 : 1;
			while (bad-- > 0) {
				*o++ = '\\';
				*o++ = 'x';
				*o++ = hex[p[i] >> 4];
				*o++ = hex[p[i] & 15];
				i++;
			}
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return out;
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
