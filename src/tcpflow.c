/*
 * One direction of a TCP connection put back in order (tcpflow.h): the
 * sequence arithmetic, the out-of-order runs and what a copy of bytes
 * seen before is checked against. What the bytes mean, and how much
 * may be held, is the consumer's.
 */
#include <stdlib.h>
#include <string.h>

#include "tcpflow.h"
#include "tcpwin.h"

/* The callbacks a consumer may leave NULL: no copies checked, nothing
 * held, every byte read. */
static enum tp_tcpflow_want want(const struct tp_tcpflow_ops *o)
{
	return o->want != NULL ? o->want(o->arg) : TP_TCPFLOW_READ;
}

static void again(const struct tp_tcpflow_ops *o, uint32_t seq,
		  const uint8_t *p, size_t n)
{
	if (n > 0 && o->again != NULL)
		o->again(o->arg, seq, p, n);
}

static void release(const struct tp_tcpflow_ops *o, size_t cost)
{
	if (o != NULL && o->release != NULL)
		o->release(o->arg, cost);
}

void tp_tcpflow_start(struct tp_tcpflow *t, uint32_t seq)
{
	t->next = seq;
}

void tp_tcpflow_fin(struct tp_tcpflow *t, uint32_t seq)
{
	if (t->next == seq)
		t->next = seq + 1;
}

void tp_tcpflow_free(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o)
{
	struct tp_tcpflow_seg *s;

	while ((s = t->ooo) != NULL) {
		t->ooo = s->next;
		release(o, TP_TCPFLOW_COST(s->len));
		free(s);
	}
}

bool tp_tcpflow_holds(const struct tp_tcpflow *t, uint32_t seq, uint32_t end)
{
	const struct tp_tcpflow_seg *s;

	for (s = t->ooo; s != NULL && tp_seq_lt(s->seq, end); s = s->next)
		if (tp_seq_lt(seq, s->seq + s->len))
			return true;
	return false;
}

void tp_tcpflow_skip(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
		     uint32_t seq)
{
	struct tp_tcpflow_seg *s;

	while ((s = t->ooo) != NULL && tp_seq_le(s->seq + s->len, seq)) {
		t->ooo = s->next;
		release(o, TP_TCPFLOW_COST(s->len));
		free(s);
	}
	t->next = seq;
}

static void deliver(const struct tp_tcpflow_ops *o, uint32_t seq,
		    const uint8_t *p, size_t n)
{
	if (n > 0)
		o->deliver(o->arg, seq, p, n);
}

/* Keeps the bytes of [seq, seq+n) that no earlier copy holds (the first
 * copy is trusted, as the receiver's stack does, and a later one that
 * differs is told); past what the consumer allows, a gap instead. */
static void ooo_insert(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
		       uint32_t seq, const uint8_t *p, size_t n)
{
	struct tp_tcpflow_seg **link = &t->ooo, *s;
	uint32_t pos = seq, end = seq + (uint32_t)n, run_end, to;
	uint32_t first = 0;
	size_t differ = 0, d, at;

	while (tp_seq_lt(pos, end)) {
		while (*link != NULL &&
		       tp_seq_le((*link)->seq + (*link)->len, pos))
			link = &(*link)->next;
		s = *link;
		if (s != NULL && tp_seq_le(s->seq, pos)) {
			to = tp_seq_lt(s->seq + s->len, end) ? s->seq + s->len
							     : end;
			d = tp_tcpwin_differ(s->data + (pos - s->seq),
					     p + (pos - seq), to - pos, &at);
			if (d > 0 && differ == 0)
				first = pos + (uint32_t)at;
			differ += d;
			pos = s->seq + s->len;
			link = &s->next;
			continue;
		}
		run_end = s != NULL && tp_seq_lt(s->seq, end) ? s->seq : end;
		n = run_end - pos;
		if (o->hold == NULL || !o->hold(o->arg, TP_TCPFLOW_COST(n))) {
			o->gap(o->arg);
			break;
		}
		s = malloc(sizeof(*s) + n);
		if (s == NULL) {
			release(o, TP_TCPFLOW_COST(n));
			o->gap(o->arg);
			break;
		}
		s->seq = pos;
		s->len = (uint32_t)n;
		memcpy(s->data, p + (pos - seq), n);
		s->next = *link;
		*link = s;
		link = &s->next;
		pos = run_end;
	}
	if (differ > 0 && o->conflict != NULL)
		o->conflict(o->arg, first, differ);
}

/* Delivers what the held runs now continue. */
static void ooo_drain(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o)
{
	struct tp_tcpflow_seg *s;
	uint32_t off, seq;

	while ((s = t->ooo) != NULL && tp_seq_le(s->seq, t->next)) {
		t->ooo = s->next;
		release(o, TP_TCPFLOW_COST(s->len));
		if (tp_seq_lt(t->next, s->seq + s->len)) {
			seq = t->next;
			off = seq - s->seq;
			t->next = s->seq + s->len;
			deliver(o, seq, s->data + off, s->len - off);
		}
		free(s);
		if (want(o) == TP_TCPFLOW_OFF) {
			tp_tcpflow_free(t, o);
			return;
		}
	}
}

/* The part of a segment before t->next: copies, handed back. Returns
 * false when nothing of it is new. */
static bool skip_delivered(struct tp_tcpflow *t,
			   const struct tp_tcpflow_ops *o, uint32_t *seq,
			   const uint8_t **p, size_t *len, size_t *wire)
{
	uint32_t skip;

	if (tp_seq_le(*seq + (uint32_t)*wire, t->next)) {
		again(o, *seq, *p, *len);
		return false;
	}
	if (tp_seq_lt(*seq, t->next)) {
		skip = t->next - *seq;
		again(o, *seq, *p, skip < *len ? skip : *len);
		*p += skip < *len ? skip : *len;
		*len = skip < *len ? *len - skip : 0;
		*wire -= skip;
		*seq = t->next;
	}
	return true;
}

void tp_tcpflow_segment(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
			uint32_t seq, const uint8_t *p, size_t len,
			size_t wire)
{
	enum tp_tcpflow_want w;
	uint32_t take;

	if (len > wire)
		len = wire;
	for (;;) {
		if (!skip_delivered(t, o, &seq, &p, &len, &wire))
			return;
		w = want(o);
		if (w == TP_TCPFLOW_OFF)
			return;
		if (w == TP_TCPFLOW_IN_ORDER &&
		    (seq != t->next || len < wire)) {
			if (o->stop != NULL)
				o->stop(o->arg);
			return;
		}
		if (seq != t->next)
			break;
		if (len == wire && t->ooo != NULL &&
		    tp_seq_lt(t->ooo->seq, seq + (uint32_t)len)) {
			/* bytes held out of order came first: they stay,
			 * and this copy of them is handed back once they
			 * are delivered */
			take = tp_seq_lt(seq, t->ooo->seq) ? t->ooo->seq - seq
							   : 0;
			t->next += take;
			deliver(o, seq, p, take);
			seq += take;
			p += take;
			len -= take;
			wire -= take;
			if (want(o) != TP_TCPFLOW_OFF)
				ooo_drain(t, o);
			continue;
		}
		t->next += (uint32_t)len;
		deliver(o, seq, p, len);
		if (len < wire) {
			/* the snaplen cut it: those bytes are lost */
			t->next = seq + (uint32_t)wire;
			o->gap(o->arg);
			return;
		}
		if (want(o) != TP_TCPFLOW_OFF)
			ooo_drain(t, o);
		return;
	}
	if (len < wire) {
		o->gap(o->arg);
		return;
	}
	ooo_insert(t, o, seq, p, len);
}
