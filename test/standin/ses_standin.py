#!/usr/bin/python3
"""SES stand-in: a real SMTP server on 127.0.0.1 (aiosmtpd) that behaves like
the Amazon SES SMTP interface as described in shared/ses-smtp.md: STARTTLS
required before AUTH, AUTH PLAIN/LOGIN only, "250 Ok <SES-shaped id>" after
DATA, and scriptable faults (by recipient address, switches, or a control
file re-read at every MAIL).  See README.md beside this file."""

import argparse, asyncio, hashlib, json, os, signal, ssl, sys, time, uuid

import warnings
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

warnings.filterwarnings("ignore", message=".*login_data is deprecated")

A = None                    # parsed arguments
STATS = dict(connections=0, tls_handshakes=0, auths_ok=0, auths_failed=0,
             messages_accepted=0, messages_rejected=0, recipients_accepted=0)
RATE_WINDOW = []            # times of recipients accepted in the last second
SEEN_FLAKY = set()
CONN_SEQ = 0
MSG_SEQ = 0
LOG = None


def log(cid, line):
    if LOG:
        LOG.write("%.6f C%d %s\n" % (time.time(), cid, line))


def atomic_write(path, data):
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def save_stats():
    if A.stats:
        atomic_write(A.stats, json.dumps(STATS).encode())


def control():
    """Switch values, overridden by the control file when it exists."""
    c = dict(auth_fail=A.auth_fail, auth_reply=A.auth_reply, rate=A.rate,
             quota=A.quota, fail_all_data=A.fail_all_data,
             reply_delay_ms=A.reply_delay_ms, close_after=A.close_after,
             close_mode=A.close_mode)
    if A.control and os.path.exists(A.control):
        try:
            c.update(json.load(open(A.control)))
        except ValueError:
            pass
    return c


def ses_id():
    global MSG_SEQ
    MSG_SEQ += 1
    return "%016x-%s-000000" % ((int(time.time() * 1000) << 12 | MSG_SEQ) & (2**64 - 1),
                                uuid.uuid4())


class SESServer(SMTP):
    def __init__(self, handler, **kw):
        super().__init__(handler, hostname="email-smtp.amazonaws.com",
                         ident="SimpleEmailService-d-STANDIN", **kw)
        global CONN_SEQ
        CONN_SEQ += 1
        self.cid = CONN_SEQ
        self.nmsg = 0

    def connection_made(self, transport):
        # Called again after STARTTLS with the TLS transport: count once.
        if not getattr(self, "counted", False):
            self.counted = True
            STATS["connections"] += 1
            save_stats()
            log(self.cid, "connected")
        super().connection_made(transport)

    async def push(self, status):
        log(self.cid, "<< " + (status.decode() if isinstance(status, bytes) else status))
        await super().push(status)

    async def smtp_DATA(self, arg):
        # dropmid@: cut the connection after the first line of DATA, before
        # the end of the message has arrived (a load balancer node going away).
        if self.envelope and any(r.lower().startswith("dropmid@")
                                 for r in self.envelope.rcpt_tos):
            log(self.cid, ">> DATA")
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            log(self.cid, "dropping the connection in the middle of DATA")
            self.transport.abort()
            return
        await super().smtp_DATA(arg)

    async def smtp_STARTTLS(self, arg):
        log(self.cid, ">> STARTTLS")
        await super().smtp_STARTTLS(arg)
        if self._tls_protocol is not None:
            STATS["tls_handshakes"] += 1
            save_stats()


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        log(server.cid, ">> EHLO " + hostname)
        session.host_name = hostname
        # SES advertises neither PIPELINING nor SIZE.
        keep = [r[4:] for r in responses if "PIPELINING" not in r and "SIZE" not in r
                and "SMTPUTF8" not in r and "HELP" not in r]
        keep.append("Ok")
        return ["250-" + r for r in keep[:-1]] + ["250 " + keep[-1]]

    async def handle_MAIL(self, server, session, envelope, address, options):
        log(server.cid, ">> MAIL FROM:<%s>" % address)
        c = control()
        if c["close_after"] and server.nmsg >= c["close_after"]:
            if c["close_mode"] == "421":
                await server.push("421 Service not available, closing channel")
            server.transport.close()
            return "421 closed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 Ok"

    async def handle_RCPT(self, server, session, envelope, address, options):
        log(server.cid, ">> RCPT TO:<%s>" % address)
        if address.lower().startswith("rcpt550@"):
            return "550 5.1.1 <%s> address unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 Ok"

    async def handle_RSET(self, server, session, envelope):
        log(server.cid, ">> RSET")
        return "250 Ok"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or b""
        log(server.cid, ">> DATA (%d octets)" % len(data))
        for line in data.split(b"\r\n"):
            if b"\n" in line:
                log(server.cid, "[BARE-LF]")
            if b"\r" in line:
                log(server.cid, "[BARE-CR]")
            if len(line) > 998:
                log(server.cid, "[LONG-LINE %d]" % len(line))
        c = control()
        if c["reply_delay_ms"]:
            await asyncio.sleep(c["reply_delay_ms"] / 1000)
        reply = self.fault(server, envelope, data, c)
        if reply == "HANG":
            await asyncio.sleep(3600)
        if reply == "DROP":
            log(server.cid, "dropping the connection after DATA")
            server.transport.abort()
            return "421 dropped"
        if reply is not None:
            STATS["messages_rejected"] += 1
            save_stats()
            if reply.startswith("421"):
                # Close once the reply is out, as SES does.
                asyncio.get_event_loop().call_later(0.05, server.transport.close)
            return reply
        now = time.time()
        RATE_WINDOW.append((now, len(envelope.rcpt_tos)))
        STATS["messages_accepted"] += 1
        STATS["recipients_accepted"] += len(envelope.rcpt_tos)
        server.nmsg += 1
        mid = ses_id()
        if not A.no_store:
            base = os.path.join(A.maildir, mid)
            atomic_write(base + ".json", json.dumps(dict(
                mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos,
                conn=server.cid, time=now)).encode())
            atomic_write(base + ".eml", data)
        save_stats()
        return "250 Ok " + mid

    def fault(self, server, envelope, data, c):
        """The SES reply this message gets instead of 250, or None."""
        if len(envelope.rcpt_tos) > 50:
            return "554 Transaction failed: Recipient count exceeds 50."
        if c["fail_all_data"]:
            return c["fail_all_data"]
        for r in envelope.rcpt_tos:
            local = r.split("@")[0].lower()
            if local == "data554notverified":
                return ("554 Message rejected: Email address is not verified. The following "
                        "identities failed the check in region US-EAST-1: " + r)
            if local == "data554sender":
                return ("554 Message rejected: Email address is not verified. The following "
                        "identities failed the check in region US-EAST-1: " + envelope.mail_from)
            if local == "data552":
                return "552 5.3.4 Message is too long."
            if local == "data554dup":
                return "554 Transaction failed: Duplicate header 'Subject'."
            if local == "data451":
                return "451 Temporary service failure"
            if local == "data454":
                return "454 Throttling failure: Maximum sending rate exceeded."
            if local == "quota":
                return "454 Throttling failure: Daily message quota exceeded."
            if local == "paused":
                return "554 Message rejected: Sending paused for this account."
            if local == "denied":
                return ("554 Access denied: User arn:aws:iam::123456789012:user/ses-smtp is not "
                        "authorized to perform ses:SendRawEmail on resource "
                        "arn:aws:ses:us-east-1:123456789012:identity/example.com")
            if local == "close421":
                return "421 Service not available, closing transmission channel"
            if local == "dropdata":
                return "DROP"
            if local == "hangend":
                return "HANG"
            if local == "flaky":
                key = hashlib.sha1(data).hexdigest()
                if key not in SEEN_FLAKY:
                    SEEN_FLAKY.add(key)
                    return "451 Temporary service failure"
        n = len(envelope.rcpt_tos)
        if c["quota"] is not None and STATS["recipients_accepted"] + n > c["quota"]:
            return "454 Throttling failure: Daily message quota exceeded."
        if c["rate"]:
            now = time.time()
            while RATE_WINDOW and RATE_WINDOW[0][0] < now - 1:
                RATE_WINDOW.pop(0)
            if sum(k for _, k in RATE_WINDOW) + n > c["rate"]:
                return "454 Throttling failure: Maximum sending rate exceeded."
        return None


