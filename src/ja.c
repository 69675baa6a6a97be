/* TLS fingerprints of the hellos: JA3 and JA3S as the Salesforce JA3
 * README defines them, JA4 as FoxIO's technical details do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ja.h"

/* The longest texts hashed: every kept entry as "65535-" or "ffff,". */
#define JA3_TEXT_MAX                                                    \
	(8 + 6 * TP_WIRE_MAX_SUITES + 6 * TP_WIRE_MAX_EXTENSIONS +       \
	 6 * TP_WIRE_MAX_LIST + 4 * TP_WIRE_MAX_LIST)
#define JA4_TEXT_MAX                                                    \
	(8 + 5 * TP_WIRE_MAX_SUITES + 5 * TP_WIRE_MAX_EXTENSIONS +       \
	 5 * TP_WIRE_MAX_LIST)
#define JA4_HASH_LEN 12
/* JA4 section b or c of an empty list: no hash of nothing */
#define JA4_NO_HASH "000000000000"
#define JA4_MAX_COUNT 99

/* A text being built: sized never to fill, and cut short if it did. */
struct text {
	char *p;
	size_t cap;
	size_t n;
};

static void put_str(struct text *t, const char *s)
{
	size_t k = strlen(s);

	if (k >= t->cap - t->n)
		k = t->cap - t->n - 1;
	memcpy(t->p + t->n, s, k);
	t->n += k;
	t->p[t->n] = '\0';
}

/* Hundreds of values per hello and thousands of hellos per capture:
 * written digit by digit rather than through printf. */
static void put_value(struct text *t, unsigned v, bool hex4)
{
	static const char hex[] = "0123456789abcdef";
	char s[12], *e = s + sizeof(s);
	size_t k;
	int i;

	if (hex4) {
		for (i = 0; i < 4; i++, v >>= 4)
			*--e = hex[v & 0xf];
	} else {
		do
			*--e = (char)('0' + v % 10);
		while ((v /= 10) != 0);
	}
	k = (size_t)(s + sizeof(s) - e);
	if (k >= t->cap - t->n)
		k = t->cap - t->n - 1;
	memcpy(t->p + t->n, e, k);
	t->n += k;
	t->p[t->n] = '\0';
}

/* The values of v but GREASE (RFC 8701 section 2), in order, joined by
 * sep: decimal for JA3, 4 hex digits for JA4. */
static void put_list(struct text *t, const uint16_t *v, size_t n, bool hex4,
		     const char *sep)
{
	bool first = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (tp_wire_is_grease(v[i]))
			continue;
		if (!first)
			put_str(t, sep);
		put_value(t, v[i], hex4);
		first = false;
	}
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Lower-case hex MD5 of the text; empty when GnuTLS refuses MD5 (as it
 * does in FIPS mode). */
static void md5_hex(const struct text *t, char out[TP_JA3_LEN + 1])
{
	uint8_t d[16];

	out[0] = '\0';
	if (gnutls_hash_fast(GNUTLS_DIG_MD5, t->p, t->n, d) < 0)
		return;
	hex(d, sizeof(d), out);
}

/* The first 12 hex digits of SHA-256 of the text; "000000000000" for an
 * empty list (JA4 sections b and c), empty if GnuTLS fails. */
static void sha256_12(const struct text *t, char out[JA4_HASH_LEN + 1])
{
	uint8_t d[32];
	char all[65];

	if (t->n == 0) {
		memcpy(out, JA4_NO_HASH, JA4_HASH_LEN + 1);
		return;
	}
	out[0] = '\0';
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, t->p, t->n, d) < 0)
		return;
	hex(d, sizeof(d), all);
	memcpy(out, all, JA4_HASH_LEN);
	out[JA4_HASH_LEN] = '\0';
}

static void give_full(const struct text *t, char *full, size_t full_size)
{
	if (full != NULL && full_size > 0)
		snprintf(full, full_size, "%s", t->p);
}

void tp_ja3(const struct tp_wire_client_hello *ch, char out[TP_JA3_LEN + 1],
	    char *full, size_t full_size)
{
	char buf[JA3_TEXT_MAX];
	struct text t = {buf, sizeof(buf), 0};
	size_t i;

	buf[0] = '\0';
	/* SSLVersion,Cipher,SSLExtension,EllipticCurve,
	 * EllipticCurvePointFormat; the version is legacy_version (771 for
	 * TLS 1.3), lists left empty when their extension is absent */
	put_value(&t, ch->legacy_version, false);
	put_str(&t, ",");
	put_list(&t, ch->suites, ch->n_suites, false, "-");
	put_str(&t, ",");
	put_list(&t, ch->extensions, ch->n_extensions, false, "-");
	put_str(&t, ",");
	put_list(&t, ch->groups, ch->n_groups, false, "-");
	put_str(&t, ",");
	for (i = 0; i < ch->n_ec_point_formats; i++) {
		if (i > 0)
			put_str(&t, "-");
		put_value(&t, ch->ec_point_formats[i], false);
	}
	give_full(&t, full, full_size);
	md5_hex(&t, out);
}

