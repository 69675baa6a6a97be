/*
 * Fuzz target of --targets files (targets.c): lists, blocks, nmap -oG
 * and -oX. Every record is a target (a host, a port of 1..65535) or a
 * bad line with a usage error; line numbers never go back; what a
 * record shows is sanitised; each target lies in exactly one shard.
 * The first byte picks the options (STARTTLS default, ports filter).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "addr.h"
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough for several blocks of 65536: the reader has no other bound on
 * what one file yields, and a run has to end. */
#define RECORDS_MAX 300000

static void check_record(int rc, const struct tp_targets_entry *e,
			 const struct tp_error *err, unsigned long *line)
{
	unsigned k, in = 0;

	if (e->line < *line || e->line == 0)
		abort();
	*line = e->line;
	fuzz_check_text(e->text);
	if (rc == TP_TARGETS_BAD) {
		if (err->kind != TP_ERR_USAGE || err->message[0] == '\0' ||
		    e->host[0] != '\0')
			abort();
		fuzz_check_text(err->message);
	} else {
		if (err->kind != TP_ERR_NONE || e->host[0] == '\0' ||
		    e->port == 0 || e->port > 65535)
			abort();
		fuzz_check_text(e->host);
		fuzz_check_text(e->sni);
		fuzz_check_text(e->name);
		if (e->has_address && tp_addr_port(&e->address) != e->port)
			abort();
	}
	for (k = 1; k <= 3; k++)
		in += tp_targets_in_shard(e, k, 3);
	if (in != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_targets_opts opts = {0};
	struct tp_targets_entry e;
	struct tp_error err = {0};
	struct tp_targets *t;
	unsigned long line = 0, n = 0;
	FILE *f;
	int rc;

	/* fmemopen wants at least one byte of file */
	if (size < 2)
		return 0;
	if (data[0] & 1)
		opts.starttls = TP_STARTTLS_SMTP;
	if (data[0] & 2)
		opts.ports = "443,8443,9000-9010";
	if (data[0] & 4)
		opts.default_port = 4433;
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (f == NULL)
		return 0;
	t = tp_targets_open_stream(f, "fuzz", &opts, &err);
	if (t == NULL)
		abort();
	while ((rc = tp_targets_next(t, &e, &err)) != TP_TARGETS_END &&
	       n++ < RECORDS_MAX) {
		if (rc == TP_TARGETS_FAILED)
			break;
		check_record(rc, &e, &err, &line);
	}
	tp_targets_close(t);
	fclose(f);
	return 0;
}
