/* tlsprobe peer: both roles at once between two nodes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
	"usage: tlsprobe peer --listen [ADDR]:PORT --connect HOST:PORT\n"
	"                     --cert FILE --key FILE [options]\n"
	"Run on both nodes: each serves and connects, both directions are\n"
	"tested and both nodes print the same two-direction result.\n"
	"  --ca FILE             trusted CAs, for both roles\n"
	"  --require-client-cert the server role requires a client certificate\n"
	"  --once, --count N     accepted as for server; a peer run ends after\n"
	"                        one exchange with the other node anyway\n"
	"  --expect-id ID|peer   the other node's certificate CN, both roles\n"
	"  --wait SECONDS        how long to wait for the other node (default "
	TP_STR(TP_DEFAULT_WAIT_S) ")\n"
	"and the options of the client role, as tlsprobe client has them:\n"
	"  --timeout, --sni, --no-sni, --expect-name, --priority, --alpn,\n"
	"  --keylog, --now, --offline, -4, -6, --json, --no-color, -v,\n"
	"  --password-file FILE, --password-env VAR (of a PKCS#12 or encrypted\n"
	"  --cert/--key; without either, asked on a terminal)\n"
	"capture (one for both roles; this node's direction gets the packets\n"
	"of its connection):\n"
	CLI_CAPTURE_USAGE;

static const struct option longopts[] = {
	CLI_PEER_LONGOPTS,
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop;

static void listening(void *arg, const char *addresses)
{
	(void)arg;
	fprintf(stderr, "tlsprobe peer: listening on %s\n", addresses);
}

struct peer_args {
	struct tp_peer_opts *o;
	struct cli_common *common;
};

static int apply_peer(int opt, const char *arg, void *ctx)
{
	struct peer_args *a = ctx;

	return cli_peer_option("peer", opt, arg, a->o, a->common);
}

int cmd_peer(int argc, char **argv)
{
	struct tp_peer_opts o;
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	int rc;

	tp_peer_opts_init(&o);
	o.client.password = &cli_password_source;
	o.on_listening = listening;
	o.stop = &stop;
	rc = cli_options("peer", argc, argv, ":46v", longopts, usage_text,
			 apply_peer, &(struct peer_args){&o, &common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail("peer", 2, "unexpected argument '%s'",
				argv[optind]);
	if (o.connect == NULL)
		return cli_fail("peer", 2, "--connect HOST:PORT is required");
	if (o.client.cert_file == NULL || o.client.key_file == NULL)
		return cli_fail("peer", 2, "--cert and --key are required: "
				"the peer serves too");
	/* not restarted, as the server: a wait it cuts short looks at once */
	cli_on_stop(&stop, false);
	r = tp_report_new("peer");
	if (r == NULL)
		return cli_fail("peer", 3, "out of memory");
	if (tp_peer_run(&o, r, &err) < 0) {
		tp_report_free(r);
		return cli_error("peer", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	return rc;
}
