/* SPDX-License-Identifier: ISC */
/*
 * privdrop.c: the daemon and the queue tools work on the spool as the relay
 * user only, so every file they create there is the relay user's (a state
 * file written by root would be unreadable to the daemon).  Order after
 * OpenSMTPD and dma: groups, then gid, then uid, then verify.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

int
priv_become_relay(const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (pw == NULL) {
		snprintf(err, errlen, "the relay user '%s' does not exist "
		    "(install creates it: useradd --system --user-group %s)", user, user);
		return -1;
	}
	if (geteuid() == pw->pw_uid && getuid() == pw->pw_uid)
		return 0;
	if (geteuid() != 0) {
		snprintf(err, errlen, "permission denied: only root or the '%s' "
		    "user may do this", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot switch to user '%s': %s", user,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 || getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid) {
		snprintf(err, errlen, "switching to user '%s' did not stick", user);
		return -1;
	}
	return 0;
}
