/*
 * The cipher audit's judgement: a grade per suite, per protocol and
 * overall, and the findings that explain them. docs/grading.md states
 * the same rules for people; keep the two together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "cert.h"
#include "diag.h"
#include "scan.h"

static char worse(char a, char b)
{
	if (a == '\0')
		return b;
	if (b == '\0')
		return a;
	return a > b ? a : b;
}

bool tp_grade_forward_secret(const struct tp_suite *s)
{
	return s->kx == TP_KX_DHE || s->kx == TP_KX_ECDHE ||
	       s->kx == TP_KX_DHE_PSK || s->kx == TP_KX_ECDHE_PSK ||
	       s->kx == TP_KX_ANY || s->kx == TP_KX_ECCPWD;
}

static bool aead(const struct tp_suite *s)
{
	return s->mac == TP_MAC_AEAD;
}

static bool block64(const struct tp_suite *s)
{
	return s->enc == TP_ENC_3DES || s->enc == TP_ENC_IDEA ||
	       s->enc == TP_ENC_DES || s->enc == TP_ENC_RC2;
}

char tp_grade_suite(const struct tp_suite *s, const char **why)
{
	const char *w = NULL;
	char g = 'A';

	if (s->enc == TP_ENC_NULL)
		g = 'F', w = "no encryption";
	else if (s->auth == TP_AUTH_NULL)
		g = 'F', w = "anonymous: no authentication";
	else if (s->is_export)
		g = 'F', w = "export grade";
	else if (s->enc == TP_ENC_RC4)
		g = 'F', w = "RC4";
	else if (s->enc == TP_ENC_DES || s->enc == TP_ENC_RC2)
		g = 'F', w = "single DES or RC2";
	else if (s->bits < 112)
		g = 'F', w = "key under 112 bits";
	else if (block64(s))
		g = 'C', w = "64-bit block cipher (SWEET32)";
	else if (s->mac == TP_MAC_MD5)
		g = 'C', w = "MD5 MAC";
	else if (!tp_grade_forward_secret(s))
		g = 'B', w = "no forward secrecy";
	else if (!aead(s))
		g = 'B', w = "CBC mode";
	if (why != NULL)
		*why = w;
	return g;
}

char tp_grade_accepted(const struct tp_suite *s, unsigned dh_bits,
		       uint16_t group, const char **why)
{
	const struct tp_group *gr = group ? tp_registry_group(group) : NULL;
	char g = tp_grade_suite(s, why);

	if (dh_bits != 0 && dh_bits < 1024 && g < 'F') {
		g = 'F';
		if (why != NULL)
			*why = "DH prime under 1024 bits";
	} else if (dh_bits != 0 && dh_bits < 2048 && g < 'B') {
		g = 'B';
		if (why != NULL)
			*why = "DH prime under 2048 bits";
	}
	if (gr != NULL && gr->kind == TP_GROUP_EC && gr->bits < 112 &&
	    g < 'F') {
		g = 'F';
		if (why != NULL)
			*why = "elliptic curve under 112-bit strength";
	} else if (gr != NULL && gr->kind == TP_GROUP_EC && gr->bits < 128 &&
		   g < 'B') {
		g = 'B';
		if (why != NULL)
			*why = "elliptic curve under 128-bit strength";
	}
	return g;
}

/* ---- findings over the whole scan ---- */

/* A growing list of names for a finding's summary or detail. */
struct names {
	char buf[1024];
	size_t len;
	unsigned n, shown;
};

static void names_add(struct names *nm, const char *name)
{
	int w;

	nm->n++;
	if (nm->len > sizeof(nm->buf) - 128)
		return;
	w = snprintf(nm->buf + nm->len, sizeof(nm->buf) - nm->len, "%s%s",
		     nm->shown ? ", " : "", name);
	if (w > 0)
		nm->len += (size_t)w;
	nm->shown++;
}

static const char *names_str(struct names *nm)
{
	if (nm->shown < nm->n)
		snprintf(nm->buf + nm->len, sizeof(nm->buf) - nm->len,
			 " and %u more", nm->n - nm->shown);
	return nm->buf;
}

static int reason(struct tp_scan *sc, char cap, char *grade,
		  const char *why)
{
	char line[256];

	if (*grade != '\0' && *grade >= cap)
		return 0;
	*grade = cap;
	snprintf(line, sizeof(line), "%s %c: %.200s",
		 cap == 'F' ? "set to" : "capped at", cap, why);
	return tp_strv_add(&sc->grade_reasons, &sc->n_grade_reasons, line);
}