def authenticator(server, session, envelope, mechanism, auth_data):
    c = control()
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == A.user
          and auth_data.password.decode() == A.password
          and not c["auth_fail"] and not c["auth_reply"])
    log(server.cid, ">> AUTH %s (credentials %s)" % (mechanism, "ok" if ok else "bad"))
    STATS["auths_ok" if ok else "auths_failed"] += 1
    save_stats()
    if ok:
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False,
                      message=c["auth_reply"] or "535 Authentication Credentials Invalid")


def main():
    global A, LOG
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--certdir", required=True)
    p.add_argument("--maildir", default=".")
    p.add_argument("--log")
    p.add_argument("--stats")
    p.add_argument("--control")
    p.add_argument("--user", default="AKIATESTUSER")
    p.add_argument("--password", default="testsecret")
    p.add_argument("--no-starttls", action="store_true")
    p.add_argument("--untrusted", action="store_true")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth-fail", action="store_true")
    p.add_argument("--auth-reply")
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--quota", type=int)
    p.add_argument("--close-after", type=int, default=0)
    p.add_argument("--close-mode", choices=["421", "silent"], default="silent")
    p.add_argument("--idle-timeout", type=float, default=10)
    p.add_argument("--reply-delay-ms", type=int, default=0)
    p.add_argument("--fail-all-data")
    p.add_argument("--no-store", action="store_true")
    A = p.parse_args()
    if A.log:
        LOG = open(A.log, "a", buffering=1)
    name = "untrusted" if A.untrusted else "server"
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(A.certdir, name + ".pem"),
                        os.path.join(A.certdir, name + ".key"))
    handler = Handler()
    kw = dict(authenticator=authenticator, auth_required=True, data_size_limit=None,
              timeout=A.idle_timeout, enable_SMTPUTF8=False)
    if A.implicit_tls:
        kw.update(auth_require_tls=False)
    elif not A.no_starttls:
        kw.update(tls_context=ctx, require_starttls=True, auth_require_tls=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    kw["loop"] = loop
    server = loop.run_until_complete(loop.create_server(
        lambda: SESServer(handler, **kw), host="127.0.0.1", port=A.port,
        ssl=ctx if A.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    save_stats()
    if A.port_file:
        atomic_write(A.port_file, b"%d\n" % port)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
