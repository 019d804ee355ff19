/* SPDX-License-Identifier: ISC */
/* ratelimit.c: token bucket on recipients per second (SES counts
 * recipients), with "halve on throttle, recover additively". */
#ifndef SESRELAY_RATELIMIT_H
#define SESRELAY_RATELIMIT_H

struct ratelimit {
	double	max;		/* configured rate (max_rate) */
	double	rate;		/* current rate, <= max */
	double	tokens;
	double	last;		/* time of the last refill */
	double	last_throttle;	/* time of the last 454 */
};

void	ratelimit_init(struct ratelimit *rl, double max, double now);
/* Seconds to wait before n recipients may be sent (0 = now).  A request
 * larger than one second's worth waits for a full bucket. */
double	ratelimit_wait(struct ratelimit *rl, int n, double now);
/* Take n tokens (call when ratelimit_wait returned 0): every recipient
 * costs one, so a request larger than the bucket leaves a debt that the
 * next requests wait out. */
void	ratelimit_take(struct ratelimit *rl, int n);
/* SES said "Maximum sending rate exceeded": halve the rate (not below a
 * tenth of max or 0.5/s) and empty the bucket. */
void	ratelimit_throttled(struct ratelimit *rl, double now);
/* Change the configured maximum (config reload). */
void	ratelimit_set_max(struct ratelimit *rl, double max);

#endif
