/* The probes' options as a run without any flag has them: one place for
 * the defaults that every front end starts from, and for the bounds a
 * duration given to any of them must keep. */
#include "tlsprobe.h"

int tp_opts_check_seconds(const char *key, double seconds,
			  struct tp_error *err)
{
	if (seconds >= 0 && seconds <= TP_MAX_TIMEOUT_S)
		return 0;
	tp_error_set_for(err, TP_ERR_USAGE, key, "{} %g: expected seconds "
			 "above 0, at most %d", seconds, TP_MAX_TIMEOUT_S);
	return -1;
}

void tp_cert_opts_init(struct tp_cert_opts *o)
{
	*o = (struct tp_cert_opts){.purpose = TP_PURPOSE_SERVER};
}

void tp_client_opts_init(struct tp_client_opts *o)
{
	*o = (struct tp_client_opts){.timeout_s = TP_DEFAULT_TIMEOUT_S};
}

void tp_server_opts_init(struct tp_server_opts *o)
{
	*o = (struct tp_server_opts){.timeout_s = TP_DEFAULT_TIMEOUT_S};
}

void tp_peer_opts_init(struct tp_peer_opts *o)
{
	*o = (struct tp_peer_opts){.wait_s = TP_DEFAULT_WAIT_S};
	tp_client_opts_init(&o->client);
}

void tp_ciphers_opts_init(struct tp_ciphers_opts *o)
{
	*o = (struct tp_ciphers_opts){.timeout_s = TP_DEFAULT_TIMEOUT_S};
}

void tp_pcap_opts_init(struct tp_pcap_opts *o)
{
	*o = (struct tp_pcap_opts){0};
}