static const char *suite_name(uint16_t id, char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(id);

	if (s != NULL)
		return s->iana;
	snprintf(buf, size, "0x%04X", id);
	return buf;
}

static bool accepted_anywhere(const struct tp_scan *sc, uint16_t id)
{
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++)
			if (sc->protocols[i].suites[j].id == id)
				return true;
	return false;
}

static int add_id(uint16_t **v, size_t *n, uint16_t id)
{
	uint16_t *nv = realloc(*v, (*n + 1) * sizeof(uint16_t));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = id;
	*v = nv;
	return 0;
}

static bool listed(const uint16_t *v, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* Whether a suite can be used with the certificate key seen. */
static bool key_fits(const struct tp_suite *s, int pk)
{
	switch (s->auth) {
	case TP_AUTH_RSA:
		return pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS;
	case TP_AUTH_ECDSA:
		return pk == GNUTLS_PK_ECDSA;
	case TP_AUTH_DSS:
		return pk == GNUTLS_PK_DSA;
	default:
		return true;  /* TLS 1.3, anonymous, PSK: any key, or none */
	}
}

/* Why a refused suite of the policy says nothing of the server's
 * configuration: it could not have negotiated it anyway. */
enum left_out {
	LEFT_NOT,          /* it could: refused is drift */
	LEFT_KEY,          /* another certificate key type */
	LEFT_CREDENTIALS,  /* PSK, SRP or anonymous, none of it set up */
	LEFT_NO_DHE,       /* finite-field DHE, no DH parameters */
	LEFT_BUILD,        /* the library's build or security level */
	LEFT_N
};

static bool psk_kx(const struct tp_suite *s)
{
	return s->kx == TP_KX_PSK || s->kx == TP_KX_DHE_PSK ||
	       s->kx == TP_KX_RSA_PSK || s->kx == TP_KX_ECDHE_PSK;
}

/* 0 for a suite that needs no credentials besides a certificate: PSK,
 * SRP and anonymous suites each need the server to have set up their
 * own (a key, a verifier file, anonymous mode). */
static int credential_kind(const struct tp_suite *s)
{
	if (psk_kx(s))
		return 1;
	if (s->kx == TP_KX_SRP)
		return 2;
	return s->auth == TP_AUTH_NULL && s->kx != TP_KX_ANY ? 3 : 0;
}

static bool ffdhe_kx(const struct tp_suite *s)
{
	return s->kx == TP_KX_DHE && s->auth != TP_AUTH_NULL;
}

static bool accepted_like(const struct tp_scan *sc,
			  bool (*same)(const struct tp_suite *, const void *),
			  const void *arg)
{
	const struct tp_suite *a;
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++) {
			a = tp_registry_suite(sc->protocols[i].suites[j].id);
			if (a != NULL && same(a, arg))
				return true;
		}
	return false;
}

static bool same_credentials(const struct tp_suite *a, const void *arg)
{
	return credential_kind(a) == *(const int *)arg;
}

static bool any_ffdhe(const struct tp_suite *a, const void *arg)
{
	(void)arg;
	return ffdhe_kx(a);
}

/*
 * A suite is drift only when the server could have negotiated it: not
 * when its certificate has another key type, when it needs credentials
 * of a kind the server accepted in no suite (no PSK, no SRP verifier,
 * no anonymous mode), finite-field DHE from a server that does no DHE
 * at all (no DH parameters: nginx without ssl_dhparam), or a suite a
 * library has only in some builds.
 */
static enum left_out left_out_why(const struct tp_scan *sc,
				  const struct tp_policy *p,
				  const struct tp_suite *s, int cert_pk)
{
	int kind = credential_kind(s);

	if (cert_pk != 0 && !key_fits(s, cert_pk))
		return LEFT_KEY;
	if (kind != 0 && !accepted_like(sc, same_credentials, &kind))
		return LEFT_CREDENTIALS;
	if (ffdhe_kx(s) && !accepted_like(sc, any_ffdhe, NULL))
		return LEFT_NO_DHE;
	if (tp_policy_build_dependent(p, s->id))
		return LEFT_BUILD;
	return LEFT_NOT;
}

/* "left out: 12 need a certificate of another key type than the
 * RSA-2048 presented, …", once. */
