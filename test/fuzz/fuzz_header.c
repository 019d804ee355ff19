/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: header field parsing and RFC 2047 encoding (relay/header.c).
 * Input: one header field (continuation lines joined by LF).
 * Asserts: header_value has no CR or LF; rfc2047_encode gives US-ASCII
 * only, encoded-words of at most 75 characters separated by LF + space,
 * each made of whole UTF-8 characters when the input is UTF-8, and
 * decoding them gives back the value (leading blanks aside).
 * Address fields (valid UTF-8, as the intake encodes only those): the
 * phrase encoder keeps every address (same list, same order), leaves an
 * ASCII field byte for byte, and its encoded-words are at most 75
 * characters.
 */
#include <string.h>

#include "fuzz.h"
#include "header.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decode "=?UTF-8?B?...?=" words separated by blanks/LF into out. */
static size_t
decode_words(const char *enc, char *out)
{
	const char *p = enc;
	size_t n = 0;

	while (*p) {
		const char *w, *e;
		unsigned acc = 0;
		int bits = 0;

		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		FUZZ_ASSERT(strncmp(p, "=?UTF-8?B?", 10) == 0, "not a word: '%.40s'", p);
		w = p + 10;
		e = strstr(w, "?=");
		FUZZ_ASSERT(e != NULL, "unterminated word");
		FUZZ_ASSERT(e + 2 - p <= 75, "word of %ld characters", (long)(e + 2 - p));
		for (; w < e && *w != '='; w++) {
			int v = b64val(*w);

			FUZZ_ASSERT(v >= 0, "bad base64 '%c'", *w);
			acc = acc << 6 | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[n++] = (char)((acc >> bits) & 0xff);
			}
		}
		p = e + 2;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *v, *enc, *dec;
	const char *want;
	size_t n;

	(void)header_name_len(s, size);
	(void)header_is(s, "Subject");
	v = header_value(s);
	FUZZ_ASSERT(strpbrk(v, "\r\n") == NULL, "CR/LF in a value");

	enc = rfc2047_encode(v);
	for (const char *p = enc; *p; p++)
		FUZZ_ASSERT((unsigned char)*p < 128 && (*p >= 32 || *p == '\n'),
		    "octet %u in the encoding", (unsigned char)*p);
	dec = malloc(strlen(enc) + 1);
	n = decode_words(enc, dec);
	want = v + strspn(v, " \t");
	FUZZ_ASSERT(n == strlen(want) && memcmp(dec, want, n) == 0,
	    "decoded text differs");
	if (utf8_valid(want, strlen(want))) {
		/* Each word holds whole characters: it decodes as UTF-8 alone. */
		const char *p = enc;

		while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
			const char *e = strstr(p, "?=");
			char word[128], one[128];
			size_t k;

			memcpy(word, p, (size_t)(e + 2 - p));
			word[e + 2 - p] = '\0';
			k = decode_words(word, one);
			FUZZ_ASSERT(utf8_valid(one, k), "a word splits a character");
			p = e + 2;
		}
	}
	free(dec);
	free(enc);
	if (utf8_valid(v, strlen(v))) {
		char *f = malloc(strlen(v) + 4), *out, *ov;
		struct addrlist a = { 0 }, b = { 0 };

		memcpy(f, "To:", 3);
		strcpy(f + 3, v);
		out = header_encode_address_field(f);
		if (!has_8bit(f, strlen(f)))
			FUZZ_ASSERT(strcmp(out, f) == 0, "ASCII field changed");
		ov = header_value(out);
		addrlist_parse(v, &a);
		addrlist_parse(ov, &b);
		FUZZ_ASSERT(a.n == b.n, "%zu addresses before, %zu after", a.n, b.n);
		for (size_t i = 0; i < a.n; i++)
			FUZZ_ASSERT(strcmp(a.addr[i], b.addr[i]) == 0, "address '%s' became '%s'",
			    a.addr[i], b.addr[i]);
		for (const char *p = strstr(v, "=?") ? "" : out;
		    (p = strstr(p, "=?UTF-8?B?")) != NULL; p++) {
			const char *e = strstr(p + 10, "?=");

			FUZZ_ASSERT(e != NULL && e + 2 - p <= 75, "long encoded-word");
		}
		addrlist_free(&a);
		addrlist_free(&b);
		free(ov);
		free(out);
		free(f);
	}
	free(v);
	free(s);
	return 0;
}
