/* SPDX-License-Identifier: ISC */
/* privdrop.c: become the relay user (daemon, queue tools run by root). */
#ifndef SESRELAY_PRIVDROP_H
#define SESRELAY_PRIVDROP_H

#include <stddef.h>

/* As root: setgroups + setresgid + setresuid to `user`, and check that it
 * stuck.  As that user already: nothing to do.  As anyone else: -1 with a
 * message saying who may run this.  0 on success. */
int	priv_become_relay(const char *user, char *err, size_t errlen);

#endif
