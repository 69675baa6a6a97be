/* tlsprobe tui [SUBCOMMAND ARGS…]: the ncurses front end. With a
 * subcommand, its options are parsed as that command parses them and
 * the run starts at once. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "starttls.h"
#include "../tui/ui.h"

static const char usage_text[] =
	"usage: tlsprobe tui [--no-color] [SUBCOMMAND ARGS...]\n"
	"The ncurses front end over the probes. With a subcommand it starts\n"
	"that run at once:\n"
	"  tlsprobe tui client HOST[:PORT] [client options]\n"
	"  tlsprobe tui cert --cert FILE [--key FILE] [--ca FILE] ...\n"
	"  tlsprobe tui ciphers HOST[:PORT] [ciphers options]\n"
	"  tlsprobe tui server [--listen [ADDR]:PORT] --cert FILE --key FILE ...\n"
	"  tlsprobe tui peer --listen [ADDR]:PORT --connect HOST:PORT ...\n"
	"  tlsprobe tui pcap FILE [--host H] [--port N] [--sni NAME] [--keylog F]\n"
	"Press ? inside for the keys; man tlsprobe-tui explains the screens.\n";

static const struct option client_longopts[] = {
	CLI_CLIENT_LONGOPTS,
	{"starttls", required_argument, NULL, OPT_STARTTLS},
	{NULL, 0, NULL, 0},
};

static const struct option ciphers_longopts[] = {
	CLI_CIPHERS_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static const struct option server_longopts[] = {
	CLI_SERVER_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static const struct option peer_longopts[] = {
	CLI_PEER_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static const struct option cert_longopts[] = {
	CLI_CERT_LONGOPTS,
	{NULL, 0, NULL, 0},
};

/* What a subcommand's options are applied to. */
struct tui_args {
	const char *sub;
	struct ui_params *p;
	struct cli_common *common;
};

static int apply_client(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;
	int rc;

	return cli_client_option(a->sub, opt, arg, &a->p->client, a->common,
				 &rc) ? rc : -1;
}

static int apply_ciphers(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;

	return cli_ciphers_option(opt, arg, &a->p->ciphers, a->common);
}

static int apply_server(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;
	int rc;

	return cli_server_option(a->sub, opt, arg, &a->p->server, a->common,
				 &rc) ? rc : -1;
}

static int apply_peer(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;

	return cli_peer_option(a->sub, opt, arg, &a->p->peer, a->common);
}

static int apply_cert(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;

	return cli_cert_option(a->sub, opt, arg, &a->p->cert, a->common);
}

static int apply_pcap(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;

	return cli_pcap_option(a->sub, opt, arg, &a->p->pcap, a->common);
}

/* The one HOST[:PORT] a client or ciphers run takes; "host:port" into
 * target for the screen's title. */
static int one_target(const char *sub, int argc, char **argv, int starttls,
		      const char **host, unsigned *port, char *target,
		      size_t tsize)
{
	struct tp_error err = {0};
	char *h = NULL;

	if (optind >= argc)
		return cli_fail(sub, 2, "no target: expected HOST[:PORT]");
	if (optind + 1 < argc)
		return cli_fail(sub, 2, "one target only: unexpected '%s'",
				argv[optind + 1]);
	if (tp_addr_parse(argv[optind], starttls
			  ? tp_starttls_default_port(starttls) : 443, &h, port,
			  &err) < 0)
		return cli_error(sub, &err);
	*host = ui_keep(h);
	free(h);
	if (*host == NULL)
		return cli_fail(sub, 3, "out of memory");
	snprintf(target, tsize, "%s:%u", *host, *port);
	return 0;
}

static int parse_client(int argc, char **argv, struct ui_params *p,
			struct cli_common *common)
{
	const char *sub = "tui client";
	int rc;

	p->kind = UI_CLIENT;
	tp_client_opts_init(&p->client);
	rc = cli_options(sub, argc, argv, ":46v", client_longopts, NULL, apply_client,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	if (p->client.sni != NULL && p->client.no_sni)
		return cli_fail(sub, 2, "--sni and --no-sni exclude each other");
	return one_target(sub, argc, argv, p->client.starttls,
			  &p->client.host, &p->client.port, p->target,
			  sizeof(p->target));
}

static int parse_ciphers(int argc, char **argv, struct ui_params *p,
			 struct cli_common *common)
{
	const char *sub = "tui ciphers";
	int rc;

