/* SPDX-License-Identifier: ISC */
/* sendmail.c: placeholder until the intake lands. */
#include <stdio.h>

int
main(void)
{
	fputs("sendmail: not implemented yet\n", stderr);
	return 70;
}
