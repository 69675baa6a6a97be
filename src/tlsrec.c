/*
 * One direction's TLS records, handshake messages and alerts, read from
 * its bytes in order (tlsrec.h): headers are gathered here however the
 * bytes were cut, everything else goes to the consumer.
 */
#include <string.h>

#include "tlsrec.h"

void tp_tlsrec_skip_record(struct tp_tlsrec *r)
{
	r->body = TP_TLSREC_SKIP;
}

void tp_tlsrec_reset_messages(struct tp_tlsrec *r)
{
	r->hs_hdr_len = 0;
	r->hs_left = 0;
}

void tp_tlsrec_reset(struct tp_tlsrec *r)
{
	r->hdr_len = 0;
	r->left = 0;
	r->alert_len = 0;
	tp_tlsrec_reset_messages(r);
}

/* Handshake bytes of a record: messages are split from the stream (RFC
 * 8446 section 5.1: they may span records). */
static void messages(struct tp_tlsrec *r, const struct tp_tlsrec_ops *o,
		     const uint8_t *p, size_t n)
{
	size_t take;

	while (n > 0 && r->body == TP_TLSREC_MESSAGES && o->reading(o->arg)) {
		if (r->hs_hdr_len < 4) {
			take = 4 - (size_t)r->hs_hdr_len;
			if (take > n)
				take = n;
			memcpy(r->hs_hdr + r->hs_hdr_len, p, take);
			r->hs_hdr_len = (uint8_t)(r->hs_hdr_len + take);
			p += take;
			n -= take;
			if (r->hs_hdr_len < 4)
				return;
			r->hs_left = (uint32_t)r->hs_hdr[1] << 16 |
				     (uint32_t)r->hs_hdr[2] << 8 | r->hs_hdr[3];
			o->message(o->arg, r->hs_hdr[0], r->hs_left);
		} else {
			take = r->hs_left < n ? r->hs_left : n;
			o->message_bytes(o->arg, p, take);
			r->hs_left -= (uint32_t)take;
			p += take;
			n -= take;
		}
		/* (a message cut short by skip_record is abandoned) */
		if (r->hs_hdr_len == 4 && r->hs_left == 0) {
			r->hs_hdr_len = 0;
			o->message_end(o->arg);
		}
	}
}

static void alerts(struct tp_tlsrec *r, const struct tp_tlsrec_ops *o,
		   const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && r->body == TP_TLSREC_ALERTS; i++) {
		r->alert[r->alert_len++] = p[i];
		if (r->alert_len == 2) {
			r->alert_len = 0;
			o->alert(o->arg, r->alert[0], r->alert[1]);
		}
	}
}

/* A record header is whole: the consumer says how to read its body. */
static bool record_begin(struct tp_tlsrec *r, const struct tp_tlsrec_ops *o)
{
	r->len = r->left = (uint32_t)r->hdr[3] << 8 | r->hdr[4];
	r->alert_len = 0;
	r->body = (uint8_t)o->record(o->arg, r->hdr);
	return r->body != TP_TLSREC_STOP;
}

size_t tp_tlsrec_feed(struct tp_tlsrec *r, const struct tp_tlsrec_ops *o,
		      const uint8_t *p, size_t n)
{
	size_t used = 0, take;

	while (used < n) {
		if (r->hdr_len < 5) {
			take = 5 - (size_t)r->hdr_len;
			if (take > n - used)
				take = n - used;
			memcpy(r->hdr + r->hdr_len, p + used, take);
			r->hdr_len = (uint8_t)(r->hdr_len + take);
			used += take;
			if (r->hdr_len < 5)
				break;
			if (!record_begin(r, o))
				break;
		} else {
			take = r->left < n - used ? r->left : n - used;
			if (r->body == TP_TLSREC_MESSAGES)
				messages(r, o, p + used, take);
			else if (r->body == TP_TLSREC_ALERTS)
				alerts(r, o, p + used, take);
			r->left -= (uint32_t)take;
			used += take;
		}
		if (r->hdr_len == 5 && r->left == 0)
			r->hdr_len = 0;
		if (!o->reading(o->arg))
			break;
	}
	return used;
}
