/*
 * X.509 analysis over GnuTLS: loading certificates, keys and trust
 * anchors, describing certificates, and checking a chain for every
 * problem a peer would trip over (trust path, order, dates, names,
 * unique ID, key sizes, signatures, key usage).
 *
 * Certificate fields are hostile input: every string that reaches the
 * report goes through the report's sanitising setters exactly once, and
 * every list read from a certificate is bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/pkcs12.h>

#include "alloc.h"
#include "cert.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define SYSTEM_SOURCE "system store"
#define INPUT_MAX (16u << 20)   /* bytes read from one input file */
#define TRUST_MAX 4096          /* CAs taken from one trust source */
#define DN_MAX 512              /* a DN as shown in messages */
#define SAN_ENTRY_MAX 2048      /* one subjectAltName entry */
#define SAN_SCAN_MAX 1024       /* entries looked at, listed or not */
#define TRUST_SHOWN 8           /* trusted CA names listed in a detail */
#define TEXT_MAX 4096           /* one summary or detail */

/* ---- small text buffers that truncate instead of overflowing ---- */

struct text {
	char *p;
	size_t size;
	size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) TP_PRINTF(2, 3);
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->size == 0 || t->len >= t->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n;
	if (t->len >= t->size)
		t->len = t->size - 1;
}

/* Records a usage error with the GnuTLS status kept alongside. */
#define usage_error(err, status, ...)                                   \
	do {                                                            \
		if ((err) != NULL && (err)->kind == TP_ERR_NONE)        \
			(err)->lib_status = (status);                   \
		tp_error_set((err), TP_ERR_USAGE, __VA_ARGS__);         \
	} while (0)

/* ---- reading input files ---- */

static bool contains(const gnutls_datum_t *d, const char *needle)
{
	return memmem(d->data, d->size, needle, strlen(needle)) != NULL;
}

static bool only_space(const gnutls_datum_t *d)
{
	unsigned i;

	for (i = 0; i < d->size; i++)
		if (d->data[i] == '\0' || !strchr(" \t\r\n", d->data[i]))
			return false;
	return true;
}

/*
 * What a file holds, told by its content and never by its name: a .crt
 * is as often DER as PEM, and a .pem now and then a PKCS#12 bundle.
 */
enum input_form { FORM_PEM, FORM_DER, FORM_PKCS12 };

/* Whether d is a PKCS#12 PFX (RFC 7292 section 4) GnuTLS can open. */
static bool is_pkcs12(const gnutls_datum_t *d)
{
	gnutls_pkcs12_t p12;
	bool yes;

	if (gnutls_pkcs12_init(&p12) < 0)
		return false;
	yes = gnutls_pkcs12_import(p12, d, GNUTLS_X509_FMT_DER, 0) == 0;
	gnutls_pkcs12_deinit(p12);
	return yes;
}

/*
 * Reads a whole certificate or key file given with the option whose
 * words are flag ("--ca", "CA file": tp_error_name) and tells its form;
 * every failure is one usage error naming the file.
 */
static int read_input(const char *flag, const char *path,
		      gnutls_datum_t *out, enum input_form *form,
		      struct tp_error *err)
{
	unsigned char *buf = NULL, *grown;
	size_t len = 0, cap = 0, got;
	struct stat st;
	FILE *f;

