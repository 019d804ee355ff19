/* SPDX-License-Identifier: ISC */
/*
 * sespass.c: `sesrelay smtp-password --region R` reads an IAM secret access
 * key on stdin and prints the SES SMTP password: a SigV4-style HMAC-SHA256
 * chain ("AWS4"+secret, date 11111111, region, "ses", "aws4_request",
 * "SendRawEmail"), prefixed with version byte 0x04 and base64-encoded.
 * The password is tied to the region; the user name is the access key id.
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cli.h"
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
	if (isatty(0))
		fputs("IAM secret access key: ", stderr);
	if (fgets(secret, sizeof(secret), stdin) == NULL)
		secret[0] = '\0';
	secret[strcspn(secret, "\r\n")] = '\0';
	if (secret[0] == '\0') {
		fputs("sesrelay: no secret access key on standard input\n", stderr);
		return EXIT_DATAERR;
	}
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
