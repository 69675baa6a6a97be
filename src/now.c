/* The monotonic clock every deadline in the library is measured on. */
#include <time.h>

#include "tlsprobe.h"

double tp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