	out->data = NULL;
	out->size = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		if (errno == ENOMEM)
			tp_alloc_note();
		tp_error_set(err, TP_ERR_USAGE, "%s %s: cannot read: %s", flag,
			     path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		tp_error_set(err, TP_ERR_USAGE, "%s %s: is a directory, not a "
			     "certificate or key file", flag, path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap + 1);
			if (grown == NULL) {
				free(buf);
				fclose(f);
				tp_error_set(err, TP_ERR_RUNTIME, "%s %s: out of "
					     "memory reading it", flag, path);
				return -1;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len > INPUT_MAX) {
			free(buf);
			fclose(f);
			tp_error_set(err, TP_ERR_USAGE, "%s %s: larger than %u "
				     "MiB, not a file of certificates or keys",
				     flag, path, INPUT_MAX >> 20);
			return -1;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		tp_error_set(err, TP_ERR_USAGE, "%s %s: cannot read: %s", flag,
			     path, strerror(errno));
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	out->data = buf;
	out->size = (unsigned)len;
	if (len == 0 || only_space(out)) {
		free(buf);
		out->data = NULL;
		tp_error_set(err, TP_ERR_USAGE, "%s %s: empty file", flag, path);
		return -1;
	}
	if (contains(out, "-----BEGIN ")) {
		*form = FORM_PEM;
		return 0;
	}
	/* DER: every form read here (certificate, PKCS#8, PKCS#1, SEC 1,
	 * PFX) is an ASN.1 SEQUENCE, tag 0x30 */
	if (out->data[0] == 0x30) {
		*form = is_pkcs12(out) ? FORM_PKCS12 : FORM_DER;
		return 0;
	}
	free(buf);
	out->data = NULL;
	tp_error_set(err, TP_ERR_USAGE, "%s %s: neither PEM (no -----BEGIN "
		     "line) nor DER (no ASN.1 SEQUENCE at its start): give a "
		     "certificate or key as PEM, DER or PKCS#12", flag, path);
	return -1;
}

/* Whether DER bytes are a private key (to say so when a certificate
 * was wanted). */
static bool der_is_key(const gnutls_datum_t *d)
{
	gnutls_x509_privkey_t k;
	bool yes;

	if (gnutls_x509_privkey_init(&k) < 0)
		return false;
	yes = gnutls_x509_privkey_import2(k, d, GNUTLS_X509_FMT_DER, NULL,
					  GNUTLS_PKCS_PLAIN) == 0 ||
	      gnutls_x509_privkey_import_pkcs8(k, d, GNUTLS_X509_FMT_DER, NULL,
					       GNUTLS_PKCS_PLAIN) ==
		      GNUTLS_E_DECRYPTION_FAILED;
	gnutls_x509_privkey_deinit(k);
	return yes;
}

/* Why a list of certificates did not import, in words. */
static void cert_import_error(const char *flag, const char *path,
			      const gnutls_datum_t *d, enum input_form form,
			      int status, struct tp_error *err)
{
	const char *name = gnutls_strerror_name(status);

	if (form == FORM_DER && der_is_key(d))
		usage_error(err, status, "%s %s: holds a private key (DER), "
			    "not a certificate", flag, path);
	else if (form == FORM_DER)
		usage_error(err, status, "%s %s: DER that does not parse as an "
			    "X.509 certificate (%s)", flag, path,
			    name ? name : "?");
	else if (status == GNUTLS_E_BASE64_DECODING_ERROR ||
		 status == GNUTLS_E_BASE64_UNEXPECTED_HEADER_ERROR)
		usage_error(err, status, "%s %s: malformed base64 in a "
			    "CERTIFICATE block (%s)", flag, path,
			    name ? name : "?");
	else if (status == GNUTLS_E_NO_CERTIFICATE_FOUND &&
		 contains(d, "PRIVATE KEY-----"))
		usage_error(err, status, "%s %s: holds a private key, not a "
			    "certificate", flag, path);
	else if (status == GNUTLS_E_NO_CERTIFICATE_FOUND)
		usage_error(err, status, "%s %s: no certificate found (no "
			    "-----BEGIN CERTIFICATE----- block)", flag, path);
	else
		usage_error(err, status, "%s %s: a CERTIFICATE block does not "
			    "parse as X.509 (%s)", flag, path,
			    name ? name : "?");
}

/* Checks a list's count against max; frees it when out of bounds. */
static int list_bounded(const char *flag, const char *path, unsigned max,
			gnutls_x509_crt_t **list, unsigned *n,
			struct tp_error *err)
{
	if (*n == 0) {
		gnutls_free(*list);
		*list = NULL;
		usage_error(err, 0, "%s %s: no certificate found", flag, path);
		return -1;
	}
	if (*n > max) {
		usage_error(err, 0, "%s %s: holds %u certificates, more than "
			    "the %u read from one file", flag, path, *n, max);
		tp_cert_free_chain(*list, *n);
		*list = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Imports every certificate of a PEM file, or the one of a DER file;
 * count capped at max. */
static int import_list(const char *flag, const char *path,
		       const gnutls_datum_t *d, enum input_form form,
		       unsigned max, gnutls_x509_crt_t **list, unsigned *n,
		       struct tp_error *err)
{
	int ret;

	*list = NULL;
	*n = 0;
	errno = 0;
	ret = gnutls_x509_crt_list_import2(list, n, d, form == FORM_DER
					   ? GNUTLS_X509_FMT_DER
					   : GNUTLS_X509_FMT_PEM, 0);
	if (ret < 0) {
		/* not the file's fault: the main says so (alloc.h) */
		if (ret == GNUTLS_E_MEMORY_ERROR || errno == ENOMEM)
			tp_alloc_note();
		cert_import_error(flag, path, d, form, ret, err);
		return -1;
	}
	return list_bounded(flag, path, max, list, n, err);
}

/* ---- PKCS#12 ---- */

static bool self_signed(gnutls_x509_crt_t crt);

/* Asks the front end for path's password; -1 when it has none. */
static int ask_password(const struct tp_password *pw, const char *path,
			char *buf, size_t size)
{
	buf[0] = '\0';
	if (pw == NULL || pw->get == NULL)
		return -1;
	if (pw->get(pw->arg, path, buf, size) < 0) {
		gnutls_memset(buf, 0, size);
		return -1;
	}
	buf[size - 1] = '\0';
	return 0;
}

/* The certificates and the key of a PFX, as its bags hold them. */
struct p12_contents {
	gnutls_x509_crt_t certs[TP_CHAIN_MAX + 1];
	unsigned n_certs;
	bool too_many;
	gnutls_x509_privkey_t key;
};

static void p12_contents_free(struct p12_contents *c)
{
	unsigned i;

	for (i = 0; i < c->n_certs; i++)
		gnutls_x509_crt_deinit(c->certs[i]);
	if (c->key != NULL)
		gnutls_x509_privkey_deinit(c->key);
	memset(c, 0, sizeof(*c));
}

/* Takes one element of a bag: a certificate or a key (the first one);
 * other kinds (CRLs, secrets) are not ours to check. */
static int p12_element(gnutls_pkcs12_bag_t bag, unsigned i,
		       const char *password, struct p12_contents *c)
{
	gnutls_pkcs12_bag_type_t type = gnutls_pkcs12_bag_get_type(bag, i);
	gnutls_datum_t d;
	int ret;

	ret = gnutls_pkcs12_bag_get_data(bag, i, &d);
	if (ret < 0)
		return ret;
	if (type == GNUTLS_BAG_CERTIFICATE) {
		if (c->n_certs > TP_CHAIN_MAX) {
			c->too_many = true;
			return 0;
		}
		ret = gnutls_x509_crt_init(&c->certs[c->n_certs]);
		if (ret < 0)
			return ret;
		ret = gnutls_x509_crt_import(c->certs[c->n_certs], &d,
					     GNUTLS_X509_FMT_DER);
		if (ret < 0) {
			gnutls_x509_crt_deinit(c->certs[c->n_certs]);
			return ret;
		}
		c->n_certs++;
		return 0;
	}
	if ((type != GNUTLS_BAG_PKCS8_KEY &&
	     type != GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) || c->key != NULL)
		return 0;
	ret = gnutls_x509_privkey_init(&c->key);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_privkey_import_pkcs8(c->key, &d, GNUTLS_X509_FMT_DER,
					       password,
					       type == GNUTLS_BAG_PKCS8_KEY
					       ? GNUTLS_PKCS_PLAIN : 0);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(c->key);
		c->key = NULL;
	}
	return ret;
}

/* Reads every bag of a PFX with one password (NULL: none). */
static int p12_read(gnutls_pkcs12_t p12, const char *password,
		    struct p12_contents *c)
{
	gnutls_pkcs12_bag_t bag;
	unsigned idx, i;
	int ret = 0, count;

	for (idx = 0; ret == 0; idx++) {
		ret = gnutls_pkcs12_bag_init(&bag);
		if (ret < 0)
			break;
		ret = gnutls_pkcs12_get_bag(p12, (int)idx, bag);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			gnutls_pkcs12_bag_deinit(bag);
			return 0;
		}
		if (ret == 0 && gnutls_pkcs12_bag_get_type(bag, 0) ==
				GNUTLS_BAG_ENCRYPTED)
			ret = password == NULL ? GNUTLS_E_DECRYPTION_FAILED
			      : gnutls_pkcs12_bag_decrypt(bag, password);
		count = ret == 0 ? gnutls_pkcs12_bag_get_count(bag) : 0;
		for (i = 0; ret == 0 && count > 0 && i < (unsigned)count; i++)
			ret = p12_element(bag, i, password, c);
		gnutls_pkcs12_bag_deinit(bag);
	}
	return ret;
}

/* Whether crt is the certificate of key: the same public key. */
static bool p12_key_of(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	unsigned char a[64], b[64];
	size_t na = sizeof(a), nb = sizeof(b);

	return gnutls_x509_crt_get_key_id(crt, 0, a, &na) == 0 &&
	       gnutls_x509_privkey_get_key_id(key, 0, b, &nb) == 0 &&
	       na == nb && memcmp(a, b, na) == 0;
}

/*
 * The chain from the leaf up, roots included, as a PEM file would hold
 * it: a PFX has no order of its own. The leaf is the key's certificate,
 * else the one that issued none of the others; certificates on no path
 * from it are left out.
 */
static int p12_chain(struct p12_contents *c, gnutls_x509_crt_t **chain,
		     unsigned *n)
{
	gnutls_x509_crt_t *out;
	bool used[TP_CHAIN_MAX + 1] = {false};
	unsigned leaf = 0, i, j, count;

	for (i = 0; i < c->n_certs; i++)
		if (c->key != NULL && p12_key_of(c->certs[i], c->key))
			break;
	if (i < c->n_certs) {
		leaf = i;
	} else {
		for (i = 0; i < c->n_certs; i++) {
			for (j = 0; j < c->n_certs; j++)
				if (j != i && !self_signed(c->certs[j]) &&
				    gnutls_x509_crt_check_issuer(c->certs[j],
								 c->certs[i]))
					break;
			if (j == c->n_certs)
				break;
		}
		leaf = i < c->n_certs ? i : 0;
	}
	out = gnutls_calloc(c->n_certs, sizeof(*out));
	if (out == NULL)
		return GNUTLS_E_MEMORY_ERROR;
	out[0] = c->certs[leaf];
	used[leaf] = true;
	count = 1;
	while (count < c->n_certs && !self_signed(out[count - 1])) {
		for (i = 0; i < c->n_certs; i++)
			if (!used[i] && gnutls_x509_crt_check_issuer(
					out[count - 1], c->certs[i]))
				break;
		if (i == c->n_certs)
			break;
		out[count++] = c->certs[i];
		used[i] = true;
	}
	/* the chain owns what it took; the rest stays to be freed */
	for (i = 0, j = 0; i < c->n_certs; i++)
		if (!used[i])
			c->certs[j++] = c->certs[i];
	c->n_certs = j;
	*chain = out;
	*n = count;
	return 0;
}

/* One try at a PFX with one password: 0, or the status of the MAC
 * check (*mac_status) and of the contents (returned). */
static int p12_try(gnutls_pkcs12_t p12, bool has_mac, const char *password,
		   struct p12_contents *c, int *mac_status)
{
	int ret;

	*mac_status = has_mac ? gnutls_pkcs12_verify_mac(p12, password) : 0;
	ret = p12_read(p12, password, c);
	if (ret < 0)
		p12_contents_free(c);
	return ret;
}

/*
 * Opens a PKCS#12 file: the chain and the key it holds (either may be
 * NULL when not wanted). Without a password, or with the empty one, it
 * is opened as exported with none; otherwise the front end is asked. A
 * wrong password and a MAC that does not verify are each their own
 * usage error naming the file.
 */
/*
 * The contents of p12 decrypted into c: with no password (or the empty
 * one) when that opens them, else with the one pw gives. 0 with *ret
 * the last attempt's result, -1 with err set when the password is
 * missing or wrong, or the MAC shows the file altered.
 */
static int p12_unlock(const char *flag, const char *path,
		      gnutls_pkcs12_t p12, const struct tp_password *pw,
		      struct p12_contents *c, int *ret, struct tp_error *err)
{
	static const char *const no_password[] = {NULL, ""};
	char password[TP_PASSWORD_MAX];
	bool has_mac, plain = false;
	unsigned i;
	int mac = 0;

	has_mac = gnutls_pkcs12_mac_info(p12, NULL, NULL, NULL, NULL, NULL) ==
		  0;
	*ret = GNUTLS_E_DECRYPTION_FAILED;
	for (i = 0; i < 2; i++) {
		*ret = p12_try(p12, has_mac, no_password[i], c, &mac);
		if (*ret == 0 && mac == 0)
			return 0;
		/* contents that need no password, under a MAC that does */
		if (*ret == 0)
			plain = true;
		p12_contents_free(c);
	}
	if (ask_password(pw, path, password, sizeof(password)) < 0) {
		usage_error(err, GNUTLS_E_DECRYPTION_FAILED,
			    "%s %s: a PKCS#12 file protected by a "
			    "password: give it with {password-file} "
			    "FILE or {password-env} VAR", flag, path);
		return -1;
	}
	*ret = p12_try(p12, has_mac, password, c, &mac);
	gnutls_memset(password, 0, sizeof(password));
	/*
	 * Contents the password decrypts under a MAC it does not verify:
	 * the password is right and the file was altered or damaged. When
	 * the contents need no password, a MAC that fails says no more than
	 * that the password is wrong.
	 */
	if (*ret == 0 && mac != 0 && !plain) {
		usage_error(err, mac, "%s %s: the PKCS#12 MAC does not "
			    "verify, though the password decrypts "
			    "its contents: the file was altered or "
			    "damaged (%s)", flag, path,
			    gnutls_strerror_name(mac));
		return -1;
	}
	if (mac != 0 || *ret == GNUTLS_E_DECRYPTION_FAILED) {
		usage_error(err, mac != 0 ? mac : *ret, "%s %s: wrong "
			    "password for this PKCS#12 file (%s)", flag,
			    path, gnutls_strerror_name(mac != 0 ? mac : *ret));
		return -1;
	}
	return 0;
}

/* The chain (when asked for) out of contents that decoded. */
static int p12_take_chain(const char *flag, const char *path,
			  struct p12_contents *c,
			  gnutls_x509_crt_t **chain, unsigned *n,
			  struct tp_error *err)
{
	if (c->n_certs == 0) {
		usage_error(err, 0, "%s %s: the PKCS#12 file holds no "
			    "certificate", flag, path);
		return -1;
	}
	if (c->too_many) {
		usage_error(err, 0, "%s %s: holds more than the %u "
			    "certificates read from one file", flag,
			    path, TP_CHAIN_MAX);
		return -1;
	}
	if (p12_chain(c, chain, n) < 0) {
		tp_alloc_note();
		tp_error_set(err, TP_ERR_RUNTIME, "%s %s: out of "
			     "memory reading it", flag, path);
		return -1;
	}
	return 0;
}

static int p12_open(const char *flag, const char *path,
		    const gnutls_datum_t *d, const struct tp_password *pw,
		    gnutls_x509_crt_t **chain, unsigned *n,
		    gnutls_x509_privkey_t *key, struct tp_error *err)
{
	struct p12_contents c;
	gnutls_pkcs12_t p12 = NULL;
	int ret, rc = -1;

	memset(&c, 0, sizeof(c));
	if (gnutls_pkcs12_init(&p12) < 0 ||
	    gnutls_pkcs12_import(p12, d, GNUTLS_X509_FMT_DER, 0) < 0) {
		/* read_input() imported it once already: memory ran out */
		tp_alloc_note();
		tp_error_set(err, TP_ERR_RUNTIME, "%s %s: out of memory "
			     "reading it", flag, path);
		goto out;
	}
	if (p12_unlock(flag, path, p12, pw, &c, &ret, err) < 0)
		goto out;
	if (ret == GNUTLS_E_MEMORY_ERROR) {
		tp_alloc_note();
		tp_error_set(err, TP_ERR_RUNTIME, "%s %s: out of memory "
			     "reading it", flag, path);
		goto out;
	}
	if (ret < 0) {
		usage_error(err, ret, "%s %s: the PKCS#12 contents do not "
			    "decode (%s); if it uses an algorithm GnuTLS "
			    "lacks, convert it: 'openssl pkcs12 -in %s "
			    "-nodes -out bundle.pem'", flag, path,
			    gnutls_strerror_name(ret) ?
			    gnutls_strerror_name(ret) : "?", path);
		goto out;
	}
	if (chain != NULL && p12_take_chain(flag, path, &c, chain, n, err) < 0)
		goto out;
	if (key != NULL) {
		*key = c.key;
		c.key = NULL;
	}
	rc = 0;
out:
	p12_contents_free(&c);
	gnutls_pkcs12_deinit(p12);
	return rc;
}

/* ---- the trust store ---- */

/* Fills t->cas with copies of what a GnuTLS trust list holds. */
static int copy_trust_list(struct tp_trust *t, struct tp_error *err)
{
	gnutls_x509_trust_list_iter_t iter = NULL;
	gnutls_x509_crt_t crt, *grown;
	int ret;

	for (;;) {
		ret = gnutls_x509_trust_list_iter_get_ca(t->list, &iter, &crt);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return 0;
		if (ret < 0) {
			gnutls_x509_trust_list_iter_deinit(iter);
			tp_error_set(err, TP_ERR_RUNTIME, "the system store: "
				     "cannot list its CAs (%s)",
				     gnutls_strerror(ret));
			return -1;
		}
		if (t->n_cas >= TRUST_MAX) {
			gnutls_x509_crt_deinit(crt);
			gnutls_x509_trust_list_iter_deinit(iter);
			return 0;
		}
		grown = gnutls_realloc(t->cas, (t->n_cas + 1) * sizeof(*grown));
		if (grown == NULL) {
			gnutls_x509_crt_deinit(crt);
			gnutls_x509_trust_list_iter_deinit(iter);
			tp_error_set(err, TP_ERR_RUNTIME, "out of memory "
				     "reading the system store");
			return -1;
		}
		t->cas = grown;
		t->cas[t->n_cas++] = crt;
	}
}

/* Loads a PEM bundle, or one DER certificate, into t->cas. */
static int trust_from_pem(struct tp_trust *t, const char *flag,
			  const char *path, struct tp_error *err)
{
	enum input_form form;
	gnutls_datum_t d;

	if (read_input(flag, path, &d, &form, err) < 0)
		return -1;
	/* a PFX's CAs are not trust anchors by its own word: ask for them
	 * as a file of their own */
	if (form == FORM_PKCS12) {
		free(d.data);
		usage_error(err, 0, "%s %s: a PKCS#12 file; give the CAs to "
			    "trust as PEM or DER, e.g. 'openssl pkcs12 -in %s "
			    "-nokeys -cacerts -out ca.pem'", flag, path, path);
		return -1;
	}
	if (import_list(flag, path, &d, form, TRUST_MAX, &t->cas, &t->n_cas,
			err) < 0) {
		free(d.data);
		return -1;
	}
	/* t->cas is what the analysis reads; the trust list is only a way
	 * in to the system store when there is no bundle file, so parsing
	 * every CA a second time into it would be wasted work */
	free(d.data);
	return 0;
}

struct tp_trust *tp_cert_trust_load(const char *ca_file, struct tp_error *err)
{
	struct tp_trust *t = calloc(1, sizeof(*t));
	struct tp_error quiet = {0};
	int ret;

	if (t == NULL || gnutls_x509_trust_list_init(&t->list, 0) < 0) {
		free(t);
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory loading the "
			     "trusted CAs");
		return NULL;
	}
	t->source = strdup(ca_file != NULL ? ca_file : SYSTEM_SOURCE);
	if (t->source == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory loading the "
			     "trusted CAs");
		goto fail;
	}
	if (ca_file != NULL) {
		char flag[64];

		tp_error_name("ca", flag, sizeof(flag));
		if (trust_from_pem(t, flag, ca_file, err) < 0) {
			tp_error_blame(err, "ca");
			goto fail;
		}
		return t;
	}
	/* The Debian bundle first: it is what most clients here trust. */
	if (trust_from_pem(t, "system store", SYSTEM_BUNDLE, &quiet) == 0)
		return t;
	tp_cert_free_chain(t->cas, t->n_cas);
	t->cas = NULL;
	t->n_cas = 0;
	gnutls_x509_trust_list_deinit(t->list, 1);
	t->list = NULL;
	if (gnutls_x509_trust_list_init(&t->list, 0) < 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory loading the "
			     "system store");
		goto fail;
	}
	ret = gnutls_x509_trust_list_add_system_trust(t->list, 0, 0);
	if (ret < 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "the system store cannot be "
			     "loaded (%s); name the CAs with {ca}",
			     gnutls_strerror(ret));
		goto fail;
	}
	if (copy_trust_list(t, err) < 0)
		goto fail;
	return t;
fail:
	tp_cert_trust_free(t);
	return NULL;
}

