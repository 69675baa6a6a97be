/* IANA TLS registries as data: alerts and handshake message types. */
#ifndef TP_REGISTRY_H
#define TP_REGISTRY_H

struct tp_alert_info {
	int id;
	const char *name;     /* RFC 8446 name: "unknown_ca" */
	const char *meaning;  /* what it usually means, one line */
};

/* NULL for an unassigned alert number. */
const struct tp_alert_info *tp_registry_alert(int id);
/* "ClientHello", "CertificateRequest", …; "handshake type N" otherwise
 * (written into buf). */
const char *tp_registry_handshake_name(int type, char *buf, unsigned size);

#endif
