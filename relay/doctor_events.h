/* SPDX-License-Identifier: ISC */
/*
 * doctor_events.c: the SES-events steps of `sesrelay doctor`: the
 * configuration set exists and has an enabled SNS event destination for
 * bounces, complaints, deliveries and delays (SES v2
 * GetConfigurationSetEventDestinations), and events_queue_url answers
 * (SQS GetQueueAttributes: messages waiting and in flight).  Nothing when
 * neither configuration_set nor events_queue_url is set.
 */
#ifndef SESRELAY_DOCTOR_EVENTS_H
#define SESRELAY_DOCTOR_EVENTS_H

#include <stddef.h>

#include "doctor_aws.h"

/* Findings written to out (at most max); returns their number. */
size_t	doctor_events(const struct config *cf, struct doctor_finding *out, size_t max);

#endif