void tp_cert_trust_free(struct tp_trust *t)
{
	if (t == NULL)
		return;
	tp_cert_free_chain(t->cas, t->n_cas);
	if (t->list != NULL)
		gnutls_x509_trust_list_deinit(t->list, 1);
	free(t->source);
	free(t);
}

void tp_cert_trust_describe(const struct tp_trust *t, char *buf, size_t size)
{
	struct text out = {buf, size, 0};
	char dn[DN_MAX];
	unsigned i, n = t != NULL ? t->n_cas : 0;

	if (size == 0)
		return;
	out.len = strnlen(buf, size - 1);
	buf[out.len] = '\0';
	if (n == 0) {
		text_add(&out, "no CAs");
		return;
	}
	for (i = 0; i < n && i < TRUST_SHOWN; i++) {
		tp_cert_dn(t->cas[i], false, dn, sizeof(dn));
		text_add(&out, "%s%s", i > 0 ? ", " : "", dn);
	}
	if (n > TRUST_SHOWN)
		text_add(&out, ", … (%u more)", n - TRUST_SHOWN);
}

/* "the system store" or the file name, for messages. */
static const char *source_name(const struct tp_trust *t)
{
	if (t == NULL || t->source == NULL)
		return "no trust store";
	if (strcmp(t->source, SYSTEM_SOURCE) == 0)
		return "the " SYSTEM_SOURCE;
	return t->source;
}

/* ---- certificates and keys ---- */

int tp_cert_load_chain(const char *path, const struct tp_password *pw,
		       gnutls_x509_crt_t **chain, unsigned *n,
		       gnutls_x509_privkey_t *bundled_key, struct tp_error *err)
{
	enum input_form form;
	gnutls_datum_t d;
	int ret;

	char flag[64];

	*chain = NULL;
	*n = 0;
	if (bundled_key != NULL)
		*bundled_key = NULL;
	tp_error_name("cert", flag, sizeof(flag));
	if (read_input(flag, path, &d, &form, err) < 0) {
		tp_error_blame(err, "cert");
		return -1;
	}
	if (form == FORM_PKCS12)
		ret = p12_open(flag, path, &d, pw, chain, n, bundled_key, err);
	else
		ret = import_list(flag, path, &d, form, TP_CHAIN_MAX, chain, n,
				  err);
	free(d.data);
	if (ret < 0)
		tp_error_blame(err, "cert");
	return ret;
}

size_t tp_cert_chain_message_size(gnutls_x509_crt_t *chain, unsigned n)
{
	/* type and length 4, certificate_request_context 1, list length 3;
	 * each entry: length 3, the DER, extensions length 2 */
	size_t total = 4 + 1 + 3;
	unsigned i;

	for (i = 0; i < n; i++) {
		gnutls_datum_t der = {NULL, 0};

		if (gnutls_x509_crt_export2(chain[i], GNUTLS_X509_FMT_DER,
					    &der) < 0)
			return 0;
		total += 3 + der.size + 2;
		gnutls_free(der.data);
	}
	return total;
}

int tp_cert_check_sendable(const char *key, const char *path,
			   gnutls_x509_crt_t *chain, unsigned n,
			   struct tp_error *err)
{
	size_t size = tp_cert_chain_message_size(chain, n);
	size_t room = TP_CERT_HANDSHAKE_MAX - TP_CERT_HELLOS_MIN;

	if (size == 0) {
		tp_error_set_for(err, TP_ERR_USAGE, key, "{} %s: a certificate "
				 "of the chain cannot be encoded to send",
				 path);
		return -1;
	}
	if (size <= room && size <= 0xFFFFFF)
		return 0;
	tp_error_set_for(err, TP_ERR_USAGE, key, "{} %s: the chain (%u "
			 "certificate%s) makes a Certificate message of %zu "
			 "bytes; GnuTLS sends at most %u bytes of handshake, "
			 "%zu of them after the hellos, so no peer could ever "
			 "receive it: present fewer or smaller certificates "
			 "(leave out the root)", path, n, n == 1 ? "" : "s",
			 size, TP_CERT_HANDSHAKE_MAX, room);
	return -1;
}

int tp_cert_import_der(const gnutls_datum_t *der, unsigned n,
		       gnutls_x509_crt_t **chain, unsigned *count,
		       struct tp_error *err)
{
	unsigned take = n > TP_CHAIN_MAX ? TP_CHAIN_MAX : n, i;
	gnutls_x509_crt_t *list;
	int ret;

	*chain = NULL;
	*count = 0;
	list = gnutls_calloc(take > 0 ? take : 1, sizeof(*list));
	if (list == NULL) {
		tp_alloc_note();
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory importing "
			     "the certificates received");
		return -1;
	}
	errno = 0;
	for (i = 0; i < take; i++) {
		ret = gnutls_x509_crt_init(&list[i]);
		if (ret == 0)
			ret = gnutls_x509_crt_import(list[i], &der[i],
						     GNUTLS_X509_FMT_DER);
		if (ret < 0) {
			/* a certificate we could not parse for want of
			 * memory must not read as a malformed one */
			if (ret == GNUTLS_E_MEMORY_ERROR || errno == ENOMEM)
				tp_alloc_note();
			if (err != NULL && err->kind == TP_ERR_NONE)
				err->lib_status = ret;
			tp_error_set(err, TP_ERR_RUNTIME, "certificate [%u] "
				     "received does not parse as X.509 (%s)",
				     i, gnutls_strerror_name(ret) ?
				     gnutls_strerror_name(ret) : "?");
			tp_cert_free_chain(list, take);
			return -1;
		}
	}
	*chain = list;
	*count = take;
	return 0;
}

void tp_cert_free_chain(gnutls_x509_crt_t *chain, unsigned n)
{
	unsigned i;

	if (chain == NULL)
		return;
	for (i = 0; i < n; i++)
		if (chain[i] != NULL)
			gnutls_x509_crt_deinit(chain[i]);
	gnutls_free(chain);
}

/* Why a key file did not import, in words. */
static void key_import_error(const char *path, const gnutls_datum_t *d,
			     enum input_form form, int status,
			     struct tp_error *err)
{
	const char *name = gnutls_strerror_name(status);
	gnutls_x509_crt_t crt;
	bool is_cert = false;

	if (form == FORM_DER && gnutls_x509_crt_init(&crt) == 0) {
		is_cert = gnutls_x509_crt_import(crt, d, GNUTLS_X509_FMT_DER) ==
			  0;
		gnutls_x509_crt_deinit(crt);
	}
	if (form == FORM_DER && is_cert)
		usage_error(err, status, "{key} %s: holds a certificate (DER), "
			    "not a private key", path);
	else if (form == FORM_DER)
		usage_error(err, status, "{key} %s: DER that does not parse as "
			    "a private key (%s)", path, name ? name : "?");
	else if (contains(d, "PRIVATE KEY-----"))
		usage_error(err, status, "{key} %s: the PRIVATE KEY block "
			    "does not parse (%s)", path, name ? name : "?");
	else if (contains(d, "CERTIFICATE-----"))
		usage_error(err, status, "{key} %s: holds a certificate, "
			    "not a private key", path);
	else if (contains(d, "PUBLIC KEY-----"))
		usage_error(err, status, "{key} %s: holds a public key, "
			    "not a private key", path);
	else
		usage_error(err, status, "{key} %s: no private key found "
			    "(no -----BEGIN PRIVATE KEY----- block)", path);
}

/* A key encrypted under a password (PKCS#8, or OpenSSL's PEM
 * encryption): the front end is asked for it. */
static int key_decrypt(const char *path, const gnutls_datum_t *d,
		       enum input_form form, const struct tp_password *pw,
		       gnutls_x509_privkey_t k, struct tp_error *err)
{
	char password[TP_PASSWORD_MAX];
	int ret;

	if (ask_password(pw, path, password, sizeof(password)) < 0) {
		usage_error(err, 0, "{key} %s: the key is encrypted: give its "
			    "password with {password-file} FILE or "
			    "{password-env} VAR", path);
		return -1;
	}
	ret = gnutls_x509_privkey_import2(k, d, form == FORM_DER
					  ? GNUTLS_X509_FMT_DER
					  : GNUTLS_X509_FMT_PEM, password, 0);
	gnutls_memset(password, 0, sizeof(password));
	if (ret == GNUTLS_E_DECRYPTION_FAILED) {
		usage_error(err, ret, "{key} %s: wrong password for the "
			    "encrypted key (%s)", path,
			    gnutls_strerror_name(ret));
		return -1;
	}
	if (ret < 0) {
		key_import_error(path, d, form, ret, err);
		return -1;
	}
	return 0;
}

/* Whether a PEM key says it is encrypted, or a DER one is a PKCS#8
 * EncryptedPrivateKeyInfo (RFC 5958 section 3). */
static bool key_encrypted(const gnutls_datum_t *d, enum input_form form)
{
	gnutls_x509_privkey_t scratch;
	bool yes;

	if (form == FORM_PEM)
		return contains(d, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
		       contains(d, "Proc-Type: 4,ENCRYPTED");
	if (gnutls_x509_privkey_init(&scratch) < 0)
		return false;
	yes = gnutls_x509_privkey_import_pkcs8(scratch, d, GNUTLS_X509_FMT_DER,
					       NULL, GNUTLS_PKCS_PLAIN) ==
	      GNUTLS_E_DECRYPTION_FAILED;
	gnutls_x509_privkey_deinit(scratch);
	return yes;
}

int tp_cert_load_key(const char *path, const struct tp_password *pw,
		     gnutls_x509_privkey_t *key, struct tp_error *err)
{
	gnutls_x509_privkey_t k = NULL;
	enum input_form form;
	gnutls_datum_t d;
	char flag[64];
	int ret;

	*key = NULL;
	tp_error_name("key", flag, sizeof(flag));
	if (read_input(flag, path, &d, &form, err) < 0) {
		tp_error_blame(err, "key");
		return -1;
	}
	if (form == FORM_PKCS12) {
		ret = p12_open(flag, path, &d, pw, NULL, NULL, &k, err);
		tp_error_blame(err, "key");
		free(d.data);
		if (ret == 0 && k == NULL) {
			usage_error(err, 0, "{key} %s: the PKCS#12 file holds "
				    "no private key", path);
			ret = -1;
		}
		if (ret < 0)
			return -1;
		*key = k;
		return 0;
	}
	ret = gnutls_x509_privkey_init(&k);
	if (ret < 0) {
		free(d.data);
		tp_alloc_note();
		tp_error_set(err, TP_ERR_RUNTIME, "{key} %s: out of memory "
			     "reading it", path);
		return -1;
	}
	/* Told apart first: without a password GnuTLS would only say that
	 * decryption failed. */
	if (key_encrypted(&d, form))
		ret = key_decrypt(path, &d, form, pw, k, err);
	else if ((ret = gnutls_x509_privkey_import2(k, &d, form == FORM_DER
						    ? GNUTLS_X509_FMT_DER
						    : GNUTLS_X509_FMT_PEM,
						    NULL, 0)) < 0)
		key_import_error(path, &d, form, ret, err);
	free(d.data);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(k);
		return -1;
	}
	*key = k;
	return 0;
}

void tp_cert_dn(gnutls_x509_crt_t crt, bool issuer, char *buf, size_t size)
{
	gnutls_datum_t d = {NULL, 0};
	size_t n;
	int ret;

	if (size == 0)
		return;
	ret = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0)
		     : gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (ret < 0 || d.size == 0) {
		snprintf(buf, size, "(empty name)");
		gnutls_free(d.data);
		return;
	}
	n = d.size < size - 1 ? d.size : size - 1;
	/* a cut at a whole character, or its tail shows as \xNN */
	if (n < d.size) {
		memcpy(buf, d.data, n);
		buf[n] = '\0';
		n = tp_utf8_prefix(buf, n > 4 ? n - 4 : 0);
	}
	memcpy(buf, d.data, n);
	buf[n] = '\0';
	/* mark a name cut short so that no one mistakes it for whole */
	if (n < d.size && n + 4 <= size)
		memcpy(buf + n, "...", 4);
	gnutls_free(d.data);
}

/* RFC 3339 UTC; "unknown" when GnuTLS could not read the date. */
static void format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "unknown");
}