	p->kind = UI_CIPHERS;
	tp_ciphers_opts_init(&p->ciphers);
	rc = cli_options(sub, argc, argv, ":46", ciphers_longopts, NULL, apply_ciphers,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	return one_target(sub, argc, argv, p->ciphers.starttls,
			  &p->ciphers.host, &p->ciphers.port, p->target,
			  sizeof(p->target));
}

static int parse_server(int argc, char **argv, struct ui_params *p,
			struct cli_common *common)
{
	const char *sub = "tui server";
	int rc;

	p->kind = UI_SERVER;
	tp_server_opts_init(&p->server);
	rc = cli_options(sub, argc, argv, ":v", server_longopts, NULL, apply_server,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail(sub, 2, "unexpected argument '%s' (the address "
				"goes with --listen)", argv[optind]);
	if (common->once)
		p->server.count = 1;
	snprintf(p->target, sizeof(p->target), "%s",
		 p->server.listen ? p->server.listen : ":4433");
	return 0;
}

static int parse_peer(int argc, char **argv, struct ui_params *p,
		      struct cli_common *common)
{
	const char *sub = "tui peer";
	int rc;

	p->kind = UI_PEER;
	tp_peer_opts_init(&p->peer);
	rc = cli_options(sub, argc, argv, ":46v", peer_longopts, NULL, apply_peer,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail(sub, 2, "unexpected argument '%s'",
				argv[optind]);
	if (p->peer.connect == NULL)
		return cli_fail(sub, 2, "--connect HOST:PORT is required");
	if (p->peer.client.cert_file == NULL || p->peer.client.key_file == NULL)
		return cli_fail(sub, 2, "--cert and --key are required: the "
				"peer serves too");
	snprintf(p->target, sizeof(p->target), "%s", p->peer.connect);
	return 0;
}

static int parse_cert(int argc, char **argv, struct ui_params *p,
		      struct cli_common *common)
{
	const char *sub = "tui cert";
	int rc;

	p->kind = UI_CERT;
	tp_cert_opts_init(&p->cert);
	rc = cli_options(sub, argc, argv, ":", cert_longopts, NULL, apply_cert,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail(sub, 2, "unexpected argument '%s'",
				argv[optind]);
	if (p->cert.cert_file == NULL)
		return cli_fail(sub, 2, "--cert FILE is required");
	snprintf(p->target, sizeof(p->target), "%s", p->cert.cert_file);
	return 0;
}

static const struct option pcap_longopts[] = {
	CLI_PCAP_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static int parse_pcap(int argc, char **argv, struct ui_params *p,
		      struct cli_common *common)
{
	const char *sub = "tui pcap";
	int rc;

	p->kind = UI_PCAP;
	tp_pcap_opts_init(&p->pcap);
	rc = cli_options(sub, argc, argv, ":", pcap_longopts, NULL, apply_pcap,
			 &(struct tui_args){sub, p, common});
	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return cli_fail(sub, 2, "no capture: expected FILE");
	if (optind + 1 < argc)
		return cli_fail(sub, 2, "one file only: unexpected '%s'",
				argv[optind + 1]);
	p->pcap.file = argv[optind];
	snprintf(p->target, sizeof(p->target), "%s", p->pcap.file);
	return 0;
}

int cmd_tui(int argc, char **argv)
{
	struct cli_common common = {0};
	struct ui_params p;
	const char *sub;
	int i = 1, rc;

	memset(&p, 0, sizeof(p));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--no-color") != 0)
			return cli_fail("tui", 2, "unknown option '%s' (see "
					"tlsprobe tui --help)", argv[i]);
		common.no_color = true;
	}
	if (i >= argc)
		return ui_main(NULL, common.no_color);
	sub = argv[i];
	argc -= i;
	argv += i;
	opterr = 0;
	optind = 1;
	if (strcmp(sub, "client") == 0)
		rc = parse_client(argc, argv, &p, &common);
	else if (strcmp(sub, "ciphers") == 0)
		rc = parse_ciphers(argc, argv, &p, &common);
	else if (strcmp(sub, "server") == 0)
		rc = parse_server(argc, argv, &p, &common);
	else if (strcmp(sub, "peer") == 0)
		rc = parse_peer(argc, argv, &p, &common);
	else if (strcmp(sub, "cert") == 0)
		rc = parse_cert(argc, argv, &p, &common);
	else if (strcmp(sub, "pcap") == 0)
		rc = parse_pcap(argc, argv, &p, &common);
	else
		return cli_fail("tui", 2, "'%s': expected client, cert, "
				"ciphers, server, peer or pcap", sub);
	if (rc != 0)
		return rc;
	return ui_main(&p, common.no_color);
}
