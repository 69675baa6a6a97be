/*
 * Fuzz target of the NSS key log that `tlsprobe pcap --keylog FILE`
 * reads (pcap.c): any text is read whole (sorted, each secret once) or
 * refused with a one-line usage error naming the file and line. The
 * capture beside it is one TLS 1.2 handshake whose client random the
 * seeds name, so that the secrets are looked up too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_keylog_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_pcap_opts o;
	struct tp_error err = {0};
	struct tp_report *r;
	char file[64], keys[64];
	int fd, kfd;

	fd = fuzz_memfile("capture", capture, sizeof(capture), file,
			  sizeof(file));
	kfd = fuzz_memfile("keylog", data, size, keys, sizeof(keys));
	if (fd < 0 || kfd < 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.file = file;
	o.keylog_file = keys;
	r = tp_report_new("pcap");
	if (r == NULL)
		abort();
	if (tp_pcap_run(&o, r, &err) < 0) {
		if (err.kind != TP_ERR_USAGE ||
		    strstr(err.message, keys) == NULL ||
		    strchr(err.message, '\n') != NULL)
			abort();
		fuzz_check_text(err.message);
	} else if (r->n_handshakes != 1 ||
		   r->handshakes[0].keylog_secrets < 0) {
		abort();
	}
	tp_report_free(r);
	close(kfd);
	close(fd);
	return 0;
}
