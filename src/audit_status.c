/*
 * The audit's checks of the certificate's status: OCSP stapling, OCSP
 * and CRL revocation.
 */
#include "audit.h"

void tp_audit_ocsp_stapling(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}

void tp_audit_revocation(struct tp_audit *a)
{
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
			"not implemented yet");
}
