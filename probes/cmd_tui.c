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
	"  tlsprobe tui audit HOST[:PORT] [audit options]\n"
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

static const struct option audit_longopts[] = {
	CLI_CIPHERS_LONGOPTS,
	{"offline", no_argument, NULL, OPT_OFFLINE},
	{"checks", required_argument, NULL, OPT_CHECKS},
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

	return cli_ciphers_option(a->sub, opt, arg, &a->p->ciphers,
				  a->common);
}

static int apply_audit(int opt, const char *arg, void *ctx)
{
	struct tui_args *a = ctx;

	if (opt == OPT_OFFLINE) {
		a->p->offline = true;
		return 0;
	}
	if (opt == OPT_CHECKS) {
		a->p->checks = arg;
		return 0;
	}
	return apply_ciphers(opt, arg, ctx);
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

/* Server, peer and cert take options only; why adds a hint. */
static int no_operand(const char *sub, int argc, char **argv,
		      const char *why)
{
	if (optind < argc)
		return cli_fail(sub, 2, "unexpected argument '%s'%s",
				argv[optind], why);
	return 0;
}

/* What is left of each subcommand's line once its options are read:
 * its operands, the options it cannot go without, the screen's title. */
static int rest_client(const char *sub, int argc, char **argv,
		       struct ui_params *p, struct cli_common *common)
{
	(void)common;
	if (p->client.sni != NULL && p->client.no_sni)
		return cli_fail(sub, 2, "--sni and --no-sni exclude each other");
	if (cli_proxy_setup(sub, &p->client.proxy, &p->client.no_proxy) != 0)
		return 2;
	return one_target(sub, argc, argv, p->client.starttls,
			  &p->client.host, &p->client.port, p->target,
			  sizeof(p->target));
}

static int rest_ciphers(const char *sub, int argc, char **argv,
			struct ui_params *p, struct cli_common *common)
{
	(void)common;
	if (cli_proxy_setup(sub, &p->ciphers.proxy, &p->ciphers.no_proxy) != 0)
		return 2;
	return one_target(sub, argc, argv, p->ciphers.starttls,
			  &p->ciphers.host, &p->ciphers.port, p->target,
			  sizeof(p->target));
}

static int rest_server(const char *sub, int argc, char **argv,
		       struct ui_params *p, struct cli_common *common)
{
	int rc = no_operand(sub, argc, argv,
			    " (the address goes with --listen)");

	if (rc != 0)
		return rc;
	if (common->once)
		p->server.count = 1;
	if (p->server.listen != NULL)
		snprintf(p->target, sizeof(p->target), "%s", p->server.listen);
	else
		snprintf(p->target, sizeof(p->target), ":%u", TP_SERVER_PORT);
	return 0;
}

static int rest_peer(const char *sub, int argc, char **argv,
		     struct ui_params *p, struct cli_common *common)
{
	int rc = no_operand(sub, argc, argv, "");

	(void)common;
	if (rc != 0)
		return rc;
	if (p->peer.connect == NULL)
		return cli_fail(sub, 2, "--connect HOST:PORT is required");
	if (p->peer.client.cert_file == NULL || p->peer.client.key_file == NULL)
		return cli_fail(sub, 2, "--cert and --key are required: the "
				"peer serves too");
	snprintf(p->target, sizeof(p->target), "%s", p->peer.connect);
	return 0;
}

static int rest_cert(const char *sub, int argc, char **argv,
		     struct ui_params *p, struct cli_common *common)
{
	int rc = no_operand(sub, argc, argv, "");

	(void)common;
	if (rc != 0)
		return rc;
	if (p->cert.cert_file == NULL)
		return cli_fail(sub, 2, "--cert FILE is required");
	snprintf(p->target, sizeof(p->target), "%s", p->cert.cert_file);
	return 0;
}

static const struct option pcap_longopts[] = {
	CLI_PCAP_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static int rest_pcap(const char *sub, int argc, char **argv,
		     struct ui_params *p, struct cli_common *common)
{
	(void)common;
	if (optind >= argc)
		return cli_fail(sub, 2, "no capture: expected FILE");
	if (optind + 1 < argc)
		return cli_fail(sub, 2, "one file only: unexpected '%s'",
				argv[optind + 1]);
	p->pcap.file = argv[optind];
	snprintf(p->target, sizeof(p->target), "%s", p->pcap.file);
	return 0;
}

/* The runs the tui starts from its command line: each reads the options
 * its own command reads, then what is left of the line. */
static const struct tui_sub {
	const char *sub;  /* for messages: "tui client" */
	enum ui_kind kind;
	const char *shortopts;
	const struct option *longopts;
	int (*apply)(int opt, const char *arg, void *ctx);
	int (*rest)(const char *sub, int argc, char **argv,
		    struct ui_params *p, struct cli_common *common);
} subs[] = {
	{"tui client", UI_CLIENT, ":46v", client_longopts, apply_client,
	 rest_client},
	{"tui ciphers", UI_CIPHERS, ":46", ciphers_longopts, apply_ciphers,
	 rest_ciphers},
	{"tui audit", UI_AUDIT, ":46", audit_longopts, apply_audit,
	 rest_ciphers},
	{"tui server", UI_SERVER, ":v", server_longopts, apply_server,
	 rest_server},
	{"tui peer", UI_PEER, ":46v", peer_longopts, apply_peer, rest_peer},
	{"tui cert", UI_CERT, ":", cert_longopts, apply_cert, rest_cert},
	{"tui pcap", UI_PCAP, ":", pcap_longopts, apply_pcap, rest_pcap},
};

/* Every probe's options at their defaults: the run reads those of its
 * kind. */
static void params_init(struct ui_params *p)
{
	memset(p, 0, sizeof(*p));
	tp_client_opts_init(&p->client);
	tp_cert_opts_init(&p->cert);
	tp_ciphers_opts_init(&p->ciphers);
	tp_server_opts_init(&p->server);
	tp_peer_opts_init(&p->peer);
	tp_pcap_opts_init(&p->pcap);
}

static int parse_sub(const struct tui_sub *s, int argc, char **argv,
		     struct ui_params *p, struct cli_common *common)
{
	int rc;

	p->kind = s->kind;
	rc = cli_options(s->sub, argc, argv, s->shortopts, s->longopts, NULL,
			 s->apply, &(struct tui_args){s->sub, p, common});
	if (rc >= 0)
		return rc;
	return s->rest(s->sub, argc, argv, p, common);
}

int cmd_tui(int argc, char **argv)
{
	struct cli_common common = {0};
	struct ui_params p;
	const char *sub;
	size_t k;
	int i = 1, rc;

	params_init(&p);
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
	for (k = 0; k < sizeof(subs) / sizeof(subs[0]); k++)
		if (strcmp(sub, subs[k].sub + strlen("tui ")) == 0)
			break;
	if (k == sizeof(subs) / sizeof(subs[0]))
		return cli_fail("tui", 2, "'%s': expected client, cert, "
				"ciphers, audit, server, peer or pcap", sub);
	rc = parse_sub(&subs[k], argc, argv, &p, &common);
	if (rc != 0)
		return rc;
	return ui_main(&p, common.no_color);
}
