/* The last bytes delivered of a TCP stream, and the check of a later
 * copy of them against the first. */
#include <stdlib.h>
#include <string.h>

#include "tcpwin.h"

/* Buffers grow in steps of this much: a ClientHello alone fits in the
 * first step or two, and a flood of them costs little each. */
#define STEP 64

size_t tp_tcpwin_differ(const uint8_t *a, const uint8_t *b, size_t n,
			size_t *first)
{
	size_t i, differ = 0;

	if (first != NULL)
		*first = n;
	for (i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;
		if (differ++ == 0 && first != NULL)
			*first = i;
	}
	return differ;
}

size_t tp_tcpwin_add(struct tp_tcpwin *w, uint32_t seq, const uint8_t *p,
		     size_t n, size_t limit)
{
	size_t want, grown = 0, drop;
	uint8_t *b;

	if (n == 0)
		return 0;
	if (w->len > 0 && seq != w->end)
		w->len = 0;  /* a jump (a gap): the old bytes are no neighbours */
	if (limit > TP_TCPWIN_MAX)
		limit = TP_TCPWIN_MAX;
	want = (size_t)w->len + n;
	if (want > w->cap && w->cap < limit) {
		want = (want + STEP - 1) / STEP * STEP;
		if (want > limit)
			want = limit;
		b = realloc(w->buf, want);
		if (b != NULL) {
			grown = want - w->cap;
			w->buf = b;
			w->cap = (uint32_t)want;
		}
	}
	w->end = seq + (uint32_t)n;
	if (w->cap == 0)
		return grown;
	if (n >= w->cap) {
		memcpy(w->buf, p + (n - w->cap), w->cap);
		w->len = w->cap;
		return grown;
	}
	if (w->len + n > w->cap) {
		drop = w->len + n - w->cap;
		memmove(w->buf, w->buf + drop, w->len - drop);
		w->len -= (uint32_t)drop;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += (uint32_t)n;
	return grown;
}

size_t tp_tcpwin_compare(const struct tp_tcpwin *w, uint32_t seq,
			 const uint8_t *p, size_t n, size_t *checked,
			 uint32_t *first)
{
	uint32_t start = w->end - w->len, from, to, end = seq + (uint32_t)n;
	size_t differ, at;

	if (checked != NULL)
		*checked = 0;
	if (w->len == 0 || n == 0)
		return 0;
	/* the part of [seq, end) inside [start, w->end), modulo 2^32 */
	from = (int32_t)(seq - start) > 0 ? seq : start;
	to = (int32_t)(end - w->end) < 0 ? end : w->end;
	if ((int32_t)(to - from) <= 0)
		return 0;
	differ = tp_tcpwin_differ(w->buf + (from - start), p + (from - seq),
				  to - from, &at);
	if (checked != NULL)
		*checked = to - from;
	if (differ > 0 && first != NULL)
		*first = from + (uint32_t)at;
	return differ;
}

size_t tp_tcpwin_free(struct tp_tcpwin *w)
{
	size_t had = w->cap;

	free(w->buf);
	memset(w, 0, sizeof(*w));
	return had;
}
