/* SPDX-License-Identifier: ISC */
/*
 * doctor_dns.c: thin wrapper over res_nquery + ns_parserr.  Only doctor
 * uses DNS itself (delivery leaves name resolution to libcurl).  The
 * --dns-server switch only changes where doctor's own lookups go.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_dns.h"

static struct __res_state rs;

int
dns_init(const char *server)
{
	char host[64];
	const char *colon;
	struct in_addr a;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) == -1)
		return -1;
	if (server == NULL)
		return 0;
	colon = strrchr(server, ':');
	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - server) : 63, server);
	if (inet_pton(AF_INET, host, &a) != 1)
		return -1;
	rs.nscount = 1;
	rs.nsaddr_list[0].sin_family = AF_INET;
	rs.nsaddr_list[0].sin_addr = a;
	rs.nsaddr_list[0].sin_port = htons(colon ? (unsigned short)atoi(colon + 1) : 53);
	rs.retry = 1;
	rs.retrans = 2;
	return 0;
}

int
dns_lookup(const char *name, int type, char out[][512], int max)
{
	unsigned char ans[8192];
	ns_msg msg;
	ns_rr rr;
	int len, i, n = 0;

	len = res_nquery(&rs, name, ns_c_in, type, ans, sizeof(ans));
	if (len < 0)
		return h_errno == HOST_NOT_FOUND || h_errno == NO_DATA ? 0 : -1;
	if (ns_initparse(ans, len, &msg) == -1)
		return -1;
	for (i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
		const unsigned char *rd;

		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 || (int)ns_rr_type(rr) != type)
			continue;
		rd = ns_rr_rdata(rr);
		if (type == ns_t_txt) {
			/* Concatenate the character-strings of one record. */
			size_t pos = 0, o = 0;

			while (pos < ns_rr_rdlen(rr) && o < 511) {
				size_t l = rd[pos++];

				if (l > ns_rr_rdlen(rr) - pos)
					l = ns_rr_rdlen(rr) - pos;
				if (l > 511 - o)
					l = 511 - o;
				memcpy(out[n] + o, rd + pos, l);
				o += l;
				pos += l;
			}
			out[n++][o] = '\0';
		} else if (type == ns_t_cname) {
			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd,
			    out[n], 512) >= 0)
				n++;
		} else if (type == ns_t_mx) {
			char host[400];

			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd + 2,
			    host, sizeof(host)) >= 0)
				snprintf(out[n++], 512, "%u %s", ns_get16(rd), host);
		}
	}
	return n;
}
