#!/usr/bin/env bash
# TLS is never optional: no STARTTLS or an untrusted certificate holds the
# queue (credentials are never sent in clear); implicit TLS (465) works.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin --no-starttls
t_send 'To: a@example.com\nSubject: x\n\nx\n'
t_drain
t_grep 'status=held (STARTTLS not supported.*hint: the server does not offer STARTTLS' "$LOG"
t_nogrep '>> AUTH' "$STANDIN_LOG"
t_eq "$(t_received)" 0 "nothing sent without TLS"
t_cleanup; trap - EXIT

t_setup
t_standin --untrusted
t_send 'To: a@example.com\nSubject: x\n\nx\n'
t_drain
t_grep 'status=held (SSL certificate problem.*hint: the TLS handshake or the server certificate check failed' "$LOG"
t_nogrep '>> AUTH' "$STANDIN_LOG"
t_cleanup; trap t_cleanup EXIT

t_setup 'tls = "implicit";'
t_standin --implicit-tls
t_send 'To: a@example.com\nSubject: x\n\nx\n'
t_drain
t_eq "$(t_received)" 1 "implicit TLS delivers"
t_grep 'status=sent' "$LOG"
