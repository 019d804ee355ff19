#!/usr/bin/env bash
# A read error or out of memory on the input is not the end of the message:
# sendmail exits non-zero (74 EX_IOERR for a read error, 75 EX_TEMPFAIL for
# out of memory) and queues nothing.  The faults are injected with a small
# pseudo-terminal whose other side hangs up (read(2) fails with EIO), and
# with a small LD_PRELOAD library: getline(3) fails with ENOMEM on its Nth
# call.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"
rc() { "$@"; echo $?; }
nothing_queued() { t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing queued: $1"; }

cat >"$TROOT/fault.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long env(const char *k) { const char *v = getenv(k); return v ? atol(v) : -1; }

/* getline is an inline call of __getdelim when optimising: wrap that. */
ssize_t __getdelim(char **line, size_t *cap, int delim, FILE *fp)
{
	static ssize_t (*real)(char **, size_t *, int, FILE *);
	static long calls;
	long nth = env("FAULT_GETLINE_ENOMEM");

	if (!real)
		real = (ssize_t (*)(char **, size_t *, int, FILE *))dlsym(RTLD_NEXT, "__getdelim");
	if (nth > 0 && ++calls >= nth) {
		errno = ENOMEM;
		return -1;
	}
	return real(line, cap, delim, fp);
}

ssize_t getline(char **line, size_t *cap, FILE *fp)
{
	return __getdelim(line, cap, '\n', fp);
}
C
cc -shared -fPIC -o "$TROOT/fault.so" "$TROOT/fault.c" -ldl || t_fail "build fault.so"
# Under ASan the runtime must not insist on coming first.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
msg() { printf 'Subject: io\n\nline 1\nline 2\nline 3\n'; }

# Control: the library is loaded and harmless without a fault.
t_eq "$(msg | LD_PRELOAD=$TROOT/fault.so rc $SM -i a@example.com)" 0 "no fault: queued"
t_clear_drops

# Input that cannot be read at all: a directory on stdin (EISDIR).
t_eq "$(rc $SM -i a@example.com <"$SPOOL" 2>"$TROOT/err")" 74 "directory on stdin -> 74"
t_grep 'cannot read the message' "$TROOT/err"; nothing_queued "directory"

# A read error in the middle of the message: stdin is a pseudo-terminal
# whose other side closes after part of the message, so the kernel's
# read(2) fails with EIO (an interposed read(2) would not do: stdio calls
# glibc's internal one).
ptyrun() {	# input-file, sendmail args...: prints the exit status
	"$PY" - "$@" <<'PY'
import os, pty, subprocess, sys, time, tty
data = open(sys.argv[1], 'rb').read()
master, slave = pty.openpty()
tty.setraw(slave)
p = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=subprocess.DEVNULL,
                     stderr=open(os.environ['ERRFILE'], 'wb'))
os.close(slave)
os.write(master, data)
time.sleep(0.5)		# let sendmail read what is there, then hang up
os.close(master)
print(p.wait())
PY
}
export ERRFILE=$TROOT/err
msg >"$TROOT/part.in"
t_eq "$(ptyrun "$TROOT/part.in" $SM -i a@example.com)" 74 "read error (EIO) mid-message -> 74"
t_grep 'Input/output error' "$TROOT/err"; nothing_queued "read error mid-message"
printf 'To: a@example.com\nSubject: io\n' >"$TROOT/part.in"
t_eq "$(ptyrun "$TROOT/part.in" $SM -t -i)" 74 "read error (EIO) in the headers, -t -> 74"
nothing_queued "read error in the headers"

# Out of memory while reading a line (the 4th getline): 75.
t_eq "$(msg | FAULT_GETLINE_ENOMEM=4 LD_PRELOAD=$TROOT/fault.so rc $SM -i a@example.com 2>"$TROOT/err")" \
	75 "ENOMEM mid-body -> 75"
t_grep 'NOT queued' "$TROOT/err"; nothing_queued "ENOMEM"

# -bs: a read error inside DATA queues nothing and sendmail exits 74.
printf 'HELO x\r\nMAIL FROM:<s@example.com>\r\nRCPT TO:<a@example.com>\r\nDATA\r\nSubject: bs\r\n\r\nbody line\r\n' >"$TROOT/bs.in"
t_eq "$(ptyrun "$TROOT/bs.in" $SM -bs)" 74 "-bs read error in DATA -> 74"
nothing_queued "-bs read error"

# min_free_space is checked while writing, not only at creation: two
# writers that both passed the first check cannot fill the disk together.
# An 8 MB tmpfs spool, min_free_space 4 MB; A and B create their files
# (8 MB free), then A writes 3 MB and commits, then B writes 3 MB: B must
# be refused (75, nothing left), the free space stays near 4 MB.
SMALL=$TROOT/small; mkdir -p "$SMALL"
mount -t tmpfs -o size=8m,mode=0755 tmpfs "$SMALL" || t_fail "mount tmpfs"
trap 'umount "$SMALL" 2>/dev/null; t_cleanup' EXIT
sed -e "s|^spool_dir = .*|spool_dir = \"$SMALL/spool\";|" "$CONF" >"$TROOT/small.conf"
echo 'min_free_space = 4194304;' >>"$TROOT/small.conf"
"$SESRELAY" -C "$TROOT/small.conf" setup >/dev/null || t_fail "setup on tmpfs"
mkfifo "$TROOT/fa" "$TROOT/fb"
"$SENDMAIL" -C "$TROOT/small.conf" -i a@example.com <"$TROOT/fa" 2>"$TROOT/erra" & pa=$!
"$SENDMAIL" -C "$TROOT/small.conf" -i b@example.com <"$TROOT/fb" 2>"$TROOT/errb" & pb=$!
exec 4>"$TROOT/fa" 5>"$TROOT/fb"
printf 'Subject: A\n\n' >&4; printf 'Subject: B\n\n' >&5
ntemp() { ls "$SMALL/spool/maildrop" | grep -c '^t\.'; }
two_temps() { [ "$(ntemp)" -eq 2 ]; }
t_wait two_temps || t_fail "both temp files created"
"$PY" -c 'import sys; sys.stdout.write(("a" * 1023 + "\n") * 3072)' >&4; exec 4>&-
wait $pa; t_eq "$?" 0 "writer A (3 MB) queued"
"$PY" -c 'import sys; sys.stdout.write(("b" * 1023 + "\n") * 3072)' >&5 2>/dev/null; exec 5>&-
wait $pb; t_eq "$?" 75 "writer B refused once free space fell below min_free_space"
t_grep 'short of space' "$TROOT/errb"
t_eq "$(ntemp)" 0 "no temp file left"
free=$(df -B1 --output=avail "$SMALL" | tail -1)
[ "$free" -ge $((4194304 - 1048576 - 65536)) ] || t_fail "free space $free fell far below min_free_space"
t_ok "free space $free octets (min_free_space 4194304, checked every 1 MB)"
