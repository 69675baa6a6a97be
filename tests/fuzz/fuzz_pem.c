/*
 * Fuzz target of the PEM files given with --cert, --key and --ca, read
 * as `tlsprobe cert` reads them (tp_cert_run: the chain, the key and the
 * CA bundle, then the checks of the chain and of the key against it).
 *
 * Input: the --cert file, then optionally the --key file and the --ca
 * file, separated by lines "--8<--". An empty or missing --key section
 * means no --key; without a --ca section the --cert file is the --ca
 * file too (never the system store: the target reads no file of the
 * machine). The files are memory files; the clock is fixed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n--8<--\n"
#define NOW ((time_t)1780272000)  /* 2026-06-01 */

/* The next section of data (up to SEP or the end); *rest after it. */
static size_t section(const uint8_t *data, size_t size, size_t *rest)
{
	const uint8_t *sep = memmem(data, size, SEP, sizeof(SEP) - 1);

	if (sep == NULL) {
		*rest = size;
		return size;
	}
	*rest = (size_t)(sep - data) + sizeof(SEP) - 1;
	return (size_t)(sep - data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0}, used, i, n_parts = 0;
	char path[3][64];
	int fd[3] = {-1, -1, -1};
	struct tp_cert_opts o;
	struct tp_error err = {0};
	struct tp_report *r;
	char *s;
	int rc;

	while (n_parts < 3) {
		part[n_parts] = data;
		len[n_parts] = section(data, size, &used);
		n_parts++;
		if (used == size)
			break;
		data += used;
		size -= used;
	}
	for (i = 0; i < n_parts; i++) {
		if (i == 1 && len[i] == 0)
			continue;
		fd[i] = fuzz_memfile(i == 0 ? "cert" : i == 1 ? "key" : "ca",
				     part[i], len[i], path[i], sizeof(path[i]));
		if (fd[i] < 0)
			abort();
	}
	memset(&o, 0, sizeof(o));
	o.cert_file = path[0];
	o.key_file = fd[1] >= 0 ? path[1] : NULL;
	o.ca_file = fd[2] >= 0 ? path[2] : path[0];
	o.expect_name = "node1.test";
	o.purpose = TP_PURPOSE_SERVER;
	o.now = NOW;
	r = tp_report_new("cert");
	if (r == NULL)
		abort();
	rc = tp_cert_run(&o, r, &err);
	if (rc < 0) {
		/* one line naming the file: a usage error, never a crash */
		if (err.kind == TP_ERR_NONE || err.message[0] == '\0' ||
		    strchr(err.message, '\n') != NULL)
			abort();
		fuzz_check_text(err.message);
	} else {
		s = tp_report_to_text(r, 0);
		fuzz_check_text(s);
		free(s);
		s = tp_report_to_json(r, 0);
		fuzz_check_json(s);
		free(s);
	}
	tp_report_free(r);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return 0;
}
