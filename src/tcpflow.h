/*
 * One direction of a TCP connection put back in order: segments go in
 * (sequence number, the bytes captured, the length on the wire), bytes
 * come out in order exactly once, to the consumer's callbacks. The
 * first copy of every byte is the one delivered (as the receiver's
 * stack keeps it); later copies are handed back for checking. Bytes
 * that arrive before a hole is filled are held, within what the
 * consumer allows; when it allows no more, or the capture cut a
 * segment short, the consumer is told of a gap. Shared by the flow
 * tracker of tlsprobe pcap (flows.c) and a probe's own capture
 * (livecap.c). Internal to libtlsprobe.
 */
#ifndef TP_TCPFLOW_H
#define TP_TCPFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sequence numbers compare modulo 2^32 (RFC 9293 section 3.4). */
static inline bool tp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool tp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* An out-of-order run of bytes, kept until the hole before it fills. */
struct tp_tcpflow_seg {
	struct tp_tcpflow_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* What a held run costs: its bytes, its header and the allocator's
 * own, so that a flood of 1-byte segments is bounded as 1-KiB ones are. */
#define TP_TCPFLOW_COST(n) (sizeof(struct tp_tcpflow_seg) + 16 + (size_t)(n))

struct tp_tcpflow {
	uint32_t next;                 /* the next byte to deliver */
	struct tp_tcpflow_seg *ooo;    /* sorted, not overlapping */
};

/* How the consumer reads the direction now. */
enum tp_tcpflow_want {
	TP_TCPFLOW_READ,      /* every byte, holding what comes early */
	TP_TCPFLOW_IN_ORDER,  /* bytes in order only: anything else stops it */
	TP_TCPFLOW_OFF,       /* nothing any more */
};

/* deliver and gap are required; a NULL again or conflict checks no
 * copies, a NULL hold holds nothing (bytes that come early are a gap),
 * a NULL want reads everything. */
struct tp_tcpflow_ops {
	/* bytes [seq, seq+n) in order, each once */
	void (*deliver)(void *arg, uint32_t seq, const uint8_t *p, size_t n);
	/* a later copy of bytes [seq, seq+n) already delivered */
	void (*again)(void *arg, uint32_t seq, const uint8_t *p, size_t n);
	/* a later copy of held bytes differed from them in differ bytes,
	 * the first at sequence number first */
	void (*conflict)(void *arg, uint32_t first, size_t differ);
	/* may cost more bytes be held? true counts them as held */
	bool (*hold)(void *arg, size_t cost);
	/* cost bytes held are given back */
	void (*release)(void *arg, size_t cost);
	/* bytes are lost (not held, or cut by the snaplen): the consumer
	 * stops reading, or reads on from a later point (tp_tcpflow_skip) */
	void (*gap)(void *arg);
	/* the direction is out of order while only in-order bytes were
	 * wanted: the consumer stops reading it */
	void (*stop)(void *arg);
	enum tp_tcpflow_want (*want)(void *arg);
	void *arg;
};

/* The stream begins at seq (its SYN's, plus one, or the first byte
 * seen). */
void tp_tcpflow_start(struct tp_tcpflow *t, uint32_t seq);

/*
 * A segment's payload at seq: len bytes captured of wire bytes on the
 * wire. Delivers what continues the stream (and what it lets through
 * of the held bytes), holds what comes early, hands copies back.
 */
void tp_tcpflow_segment(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
			uint32_t seq, const uint8_t *p, size_t len,
			size_t wire);

/* A FIN at seq (the sequence number after its segment's payload) takes
 * one sequence number: past it when it continues the stream. */
void tp_tcpflow_fin(struct tp_tcpflow *t, uint32_t seq);

/* Whether any byte of [seq, end) is held out of order. */
bool tp_tcpflow_holds(const struct tp_tcpflow *t, uint32_t seq, uint32_t end);

/* Reading goes on from seq: what is held before it is dropped. */
void tp_tcpflow_skip(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o,
		     uint32_t seq);

/* Drops everything held (release is told of each run; o may be NULL). */
void tp_tcpflow_free(struct tp_tcpflow *t, const struct tp_tcpflow_ops *o);

#endif
