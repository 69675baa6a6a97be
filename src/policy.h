/*
 * A cipher policy: the list of suites a configuration allows, read from
 * one of the three syntaxes people write it in. Internal to libtlsprobe.
 *
 *  - OpenSSL cipher strings ("HIGH:!aNULL:!MD5", "ECDHE+AESGCM:@STRENGTH",
 *    as in nginx's ssl_ciphers or FairCom's SSL_CIPHERS), evaluated over
 *    the registry with OpenSSL's aliases and operators (!, -, +, @STRENGTH,
 *    @SECLEVEL=n). TLS 1.3 suites are not part of an OpenSSL cipher string;
 *    OpenSSL's default TLS 1.3 list is added unless the string names
 *    TLS 1.3 suites itself (TLS_AES_… names mixed in are accepted).
 *  - IANA names separated by commas, colons or spaces
 *    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384", as in
 *    FairCom's allowedCipherSuites).
 *  - GnuTLS priority strings ("NORMAL:-VERS-TLS1.0", "SECURE256:+ARCFOUR-128"),
 *    expanded by GnuTLS itself.
 */
#ifndef TP_POLICY_H
#define TP_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "tlsprobe.h"

enum tp_policy_syntax {
	TP_POLICY_OPENSSL,
	TP_POLICY_IANA,
	TP_POLICY_GNUTLS,
};

#define TP_POLICY_MAX 512

struct tp_policy {
	enum tp_policy_syntax syntax;
	uint16_t suites[TP_POLICY_MAX];  /* in the policy's order */
	size_t n_suites;
	/* GnuTLS priority strings also fix versions; 0 when not given */
	uint16_t versions[8];
	size_t n_versions;
	/* an OpenSSL cipher string's @SECLEVEL=n; -1 when not given */
	int seclevel;
};

/* "OpenSSL cipher string", "IANA suite names", "GnuTLS priority string" */
const char *tp_policy_syntax_name(enum tp_policy_syntax s);

/*
 * Detects the syntax of text and expands it into suites. A usage error
 * (TP_ERR_USAGE) names the first token it cannot read ("--policy: unknown
 * cipher 'ECDHE-RSA-AES999' at position 3") or a GnuTLS syntax error at
 * its offset; an expansion that leaves no suite is an error too.
 */
int tp_policy_parse(const char *text, struct tp_policy *p,
		    struct tp_error *err);

/*
 * True when whether a server accepts suite id of this policy depends on
 * how its library was built or on its default security level, not on
 * the policy: 3DES, RC4, SEED and IDEA suites of an OpenSSL cipher
 * string, and its NULL and MD5 suites when it sets no @SECLEVEL.
 */
bool tp_policy_build_dependent(const struct tp_policy *p, uint16_t id);

/* True when the policy allows suite id. */
bool tp_policy_has(const struct tp_policy *p, uint16_t id);

#endif
