/* placeholder: replaced by the certificate analysis */
#include "cert.h"
int tp_cert_run(const struct tp_cert_opts *o, struct tp_report *r,
		struct tp_error *err)
{
	(void)o; (void)r;
	tp_error_set(err, TP_ERR_RUNTIME, "not built yet");
	return -1;
}
