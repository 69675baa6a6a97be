/* The cert subcommand's run: its files loaded (a bad one is a usage
 * error, not a finding), then checked by cert.c's analysis as a peer
 * would check them. */
#include <gnutls/x509.h>

#include "cert.h"

int tp_cert_opts_check(const struct tp_cert_opts *o, struct tp_error *err)
{
	char ascii[TP_ADDR_NAME_SIZE];

	if (o->cert_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{cert} is required: the "
			     "chain to check");
		return -1;
	}
	if (o->purpose != TP_PURPOSE_SERVER && o->purpose != TP_PURPOSE_CLIENT) {
		tp_error_set(err, TP_ERR_USAGE, "{purpose}: no purpose number "
			     "%d", (int)o->purpose);
		return -1;
	}
	return o->expect_name != NULL &&
	       tp_addr_check_name("expect-name", o->expect_name, ascii,
				  err) < 0 ? -1 : 0;
}

int tp_cert_run(const struct tp_cert_opts *o, struct tp_report *r,
		struct tp_error *err)
{
	struct tp_chain_check check = {
		.role = "certificate file",
		.purpose = o->purpose,
		.expect_name = o->expect_name,
		.expect_id = o->expect_id,
		.now = o->now,
		.side = TP_SIDE_LOCAL,
		.sent_by_peer = false,
	};
	gnutls_x509_crt_t *chain = NULL;
	gnutls_x509_privkey_t key = NULL;
	struct tp_trust *trust = NULL;
	unsigned n = 0;
	int rc = -1;

	if (tp_cert_opts_check(o, err) < 0)
		return -1;
	/* every input first: a bad file is a usage error, not a finding */
	if (tp_cert_load_chain(o->cert_file, o->password, &chain, &n,
			       o->key_file == NULL ? &key : NULL, err) < 0)
		goto out;
	if (o->key_file != NULL &&
	    tp_cert_load_key(o->key_file, o->password, &key, err) < 0)
		goto out;
	trust = tp_cert_trust_load(o->ca_file, err);
	if (trust == NULL)
		goto out;

	/* with no --key, the key a PKCS#12 --cert holds is checked */
	if (key != NULL)
		tp_cert_check_key(r, o->cert_file, o->key_file != NULL
				  ? o->key_file : o->cert_file, chain, n, key);
	tp_cert_check_chain(r, chain, n, trust, &check);
	rc = 0;
out:
	tp_cert_trust_free(trust);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	tp_cert_free_chain(chain, n);
	return rc;
}
