/* SPDX-License-Identifier: ISC */
/* The subcommands of sesrelay(8); sesrelay.c dispatches to them.  Each
 * returns the process exit status.  argv[0] is the subcommand name. */
#ifndef SESRELAY_CLI_H
#define SESRELAY_CLI_H

struct config;

int	cmd_daemon(int argc, char **argv, struct config *cf);		/* daemon.c */
int	cmd_queue(int argc, char **argv, struct config *cf);		/* queue_cmd.c */
int	cmd_status(int argc, char **argv, struct config *cf);		/* status.c */
int	cmd_doctor(int argc, char **argv, struct config *cf);		/* doctor.c */
int	cmd_smtp_password(int argc, char **argv, struct config *cf);	/* sespass.c */
int	cmd_check_config(int argc, char **argv, struct config *cf);	/* checkconf.c */
int	cmd_metrics(int argc, char **argv, struct config *cf);		/* metrics.c */
int	cmd_trace(int argc, char **argv, struct config *cf);		/* trace.c */
int	cmd_credentials(int argc, char **argv, struct config *cf);	/* credentials_cmd.c */

#endif
