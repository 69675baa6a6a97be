/*
 * Fuzz target of `tlsprobe pcap FILE` from the file on: libpcap reads
 * the input as a pcap or pcapng file (a memory file), every frame is
 * decoded and followed, each TLS connection summarised (certificates
 * described, JA3/JA4 computed, the key log matched), and the report
 * rendered whole and handshake by handshake, as text and JSON: all of
 * it sanitised, and the counts in agreement.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Secrets for the seed captures' client randoms, and one for none. */
static const char keylog[] =
	"# a key log as GnuTLS writes it\n"
	"CLIENT_RANDOM "
	"990bc3823f49f17fec50209da5d8d5504f53b3c7920ba96a119c06e3bfed75df "
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	"00112233445566778899aabbccddeeff\n"
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET "
	"dc2fc74b6ba3aa2c1031bf78156df20f14d5defc8e37927dcffcaad6a6c60a3a "
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
	"SERVER_HANDSHAKE_TRAFFIC_SECRET "
	"dc2fc74b6ba3aa2c1031bf78156df20f14d5defc8e37927dcffcaad6a6c60a3a "
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_pcap_opts o;
	struct tp_error err = {0};
	struct tp_report *r;
	char file[64], keys[64];
	int fd, kfd;
	size_t i;
	char *s;

	fd = fuzz_memfile("capture", data, size, file, sizeof(file));
	kfd = fuzz_memfile("keylog", (const uint8_t *)keylog,
			   sizeof(keylog) - 1, keys, sizeof(keys));
	if (fd < 0 || kfd < 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.file = file;
	o.keylog_file = keys;
	o.max_flows = 16;
	r = tp_report_new("pcap");
	if (r == NULL)
		abort();
	if (tp_pcap_run(&o, r, &err) < 0) {
		if (err.kind == TP_ERR_NONE || err.message[0] == '\0' ||
		    strchr(err.message, '\n') != NULL)
			abort();
		fuzz_check_text(err.message);
	} else {
		if (r->pcap == NULL || r->pcap->handshakes != r->n_handshakes ||
		    r->n_handshakes > r->pcap->tls_flows ||
		    r->pcap->tls_flows > r->pcap->flows ||
		    r->pcap->tcp_frames > r->pcap->frames)
			abort();
		for (i = 0; i < r->n_handshakes; i++) {
			const struct tp_handshake *h = &r->handshakes[i];

			if (h->keylog_secrets < 0 || h->keylog_secrets > 2)
				abort();
			s = tp_handshake_to_json(h, NULL);
			fuzz_check_json(s);
			free(s);
			s = tp_handshake_to_text(h, TP_RENDER_VERBOSE);
			fuzz_check_text(s);
			free(s);
		}
		s = tp_report_to_text(r, TP_RENDER_VERBOSE);
		fuzz_check_text(s);
		free(s);
		s = tp_report_to_json(r, 0);
		fuzz_check_json(s);
		free(s);
	}
	tp_report_free(r);
	close(kfd);
	close(fd);
	return 0;
}
