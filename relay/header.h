/* SPDX-License-Identifier: ISC */
/* header.c: RFC 5322 header fields and address lists, pure text functions
 * used by the intake (-t, additions) and unit-tested row by row. */
#ifndef SESRELAY_HEADER_H
#define SESRELAY_HEADER_H

#include <stddef.h>

/* A list of addr-specs ("local@domain" or a bare "local"). */
/* Addresses in the order added; `slot` is an open-addressing hash of them
 * (index + 1, 0 = empty) so adding stays linear for 50,000 recipients.
 * Start from { 0 }. */
struct addrlist {
	char	**addr;
	size_t	  n;
	size_t	 *slot;
	size_t	  mask;		/* slots - 1, or 0 before the first add */
};

/* Longest field name: "Name:" fits one 998-octet line. */
#define HEADER_NAME_MAX 997

/* Length of the field name when `line` starts a header field ("Name:"),
 * else 0.  Names are printable US-ASCII without ':' (RFC 5322 2.2), at
 * most HEADER_NAME_MAX octets. */
size_t	header_name_len(const char *line, size_t len);
/* Case-insensitive comparison of a field's name with `name`. */
int	header_is(const char *field, const char *name);
/* The unfolded value of a field (after "Name:"), malloc'd, CR/LF removed. */
char	*header_value(const char *field);

/* Append the addr-specs of an address-list value (display names, quoted
 * strings, comments, groups, angle addresses with routes) to `out`, skipping
 * duplicates.  Returns the number added. */
size_t	addrlist_parse(const char *value, struct addrlist *out);
/* Add one address unless already present (local part exact, domain
 * case-insensitive).  Returns 1 when added. */
int	addrlist_add(struct addrlist *l, const char *addr);
void	addrlist_free(struct addrlist *l);

/* The -t recipients of a header section (fields unfolded or with their
 * continuation lines, one per entry): the addresses of To, Cc and Bcc, or,
 * when any Resent-To/Resent-Cc/Resent-Bcc field is present, of those only
 * (RFC 5322 3.6.6: a resent message goes to the resent recipients, as
 * sendmail and Postfix do).  Appended to `out` without duplicates; returns
 * the number added. */
size_t	header_recipients(char *const *fields, size_t n, struct addrlist *out);

/* NULL when `addr` is acceptable as an envelope address; otherwise a short
 * reason ("contains a space", "non-ASCII local part" ...). */
const char *address_problem(const char *addr);

/* 1 when s[0..len) holds a byte >= 0x80. */
int	has_8bit(const char *s, size_t len);
/* 1 when s[0..len) is valid UTF-8. */
int	utf8_valid(const char *s, size_t len);
/* RFC 2047-encode an unstructured value as =?UTF-8?B?...?= words folded on
 * LF + space, whole characters per word.  malloc'd. */
char	*rfc2047_encode(const char *value);

/* 1 when the field holds addresses (From, To, Cc, Bcc, Reply-To, Sender,
 * their Resent- forms, Mail-Followup-To, Disposition-Notification-To ...). */
int	header_is_address(const char *field);
/* An address field with the 8-bit text of its display names, group names
 * and comments RFC 2047-encoded by the rules for phrases (RFC 2047 5:
 * whole words, quoted strings unquoted first, never inside an address);
 * addresses, punctuation and ASCII words stay as they are.  malloc'd. */
char	*header_encode_address_field(const char *field);

#endif
