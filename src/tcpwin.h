/*
 * The last bytes delivered of one TCP stream, kept so that a segment
 * that carries them again can be checked against them. Shared by the
 * flow tracker of tlsprobe pcap (flows.c) and a probe's own capture
 * (livecap.c): both keep the first copy of every byte, and both say when
 * a later copy disagrees with it. Internal to libtlsprobe.
 *
 * Overlapping segments whose bytes differ are how an IDS is evaded (the
 * monitor keeps one copy, the receiver another) and how data is injected
 * into a connection: a retransmission repeats the same bytes, nothing
 * else has a reason to send others at the same sequence numbers.
 */
#ifndef TP_TCPWIN_H
#define TP_TCPWIN_H

#include <stddef.h>
#include <stdint.h>

/* Bytes remembered per direction at most: a retransmitted segment
 * (one MSS, or a few of them sent again at once) fits. */
#define TP_TCPWIN_MAX 4096

struct tp_tcpwin {
	uint8_t *buf;          /* the bytes ending at end, oldest first */
	uint32_t len;          /* bytes held */
	uint32_t cap;          /* bytes allocated */
	uint32_t end;          /* the sequence number after the last one */
};

/*
 * Remembers [seq, seq+n), bytes just delivered in order; bytes that do
 * not continue the window replace it. The buffer grows in steps, to at
 * most limit bytes (never past TP_TCPWIN_MAX); once full the oldest
 * bytes go. Returns how many bytes the buffer grew by, for the caller's
 * memory accounting (a failed allocation keeps the old buffer).
 */
size_t tp_tcpwin_add(struct tp_tcpwin *w, uint32_t seq, const uint8_t *p,
		     size_t n, size_t limit);

/*
 * Compares bytes [seq, seq+n) of a segment with the copy the window
 * holds of them (only the part it still holds: bytes older than its
 * edge are not checked). Returns how many of them differ; *checked (may
 * be NULL) is how many were compared, *first (may be NULL) the sequence
 * number of the first that differs.
 */
size_t tp_tcpwin_compare(const struct tp_tcpwin *w, uint32_t seq,
			 const uint8_t *p, size_t n, size_t *checked,
			 uint32_t *first);

/* How many of n bytes differ between a and b; *first (may be NULL) is
 * the offset of the first, n when none does. */
size_t tp_tcpwin_differ(const uint8_t *a, const uint8_t *b, size_t n,
			size_t *first);

/* Frees the buffer; returns how many bytes it had allocated. */
size_t tp_tcpwin_free(struct tp_tcpwin *w);

#endif
