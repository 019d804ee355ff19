/* SPDX-License-Identifier: ISC */
/* status.c: placeholder until implemented (exits EX_SOFTWARE). */
#include <stdio.h>

#include "cli.h"
#include "util.h"

int
cmd_status(int argc, char **argv, struct config *cf)
{
	(void)argc;
	(void)cf;
	fprintf(stderr, "sesrelay: %s: not implemented yet\n", argv[0]);
	return EXIT_SOFTWARE;
}
