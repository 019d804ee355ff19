/* SPDX-License-Identifier: ISC */
/*
 * ratelimit.c: SES's maximum send rate is in recipients per second and
 * tolerates short bursts, so a bucket of one second's worth of tokens,
 * refilled continuously, matches it.  After a throttling reply the rate is
 * halved; it then grows back by a tenth of the maximum every two seconds
 * without a new throttle (AIMD, as TCP does with its window).
 */
#include "ratelimit.h"

static double
capacity(const struct ratelimit *rl)
{
	return rl->rate > 1 ? rl->rate : 1;
}

static void
refill(struct ratelimit *rl, double now)
{
	double dt = now - rl->last;

	if (dt <= 0)
		return;
	if (rl->rate < rl->max && now - rl->last_throttle > 2) {
		/* Recover: +10% of max per 2 s since the last throttle. */
		rl->rate += rl->max * 0.05 * dt;
		if (rl->rate > rl->max)
			rl->rate = rl->max;
	}
	rl->tokens += dt * rl->rate;
	if (rl->tokens > capacity(rl))
		rl->tokens = capacity(rl);
	rl->last = now;
}

void
ratelimit_init(struct ratelimit *rl, double max, double now)
{
	rl->max = rl->rate = max;
	rl->tokens = capacity(rl);
	rl->last = now;
	rl->last_throttle = 0;
}

double
ratelimit_wait(struct ratelimit *rl, int n, double now)
{
	double need = n < capacity(rl) ? n : capacity(rl);

	refill(rl, now);
	if (rl->tokens >= need)
		return 0;
	return (need - rl->tokens) / rl->rate;
}

void
ratelimit_take(struct ratelimit *rl, int n)
{
	rl->tokens -= n;
}


void
ratelimit_throttled(struct ratelimit *rl, double now)
{
	double floor = rl->max / 10 < 0.5 ? rl->max / 10 : 0.5;

	refill(rl, now);
	rl->rate /= 2;
	if (rl->rate < floor)
		rl->rate = floor;
	rl->tokens = 0;
	rl->last_throttle = now;
}

void
ratelimit_set_max(struct ratelimit *rl, double max)
{
	rl->max = max;
	if (rl->rate > max)
		rl->rate = max;
}