/* How long from a to b (a <= b), in calendar years and days. */
static void format_span(time_t a, time_t b, char *buf, size_t size)
{
	struct tm ta, tb, tmp;
	long days, hours;
	int years = 0;
	time_t base = a;

	if (gmtime_r(&a, &ta) != NULL && gmtime_r(&b, &tb) != NULL) {
		years = tb.tm_year - ta.tm_year;
		for (; years > 0; years--) {
			tmp = ta;
			tmp.tm_year += years;
			base = timegm(&tmp);
			if (base != (time_t)-1 && base <= b)
				break;
		}
		if (years == 0)
			base = a;
	}
	days = (long)((b - base) / 86400);
	if (years == 0 && days == 0) {
		hours = (long)((b - a) / 3600);
		if (hours == 0)
			snprintf(buf, size, "less than an hour");
		else
			snprintf(buf, size, "%ld hour%s", hours,
				 hours == 1 ? "" : "s");
	} else if (years == 0) {
		snprintf(buf, size, "%ld day%s", days, days == 1 ? "" : "s");
	} else if (days == 0) {
		snprintf(buf, size, "%d year%s", years, years == 1 ? "" : "s");
	} else {
		snprintf(buf, size, "%d year%s %ld day%s", years,
			 years == 1 ? "" : "s", days, days == 1 ? "" : "s");
	}
}

/*
 * One subjectAltName entry as "DNS:x", "IP:1.2.3.4", "email:x", "URI:x",
 * raw bytes (embedded NULs kept, for the caller to escape); length in
 * *len. 0 when it is shown, 1 when it is of another type or too long,
 * -1 at the end of the list.
 */
static int san_entry(gnutls_x509_crt_t crt, unsigned seq, char *out,
		     size_t size, size_t *len)
{
	unsigned char raw[SAN_ENTRY_MAX];
	size_t raw_size = sizeof(raw), plen;
	unsigned critical;
	const char *prefix;
	char ip[INET6_ADDRSTRLEN];
	int type;

	type = gnutls_x509_crt_get_subject_alt_name(crt, seq, raw, &raw_size,
						    &critical);
	if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return -1;
	if (type < 0)
		return type == GNUTLS_E_SHORT_MEMORY_BUFFER ? 1 : -1;
	switch (type) {
	case GNUTLS_SAN_DNSNAME: prefix = "DNS:"; break;
	case GNUTLS_SAN_RFC822NAME: prefix = "email:"; break;
	case GNUTLS_SAN_URI: prefix = "URI:"; break;
	case GNUTLS_SAN_IPADDRESS:
		if ((raw_size != 4 && raw_size != 16) ||
		    inet_ntop(raw_size == 4 ? AF_INET : AF_INET6, raw, ip,
			      sizeof(ip)) == NULL)
			*len = (size_t)snprintf(out, size, "IP:(%zu bytes)",
						raw_size);
		else
			*len = (size_t)snprintf(out, size, "IP:%s", ip);
		if (*len >= size)
			*len = size - 1;
		return 0;
	default:
		return 1;
	}
	plen = strlen(prefix);
	if (plen + raw_size + 1 > size)
		return 1;
	memcpy(out, prefix, plen);
	memcpy(out + plen, raw, raw_size);
	out[plen + raw_size] = '\0';
	*len = plen + raw_size;
	return 0;
}

/* Appends the SANs a certificate holds, for a detail line. */
static void san_text(gnutls_x509_crt_t crt, struct text *out)
{
	char entry[SAN_ENTRY_MAX + 8];
	unsigned seq, shown = 0, more = 0;
	size_t len, i;
	int ret;

	for (seq = 0; seq < SAN_SCAN_MAX; seq++) {
		ret = san_entry(crt, seq, entry, sizeof(entry), &len);
		if (ret < 0)
			break;
		if (ret > 0)
			continue;
		if (shown >= TP_SAN_MAX) {
			more++;
			continue;
		}
		/* a NUL inside a name would end the text early */
		for (i = 0; i < len; i++)
			if (entry[i] == '\0')
				entry[i] = '?';
		text_add(out, "%s%s", shown > 0 ? ", " : "", entry);
		shown++;
	}
	if (shown == 0)
		text_add(out, "none");
	if (more > 0)
		text_add(out, ", … (%u more)", more);
}

static int describe_sans(gnutls_x509_crt_t crt, struct tp_cert_info *info)
{
	char entry[SAN_ENTRY_MAX + 8], **grown;
	unsigned seq;
	size_t len;
	int ret;

	for (seq = 0; seq < SAN_SCAN_MAX && info->n_san < TP_SAN_MAX; seq++) {
		ret = san_entry(crt, seq, entry, sizeof(entry), &len);
		if (ret < 0)
			break;
		if (ret > 0)
			continue;
		grown = realloc(info->san, (info->n_san + 1) * sizeof(*grown));
		if (grown == NULL)
			return -1;
		info->san = grown;
		info->san[info->n_san] = tp_sanitize(entry, len);
		if (info->san[info->n_san] == NULL)
			return -1;
		info->n_san++;
	}
	return 0;
}

/* "RSA-2048", "EC-SECP256R1", "Ed25519"; also the algorithm and size. */
static void key_name(gnutls_x509_crt_t crt, char *buf, size_t size,
		     int *algo_out, unsigned *bits_out)
{
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
	const char *name;
	unsigned bits = 0;
	int algo;

	algo = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	if (algo_out != NULL)
		*algo_out = algo;
	if (bits_out != NULL)
		*bits_out = bits;
	switch (algo) {
	case GNUTLS_PK_RSA:
		snprintf(buf, size, "RSA-%u", bits);
		return;
	case GNUTLS_PK_RSA_PSS:
		snprintf(buf, size, "RSA-PSS-%u", bits);
		return;
	case GNUTLS_PK_DSA:
		snprintf(buf, size, "DSA-%u", bits);
		return;
	case GNUTLS_PK_ECDSA:
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) == 0) {
			gnutls_free(x.data);
			gnutls_free(y.data);
		}
		name = gnutls_ecc_curve_get_name(curve);
		if (name != NULL)
			snprintf(buf, size, "EC-%s", name);
		else
			snprintf(buf, size, "EC-%u", bits);
		return;
	case GNUTLS_PK_EDDSA_ED25519:
		snprintf(buf, size, "Ed25519");
		return;
	case GNUTLS_PK_EDDSA_ED448:
		snprintf(buf, size, "Ed448");
		return;
	default:
		name = algo >= 0 ? gnutls_pk_get_name(algo) : NULL;
		snprintf(buf, size, "%s", name ? name : "unknown");
	}
}

/* "RSA-SHA256", or the signature OID when GnuTLS has no name for it. */
static void signature_name(gnutls_x509_crt_t crt, char *buf, size_t size)
{
	int algo = gnutls_x509_crt_get_signature_algorithm(crt);
	const char *name = algo > 0 ? gnutls_sign_get_name(algo) : NULL;
	size_t len = size;

	if (name != NULL) {
		snprintf(buf, size, "%s", name);
		return;
	}
	if (gnutls_x509_crt_get_signature_oid(crt, buf, &len) < 0)
		snprintf(buf, size, "unknown");
}

/*
 * Finds the DER element at p: its total length (header + content) in
 * *total and the header length in *hdr. Definite lengths only (DER).
 */
static int der_element(const unsigned char *p, size_t avail, size_t *hdr,
		       size_t *total)
{
	size_t len, h, i, nbytes;

	if (avail < 2)
		return -1;
	h = 2;
	len = p[1];
	if (len & 0x80) {
		nbytes = len & 0x7f;
		if (nbytes == 0 || nbytes > 4 || avail < 2 + nbytes)
			return -1;
		len = 0;
		for (i = 0; i < nbytes; i++)
			len = (len << 8) | p[2 + i];
		h += nbytes;
	}
	if (len > avail - h)
		return -1;
	*hdr = h;
	*total = h + len;
	return 0;
}

/*
 * Splits a DER certificate (RFC 5280 section 4.1: SEQUENCE of
 * tbsCertificate, signatureAlgorithm, signatureValue BIT STRING) into
 * the signed bytes and the signature.
 */
static int split_signed(const gnutls_datum_t *der, gnutls_datum_t *tbs,
			gnutls_datum_t *sig)
{
	const unsigned char *p = der->data;
	size_t avail = der->size, hdr, total, off;

	if (avail < 1 || p[0] != 0x30 || der_element(p, avail, &hdr, &total))
		return -1;
	off = hdr;
	avail = total;
	if (off >= avail || p[off] != 0x30 ||
	    der_element(p + off, avail - off, &hdr, &total))
		return -1;
	tbs->data = (unsigned char *)p + off;
	tbs->size = (unsigned)total;
	off += total;
	if (off >= avail || p[off] != 0x30 ||
	    der_element(p + off, avail - off, &hdr, &total))
		return -1;
	off += total;
	if (off >= avail || p[off] != 0x03 ||
	    der_element(p + off, avail - off, &hdr, &total) || total < hdr + 1)
		return -1;
	/* the first content byte counts unused bits: 0 for signatures */
	if (p[off + hdr] != 0)
		return -1;
	sig->data = (unsigned char *)p + off + hdr + 1;
	sig->size = (unsigned)(total - hdr - 1);
	return 0;
}

/*
 * True when issuer's key made crt's signature. Only the signature is
 * checked: dates, CA flags and algorithm strength are reported on their
 * own, so they must not hide who issued what.
 */
static bool signed_by(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
	gnutls_datum_t der = {NULL, 0}, tbs, sig;
	gnutls_pubkey_t key = NULL;
	int algo, ret = -1;

	/* "not signed by" for want of memory would name the wrong issuer
	 * (UNKNOWN_CA, SELF_SIGNED): errno is the witness */
	errno = 0;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0) {
		if (errno == ENOMEM)
			tp_alloc_note();
		return false;
	}
	algo = gnutls_x509_crt_get_signature_algorithm(crt);
	/* gnutls_x509_crt_verify_data2 does the same, but GnuTLS 3.7 leaks
	 * its key when the issuer's key does not import (a malformed one
	 * from the network): the key is ours here, and freed */
	if (algo > 0 && split_signed(&der, &tbs, &sig) == 0 &&
	    gnutls_pubkey_init(&key) == 0) {
		if (gnutls_pubkey_import_x509(key, issuer, 0) == 0)
			ret = gnutls_pubkey_verify_data2(key, algo,
				GNUTLS_VERIFY_ALLOW_BROKEN |
				GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1, &tbs, &sig);
		gnutls_pubkey_deinit(key);
	}
	gnutls_free(der.data);
	if (ret < 0 && (ret == GNUTLS_E_MEMORY_ERROR || errno == ENOMEM))
		tp_alloc_note();
	return ret >= 0;
}

/* "X issued Y": the names chain and X's key signed Y. */
static bool issued(gnutls_x509_crt_t issuer, gnutls_x509_crt_t crt)
{
	return gnutls_x509_crt_check_issuer(crt, issuer) &&
	       signed_by(crt, issuer);
}

/* The issuer name of crt equals the subject of other, key aside. */
static bool same_name_as_issuer(gnutls_x509_crt_t crt, gnutls_x509_crt_t other)
{
	gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
	char ta[DN_MAX], tb[DN_MAX];
	bool same = false;

	if (gnutls_x509_crt_get_raw_issuer_dn(crt, &a) == 0 &&
	    gnutls_x509_crt_get_raw_dn(other, &b) == 0)
		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (!same) {
		/* the same text in another string type is the same name */
		tp_cert_dn(crt, true, ta, sizeof(ta));
		tp_cert_dn(other, false, tb, sizeof(tb));
		same = strcmp(ta, tb) == 0 && strcmp(ta, "(empty name)") != 0;
	}
	return same;
}

static bool self_signed(gnutls_x509_crt_t crt)
{
	return issued(crt, crt);
}

bool tp_cert_issued(gnutls_x509_crt_t issuer, gnutls_x509_crt_t crt)
{
	return issued(issuer, crt);
}

static int ca_flag(gnutls_x509_crt_t crt)
{
	unsigned critical = 0, ca = 0;
	int pathlen = -1;

	return gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca,
						     &pathlen);
}

