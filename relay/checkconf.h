/* SPDX-License-Identifier: ISC */
/* checkconf.c: check-config, and what doctor shares with it. */
#ifndef SESRELAY_CHECKCONF_H
#define SESRELAY_CHECKCONF_H

/* The region named by an SES endpoint host ("email-smtp.R.amazonaws.com")
 * as a new string, or NULL when host is not an SES endpoint. */
char	*checkconf_host_region(const char *host);

#endif
