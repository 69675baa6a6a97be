/*
 * ciphers --format nmap: the audit in the layout of nmap's
 * ssl-enum-ciphers script, so that pipelines built around that script
 * can diff the two. Suite names, key exchange notes and the version
 * order follow the script's conventions; the grades and the wording of
 * the warnings are tlsprobe's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "tlsprobe.h"

/* The script names the TLS 1.3 suites TLS_AKE_WITH_…. */
static void suite_name(uint16_t id, char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(id);

	if (s == NULL)
		snprintf(buf, size, "0x%04X", id);
	else if (s->min_version >= 0x0304 && strncmp(s->iana, "TLS_", 4) == 0)
		snprintf(buf, size, "TLS_AKE_WITH_%s", s->iana + 4);
	else
		snprintf(buf, size, "%s", s->iana);
}

/* "(secp256r1)", "(ecdh_x25519)", "(dh 2048)", "(rsa 2048)" */
static void kx_note(const struct tp_scan *sc, const struct tp_scan_suite *su,
		    char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(su->id);
	unsigned bits = 0;
	const char *key = sc->cert_key;

	buf[0] = '\0';
	if (strncmp(su->kx, "DH ", 3) == 0) {
		snprintf(buf, size, " (dh %s)", su->kx + 3);
	} else if (strcmp(su->kx, "x25519") == 0 ||
		   strcmp(su->kx, "x448") == 0) {
		snprintf(buf, size, " (ecdh_%s)", su->kx);
	} else if (su->kx[0] != '\0') {
		snprintf(buf, size, " (%s)", su->kx);
	} else if (s != NULL && s->kx == TP_KX_RSA && key[0] != '\0' &&
		   sscanf(key, "RSA-%u", &bits) == 1) {
		snprintf(buf, size, " (rsa %u)", bits);
	}
}

static void warnings(FILE *f, const struct tp_scan_protocol *p)
{
	bool rc4 = false, sweet = false, nofs = true, anon = false;
	bool exp = false, null = false;
	size_t i;

	nofs = p->n_suites > 0;
	for (i = 0; i < p->n_suites; i++) {
		const struct tp_suite *s = tp_registry_suite(p->suites[i].id);

		if (s == NULL)
			continue;
		rc4 = rc4 || s->enc == TP_ENC_RC4;
		sweet = sweet || s->enc == TP_ENC_3DES ||
			s->enc == TP_ENC_IDEA;
		nofs = nofs && (s->kx == TP_KX_RSA || s->kx == TP_KX_DH ||
				s->kx == TP_KX_ECDH || s->kx == TP_KX_PSK);
		anon = anon || s->auth == TP_AUTH_NULL;
		exp = exp || s->is_export;
		null = null || s->enc == TP_ENC_NULL;
	}
	if (!(rc4 || sweet || nofs || anon || exp || null))
		return;
	fputs("|     warnings: \n", f);
	if (sweet)
		fputs("|       3DES or IDEA: a 64-bit block cipher (SWEET32)\n",
		      f);
	if (anon)
		fputs("|       anonymous key exchange: the server is not authenticated\n", f);
	if (exp)
		fputs("|       export-grade suites accepted\n", f);
	if (nofs)
		fputs("|       no suite with forward secrecy\n", f);
	if (null)
		fputs("|       NULL encryption accepted\n", f);
	if (rc4)
		fputs("|       RC4 accepted (RFC 7465 prohibits it)\n", f);
}

char *tp_report_to_nmap(const struct tp_report *r)
{
	const struct tp_scan *sc = r->scan;
	char *out = NULL;
	size_t len = 0, i, j;
	char least = '\0';
	bool any = false;
	FILE *f;

	f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f, "PORT     STATE SERVICE\n%u/tcp %s\n", r->target.port,
		sc != NULL && sc->connections > 0 && r->n_stages > 1 &&
		r->stages[1].status == TP_STAGE_OK ? "open" : "closed");
	if (sc != NULL) {
		for (i = 0; i < sc->n_protocols; i++)
			any = any || sc->protocols[i].accepted;
	}
	if (any) {
		fputs("| ssl-enum-ciphers: \n", f);
		for (i = 0; i < sc->n_protocols; i++) {
			const struct tp_scan_protocol *p = &sc->protocols[i];
			const struct tp_version *v =
				tp_registry_version(p->version);

			if (!p->accepted)
				continue;
			fprintf(f, "|   %s: \n|     ciphers: \n",
				v ? v->nmap : "?");
			for (j = 0; j < p->n_suites; j++) {
				char name[96], kx[48];

				suite_name(p->suites[j].id, name, sizeof(name));
				kx_note(sc, &p->suites[j], kx, sizeof(kx));
				fprintf(f, "|       %s%s - %c\n", name, kx,
					p->suites[j].grade);
				if (p->suites[j].grade > least)
					least = p->suites[j].grade;
			}
			if (p->version < 0x0304)
				fputs("|     compressors: \n|       NULL\n", f);
			fprintf(f, "|     cipher preference: %s\n",
				p->preference == TP_PREF_SERVER ? "server"
				: p->preference == TP_PREF_CLIENT
				? "client" : "indeterminate");
			warnings(f, p);
		}
		fprintf(f, "|_  least strength: %c\n", least);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