int tp_cert_describe(gnutls_x509_crt_t crt, struct tp_cert_info *info)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char fp[32];
	size_t fp_size = sizeof(fp), i;
	char text[DN_MAX];
	bool nomem;
	int rc = 0;

	/* GnuTLS's getters answer "no name", -1 or false alike when they
	 * could not allocate: errno is the one witness of that */
	errno = 0;
	tp_cert_dn(crt, false, text, sizeof(text));
	info->subject = tp_report_strdup(text);
	tp_cert_dn(crt, true, text, sizeof(text));
	info->issuer = tp_report_strdup(text);
	if (info->subject == NULL || info->issuer == NULL)
		rc = -1;
	info->sha256[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
					    &fp_size) == 0 && fp_size == 32) {
		for (i = 0; i < 32; i++) {
			info->sha256[2 * i] = hex[fp[i] >> 4];
			info->sha256[2 * i + 1] = hex[fp[i] & 15];
		}
		info->sha256[64] = '\0';
	}
	info->key_sha256[0] = '\0';
	fp_size = sizeof(fp);
	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, fp,
				       &fp_size) == 0 && fp_size == 32)
		tp_hex(fp, 32, info->key_sha256);
	format_time(gnutls_x509_crt_get_activation_time(crt),
		    info->not_before, sizeof(info->not_before));
	format_time(gnutls_x509_crt_get_expiration_time(crt),
		    info->not_after, sizeof(info->not_after));
	if (describe_sans(crt, info) < 0)
		rc = -1;
	key_name(crt, info->key, sizeof(info->key), NULL, NULL);
	signature_name(crt, text, sizeof(text));
	info->signature = tp_report_strdup(text);
	if (info->signature == NULL)
		rc = -1;
	info->is_ca = ca_flag(crt) > 0;
	/* signed_by starts its own errno watch: read ours first */
	nomem = errno == ENOMEM;
	info->self_signed = self_signed(crt);
	if (nomem || errno == ENOMEM) {
		tp_alloc_note();
		rc = -1;
	}
	return rc;
}

/* ---- the chain checks ---- */

/* What the checks know of one certificate sent. */
struct node {
	gnutls_x509_crt_t crt;
	char subject[DN_MAX];
	char issuer[DN_MAX];
	char label[DN_MAX + 16];   /* "[2] CN=x" */
	bool self_signed;
	bool is_ca;
	bool on_path;
	int issued_by;             /* the sent certificate that issued it */
};

/* The path found from the leaf towards a trust anchor. */
struct path {
	int steps[TP_CHAIN_MAX];   /* sent positions, leaf first */
	unsigned len;
	bool trusted;
	bool loops;                /* ended on a certificate seen before */
	int anchor_sent;           /* anchor is sent certificate [i], or -1 */
	int anchor_ca;             /* anchor is trust->cas[i], or -1 */
};

struct checker {
	struct tp_report *r;
	const struct tp_chain_check *c;
	const struct tp_trust *t;
	struct node *nodes;
	unsigned n;
	unsigned sent;             /* how many the caller passed */
	time_t now;
	struct path path;
};

/* Adds a finding on this chain's side, with the severity asked for. */
static struct tp_finding *finding(struct checker *k, enum tp_code code,
				  const char *summary)
{
	struct tp_finding *f = tp_report_finding(k->r, code, "%s", summary);

	if (f != NULL)
		f->side = k->c->side;
	return f;
}

/* Sets the detail, adding the note on a chain cut short. */
static void detail(struct checker *k, struct tp_finding *f, const char *text)
{
	if (k->sent > k->n)
		tp_finding_detail(f, "%s; only the first %u of the %u "
				  "certificates were examined", text, k->n,
				  k->sent);
	else
		tp_finding_detail(f, "%s", text);
}

static const char *role(const struct checker *k)
{
	return k->c->role != NULL ? k->c->role : "certificate";
}

/* "[0] CN=a, [1] CN=b": what was sent, for a detail. */
static void sent_list(const struct checker *k, struct text *out)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		text_add(out, "%s%s", i > 0 ? ", " : "", k->nodes[i].label);
}

static int trusted_equal(const struct checker *k, gnutls_x509_crt_t crt)
{
	unsigned i;

	for (i = 0; k->t != NULL && i < k->t->n_cas; i++)
		if (gnutls_x509_crt_equals(crt, k->t->cas[i]))
			return (int)i;
	return -1;
}

static int trusted_issuer(const struct checker *k, gnutls_x509_crt_t crt)
{
	unsigned i;

	for (i = 0; k->t != NULL && i < k->t->n_cas; i++)
		if (issued(k->t->cas[i], crt))
			return (int)i;
	return -1;
}

static int sent_equal(const struct checker *k, gnutls_x509_crt_t crt)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		if (gnutls_x509_crt_equals(crt, k->nodes[i].crt))
			return (int)i;
	return -1;
}

static void build_nodes(struct checker *k, gnutls_x509_crt_t *chain)
{
	unsigned i, j;

	for (i = 0; i < k->n; i++) {
		struct node *nd = &k->nodes[i];

		nd->crt = chain[i];
		tp_cert_dn(chain[i], false, nd->subject, sizeof(nd->subject));
		tp_cert_dn(chain[i], true, nd->issuer, sizeof(nd->issuer));
		snprintf(nd->label, sizeof(nd->label), "[%u] %s", i,
			 nd->subject);
		nd->self_signed = self_signed(chain[i]);
		nd->is_ca = ca_flag(chain[i]) > 0;
		nd->issued_by = -1;
	}
	/* the next position first, as a sender should order them */
	for (i = 0; i < k->n; i++) {
		if (k->nodes[i].self_signed)
			continue;
		if (i + 1 < k->n && issued(chain[i + 1], chain[i])) {
			k->nodes[i].issued_by = (int)i + 1;
			continue;
		}
		for (j = 0; j < k->n; j++)
			if (j != i && j != i + 1 && issued(chain[j], chain[i])) {
				k->nodes[i].issued_by = (int)j;
				break;
			}
	}
}

/*
 * Follows issuers from the leaf: a certificate in the trust store, or
 * one a trusted CA issued, ends the path trusted; otherwise the sent
 * issuer is next. A self-signed certificate, a missing issuer or a
 * certificate already on the path ends it untrusted.
 */
static void build_path(struct checker *k)
{
	bool seen[TP_CHAIN_MAX] = {false};
	struct path *p = &k->path;
	int cur = 0, ca;

	memset(p, 0, sizeof(*p));
	p->anchor_sent = -1;
	p->anchor_ca = -1;
	for (;;) {
		struct node *nd = &k->nodes[cur];

		seen[cur] = true;
		nd->on_path = true;
		p->steps[p->len++] = cur;
		ca = trusted_equal(k, nd->crt);
		if (ca >= 0) {
			p->trusted = true;
			p->anchor_sent = cur;
			p->anchor_ca = ca;
			return;
		}
		ca = trusted_issuer(k, nd->crt);
		if (ca >= 0) {
			p->trusted = true;
			p->anchor_ca = ca;
			p->anchor_sent = sent_equal(k, k->t->cas[ca]);
			if (p->anchor_sent >= 0)
				k->nodes[p->anchor_sent].on_path = true;
			return;
		}
		if (nd->self_signed || nd->issued_by < 0)
			return;
		if (seen[nd->issued_by]) {
			p->loops = true;
			return;
		}
		cur = nd->issued_by;
	}
}

static void check_order(struct checker *k)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t;
	unsigned i;

	for (i = 0; i + 1 < k->n; i++) {
		const struct node *nd = &k->nodes[i];

		if (nd->self_signed || nd->issued_by < 0 ||
		    nd->issued_by == (int)i + 1)
			continue;
		t = (struct text){buf, sizeof(buf), 0};
		text_add(&t, "certificate %s does not issue %s; its issuer %s "
			 "position [%d]", k->nodes[i + 1].label, nd->label,
			 k->c->sent_by_peer ? "was sent at" : "is at",
			 nd->issued_by);
		if (!k->c->sent_by_peer)
			text_add(&t, " of the %s", role(k));
		f = finding(k, TP_CHAIN_ORDER, buf);
		t = (struct text){buf, sizeof(buf), 0};
		text_add(&t, "each certificate must be followed by the one that "
			 "issued it; order %s: ", k->c->sent_by_peer ?
			 "sent" : "in the file");
		sent_list(k, &t);
		detail(k, f, buf);
		if (!k->c->sent_by_peer)
			tp_finding_fix(f, "reorder the %s: put %s right after "
				       "%s, each issuer after the certificate "
				       "it issued", role(k),
				       k->nodes[nd->issued_by].label,
				       nd->label);
		else if (k->c->side == TP_SIDE_CLIENT)
			tp_finding_fix(f, "list the client's chain leaf "
				       "first, then each issuer in turn, in "
				       "its certificate file (--cert)");
	}
}

/*
 * Sent certificates that play no part in a chain that verifies: RFC 8446
 * section 4.4.2 asks each certificate to certify the one before it, and
 * a stray one (an old intermediate, another site's leaf) costs bytes
 * and confuses clients that read the list in order.
 */
static void check_extra(struct checker *k)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t;
	unsigned i, j;
	bool issues;

	if (!k->path.trusted)
		return;
	for (i = 1; i < k->n; i++) {
		if (k->nodes[i].on_path)
			continue;
		issues = false;
		for (j = 0; j < k->n; j++)
			if (k->nodes[j].issued_by == (int)i)
				issues = true;
		if (issues)
			continue;
		t = (struct text){buf, sizeof(buf), 0};
		text_add(&t, "%s %s issues none of the other certificates "
			 "and is not on the path to the trust anchor",
			 k->nodes[i].label, k->c->sent_by_peer ? "was sent but"
			 : "is in the file but");
		f = finding(k, TP_CHAIN_ORDER, buf);
		t = (struct text){buf, sizeof(buf), 0};
		text_add(&t, "each certificate after the leaf must issue the "
			 "one before it; %s: ", k->c->sent_by_peer ? "sent"
			 : "the file holds");
		sent_list(k, &t);
		detail(k, f, buf);
		tp_finding_fix(f, "remove %s from the %s", k->nodes[i].subject,
			       role(k));
	}
}

/* The anchor when it came from the trust store and was not sent. */
static gnutls_x509_crt_t store_anchor(const struct checker *k)
{
	if (!k->path.trusted || k->path.anchor_sent >= 0 ||
	    k->path.anchor_ca < 0)
		return NULL;
	return k->t->cas[k->path.anchor_ca];
}

/* The report keeps the store's anchor apart from what was sent. */
static void note_anchor(struct checker *k)
{
	gnutls_x509_crt_t anchor = store_anchor(k);

	tp_cert_info_clear(&k->r->anchor);
	free(k->r->anchor_store);
	k->r->anchor_store = NULL;
	k->r->has_anchor = false;
	if (anchor == NULL)
		return;
	k->r->anchor_store = tp_report_strdup(k->t->source);
	if (tp_cert_describe(anchor, &k->r->anchor) < 0 ||
	    k->r->anchor_store == NULL) {
		tp_cert_info_clear(&k->r->anchor);
		return;
	}
	k->r->anchor.position = -1;
	k->r->has_anchor = true;
}

static void trusted_via_store(struct checker *k)
{
	gnutls_x509_crt_t anchor = store_anchor(k);
	const struct node *last = &k->nodes[k->path.steps[k->path.len - 1]];
	char buf[TEXT_MAX], dn[DN_MAX];
	struct tp_finding *f;
	struct text t;

	if (anchor == NULL || self_signed(anchor))
		return;
	tp_cert_dn(anchor, false, dn, sizeof(dn));
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "%s is trusted only through the intermediate %s from %s, "
		 "which %s", last->label, dn, source_name(k->t),
		 k->c->sent_by_peer ? "was not sent" : "the file does not hold");
	f = finding(k, TP_INCOMPLETE_CHAIN, buf);
	if (f == NULL)
		return;
	f->severity = TP_SEV_WARNING;
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "%s holds %s; other clients without it in their trust "
		 "store will fail to verify %s with an unknown-issuer error; ",
		 source_name(k->t), dn, k->nodes[0].label);
	text_add(&t, "%s: ", k->c->sent_by_peer ? "sent" : "the file holds");
	sent_list(k, &t);
	detail(k, f, buf);
	tp_finding_fix(f, "append the intermediate %s to the %s, after %s",
		       dn, role(k), last->label);
}

/* A trusted CA with the issuer's name but another key, or -1. */
static int trusted_same_name(const struct checker *k, gnutls_x509_crt_t crt)
{
	unsigned i;

	for (i = 0; k->t != NULL && i < k->t->n_cas; i++)
		if (same_name_as_issuer(crt, k->t->cas[i]))
			return (int)i;
	return -1;
}

/*
 * The issuer of end is not among the certificates given, yet another of
 * them not on the path is a CA, or bears the issuer's name: the
 * certificates do not link up and an intermediate is missing between
 * them. Proved from what was given alone, whatever the trust store.
 * Returns whether it added INCOMPLETE_CHAIN.
 */
