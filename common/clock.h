/* clock.h: the monotonic clock, for deadlines, backoff and run limits (a
 * wall-clock step must not stretch or cut a timeout).  Header only: two
 * inline readers, no state.  Ground floor. */
#ifndef CLOCK_H
#define CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds on the monotonic clock. */
static inline long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
