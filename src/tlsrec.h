/*
 * One direction's TLS, read from its bytes in order: record headers
 * (RFC 8446 section 5.1), the handshake messages in the records that
 * carry them (split from the stream: a message may span records), and
 * alerts. Only headers are buffered here; what a record's body means,
 * which messages are kept and when the stream is encrypted is the
 * consumer's, told through callbacks. Shared by tlsprobe pcap
 * (flows.c) and a probe's own capture (livecap.c). Internal to
 * libtlsprobe.
 */
#ifndef TP_TLSREC_H
#define TP_TLSREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a record's body is read. */
enum tp_tlsrec_body {
	TP_TLSREC_STOP,       /* not TLS: nothing more is read */
	TP_TLSREC_SKIP,       /* not read */
	TP_TLSREC_MESSAGES,   /* handshake messages */
	TP_TLSREC_ALERTS,     /* alerts, two bytes each */
};

struct tp_tlsrec {
	uint8_t hdr[5];
	uint8_t hdr_len;       /* 5 while a record's body is read */
	uint8_t body;          /* enum tp_tlsrec_body, for this record */
	uint32_t len;          /* the record's length */
	uint32_t left;         /* bytes of its body not read yet */
	uint8_t hs_hdr[4];
	uint8_t hs_hdr_len;    /* 4 while a message's body is read */
	uint32_t hs_left;
	uint8_t alert[2];
	uint8_t alert_len;
};

struct tp_tlsrec_ops {
	/* a whole record header: how its body is to be read */
	enum tp_tlsrec_body (*record)(void *arg, const uint8_t hdr[5]);
	/* a handshake message begins: its type and length */
	void (*message)(void *arg, uint8_t type, uint32_t len);
	/* bytes of the message under way, in order */
	void (*message_bytes)(void *arg, const uint8_t *p, size_t n);
	/* the message is whole */
	void (*message_end)(void *arg);
	void (*alert)(void *arg, uint8_t level, uint8_t desc);
	/* whether the consumer still reads (asked after each callback) */
	bool (*reading)(void *arg);
	void *arg;
};

/* Reads n bytes in order; returns how many it took: all of them, or
 * fewer once the consumer stopped reading. */
size_t tp_tlsrec_feed(struct tp_tlsrec *r, const struct tp_tlsrec_ops *o,
		      const uint8_t *p, size_t n);

/* The rest of this record's body is not read (from a callback: the
 * stream turned encrypted, the handshake record is not in the clear). */
void tp_tlsrec_skip_record(struct tp_tlsrec *r);

/* The next byte starts a handshake message (a hole was crossed, or a
 * record begins that cannot continue the last one). */
void tp_tlsrec_reset_messages(struct tp_tlsrec *r);

/* The next byte starts a record. */
void tp_tlsrec_reset(struct tp_tlsrec *r);

/* Whether the next byte starts a record. */
static inline bool tp_tlsrec_at_record(const struct tp_tlsrec *r)
{
	return r->hdr_len == 0;
}

#endif
