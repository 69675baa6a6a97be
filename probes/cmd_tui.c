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

/* tlsprobe peer's own options, then the client role's, as cmd_peer.c */
static const struct option peer_longopts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"connect", required_argument, NULL, 'c'},
	{"wait", required_argument, NULL, 'w'},
	{"require-client-cert", no_argument, NULL, 'r'},
	CLI_CLIENT_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static const struct option cert_longopts[] = {
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"ca", required_argument, NULL, OPT_CA},
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME},
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID},
	{"now", required_argument, NULL, OPT_NOW},
	{NULL, 0, NULL, 0},
};

static int bad_option(const char *sub, int c, char **argv)
{
	if (c == ':')
		return cli_fail(sub, 2, "option '%s' needs a value",
				argv[optind - 1]);
	return cli_fail(sub, 2, "unknown option '%s'", argv[optind - 1]);
}

/* The one HOST[:PORT] a client or ciphers run takes. */
static int one_target(const char *sub, int argc, char **argv, int starttls,
		      const char **host, unsigned *port)
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
	return *host == NULL ? cli_fail(sub, 3, "out of memory") : 0;
}

static int parse_client(int argc, char **argv, struct ui_params *p,
			struct cli_common *common)
{
	const char *sub = "tui client";
	int c, rc;

	p->kind = UI_CLIENT;
	p->client.timeout_s = 10;
	while ((c = getopt_long(argc, argv, ":46v", client_longopts,
				NULL)) != -1) {
		if (!cli_client_option(sub, c, optarg, &p->client, common, &rc))
			return bad_option(sub, c, argv);
		if (rc != 0)
			return rc;
	}
	if (p->client.sni != NULL && p->client.no_sni)
		return cli_fail(sub, 2, "--sni and --no-sni exclude each other");
	if ((rc = one_target(sub, argc, argv, p->client.starttls,
			     &p->client.host, &p->client.port)) != 0)
		return rc;
	snprintf(p->target, sizeof(p->target), "%s:%u", p->client.host,
		 p->client.port);
	return 0;
}

static int parse_ciphers(int argc, char **argv, struct ui_params *p,
			 struct cli_common *common)
{
	const char *sub = "tui ciphers";
	int c, rc;

	p->kind = UI_CIPHERS;
	p->ciphers.timeout_s = 10;
	while ((c = getopt_long(argc, argv, ":46", ciphers_longopts,
				NULL)) != -1) {
		if (c == ':')
			return bad_option(sub, c, argv);
		rc = cli_ciphers_option(c, optarg, &p->ciphers, common);
		if (rc < 0)
			return bad_option(sub, c, argv);
		if (rc > 0)
			return rc;
	}
	if ((rc = one_target(sub, argc, argv, p->ciphers.starttls,
			     &p->ciphers.host, &p->ciphers.port)) != 0)
		return rc;
	snprintf(p->target, sizeof(p->target), "%s:%u", p->ciphers.host,
		 p->ciphers.port);
	return 0;
}

static int parse_server(int argc, char **argv, struct ui_params *p,
			struct cli_common *common)
{
	const char *sub = "tui server";
	int c, rc;

	p->kind = UI_SERVER;
	p->server.timeout_s = 10;
	while ((c = getopt_long(argc, argv, ":v", server_longopts,
				NULL)) != -1) {
		if (!cli_server_option(sub, c, optarg, &p->server, common, &rc))
			return bad_option(sub, c, argv);
		if (rc != 0)
			return rc;
	}
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
	int c, rc;

	p->kind = UI_PEER;
	p->peer.client.timeout_s = 10;
	p->peer.wait_s = 30;
	while ((c = getopt_long(argc, argv, ":46v", peer_longopts,
				NULL)) != -1) {
		if (cli_client_option(sub, c, optarg, &p->peer.client, common,
				      &rc)) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (c) {
		case 'l': p->peer.listen = optarg; break;
		case 'c': p->peer.connect = optarg; break;
		case 'w':
			if ((rc = cli_parse_timeout(sub, optarg,
						    &p->peer.wait_s)) != 0)
				return rc;
			break;
		case 'r': p->peer.require_client_cert = true; break;
		default: return bad_option(sub, c, argv);
		}
	}
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

static int parse_cert(int argc, char **argv, struct ui_params *p)
{
	const char *sub = "tui cert";
	int c, rc;

	p->kind = UI_CERT;
	p->cert.purpose = TP_PURPOSE_SERVER;
	while ((c = getopt_long(argc, argv, ":", cert_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CERT: p->cert.cert_file = optarg; break;
		case OPT_KEY: p->cert.key_file = optarg; break;
		case OPT_CA: p->cert.ca_file = optarg; break;
		case OPT_EXPECT_NAME: p->cert.expect_name = optarg; break;
		case OPT_EXPECT_ID: p->cert.expect_id = optarg; break;
		case OPT_NOW:
			if ((rc = cli_parse_now(sub, optarg, &p->cert.now)) != 0)
				return rc;
			break;
		default: return bad_option(sub, c, argv);
		}
	}
	if (optind < argc)
		return cli_fail(sub, 2, "unexpected argument '%s'",
				argv[optind]);
	if (p->cert.cert_file == NULL)
		return cli_fail(sub, 2, "--cert FILE is required");
	snprintf(p->target, sizeof(p->target), "%s", p->cert.cert_file);
	return 0;
}

static const struct option pcap_longopts[] = {
	{"host", required_argument, NULL, 'H'},
	{"port", required_argument, NULL, 'p'},
	{"sni", required_argument, NULL, OPT_SNI},
	{"keylog", required_argument, NULL, OPT_KEYLOG},
	{NULL, 0, NULL, 0},
};

static int parse_pcap(int argc, char **argv, struct ui_params *p)
{
	const char *sub = "tui pcap";
	char *end;
	unsigned long v;
	int c;

	p->kind = UI_PCAP;
	while ((c = getopt_long(argc, argv, ":", pcap_longopts, NULL)) != -1) {
		switch (c) {
		case 'H': p->pcap.host = optarg; break;
		case 'p':
			v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    v < 1 || v > 65535)
				return cli_fail(sub, 2, "--port '%s': expected "
						"1 to 65535", optarg);
			p->pcap.port = (unsigned)v;
			break;
		case OPT_SNI: p->pcap.sni = optarg; break;
		case OPT_KEYLOG: p->pcap.keylog_file = optarg; break;
		default: return bad_option(sub, c, argv);
		}
	}
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
		rc = parse_cert(argc, argv, &p);
	else if (strcmp(sub, "pcap") == 0)
		rc = parse_pcap(argc, argv, &p);
	else
		return cli_fail("tui", 2, "'%s': expected client, cert, "
				"ciphers, server, peer or pcap", sub);
	if (rc != 0)
		return rc;
	return ui_main(&p, common.no_color);
}
