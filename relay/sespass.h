/* SPDX-License-Identifier: ISC */
/* sespass.c: the SES SMTP password from an IAM secret access key. */
#ifndef SESRELAY_SESPASS_H
#define SESRELAY_SESPASS_H

#include <stddef.h>

/* Derive the v4 SES SMTP password (shared/ses-smtp.md section 5) into out
 * (at least 45 octets).  0, or -1 when OpenSSL fails. */
int	ses_smtp_password(const char *secret, const char *region, char *out,
	    size_t outlen);
/* The SMTP password for cf: `password` or `password_file` when set, else
 * derived now from secret_access_key_file for cf->region (never written
 * anywhere).  malloc'd, or NULL with a message in err. */
struct config;
char	*sespass_for_config(const struct config *cf, char *err, size_t errlen);
/* 1 when r looks like an AWS region name ("us-east-1", "us-gov-west-1"). */
int	ses_region_valid(const char *r);

#endif