static bool missing_link(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};
	int unused_ca = -1, same_name = -1;
	unsigned i;

	for (i = 0; i < k->n; i++) {
		if (k->nodes[i].on_path)
			continue;
		if (same_name_as_issuer(end->crt, k->nodes[i].crt) &&
		    same_name < 0)
			same_name = (int)i;
		if (k->nodes[i].is_ca && unused_ca < 0)
			unused_ca = (int)i;
	}
	if (same_name < 0 && unused_ca < 0)
		return false;
	text_add(&t, "issuer %s of %s is missing from %s%s (", end->issuer,
		 end->label, k->c->sent_by_peer ? "what was sent" : "the ",
		 k->c->sent_by_peer ? "" : role(k));
	sent_list(k, &t);
	text_add(&t, ")");
	f = finding(k, TP_INCOMPLETE_CHAIN, buf);
	t = (struct text){buf, sizeof(buf), 0};
	if (same_name >= 0)
		text_add(&t, "%s has the issuer's name but its key did "
			 "not sign %s (same name, different key: a "
			 "stale intermediate?)",
			 k->nodes[same_name].label, end->label);
	else
		text_add(&t, "%s is a CA but did not issue %s: the "
			 "intermediate between them is missing",
			 k->nodes[unused_ca].label, end->label);
	detail(k, f, buf);
	tp_finding_fix(f, "add the intermediate %s to the %s, right "
		       "after %s", end->issuer, role(k), end->label);
	return true;
}

/* "aa:bb:…": crt's authorityKeyIdentifier, or "" when it has none. */
static void authority_key_id(gnutls_x509_crt_t crt, char *out, size_t size)
{
	unsigned char id[64];
	size_t id_size = sizeof(id), i, used = 0;
	unsigned critical = 0;

	out[0] = '\0';
	if (gnutls_x509_crt_get_authority_key_id(crt, id, &id_size,
						 &critical) < 0)
		return;
	for (i = 0; i < id_size && used + 4 < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%02x",
					 i > 0 ? ":" : "", id[i]);
}

/*
 * The chain stops at a certificate that is no CA and not self-signed,
 * and no certificate sent or trusted issued it: the most common chain
 * fault there is, a server that sends its leaf without its
 * intermediate. The sender's fix comes first: it mends every client at
 * once, where a --ca mends only this one. The code is UNKNOWN_CA, the
 * one that is proved: the issuer may also be a private root this side
 * lacks (an internal CA signing its servers directly), which nothing
 * sent can tell apart, against the system store too: public roots never
 * sign end-entity certificates themselves (CA/Browser Forum Baseline
 * Requirements, 6.1.7), but private ones do.
 */
static void missing_issuer(struct checker *k, const struct node *end)
{
	bool system = k->t != NULL && k->t->source != NULL &&
		      strcmp(k->t->source, SYSTEM_SOURCE) == 0;
	const char *gap = k->c->sent_by_peer ? (k->c->side == TP_SIDE_CLIENT
			  ? "the client left out" : "the server left out")
			  : "the file lacks";
	const char *who = k->c->side == TP_SIDE_CLIENT ? "client" : "server";
	char buf[TEXT_MAX], aki[200];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};

	if (!k->c->sent_by_peer)
		text_add(&t, "the %s holds %s%s, whose issuer %s is not in it "
			 "and not among the %u trusted CAs from %s", role(k),
			 k->n == 1 ? "only " : "", end->label, end->issuer,
			 k->t ? k->t->n_cas : 0, source_name(k->t));
	else if (k->n == 1)
		text_add(&t, "the %s sent only its certificate %s; its issuer "
			 "%s was not sent and is not among the %u trusted CAs "
			 "from %s", who, end->label, end->issuer,
			 k->t ? k->t->n_cas : 0, source_name(k->t));
	else
		text_add(&t, "the chain the %s sent stops at %s; its issuer "
			 "%s was not sent and is not among the %u trusted CAs "
			 "from %s", who, end->label, end->issuer,
			 k->t ? k->t->n_cas : 0, source_name(k->t));
	f = finding(k, TP_UNKNOWN_CA, buf);
	authority_key_id(end->crt, aki, sizeof(aki));
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "%s is not self-signed and not a CA, so it is not where "
		 "a chain may end; ", end->label);
	if (aki[0] != '\0')
		text_add(&t, "its issuer's key identifier (authorityKeyIdentifier)"
			 " is %s; ", aki);
	if (system)
		text_add(&t, "public roots never issue end-entity certificates "
			 "directly, so if %s belongs to a public CA it is an "
			 "intermediate %s; if it is a private CA, this side "
			 "must trust its root", end->issuer, gap);
	else
		text_add(&t, "either %s is an intermediate %s (the usual "
			 "cause), or it is a root this side does not trust",
			 end->issuer, gap);
	text_add(&t, "; trusted: ");
	tp_cert_trust_describe(k->t, buf, sizeof(buf));
	detail(k, f, buf);
	if (!k->c->sent_by_peer)
		tp_finding_fix(f, "append the intermediate %s to the %s after "
			       "%s; only if %s is a root this side should "
			       "trust, add it to the trusted CAs (--ca)",
			       end->issuer, role(k), end->subject, end->issuer);
	else if (k->c->side == TP_SIDE_CLIENT)
		tp_finding_fix(f, "configure the client to send the "
			       "intermediate %s after its certificate (its "
			       "--cert file: the leaf, then the intermediates); "
			       "only if %s is a root this server should trust, "
			       "add it to the server's CA file (--ca)",
			       end->issuer, end->issuer);
	else
		tp_finding_fix(f, "configure the server to send the "
			       "intermediate %s after its certificate (nginx: "
			       "ssl_certificate naming the full chain file, "
			       "leaf first; Apache: SSLCertificateChainFile, or "
			       "the full chain in SSLCertificateFile; openssl "
			       "s_server: -cert_chain FILE; gnutls-serv: the "
			       "chain in --x509certfile); only if %s is a root "
			       "this side should trust, add it to the trusted "
			       "CAs (--ca)", end->issuer, end->issuer);
}

/* The leaf alone, self-signed and not trusted. */
static void untrusted_self(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};

	text_add(&t, "%s is self-signed%s and not among the %u trusted "
		 "CAs from %s", end->label, end->is_ca ? ", a CA "
		 "certificate in the leaf's place," : "",
		 k->t ? k->t->n_cas : 0, source_name(k->t));
	f = finding(k, TP_SELF_SIGNED, buf);
	/* a CA as the only certificate: the sender was given its CA's
	 * certificate instead of its own */
	if (end->is_ca && k->c->sent_by_peer)
		tp_finding_fix(f, "configure the %s with its own "
			       "certificate, one %s issued, and its key; "
			       "add %s to the trusted CAs (--ca) only if "
			       "it is the root this side should trust",
			       k->c->side == TP_SIDE_CLIENT ? "client"
			       : "server", end->subject, end->subject);
	else if (end->is_ca)
		tp_finding_fix(f, "put the node's own certificate, one "
			       "%s issued, in the %s, with its key; add "
			       "%s to the trusted CAs (--ca) only if it "
			       "is the root this side should trust",
			       end->subject, role(k), end->subject);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "trusted: ");
	tp_cert_trust_describe(k->t, buf, sizeof(buf));
	t.len = strlen(buf);
	if (trusted_same_name(k, end->crt) >= 0)
		text_add(&t, "; the trust store holds a certificate "
			 "named %s too, with another key (an older "
			 "copy?)", end->subject);
	detail(k, f, buf);
}

/* The chain ends at a self-signed CA that is not trusted. */
static void untrusted_root(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};

	text_add(&t, "the chain ends at %s, a self-signed CA that is "
		 "not among the %u trusted CAs from %s", end->label,
		 k->t ? k->t->n_cas : 0, source_name(k->t));
	f = finding(k, TP_UNKNOWN_CA, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "trusted: ");
	tp_cert_trust_describe(k->t, buf, sizeof(buf));
	detail(k, f, buf);
	tp_finding_fix(f, "add %s to the trusted CAs (--ca) if it is "
		       "the right root, or have the certificate issued "
		       "by a CA already trusted", end->subject);
}

/* The issuers lead round in a loop. */
static void untrusted_loop(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};
	unsigned i;

	text_add(&t, "the issuers of %s lead back to %s, never to a "
		 "trusted CA", end->label, k->nodes[end->issued_by].label);
	f = finding(k, TP_UNKNOWN_CA, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "path: ");
	for (i = 0; i < k->path.len; i++)
		text_add(&t, "%s%s", i > 0 ? " <- " : "",
			 k->nodes[k->path.steps[i]].label);
	detail(k, f, buf);
}

/* The issuer's name is a trusted CA's (trust store's ca), its key not. */
static void untrusted_rekeyed(struct checker *k, const struct node *end,
			      int ca)
{
	char buf[TEXT_MAX], fp[65];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};
	unsigned char raw[32];
	size_t raw_size = sizeof(raw);
	unsigned i;

	fp[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(k->t->cas[ca], GNUTLS_DIG_SHA256,
					    raw, &raw_size) == 0)
		for (i = 0; i < raw_size && i < 32; i++)
			snprintf(fp + 2 * i, 3, "%02x", raw[i]);
	text_add(&t, "issuer %s of %s matches a trusted CA from %s by "
		 "name, but that CA's key did not sign it (same name, "
		 "different key)", end->issuer, end->label,
		 source_name(k->t));
	f = finding(k, TP_UNKNOWN_CA, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "the trusted %s has SHA-256 fingerprint %s; the "
		 "signature on %s does not verify with its key: the CA "
		 "was re-keyed, or the certificate comes from another "
		 "CA of the same name", end->issuer, fp, end->label);
	detail(k, f, buf);
	tp_finding_fix(f, "trust the %s that actually issued %s, or "
		       "reissue the certificate from the trusted one",
		       end->issuer, end->subject);
}

/*
 * The issuer of end was neither sent nor trusted, and the caller fetched
 * it from end's caIssuers URL (AIA, RFC 5280 section 4.2.2.1): when it
 * issued end and a trusted CA issued it, the intermediate is proved
 * missing, INCOMPLETE_CHAIN naming it. Browsers fetch it the same way
 * and so work, which is why such a server is so often "fine here".
 * Returns whether it added the finding.
 */
static bool chased(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX], dn[DN_MAX], anchor[DN_MAX], fp[65];
	const char *url = NULL;
	gnutls_x509_crt_t got;
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};
	unsigned char raw[32];
	size_t raw_size = sizeof(raw), i;
	int ca;

	if (k->c->chase_issuer == NULL || !k->c->sent_by_peer)
		return false;
	got = k->c->chase_issuer(k->c->chase_arg, end->crt, &url);
	if (got == NULL || !issued(got, end->crt))
		return false;
	ca = trusted_equal(k, got) >= 0 ? trusted_equal(k, got)
					: trusted_issuer(k, got);
	if (ca < 0)
		return false;
	tp_cert_dn(got, false, dn, sizeof(dn));
	tp_cert_dn(k->t->cas[ca], false, anchor, sizeof(anchor));
	fp[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(got, GNUTLS_DIG_SHA256, raw,
					    &raw_size) == 0)
		for (i = 0; i < raw_size && i < 32; i++)
			snprintf(fp + 2 * i, 3, "%02x", raw[i]);
	text_add(&t, "the %s sent %s without its issuer, the intermediate "
		 "%s (SHA-256 %s), which its caIssuers URL %s gave and which "
		 "the trusted CA %s issued", k->c->side == TP_SIDE_CLIENT ?
		 "client" : "server", end->label, dn, fp, url ? url : "",
		 anchor);
	f = finding(k, TP_INCOMPLETE_CHAIN, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "browsers that fetch a missing issuer from the AIA URL "
		 "(Chrome, Edge, Safari) will work, while curl, OpenSSL, Java "
		 "and Go clients, which do not, fail with an unknown-issuer "
		 "error; sent: ");
	sent_list(k, &t);
	detail(k, f, buf);
	tp_finding_fix(f, "configure the %s to send the intermediate %s after "
		       "%s (its certificate file: the leaf, then the "
		       "intermediates)", k->c->side == TP_SIDE_CLIENT ?
		       "client" : "server", dn, end->label);
	return true;
}

/* A CA was sent and its issuer is neither sent nor trusted: what is
 * missing is most likely the root, which a sender may leave out (RFC
 * 8446 section 4.4.2), so the fix is this side's trust store. */
static void untrusted_issuer(struct checker *k, const struct node *end)
{
	char buf[TEXT_MAX];
	struct tp_finding *f;
	struct text t = {buf, sizeof(buf), 0};

	text_add(&t, "issuer %s of %s is not among the %u trusted CAs from %s",
		 end->issuer, end->label, k->t ? k->t->n_cas : 0,
		 source_name(k->t));
	f = finding(k, TP_UNKNOWN_CA, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "trusted: ");
	tp_cert_trust_describe(k->t, buf, sizeof(buf));
	t.len = strlen(buf);
	text_add(&t, "; if %s is an intermediate, %s", end->issuer,
		 k->c->sent_by_peer ? "the sender must send it"
				    : "the file must hold it after the leaf");
	detail(k, f, buf);
	tp_finding_fix(f, "add the CA %s to the trusted CAs (--ca), or have "
		       "the certificate issued by a CA this side trusts",
		       end->issuer);
}

