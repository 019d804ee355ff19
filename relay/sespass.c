/* SPDX-License-Identifier: ISC */
/*
 * sespass.c: `sesrelay smtp-password --region R` reads an IAM secret access
 * key on stdin and prints the SES SMTP password: a SigV4-style HMAC-SHA256
 * chain ("AWS4"+secret, date 11111111, region, "ses", "aws4_request",
 * "SendRawEmail"), prefixed with version byte 0x04 and base64-encoded.
 * The password is tied to the region; the user name is the access key id.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cli.h"
#include "config.h"
#include "sespass.h"
#include "util.h"

static int
hmac(const unsigned char *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int n = 32;

	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &n) == NULL ? -1 : 0;
}

int
ses_smtp_password(const char *secret, const char *region, char *out, size_t outlen)
{
	static const char *chain[] = { NULL, "ses", "aws4_request", "SendRawEmail" };
	unsigned char k[32], sig[33];
	char *key = xasprintf("AWS4%s", secret);
	size_t i;
	int r;

	r = hmac((unsigned char *)key, strlen(key), "11111111", k);
	explicit_bzero(key, strlen(key));
	free(key);
	chain[0] = region;
	for (i = 0; r == 0 && i < sizeof(chain) / sizeof(chain[0]); i++)
		r = hmac(k, sizeof(k), chain[i], k);
	if (r == -1 || outlen < 45)
		return -1;
	sig[0] = 0x04;
	memcpy(sig + 1, k, 32);
	EVP_EncodeBlock((unsigned char *)out, sig, 33);
	explicit_bzero(k, sizeof(k));
	return 0;
}

char *
sespass_for_config(const struct config *cf, char *err, size_t errlen)
{
	char *secret, out[64];
	int r;

	if (cf->password[0] || cf->password_file[0] || !cf->secret_access_key_file[0])
		return config_password(cf, err, errlen);
	if ((secret = config_read_secret(cf->secret_access_key_file,
	    "secret_access_key_file", err, errlen)) == NULL)
		return NULL;
	r = ses_smtp_password(secret, cf->region, out, sizeof(out));
	explicit_bzero(secret, strlen(secret));
	free(secret);
	if (r == -1) {
		snprintf(err, errlen, "cannot derive the SMTP password (OpenSSL HMAC failed)");
		return NULL;
	}
	secret = xstrdup(out);
	explicit_bzero(out, sizeof(out));
	return secret;
}

/*
 * "us-east-1", "ap-northeast-2", "us-gov-west-1": lower-case words joined
 * by dashes, at least two of them, then a number.  Any string gives *a*
 * password, so a typo must be caught here: later it only shows as a 535.
 */
int
ses_region_valid(const char *r)
{
	int words = 0;

	for (;;) {
		const char *w = r;

		while (islower((unsigned char)*r))
			r++;
		if (r == w)
			break;
		if (*r++ != '-')
			return 0;
		words++;
	}
	if (words < 2 || !isdigit((unsigned char)*r))
		return 0;
	while (isdigit((unsigned char)*r))
		r++;
	return *r == '\0';
}

/* One line from stdin, without echo on a terminal, trimmed of the blanks
 * a copy and paste brings along (they would silently change the result). */
static void
read_secret(char *buf, size_t len)
{
	struct termios t, quiet;
	int tty = isatty(0) && tcgetattr(0, &t) == 0;
	size_t n, skip;

	if (tty) {
		fputs("IAM secret access key: ", stderr);
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	skip = strspn(buf, " \t");
	memmove(buf, buf + skip, strlen(buf + skip) + 1);
	for (n = strlen(buf); n > 0 && strchr(" \t\r\n", buf[n - 1]); n--)
		buf[n - 1] = '\0';
}

int
cmd_smtp_password(int argc, char **argv, struct config *cf)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char secret[512], out[64];
	const char *region = NULL;
	int ch;

	(void)cf;
	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (ch != 'r')
			goto usage;
		region = optarg;
	}
	if (region == NULL || *region == '\0')
		goto usage;
	if (!ses_region_valid(region)) {
		fprintf(stderr, "sesrelay: '%s' is not an AWS region name (like us-east-1 "
		    "or eu-west-1): the password is only valid in the region given\n",
		    region);
		return EXIT_USAGE;
	}
	read_secret(secret, sizeof(secret));
	if (secret[0] == '\0') {
		fputs("sesrelay: no secret access key on standard input (give the IAM "
		    "secret access key, not the access key id)\n", stderr);
		return EXIT_DATAERR;
	}
	if (strlen(secret) != 40 || strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/") != 40)
		fprintf(stderr, "sesrelay: warning: an IAM secret access key is 40 "
		    "characters of A-Z a-z 0-9 + /; this one is not: check what was "
		    "pasted\n");
	if (ses_smtp_password(secret, region, out, sizeof(out)) == -1) {
		fputs("sesrelay: HMAC failed (OpenSSL)\n", stderr);
		return EXIT_SOFTWARE;
	}
	explicit_bzero(secret, sizeof(secret));
	puts(out);
	if (isatty(1))
		fprintf(stderr, "SMTP user name: the IAM access key id (AKIA...); this "
		    "password works only in %s (host email-smtp.%s.amazonaws.com)\n",
		    region, region);
	return 0;
usage:
	fputs("usage: sesrelay smtp-password --region REGION < secret-access-key\n", stderr);
	return EXIT_USAGE;
}