static int left_out_say(struct tp_scan *sc, const unsigned n[LEFT_N])
{
	static const char *const why[LEFT_N] = {
		[LEFT_KEY] = "need a certificate of another key type than the "
			     "one presented",
		[LEFT_CREDENTIALS] = "need a pre-shared key, an SRP verifier "
				     "or anonymous mode, of a kind the server "
				     "accepted in no suite",
		[LEFT_NO_DHE] = "are finite-field DHE, which the server does "
				"not negotiate at all (it has no DH "
				"parameters)",
		[LEFT_BUILD] = "are 3DES, RC4, SEED, IDEA, NULL or MD5 suites, "
			       "which an OpenSSL has only in some builds or "
			       "refuses at its default security level",
	};
	char line[768] = "", part[192];
	size_t len = 0;
	int k;

	for (k = LEFT_KEY; k < LEFT_N; k++) {
		if (n[k] == 0)
			continue;
		if (k == LEFT_KEY && sc->cert_key[0] != '\0')
			snprintf(part, sizeof(part), "need a certificate of "
				 "another key type than the %s presented",
				 sc->cert_key);
		else
			snprintf(part, sizeof(part), "%s", why[k]);
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					"%s%u %s", len ? "; " : "", n[k],
					part);
		if (len >= sizeof(line))
			break;
	}
	if (line[0] == '\0')
		return 0;
	free(sc->policy_left_why);
	sc->policy_left_why = strdup(line);
	return sc->policy_left_why != NULL ? 0 : -1;
}

static int policy_findings(struct tp_report *r, const struct tp_policy *p,
			   int cert_pk)
{
	unsigned n_left[LEFT_N] = {0};
	struct tp_scan *sc = r->scan;
	struct names extra = {0}, missing = {0};
	enum left_out left;
	struct tp_finding *f;
	char b[8];
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++) {
			uint16_t id = sc->protocols[i].suites[j].id;

			if (tp_policy_has(p, id) ||
			    listed(sc->policy_extra, sc->n_policy_extra, id))
				continue;
			if (add_id(&sc->policy_extra, &sc->n_policy_extra,
				   id) < 0)
				return -1;
			names_add(&extra, suite_name(id, b, sizeof(b)));
		}
	for (i = 0; i < p->n_suites; i++) {
		uint16_t id = p->suites[i];
		const struct tp_suite *s = tp_registry_suite(id);
		bool version_tested = false;

		/* a suite of a version the scan left out is not "refused",
		 * nor one of a version whose probes got no verdict (an alert
		 * that is no refusal, resets, silence) and accepted nothing */
		for (j = 0; j < sc->n_protocols && s != NULL; j++)
			if (sc->protocols[j].tested &&
			    (sc->protocols[j].accepted ||
			     !sc->protocols[j].incomplete) &&
			    sc->protocols[j].version >= s->min_version &&
			    (s->min_version < 0x0304) ==
			    (sc->protocols[j].version < 0x0304))
				version_tested = true;
		if (!version_tested || accepted_anywhere(sc, id) ||
		    listed(sc->policy_missing, sc->n_policy_missing, id) ||
		    listed(sc->policy_left_out, sc->n_policy_left_out, id))
			continue;
		left = s != NULL ? left_out_why(sc, p, s, cert_pk) : LEFT_NOT;
		if (left != LEFT_NOT) {
			if (add_id(&sc->policy_left_out,
				   &sc->n_policy_left_out, id) < 0)
				return -1;
			n_left[left]++;
			continue;
		}
		if (add_id(&sc->policy_missing, &sc->n_policy_missing, id) < 0)
			return -1;
		names_add(&missing, suite_name(id, b, sizeof(b)));
	}
	if (left_out_say(sc, n_left) < 0)
		return -1;
	if (extra.n > 0) {
		f = tp_report_finding(r, TP_POLICY_EXTRA, "%u suite%s accepted "
				      "that the policy (%s) does not allow",
				      extra.n, extra.n == 1 ? "" : "s",
				      tp_policy_syntax_name(p->syntax));
		if (f != NULL)
			tp_finding_detail(f, "%s", names_str(&extra));
	}
	if (missing.n > 0) {
		f = tp_report_finding(r, TP_POLICY_MISSING, "%u suite%s of the "
				      "policy (%s) refused by the server",
				      missing.n, missing.n == 1 ? "" : "s",
				      tp_policy_syntax_name(p->syntax));
		if (f != NULL)
			tp_finding_detail(f, "%s", names_str(&missing));
	}
	return 0;
}

/* Weak suites, each once, with the versions that accept it. */
struct weak {
	uint16_t *ids;
	unsigned *versions;     /* bit (version - 0x0300) */
	const char **why;
	size_t n;
};

