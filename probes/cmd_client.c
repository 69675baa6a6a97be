/* tlsprobe client HOST[:PORT]: one TLS connection, diagnosed; or many
 * targets, one record each (--targets FILE). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "starttls.h"

static const char usage_text[] =
	"usage: tlsprobe client HOST[:PORT] [options]\n"
	"       tlsprobe client --targets FILE [options]\n"
	"  --json              one JSON report on stdout\n"
	"  --timeout SECONDS   bound for each network stage (default "
	TP_STR(TP_DEFAULT_TIMEOUT_S) ")\n"
	"  --ca FILE           trusted CAs, PEM (default: the system store)\n"
	"  --cert FILE         our certificate chain: PEM, DER or PKCS#12\n"
	"  --key FILE          our private key: PEM, DER or PKCS#12\n"
	CLI_PASSWORD_USAGE
	"  --sni NAME          server name to send (default: HOST if a name)\n"
	"  --no-sni            send no server name\n"
	"  --expect-name NAME  name the certificate must match (default: SNI, HOST)\n"
	"  --expect-id ID      the certificate's CN must be this unique ID;\n"
	"                      'peer': the ID the paired tlsprobe server reports\n"
	"  --no-sideband       do not look for a paired tlsprobe server\n"
	"  --paired            ask the paired tlsprobe server even when no mark\n"
	"                      answered ours (behind a TLS-intercepting proxy)\n"
	"  --priority STRING   GnuTLS priority string (default NORMAL)\n"
	"  --alpn LIST         ALPN protocols to offer, comma-separated\n"
	"  --starttls PROTO    plaintext prelude first: smtp, imap, pop3, ftp,\n"
	"                      xmpp, postgres or ldap\n"
	"  --keylog FILE       append NSS key log lines (for Wireshark)\n"
	CLI_PROXY_USAGE
	CLI_CAPTURE_USAGE
	"  -4, -6              IPv4 or IPv6 only\n"
	"  --now TIME          check dates against TIME (YYYY-MM-DDTHH:MM:SSZ)\n"
	"  --offline           do not ask the certificate's OCSP responder or\n"
	"                      fetch its CRL (a trusted chain's revocation)\n"
	"  -v, --verbose       list every handshake message\n"
	"  --no-color          plain text (also NO_COLOR=1)\n"
	CLI_FLEET_USAGE;

static const struct option longopts[] = {
	CLI_CLIENT_LONGOPTS,
	CLI_FLEET_LONGOPTS,
	{"starttls", required_argument, NULL, OPT_STARTTLS},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* A progress line on a terminal while stages run (stderr, erased after). */
static void show_progress(void *arg, const struct tp_report *r,
			  const char *stage)
{
	(void)arg;
	(void)r;
	fprintf(stderr, "\r\033[K%s done…", stage);
	if (strcmp(stage, "verify") == 0)
		fputs("\r\033[K", stderr);
}

struct client_args {
	struct tp_client_opts *o;
	struct cli_common *common;
	struct cli_fleet *fleet;
};

static int apply_client(int opt, const char *arg, void *ctx)
{
	struct client_args *a = ctx;
	int rc;

	return cli_client_option("client", opt, arg, a->o, a->common, &rc)
	       ? rc : cli_fleet_option("client", opt, arg, a->fleet);
}

int cmd_client(int argc, char **argv)
{
	struct tp_client_opts o;
	struct cli_common common = {0};
	struct cli_fleet fleet = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	char *host = NULL;
	int rc;

	tp_client_opts_init(&o);
	o.password = &cli_password_source;
	rc = cli_options("client", argc, argv, ":46v", longopts, usage_text,
			 apply_client, &(struct client_args){&o, &common,
							     &fleet});
	if (rc >= 0)
		return rc;
	if (cli_proxy_setup("client", &o.proxy, &o.no_proxy) != 0)
		return 2;
	if (fleet.targets != NULL && optind < argc)
		return cli_fail("client", 2, "--targets and a target '%s' "
				"exclude each other: give one or the other",
				argv[optind]);
	if (fleet.targets != NULL && o.sni != NULL && o.no_sni)
		return cli_fail("client", 2, "--sni and --no-sni exclude each "
				"other");
	if (fleet.targets != NULL)
		return cli_fleet_client("client", &fleet, &o, &common);
	if (fleet.given != NULL)
		return cli_fail("client", 2, "%s needs --targets FILE",
				fleet.given);
	if (optind >= argc)
		return cli_fail("client", 2, "no target: expected HOST[:PORT]");
	if (optind + 1 < argc)
		return cli_fail("client", 2, "one target only: unexpected '%s'",
				argv[optind + 1]);
	if (o.sni != NULL && o.no_sni)
		return cli_fail("client", 2, "--sni and --no-sni exclude each "
				"other");
	/* with STARTTLS, the protocol's own port: 443 would never do */
	if (tp_addr_parse(argv[optind], o.starttls
			  ? tp_starttls_default_port(o.starttls) : 443, &host,
			  &o.port, &err) < 0)
		return cli_error("client", &err);
	o.host = host;
	if (!common.json && isatty(STDERR_FILENO))
		o.progress = show_progress;
	r = tp_report_new("client");
	if (r == NULL) {
		free(host);
		return cli_fail("client", 3, "out of memory");
	}
	if (tp_client_run(&o, r, &err) < 0) {
		tp_report_free(r);
		free(host);
		return cli_error("client", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	free(host);
	return rc;
}
