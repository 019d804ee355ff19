/* SPDX-License-Identifier: ISC */
/* doctor_api.c: the delivery path of `sesrelay doctor` when transport =
 * "api": the SES API endpoint's name, its TLS certificate, and that the
 * AWS credential chain has credentials (a failure here, not a warning:
 * nothing can be sent without).  The credentials' source and the account
 * (GetAccount) are doctor_aws.c's steps, which follow.  Reports through `step`, which
 * prints one line per finding as doctor.c's own steps do. */
#ifndef SESRELAY_DOCTOR_API_H
#define SESRELAY_DOCTOR_API_H

struct config;

/* level: 0 ok, 1 warn, 2 FAIL; fix: NULL or what to do. */
typedef void (*doctor_step_fn)(int level, const char *fix, const char *text);

void	doctor_api_path(const struct config *cf, doctor_step_fn step);

#endif