void tp_ja3s(const struct tp_wire_server_hello *sh,
	     char out[TP_JA3_LEN + 1], char *full, size_t full_size)
{
	char buf[JA3_TEXT_MAX];
	struct text t = {buf, sizeof(buf), 0};

	buf[0] = '\0';
	/* SSLVersion,Cipher,SSLExtension; GREASE left out as in the
	 * ClientHello, though RFC 8701 forbids a server to send it */
	put_value(&t, sh->legacy_version, false);
	put_str(&t, ",");
	put_value(&t, sh->suite, false);
	put_str(&t, ",");
	put_list(&t, sh->extensions, sh->n_extensions, false, "-");
	give_full(&t, full, full_size);
	md5_hex(&t, out);
}

/* ---- JA4 ---- */

/* The 2 characters of a protocol version; "00" when unknown. */
static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static bool alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/*
 * The first and last characters of an ALPN protocol name, "00" for none.
 * When either end is not an ASCII letter or digit, the first and last
 * hex digits of the whole name stand in for them, so that the
 * fingerprint stays printable.
 */
static void ja4_alpn(const char *name, size_t len, char out[3])
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)name;

	if (len == 0) {
		memcpy(out, "00", 3);
		return;
	}
	if (alnum(p[0]) && alnum(p[len - 1])) {
		out[0] = (char)p[0];
		out[1] = (char)p[len - 1];
	} else {
		out[0] = digits[p[0] >> 4];
		out[1] = digits[p[len - 1] & 0x0f];
	}
	out[2] = '\0';
}

/* Entries but GREASE, counting those past the kept ones too (none of
 * them GREASE as far as is known), at most 99. */
static unsigned ja4_count(const uint16_t *v, size_t n, size_t total)
{
	size_t i, count = total > n ? total - n : 0;

	for (i = 0; i < n; i++)
		if (!tp_wire_is_grease(v[i]))
			count++;
	return count > JA4_MAX_COUNT ? JA4_MAX_COUNT : (unsigned)count;
}

static int cmp16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

/* v without GREASE and without the two types skipped, sorted. */
static size_t sorted_copy(const uint16_t *v, size_t n, uint16_t *out,
			  bool skip_sni_alpn)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (tp_wire_is_grease(v[i]))
			continue;
		if (skip_sni_alpn && (v[i] == TP_WIRE_EXT_SERVER_NAME ||
				      v[i] == TP_WIRE_EXT_ALPN))
			continue;
		out[k++] = v[i];
	}
	qsort(out, k, sizeof(out[0]), cmp16);
	return k;
}

static bool has_type(const uint16_t *v, size_t n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == type)
			return true;
	return false;
}

/*
 * The version is the highest supported_versions entry but GREASE, or
 * legacy_version without one. Only the kept entries of each list are
 * hashed: a hello past TP_WIRE_MAX_SUITES suites or
 * TP_WIRE_MAX_EXTENSIONS extensions gets a fingerprint of its start.
 */
void tp_ja4(const struct tp_wire_client_hello *ch, bool quic,
	    char out[TP_JA4_LEN + 1])
{
	uint16_t sorted[TP_WIRE_MAX_SUITES + TP_WIRE_MAX_EXTENSIONS];
	char buf[JA4_TEXT_MAX], ciphers[JA4_HASH_LEN + 1];
	char exts[JA4_HASH_LEN + 1], alpn[3];
	struct text t = {buf, sizeof(buf), 0};
	uint16_t version = 0;
	size_t i, n;
	bool sni;

	for (i = 0; i < ch->n_versions; i++)
		if (!tp_wire_is_grease(ch->versions[i]) &&
		    ch->versions[i] > version)
			version = ch->versions[i];
	if (!ch->has_versions || version == 0)
		version = ch->legacy_version;
	sni = ch->has_sni || has_type(ch->extensions, ch->n_extensions,
				      TP_WIRE_EXT_SERVER_NAME);
	if (ch->n_alpn > 0)
		ja4_alpn(ch->alpn[0], ch->alpn_len[0], alpn);
	else
		ja4_alpn("", 0, alpn);

	/* b: the suites, sorted */
	buf[0] = '\0';
	n = sorted_copy(ch->suites, ch->n_suites, sorted, false);
	put_list(&t, sorted, n, true, ",");
	sha256_12(&t, ciphers);

	/* c: the extensions but SNI and ALPN, sorted, then "_" and the
	 * signature algorithms in the order sent, when there are any */
	t.n = 0;
	buf[0] = '\0';
	n = sorted_copy(ch->extensions, ch->n_extensions, sorted, true);
	put_list(&t, sorted, n, true, ",");
	if (n > 0 && ja4_count(ch->sig_algs, ch->n_sig_algs, 0) > 0) {
		put_str(&t, "_");
		put_list(&t, ch->sig_algs, ch->n_sig_algs, true, ",");
	}
	sha256_12(&t, exts);

	snprintf(out, TP_JA4_LEN + 1, "%c%s%c%02u%02u%s_%s_%s",
		 quic ? 'q' : 't', ja4_version(version), sni ? 'd' : 'i',
		 ja4_count(ch->suites, ch->n_suites, ch->suites_total),
		 ja4_count(ch->extensions, ch->n_extensions,
			   ch->extensions_total),
		 alpn, ciphers, exts);
}