/* The chain reaches no trusted CA: the reason, as precisely as can be
 * proved. */
static void untrusted(struct checker *k)
{
	const struct node *end = &k->nodes[k->path.steps[k->path.len - 1]];
	int ca;

	if (k->path.len == 1 && end->self_signed) {
		untrusted_self(k, end);
		return;
	}
	if (end->self_signed) {
		untrusted_root(k, end);
		return;
	}
	if (k->path.loops) {
		untrusted_loop(k, end);
		return;
	}
	/* the issuer of end is missing: say as precisely as can be proved */
	ca = trusted_same_name(k, end->crt);
	if (ca >= 0) {
		untrusted_rekeyed(k, end, ca);
		return;
	}
	if (chased(k, end) || missing_link(k, end))
		return;
	if (!end->is_ca) {
		missing_issuer(k, end);
		return;
	}
	untrusted_issuer(k, end);
}

static void check_dates(struct checker *k, gnutls_x509_crt_t crt,
			const char *label)
{
	time_t nb = gnutls_x509_crt_get_activation_time(crt);
	time_t na = gnutls_x509_crt_get_expiration_time(crt);
	char buf[TEXT_MAX], when[24], then[24], span[64];
	struct tp_finding *f;

	format_time(k->now, when, sizeof(when));
	if (na != (time_t)-1 && na < k->now) {
		format_time(na, then, sizeof(then));
		format_span(na, k->now, span, sizeof(span));
		snprintf(buf, sizeof(buf), "%s expired on %s, %s ago", label,
			 then, span);
		f = finding(k, TP_CERT_EXPIRED, buf);
		format_time(nb, then, sizeof(then));
		snprintf(buf, sizeof(buf), "valid from %s; checked at %s",
			 then, when);
		detail(k, f, buf);
		format_time(na, then, sizeof(then));
		tp_finding_fix(f, "renew %s, which expired on %s, and install "
			       "the new certificate%s%s", label, then,
			       k->c->own ? " in the " : "",
			       k->c->own ? role(k) : "");
	}
	if (nb != (time_t)-1 && nb > k->now) {
		format_time(nb, then, sizeof(then));
		format_span(k->now, nb, span, sizeof(span));
		snprintf(buf, sizeof(buf), "%s becomes valid on %s, in %s",
			 label, then, span);
		f = finding(k, TP_CERT_NOT_YET_VALID, buf);
		snprintf(buf, sizeof(buf), "checked at %s; a clock that is "
			 "behind has the same effect", when);
		detail(k, f, buf);
		tp_finding_fix(f, "check the clock (it reads %s): if it is "
			       "right, reissue %s with a notBefore in the "
			       "past, not %s", when, label, then);
	}
}

static void check_name(struct checker *k)
{
	const struct node *leaf = &k->nodes[0];
	char buf[TEXT_MAX], cn[DN_MAX];
	size_t cn_size = sizeof(cn) - 1;
	struct tp_finding *f;
	struct text t;

	if (k->c->expect_name == NULL ||
	    gnutls_x509_crt_check_hostname2(leaf->crt, k->c->expect_name, 0))
		return;
	snprintf(buf, sizeof(buf), "%s does not match the expected name %s",
		 leaf->label, k->c->expect_name);
	f = finding(k, TP_NAME_MISMATCH, buf);
	t = (struct text){buf, sizeof(buf), 0};
	text_add(&t, "subjectAltName: ");
	san_text(leaf->crt, &t);
	memset(cn, 0, sizeof(cn));
	if (gnutls_x509_crt_get_dn_by_oid(leaf->crt, GNUTLS_OID_X520_COMMON_NAME,
					  0, 0, cn, &cn_size) == 0)
		text_add(&t, "; CN: %s (used only when there is no DNS "
			 "subjectAltName)", cn);
	else
		text_add(&t, "; no CN");
	detail(k, f, buf);
	tp_finding_fix(f, "issue a certificate whose subjectAltName holds %s, "
		       "or connect with a name the certificate holds",
		       k->c->expect_name);
}

static void check_id(struct checker *k)
{
	const struct node *leaf = &k->nodes[0];
	const char *want = k->c->expect_id;
	char buf[TEXT_MAX], cn[DN_MAX];
	size_t cn_size = sizeof(cn) - 1;
	struct tp_finding *f;

	if (want == NULL)
		return;
	memset(cn, 0, sizeof(cn));
	if (gnutls_x509_crt_get_dn_by_oid(leaf->crt, GNUTLS_OID_X520_COMMON_NAME,
					  0, 0, cn, &cn_size) < 0) {
		snprintf(buf, sizeof(buf), "certificate %s has no CN, so it "
			 "is not the expected unique ID %s", leaf->label, want);
		f = finding(k, TP_PEER_ID_MISMATCH, buf);
		detail(k, f, "the unique ID is compared with the subject's "
		       "common name (CN)");
		return;
	}
	if (cn_size == strlen(want) && memcmp(cn, want, cn_size) == 0)
		return;
	snprintf(buf, sizeof(buf), "certificate CN=%s is not the expected "
		 "unique ID %s", cn, want);
	f = finding(k, TP_PEER_ID_MISMATCH, buf);
	snprintf(buf, sizeof(buf), "%s; the CN must equal the ID exactly "
		 "(32 lower-case hex digits from tlsprobe id)", leaf->label);
	detail(k, f, buf);
}

int tp_cert_key_severity(int pk, unsigned bits)
{
	bool rsa_like = pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS ||
			pk == GNUTLS_PK_DSA;

	/* RSA-768 has been factored and 1024 bits is within reach of a
	 * state; browsers refuse both outright, so they are errors. Below
	 * 2048 bits (EC 256) is what NIST SP 800-131A and the CA/Browser
	 * Forum retired, but GnuTLS's NORMAL priority still accepts it: a
	 * warning, so that the run still says what a client does */
	if (rsa_like)
		return bits < 1024 ? TP_SEV_ERROR : bits < 2048 ? TP_SEV_WARNING
								: -1;
	if (pk == GNUTLS_PK_ECDSA)
		return bits < 224 ? TP_SEV_ERROR : bits < 256 ? TP_SEV_WARNING
							      : -1;
	return -1;
}

int tp_cert_signature_severity(gnutls_digest_algorithm_t hash,
			       bool self_signed)
{
	/* a root's own signature is never checked, so its hash does not
	 * matter; on any other certificate MD5 and SHA-1 collisions are
	 * practical (chosen-prefix, 2019) and every browser refuses them,
	 * whatever a local priority string allows: an error everywhere */
	if (self_signed)
		return -1;
	if (hash == GNUTLS_DIG_MD5 || hash == GNUTLS_DIG_SHA1 ||
	    hash == GNUTLS_DIG_MD2)
		return TP_SEV_ERROR;
	return -1;
}

static void check_strength(struct checker *k, gnutls_x509_crt_t crt,
			   const char *label, bool is_self_signed)
{
	char buf[TEXT_MAX], name[64];
	struct tp_finding *f;
	unsigned bits = 0;
	int algo = -1, sign, sev;
	gnutls_digest_algorithm_t hash;

	key_name(crt, name, sizeof(name), &algo, &bits);
	sev = tp_cert_key_severity(algo, bits);
	if (sev >= 0) {
		snprintf(buf, sizeof(buf), "%s has a %u-bit %s key (%s)", label,
			 bits, algo == GNUTLS_PK_ECDSA ? "EC" :
			 algo == GNUTLS_PK_DSA ? "DSA" : "RSA", name);
		f = finding(k, TP_WEAK_KEY, buf);
		if (f != NULL)
			f->severity = (enum tp_severity)sev;
		detail(k, f, sev == TP_SEV_ERROR ? "RSA and DSA keys under "
		       "1024 bits and EC keys under 224 bits can be broken; "
		       "clients refuse them" : "RSA and DSA keys need 2048 "
		       "bits or more, EC keys 256 bits or more; clients may "
		       "refuse smaller ones");
	}
	sign = gnutls_x509_crt_get_signature_algorithm(crt);
	hash = sign > 0 ? gnutls_sign_get_hash_algorithm(sign)
			: GNUTLS_DIG_UNKNOWN;
	sev = tp_cert_signature_severity(hash, is_self_signed);
	if (sev >= 0) {
		snprintf(buf, sizeof(buf), "%s is signed with %s (%s)", label,
			 gnutls_sign_get_name(sign), hash == GNUTLS_DIG_MD5 ?
			 "MD5" : hash == GNUTLS_DIG_MD2 ? "MD2" : "SHA-1");
		f = finding(k, TP_WEAK_SIGNATURE, buf);
		if (f != NULL)
			f->severity = (enum tp_severity)sev;
		if (k->c->weak_hash_refusal != NULL)
			snprintf(buf, sizeof(buf), "collisions are practical "
				 "for MD5 and SHA-1; %s refuses such a "
				 "signature, as browsers do", k->c->weak_hash_refusal);
		else
			snprintf(buf, sizeof(buf), "collisions are practical "
				 "for MD5 and SHA-1; browsers and GnuTLS's "
				 "defaults refuse such a signature on any "
				 "certificate but a trusted root");
		detail(k, f, buf);
	}
}

/* Names of the keyUsage bits set, for a detail. */
static void usage_names(unsigned usage, struct text *t)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{GNUTLS_KEY_DIGITAL_SIGNATURE, "digitalSignature"},
		{GNUTLS_KEY_NON_REPUDIATION, "nonRepudiation"},
		{GNUTLS_KEY_KEY_ENCIPHERMENT, "keyEncipherment"},
		{GNUTLS_KEY_DATA_ENCIPHERMENT, "dataEncipherment"},
		{GNUTLS_KEY_KEY_AGREEMENT, "keyAgreement"},
		{GNUTLS_KEY_KEY_CERT_SIGN, "keyCertSign"},
		{GNUTLS_KEY_CRL_SIGN, "cRLSign"},
		{GNUTLS_KEY_ENCIPHER_ONLY, "encipherOnly"},
		{GNUTLS_KEY_DECIPHER_ONLY, "decipherOnly"},
	};
	size_t i;
	bool any = false;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (usage & names[i].bit) {
			text_add(t, "%s%s", any ? ", " : "", names[i].name);
			any = true;
		}
	if (!any)
		text_add(t, "nothing");
}

