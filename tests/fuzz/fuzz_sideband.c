/*
 * Fuzz target of the side-channel parser: any bytes are either refused
 * with a usage error whose message is sanitised, or parsed into bounded
 * fields (raw: the report sanitises them), and what was parsed builds
 * back into a line a peer would accept by size. The server's first look
 * at a line (tp_sb_peek_type) keeps its type within the room given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sideband.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A field must be NUL-terminated inside its array. */
#define BOUNDED(f) \
	do { if (memchr((f), '\0', sizeof(f)) == NULL) abort(); } while (0)

static void check_line(char *line)
{
	if (line == NULL)
		return;  /* no memory: allowed */
	if (strlen(line) > TP_SB_MAX_LINE ||
	    memcmp(line, TP_SB_MAGIC, TP_SB_MAGIC_LEN) != 0 ||
	    line[strlen(line) - 1] != '\n')
		abort();
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_sb_hello h;
	static struct tp_sb_welcome w;
	static struct tp_sb_inside_reply ir;
	struct tp_error err = {0};
	char peeked[16];
	const char *type;
	size_t i;

	memset(peeked, 'x', sizeof(peeked));
	if (tp_sb_peek_type((const char *)data, size, peeked,
			    sizeof(peeked)) != NULL &&
	    memchr(peeked, '\0', sizeof(peeked)) == NULL)
		abort();
	type = tp_sb_parse((const char *)data, size, &h, &w, &ir, &err);
	if (type == NULL) {
		if (err.kind == TP_ERR_NONE)
			abort();  /* refused without saying why */
		/* the message quotes the line: nothing in it acts on a
		 * terminal */
		for (i = 0; err.message[i] != '\0'; i++)
			if ((unsigned char)err.message[i] < 0x20 ||
			    err.message[i] == 0x7f)
				abort();
		return 0;
	}
	if (strcmp(type, "hello") == 0) {
		BOUNDED(h.version);
		BOUNDED(h.unique_id);
		BOUNDED(h.local);
		BOUNDED(h.dialled);
		check_line(tp_sb_hello_line(&h));
	} else if (strcmp(type, "welcome") == 0) {
		if (w.n_chain > TP_SB_MAX_LIST || w.n_trusted > TP_SB_MAX_LIST ||
		    w.account.n_codes > TP_SB_MAX_LIST)
			abort();
		for (i = 0; i < w.n_trusted; i++)
			BOUNDED(w.trusted_cas[i]);
		for (i = 0; i < w.account.n_codes; i++)
			BOUNDED(w.account.codes[i]);
		BOUNDED(w.account.reason);
		check_line(tp_sb_welcome_line(&w));
	} else if (strcmp(type, "inside-reply") == 0) {
		if (ir.n_chain > TP_SB_MAX_LIST)
			abort();
		BOUNDED(ir.client_random);
		check_line(tp_sb_inside_reply_line(&ir));
	} else if (strcmp(type, "inside") != 0) {
		abort();
	}
	return 0;
}
