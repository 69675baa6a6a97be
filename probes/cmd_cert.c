/* tlsprobe cert: offline check of certificate, key and CA files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define USAGE "usage: tlsprobe cert --cert FILE [--key FILE] [--ca FILE] " \
	"[--expect-name NAME] [--expect-id ID] [--purpose server|client] " \
	"[--password-file FILE | --password-env VAR] [--now TIME] [--json] " \
	"[--no-color]"

static const struct option longopts[] = {
	CLI_CERT_LONGOPTS,
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
	USAGE "\n\n"
	"Checks a certificate chain (leaf first), its key and the CAs\n"
	"that should trust it, without any network traffic.\n\n"
	"  --cert FILE         chain to check, leaf first: PEM, DER or PKCS#12\n"
	"                      (told by content); a PKCS#12 file's key is\n"
	"                      checked too when there is no --key\n"
	"  --key FILE          private key that must belong to the leaf: PEM,\n"
	"                      DER or PKCS#12\n"
	"  --ca FILE           trusted CAs (PEM or DER); default: the system store\n"
	CLI_PASSWORD_USAGE
	"  --expect-name NAME  host name or IP address the leaf must match\n"
	"  --expect-id ID      unique ID the leaf's CN must equal\n"
	"  --purpose P         server (default) or client: the key usage needed\n"
	"  --now TIME          check dates at TIME (YYYY-MM-DDTHH:MM:SSZ or epoch)\n"
	"  --json              print the report as JSON\n"
	"  --no-color          plain text\n\n"
	"Exit status: 0 no error found, 1 errors found, 2 bad usage or input.\n";

struct cert_args {
	struct tp_cert_opts *o;
	struct cli_common *common;
};

static int apply_cert(int opt, const char *arg, void *ctx)
{
	struct cert_args *a = ctx;

	return cli_cert_option("cert", opt, arg, a->o, a->common);
}

int cmd_cert(int argc, char **argv)
{
	struct tp_cert_opts o;
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	int rc;

	tp_cert_opts_init(&o);
	o.password = &cli_password_source;
	rc = cli_options("cert", argc, argv, ":", longopts, usage_text,
			 apply_cert, &(struct cert_args){&o, &common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail("cert", 2, "unexpected argument '%s' (%s)",
				argv[optind], USAGE);
	if (o.cert_file == NULL)
		return cli_fail("cert", 2, "--cert FILE is required (%s)",
				USAGE);
	r = tp_report_new("cert");
	if (r == NULL)
		return cli_fail("cert", 3, "out of memory");
	if (tp_cert_run(&o, r, &err) < 0) {
		tp_report_free(r);
		return cli_error("cert", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	return rc;
}
