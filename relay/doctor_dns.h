/* SPDX-License-Identifier: ISC */
/* doctor_dns.c: the DNS lookups doctor needs (TXT, CNAME, MX) via libresolv. */
#ifndef SESRELAY_DOCTOR_DNS_H
#define SESRELAY_DOCTOR_DNS_H

#include <stddef.h>

/* Point the lookups at one server ("127.0.0.1:5353"); NULL = the system's
 * resolv.conf.  For tests and for checking what a given server publishes. */
int	dns_init(const char *server);
/* Records of `type` (ns_t_txt, ns_t_cname, ns_t_mx) at name, as strings
 * ("10 feedback-smtp.us-east-1.amazonses.com" for MX).  Returns the count
 * (0 = none), -1 when the lookup failed (not "no such name"). */
int	dns_lookup(const char *name, int type, char out[][512], int max);

#endif