static const char *purpose_name(const char *oid)
{
	static const struct { const char *oid, *name; } names[] = {
		{GNUTLS_KP_TLS_WWW_SERVER, "serverAuth"},
		{GNUTLS_KP_TLS_WWW_CLIENT, "clientAuth"},
		{GNUTLS_KP_CODE_SIGNING, "codeSigning"},
		{GNUTLS_KP_EMAIL_PROTECTION, "emailProtection"},
		{GNUTLS_KP_TIME_STAMPING, "timeStamping"},
		{GNUTLS_KP_OCSP_SIGNING, "OCSPSigning"},
		{GNUTLS_KP_ANY, "anyExtendedKeyUsage"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(oid, names[i].oid) == 0)
			return names[i].name;
	return oid;
}

/*
 * A CA certificate (basicConstraints CA:TRUE) as the leaf of a TLS
 * chain: verifiers mostly let it pass, but it may sign certificates
 * in the holder's name, and the CA/Browser Forum rules and many
 * private PKIs refuse it. A self-signed leaf is left alone: tools
 * that make one (openssl req -x509) mark it CA:TRUE by default.
 */
static void check_leaf_ca(struct checker *k)
{
	const struct node *leaf = &k->nodes[0];
	char buf[TEXT_MAX];
	struct tp_finding *f;

	if (!leaf->is_ca || leaf->self_signed)
		return;
	snprintf(buf, sizeof(buf), "%s is a CA certificate (basicConstraints "
		 "CA:TRUE) used as the leaf of the %s", leaf->label, role(k));
	f = finding(k, TP_BAD_KEY_USAGE, buf);
	if (f == NULL)
		return;
	f->severity = TP_SEV_WARNING;
	detail(k, f, "an end-entity certificate for TLS has basicConstraints "
	       "CA:FALSE (or none); a CA certificate as the leaf could issue "
	       "certificates in its holder's name, and strict verifiers "
	       "refuse it");
	tp_finding_fix(f, "reissue %s as an end-entity certificate "
		       "(basicConstraints CA:FALSE, no keyCertSign)",
		       leaf->subject);
}

static void check_leaf_usage(struct checker *k)
{
	const struct node *leaf = &k->nodes[0];
	bool server = k->c->purpose == TP_PURPOSE_SERVER;
	const char *want_oid = server ? GNUTLS_KP_TLS_WWW_SERVER
				      : GNUTLS_KP_TLS_WWW_CLIENT;
	const char *want = server ? "serverAuth" : "clientAuth";
	char buf[TEXT_MAX], held[TEXT_MAX], oid[128];
	struct text t = {held, sizeof(held), 0};
	unsigned idx, critical = 0, usage = 0;
	bool present = false, allowed = false, ok;
	struct tp_finding *f;
	size_t size;
	int algo, ret;

	held[0] = '\0';
	for (idx = 0; idx < 64; idx++) {
		size = sizeof(oid);
		ret = gnutls_x509_crt_get_key_purpose_oid(leaf->crt, idx, oid,
							  &size, &critical);
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (ret < 0)
			break;
		present = true;
		text_add(&t, "%s%s", t.len > 0 ? ", " : "", purpose_name(oid));
		if (strcmp(oid, want_oid) == 0 || strcmp(oid, GNUTLS_KP_ANY) == 0)
			allowed = true;
	}
	if (present && !allowed) {
		snprintf(buf, sizeof(buf), "%s may not be used for TLS %s "
			 "authentication: its extended key usage holds %s, "
			 "not %s", leaf->label, server ? "server" : "client",
			 held, want);
		f = finding(k, TP_BAD_KEY_USAGE, buf);
		snprintf(buf, sizeof(buf), "extendedKeyUsage: %s; a %s "
			 "certificate needs %s (%s), anyExtendedKeyUsage, or no "
			 "extendedKeyUsage at all", held,
			 server ? "server" : "client", want, want_oid);
		detail(k, f, buf);
		tp_finding_fix(f, "reissue %s with extendedKeyUsage %s",
			       leaf->subject, want);
	}
	check_leaf_ca(k);
	if (gnutls_x509_crt_get_key_usage(leaf->crt, &usage, &critical) < 0)
		return;
	algo = gnutls_x509_crt_get_pk_algorithm(leaf->crt, NULL);
	if (algo == GNUTLS_PK_RSA)
		ok = usage & (GNUTLS_KEY_DIGITAL_SIGNATURE |
			      GNUTLS_KEY_KEY_ENCIPHERMENT);
	else
		ok = usage & GNUTLS_KEY_DIGITAL_SIGNATURE;
	if (ok)
		return;
	t = (struct text){held, sizeof(held), 0};
	usage_names(usage, &t);
	snprintf(buf, sizeof(buf), "%s has keyUsage %s, without %s", leaf->label,
		 held, algo == GNUTLS_PK_RSA ?
		 "digitalSignature or keyEncipherment" : "digitalSignature");
	f = finding(k, TP_BAD_KEY_USAGE, buf);
	snprintf(buf, sizeof(buf), "a TLS %skey must sign the handshake "
		 "(digitalSignature)%s", algo == GNUTLS_PK_RSA ? "RSA " : "",
		 algo == GNUTLS_PK_RSA ? " or, with RSA key exchange, decrypt "
		 "the premaster secret (keyEncipherment)" : "");
	detail(k, f, buf);
	tp_finding_fix(f, "reissue %s with keyUsage digitalSignature%s",
		       leaf->subject, algo == GNUTLS_PK_RSA ?
		       " (and keyEncipherment)" : "");
}

/*
 * An issuer on the path must be a CA allowed to sign certificates; one
 * finding names everything the issuer lacks.
 */
static void check_issuer_usage(struct checker *k, gnutls_x509_crt_t crt,
			       const char *label, const char *issued_label,
			       bool is_anchor)
{
	char buf[TEXT_MAX], held[256];
	struct text t = {buf, sizeof(buf), 0}, h = {held, sizeof(held), 0};
	unsigned critical = 0, usage = 0;
	struct tp_finding *f;
	int ca;
	bool not_ca, no_sign;

	errno = 0;
	ca = ca_flag(crt);
	/* RFC 5280 4.2.1.9: version 1 roots predate extensions; GnuTLS
	 * accepts them as trust anchors */
	not_ca = ca <= 0 && !(is_anchor && gnutls_x509_crt_get_version(crt) < 3);
	no_sign = gnutls_x509_crt_get_key_usage(crt, &usage, &critical) >= 0 &&
		  !(usage & GNUTLS_KEY_KEY_CERT_SIGN);
	/* GnuTLS could not read the extensions for want of memory: no
	 * BAD_KEY_USAGE on that (alloc.h) */
	if (errno == ENOMEM) {
		tp_alloc_note();
		return;
	}
	if (!not_ca && !no_sign)
		return;
	usage_names(usage, &h);
	text_add(&t, "%s issues %s but", label, issued_label);
	if (not_ca)
		text_add(&t, " is not a CA: %s", ca == 0 ?
			 "its basicConstraints say CA:FALSE" :
			 "it has no basicConstraints CA:TRUE");
	if (no_sign)
		text_add(&t, "%s its keyUsage (%s) lacks keyCertSign",
			 not_ca ? ", and" : "", held);
	f = finding(k, TP_BAD_KEY_USAGE, buf);
	detail(k, f, "a certificate that signs others needs basicConstraints "
	       "CA:TRUE and, when it has a keyUsage, keyCertSign in it; "
	       "verifiers reject the chain otherwise");
	tp_finding_fix(f, "reissue the issuing certificate as a CA "
		       "(basicConstraints CA:TRUE, keyUsage keyCertSign)");
}

static void check_usage(struct checker *k)
{
	gnutls_x509_crt_t anchor = store_anchor(k);
	const struct path *p = &k->path;
	char label[DN_MAX + 32], dn[DN_MAX];
	unsigned i;

	check_leaf_usage(k);
	for (i = 1; i < p->len; i++)
		check_issuer_usage(k, k->nodes[p->steps[i]].crt,
				   k->nodes[p->steps[i]].label,
				   k->nodes[p->steps[i - 1]].label,
				   p->steps[i] == p->anchor_sent);
	if (!p->trusted)
		return;
	/* the issuer of the last sent step: a sent or a stored anchor */
	if (p->anchor_sent >= 0 && p->anchor_sent != p->steps[p->len - 1])
		check_issuer_usage(k, k->nodes[p->anchor_sent].crt,
				   k->nodes[p->anchor_sent].label,
				   k->nodes[p->steps[p->len - 1]].label, true);
	else if (anchor != NULL) {
		tp_cert_dn(anchor, false, dn, sizeof(dn));
		snprintf(label, sizeof(label), "the trusted CA %s", dn);
		check_issuer_usage(k, anchor, label,
				   k->nodes[p->steps[p->len - 1]].label, true);
	}
}

int tp_cert_check_chain(struct tp_report *r, gnutls_x509_crt_t *chain,
			unsigned n, const struct tp_trust *trust,
			const struct tp_chain_check *c)
{
	struct checker k = {.r = r, .c = c, .t = trust, .sent = n};
	gnutls_x509_crt_t anchor;
	struct tp_cert_info *info;
	size_t first = r->n_findings, i;
	char label[DN_MAX + 32], dn[DN_MAX];
	int errors = 0;

	k.n = n > TP_CHAIN_MAX ? TP_CHAIN_MAX : n;
	k.now = c->now != 0 ? c->now : time(NULL);
	for (i = 0; i < k.n && !c->own; i++) {
		info = tp_report_add_cert(r);
		if (info == NULL)
			break;
		info->position = (int)i;
		tp_cert_describe(chain[i], info);
	}
	if (k.n == 0)
		return 0;
	k.nodes = calloc(k.n, sizeof(*k.nodes));
	if (k.nodes == NULL)
		return 0;
	build_nodes(&k, chain);
	build_path(&k);
	note_anchor(&k);

	check_order(&k);
	check_extra(&k);
	if (c->own) {
		/* who will verify it, and against what, is not known here */
		const struct node *end =
			&k.nodes[k.path.steps[k.path.len - 1]];

		if (!end->self_signed && !k.path.loops)
			missing_link(&k, end);
	} else if (k.path.trusted) {
		trusted_via_store(&k);
	} else {
		untrusted(&k);
	}
	for (i = 0; i < k.n; i++)
		check_dates(&k, k.nodes[i].crt, k.nodes[i].label);
	anchor = store_anchor(&k);
	if (anchor != NULL) {
		tp_cert_dn(anchor, false, dn, sizeof(dn));
		snprintf(label, sizeof(label), "the trusted CA %s", dn);
		check_dates(&k, anchor, label);
	}
	check_name(&k);
	check_id(&k);
	for (i = 0; i < k.n; i++)
		check_strength(&k, k.nodes[i].crt, k.nodes[i].label,
			       k.nodes[i].self_signed);
	if (anchor != NULL)
		check_strength(&k, anchor, label, self_signed(anchor));
	check_usage(&k);

	free(k.nodes);
	for (i = first; i < r->n_findings; i++) {
		if (c->own)
			r->findings[i].severity = TP_SEV_WARNING;
		if (r->findings[i].severity == TP_SEV_ERROR)
			errors++;
	}
	return errors;
}

/* ---- a key and its certificate; our own chain ---- */

/* The sent position whose public key is key's, or -1. */
static int key_owner(gnutls_x509_crt_t *chain, unsigned n,
		     const unsigned char *id, size_t id_size)
{
	unsigned char other[64];
	size_t size;
	unsigned i;

	for (i = 0; i < n; i++) {
		size = sizeof(other);
		if (gnutls_x509_crt_get_key_id(chain[i], GNUTLS_KEYID_USE_SHA256,
					       other, &size) == 0 &&
		    size == id_size && memcmp(other, id, size) == 0)
			return (int)i;
	}
	return -1;
}

static void hex(const unsigned char *p, size_t n, char *out, size_t size)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

bool tp_cert_check_key(struct tp_report *r, const char *cert_file,
		       const char *key_file, gnutls_x509_crt_t *chain,
		       unsigned n, gnutls_x509_privkey_t key)
{
	unsigned char kid[64], cid[64];
	size_t kid_size = sizeof(kid), cid_size = sizeof(cid);
	char khex[130], chex[130], dn[DN_MAX];
	struct tp_finding *f;
	int owner;

	if (gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, kid,
					   &kid_size) < 0)
		kid_size = 0;
	if (gnutls_x509_crt_get_key_id(chain[0], GNUTLS_KEYID_USE_SHA256, cid,
				       &cid_size) < 0)
		cid_size = 0;
	if (kid_size > 0 && kid_size == cid_size &&
	    memcmp(kid, cid, kid_size) == 0)
		return true;
	tp_cert_dn(chain[0], false, dn, sizeof(dn));
	f = tp_report_finding(r, TP_KEY_MISMATCH, "the key in %s does not "
			      "belong to [0] %s in %s", key_file, dn,
			      cert_file);
	hex(kid, kid_size, khex, sizeof(khex));
	hex(cid, cid_size, chex, sizeof(chex));
	owner = kid_size > 0 ? key_owner(chain, n, kid, kid_size) : -1;
	if (owner > 0) {
		tp_cert_dn(chain[owner], false, dn, sizeof(dn));
		tp_finding_detail(f, "SHA-256 key ID of the key %s, of the "
				  "certificate's public key %s; the key "
				  "belongs to [%d] %s in the same file",
				  khex, chex, owner, dn);
	} else {
		tp_finding_detail(f, "SHA-256 key ID of the key %s, of the "
				  "certificate's public key %s", khex[0] ? khex
				  : "(unreadable)", chex[0] ? chex
				  : "(unreadable)");
	}
	tp_finding_fix(f, "use the key %s was issued for with --key, or "
		       "reissue the certificate for this key", cert_file);
	return false;
}

int tp_cert_check_own(struct tp_report *r, const char *cert_file,
		      const char *key_file, gnutls_x509_crt_t *chain,
		      unsigned n, gnutls_x509_privkey_t key,
		      enum tp_purpose purpose, time_t now)
{
	char role_text[DN_MAX];
	struct tp_chain_check check = {
		.role = role_text,
		.purpose = purpose,
		.now = now,
		.side = TP_SIDE_LOCAL,
		.sent_by_peer = false,
		.own = true,
	};
	size_t first = r->n_findings, i;

	snprintf(role_text, sizeof(role_text), "certificate file %s",
		 cert_file);
	if (n == 0)
		return 0;
	if (key != NULL)
		tp_cert_check_key(r, cert_file, key_file, chain, n, key);
	tp_cert_check_chain(r, chain, n, NULL, &check);
	for (i = first; i < r->n_findings; i++) {
		r->findings[i].side = TP_SIDE_LOCAL;
		r->findings[i].severity = TP_SEV_WARNING;
	}
	return (int)(r->n_findings - first);
}
