/* The probes' options as a run without any flag has them: one place for
 * the defaults that every front end starts from. */
#include "tlsprobe.h"

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
