/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the configuration loader (relay/config.c over libconfig).
 * Input: a sesrelay.conf.
 * Asserts: config_load either accepts the file or refuses it with a
 * non-empty "file:line: message" text; an accepted file yields values
 * inside the documented bounds (port 1-65535, at least one connection,
 * positive sizes and rate) and every alias has a local name and a target;
 * loading the same text twice gives the same result.
 */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static int memfd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("fuzz_config", MFD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return memfd < 0;
}

static int
load(struct config *cf, char *err, size_t errlen)
{
	config_defaults(cf);
	err[0] = '\0';
	return config_load(cf, path, 0, err, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cf, again;
	char err[4096], err2[4096];
	int r, r2;

	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	r = load(&cf, err, sizeof(err));
	if (r != 0)
		FUZZ_ASSERT(err[0] != '\0', "refused without a reason");
	else {
		FUZZ_ASSERT(cf.port >= 1 && cf.port <= 65535, "port %d", cf.port);
		FUZZ_ASSERT(cf.connections >= 1, "connections %d", cf.connections);
		FUZZ_ASSERT(cf.max_message_size > 0, "max_message_size %ld",
		    cf.max_message_size);
		FUZZ_ASSERT(cf.max_rate > 0, "max_rate %f", cf.max_rate);
		FUZZ_ASSERT(cf.spool_dir != NULL && cf.domain != NULL, "null strings");
		for (size_t i = 0; i < cf.naliases; i++)
			FUZZ_ASSERT(cf.aliases[i].local[0] != '\0' &&
			    cf.aliases[i].target != NULL, "alias %zu", i);
		(void)config_check_delivery(&cf, err, sizeof(err));
	}
	r2 = load(&again, err2, sizeof(err2));
	FUZZ_ASSERT(r == r2, "second load differs");
	if (r == 0)
		FUZZ_ASSERT(again.port == cf.port && again.naliases == cf.naliases &&
		    strcmp(again.domain, cf.domain) == 0, "second load differs");
	config_free(&cf);
	config_free(&again);
	return 0;
}
