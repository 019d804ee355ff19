/* SPDX-License-Identifier: ISC */
/* Shared by the two intake targets (fuzz_smtpd, fuzz_wire): a real spool
 * on tmpfs and a config for it, the spool removed when libFuzzer exits
 * (not after a crash: then it is evidence). */
#ifndef SESRELAY_FUZZ_INTAKE_H
#define SESRELAY_FUZZ_INTAKE_H

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "spool.h"

static struct spool *fuzz_spool_to_remove;

static inline void
fuzz_remove_spool(void)
{
	struct spool *sp = fuzz_spool_to_remove;
	DIR *d = opendir(sp->maildrop);
	struct dirent *de;
	char path[700];

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", sp->maildrop, de->d_name);
		if (de->d_name[0] != '.')
			unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(sp->maildrop);
	rmdir(sp->dir);
}

/* 0, or 1 when the spool cannot be made (libFuzzer's Initialize code). */
static inline int
fuzz_intake_setup(struct config *cf, struct spool *sp, long max_message_size)
{
	char dir[] = "/dev/shm/sesrelay-fuzz.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	config_defaults(cf);
	free(cf->domain);
	cf->domain = strdup("host.test");
	cf->min_free_space = 0;
	cf->max_message_size = max_message_size;
	spool_init(sp, dir);
	if (mkdir(sp->maildrop, 0700) != 0)
		return 1;
	log_set_syslog(0);
	fuzz_spool_to_remove = sp;
	atexit(fuzz_remove_spool);
	return 0;
}

#endif