static int weak_add(struct weak *w, uint16_t id, uint16_t version,
		    const char *why)
{
	size_t i;

	for (i = 0; i < w->n && w->ids[i] != id; i++)
		;
	if (i == w->n) {
		uint16_t *ids = realloc(w->ids, (w->n + 1) * sizeof(*ids));
		unsigned *v;
		const char **y;

		if (ids == NULL)
			return -1;
		w->ids = ids;
		v = realloc(w->versions, (w->n + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		w->versions = v;
		y = realloc(w->why, (w->n + 1) * sizeof(*y));
		if (y == NULL)
			return -1;
		w->why = y;
		w->ids[i] = id;
		w->versions[i] = 0;
		w->why[i] = why ? why : "weak";
		w->n++;
	}
	if (version >= 0x0300 && version <= 0x0304)
		w->versions[i] |= 1u << (version - 0x0300);
	return 0;
}

static void weak_free(struct weak *w)
{
	free(w->ids);
	free(w->versions);
	free(w->why);
}

static const char *version_name(uint16_t v)
{
	const struct tp_version *tv = tp_registry_version(v);

	return tv != NULL ? tv->name : "?";
}

int tp_grade_scan(struct tp_report *r, const struct tp_policy *policy,
		  unsigned cert_bits, int cert_pk)
{
	struct tp_scan *sc = r->scan;
	struct names weakv = {0}, weakc = {0}, nofs = {0};
	struct tp_finding *f;
	char best = '\0', grade, line[200];
	const char *best_why = NULL;
	bool any = false, any_fs = false, any_aead = false, modern = false;
	bool ssl3 = false, any_f = false, top_fs = true;
	const char *c_why = NULL;
	uint16_t *nofs_ids = NULL;
	size_t n_nofs = 0;
	struct weak weak = {0};
	uint16_t accepted_v[5];
	size_t i, j, n_accepted_v = 0;

	for (i = 0; i < sc->n_protocols; i++) {
		struct tp_scan_protocol *p = &sc->protocols[i];
		char pg = '\0';

		if (!p->accepted)
			continue;
		if (n_accepted_v < 5)
			accepted_v[n_accepted_v++] = p->version;
		if (tp_diag_version_weak(p->version)) {
			names_add(&weakv, version_name(p->version));
			ssl3 = ssl3 || p->version == 0x0300;
		} else {
			modern = true;
		}
		for (j = 0; j < p->n_suites; j++) {
			const struct tp_suite *s =
				tp_registry_suite(p->suites[j].id);
			const char *why = NULL;
			char g = p->suites[j].grade ? p->suites[j].grade : 'F';
			char b[8];

			any = true;
			pg = worse(pg, g);
			if (s == NULL)
				continue;
			(void)tp_grade_accepted(s, p->suites[j].dh_bits,
						p->suites[j].group, &why);
			if (best == '\0' || g < best) {
				best = g;
				best_why = why;
			}
			if (g >= 'C' && weak_add(&weak, s->id, p->version,
						 why) < 0)
				goto nomem;
			any_f = any_f || g == 'F';
			if (g == 'C' && c_why == NULL)
				c_why = why;
			any_aead = any_aead || aead(s);
			if (tp_grade_forward_secret(s)) {
				any_fs = true;
			} else {
				if (!listed(nofs_ids, n_nofs, s->id) &&
				    add_id(&nofs_ids, &n_nofs, s->id) == 0)
					names_add(&nofs, suite_name(s->id, b,
								    sizeof(b)));
				/* a client that offers everything gets this
				 * one first: it decides */
				if (j == 0 && p->preference != TP_PREF_CLIENT)
					top_fs = false;
				if (p->preference == TP_PREF_CLIENT)
					top_fs = false;
			}
		}
		if (p->version == 0x0300)
			pg = worse(pg, 'C');
		else if (p->version <= 0x0302)
			pg = worse(pg, 'B');
		p->grade = pg;
	}
	if (!any) {
		sc->grade = '\0';
		goto policy;
	}

	grade = best;
	if (best > 'A') {
		grade = '\0';
		snprintf(line, sizeof(line), "the best suite accepted is "
			 "graded %c%s%s", best, best_why ? ": " : "",
			 best_why ? best_why : "");
		if (reason(sc, best, &grade, line) < 0)
			goto nomem;
	}
	if (any_f && reason(sc, 'F', &grade, "a suite graded F is accepted "
			    "(see the suites marked F)") < 0)
		goto nomem;
	if (ssl3 && reason(sc, 'C', &grade, "SSL 3.0 accepted") < 0)
		goto nomem;
	if (!modern && reason(sc, 'C', &grade, "neither TLS 1.2 nor TLS 1.3 "
			      "accepted") < 0)
		goto nomem;
	if (c_why != NULL) {
		snprintf(line, sizeof(line), "a suite graded C is accepted "
			 "(%s)", c_why);
		if (reason(sc, 'C', &grade, line) < 0)
			goto nomem;
	}
	if (weakv.n > 0) {
		snprintf(line, sizeof(line), "%.100s accepted", weakv.buf);
		if (reason(sc, 'B', &grade, line) < 0)
			goto nomem;
	}
	if (!any_fs && reason(sc, 'C', &grade, "no suite with forward "
			      "secrecy") < 0)
		goto nomem;
	if (any_fs && !top_fs && reason(sc, 'B', &grade, "suites without "
					"forward secrecy are accepted and "
					"the server does not prefer the "
					"others") < 0)
		goto nomem;
	if (!any_aead && reason(sc, 'B', &grade, "no AEAD suite: CBC or "
				"stream ciphers only") < 0)
		goto nomem;
	if (sc->min_dh_bits != 0 && sc->min_dh_bits < 2048) {
		snprintf(line, sizeof(line), "a %u-bit DH prime",
			 sc->min_dh_bits);
		if (reason(sc, sc->min_dh_bits < 1024 ? 'F' : 'B', &grade,
			   line) < 0)
			goto nomem;
		f = tp_report_finding(r, TP_WEAK_KEY, "the server uses a "
				      "%u-bit DH prime for DHE", sc->min_dh_bits);
		if (f != NULL) {
			tp_finding_fix(f, "configure a DH group of 2048 bits "
				       "or more (RFC 7919 ffdhe2048), or "
				       "remove the DHE suites");
			if (sc->min_dh_bits < 1024)
				f->severity = TP_SEV_ERROR;
		}
	}
	if (cert_bits != 0) {
		/* the severity is the one tlsprobe cert and client give the
		 * same key; the grade's cap follows it */
		int sev = tp_cert_key_severity(cert_pk, cert_bits);

		if (sev >= 0) {
			char cap = sev == TP_SEV_ERROR ? 'F' : 'B';

			snprintf(line, sizeof(line), "the certificate's key is "
				 "%s", sc->cert_key);
			if (reason(sc, cap, &grade, line) < 0)
				goto nomem;
			f = tp_report_finding(r, TP_WEAK_KEY, "the server's "
					      "certificate key is %s",
					      sc->cert_key);
			if (f != NULL)
				f->severity = (enum tp_severity)sev;
		}
	}

	sc->grade = grade;

	tp_diag_weak_protocol(r, accepted_v, n_accepted_v, "accepts");
	for (i = 0; i < weak.n; i++) {
		char n[320], vers[64] = "";
		size_t v;

		for (v = 0; v < 5; v++)
			if (weak.versions[i] & (1u << v))
				snprintf(vers + strlen(vers), sizeof(vers) -
					 strlen(vers), "%s%s", vers[0] ? " " : "",
					 version_name((uint16_t)(0x0300 + v)));
		snprintf(n, sizeof(n), "%.100s (%.80s; %.60s)", suite_name(weak.ids[i],
			 line, sizeof(line)), weak.why[i], vers);
		names_add(&weakc, n);
	}
	if (weakc.n > 0) {
		f = tp_report_finding(r, TP_WEAK_CIPHER, "%u weak suite%s "
				      "accepted (graded C or worse)", weakc.n,
				      weakc.n == 1 ? "" : "s");
		if (f != NULL) {
			tp_finding_detail(f, "%s", names_str(&weakc));
			if (any_f)
				f->severity = TP_SEV_ERROR;
		}
	}
	if (nofs.n > 0) {
		f = tp_report_finding(r, TP_NO_FORWARD_SECRECY, "%u suite%s "
				      "without forward secrecy accepted",
				      nofs.n, nofs.n == 1 ? "" : "s");
		if (f != NULL)
			tp_finding_detail(f, "%s", names_str(&nofs));
	}
policy:
	if (policy != NULL && policy_findings(r, policy, cert_pk) < 0)
		goto nomem;
	free(nofs_ids);
	weak_free(&weak);
	return 0;
nomem:
	free(nofs_ids);
	weak_free(&weak);
	return -1;
}
