#!/usr/bin/python3
"""SES stand-in: a real SMTP server on 127.0.0.1 (aiosmtpd) that answers like
the Amazon SES SMTP interface (shared/ses-smtp.md): STARTTLS required, AUTH
PLAIN/LOGIN only after TLS, "250 Ok <SES-shaped id>" after DATA, SES's reply
texts, and scriptable faults chosen by recipient address, by switches, or by
a JSON control file re-read at every MAIL.  See README.md beside this file.

Run it with Debian's /usr/bin/python3 (it has aiosmtpd 1.4)."""

import argparse, asyncio, collections, hashlib, json, logging, os, re, signal, ssl, sys
import time, traceback, uuid, warnings
from asyncio import sslproto

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd logs a warning about its own use of session.login_data at every
# AUTH, and warns when AUTH is allowed without TLS (our --no-starttls and
# --implicit-tls modes); our own log has everything else.
logging.getLogger("mail.log").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=".*Requiring AUTH while not requiring TLS")

SES_HOST = "email-smtp.amazonaws.com"
NOT_VERIFIED = ("554 Message rejected: Email address is not verified. The following "
                "identities failed the check in region US-EAST-1: ")
# Replies after the final dot, chosen by a recipient's local part.
DATA_FAULTS = {
    "data552": "552 5.3.4 Message is too long.",
    "data554dup": "554 Transaction failed: Duplicate header 'Subject'.",
    "data451": "451 Temporary service failure",
    "data454": "454 Throttling failure: Maximum sending rate exceeded.",
    "quota": "454 Throttling failure: Daily message quota exceeded.",
    "paused": "554 Message rejected: Sending paused for this account.",
    "denied": ("554 Access denied: User arn:aws:iam::123456789012:user/ses-smtp is not "
               "authorized to perform ses:SendRawEmail on resource "
               "arn:aws:ses:us-east-1:123456789012:identity/example.com"),
}
RATE_REPLY = "454 Throttling failure: Maximum sending rate exceeded."
QUOTA_REPLY = "454 Throttling failure: Daily message quota exceeded."
TIMEOUT_REPLY = "451 4.4.2 Timeout waiting for data from client."
CLOSE_421 = "421 Service not available, closing transmission channel"
HANG_CAP = 600          # seconds a hang@ / hangend@ session is held at most
# Settings the control file may override (at connect, AUTH and MAIL).
DYNAMIC = ("auth_fail", "auth_reply", "rate", "quota", "close_after", "close_mode",
           "reply_delay_ms", "fail_all_data", "fail_connect")

A = LOOP = LOG = STATS = CONTROL = LIMITS = None     # set up in main()
OPEN = set()            # live sessions, for SIGTERM
CONN_SEQ = 0


def fault_of(addr):
    """The fault keyword of an address: its local part before any '+tag',
    lower-cased, so flaky+1@x and flaky+2@x are two independent messages."""
    return (addr.rpartition("@")[0] or addr).split("+")[0].lower()


def atomic_write(path, data):
    d, b = os.path.split(path)
    tmp = os.path.join(d, ".%s.tmp%d" % (b, os.getpid()))
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Log:
    """One line per event: '<unix time> C<conn> >>|<<|-- text'.  Lines are
    buffered and written before each reply goes out (so a client that has
    seen a reply can grep for it) or at the end of the loop iteration."""

    def __init__(self, path):
        self.f = open(path, "a") if path else None
        self.buf, self.pending = [], False

    def __call__(self, cid, text):
        if not self.f:
            return
        self.buf.append("%.6f C%d %s\n" % (time.time(), cid, text))
        if not self.pending:
            self.pending = True
            LOOP.call_soon(self.flush)

    def flush(self):
        self.pending = False
        if self.f and self.buf:
            self.f.write("".join(self.buf))
            self.f.flush()
            self.buf.clear()


class Stats(dict):
    """Counters in --stats, rewritten in place before the reply that follows
    a change goes out.  Creating and renaming a file costs about 1 ms here,
    a pwrite() 1 us; the record is padded to a fixed size, so a reader sees
    one whole JSON object (trailing blanks are fine for JSON parsers)."""
    SIZE = 1024

    def __init__(self):
        super().__init__(connections=0, open_connections=0, max_open_connections=0,
                         tls_handshakes=0, auths_ok=0, auths_failed=0, messages_accepted=0,
                         messages_rejected=0, recipients_accepted=0)
        self.fd = os.open(A.stats, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) \
            if A.stats else None

    def bump(self, key, n=1):
        self[key] += n
        if key == "open_connections":
            self["max_open_connections"] = max(self["max_open_connections"], self[key])
        self.save()

    def save(self):
        if self.fd is not None:
            os.pwrite(self.fd, json.dumps(self).encode().ljust(self.SIZE - 1) + b"\n", 0)


class Control:
    """Switch values, overridden by the control file when it exists.  The
    file is parsed again only when it changed; a half-written file keeps the
    previous values (tests write it with a plain `echo >`)."""

    def __init__(self):
        self.base = {k: getattr(A, k) for k in DYNAMIC}
        self.sig, self.cur = None, dict(self.base)

    def get(self):
        if not A.control:
            return self.cur
        try:
            st = os.stat(A.control)
        except FileNotFoundError:
            self.sig, self.cur = None, dict(self.base)
            return self.cur
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        if sig != self.sig:
            try:
                with open(A.control) as f:
                    over = json.load(f)
                bad = set(over) - set(DYNAMIC)
                if bad:
                    print("control file: unknown keys %s" % sorted(bad), file=sys.stderr)
                self.cur = dict(self.base, **{k: v for k, v in over.items() if k in DYNAMIC})
                self.sig = sig
                LOG(0, "-- control file: %s" % json.dumps(over))
            except (ValueError, OSError, AttributeError):
                pass        # not complete yet: keep the last good values
        return self.cur


class Limits:
    """Server-wide state behind --rate, --quota and flaky@."""

    def __init__(self):
        self.window = collections.deque()   # (time, recipients) accepted in the last 1 s
        self.in_window = 0
        self.flaky_seen = set()

    def rate_exceeded(self, n, rate):
        now = time.monotonic()
        while self.window and self.window[0][0] <= now - 1.0:
            self.in_window -= self.window.popleft()[1]
        return bool(rate) and self.in_window + n > rate

    def accepted(self, n):
        self.window.append((time.monotonic(), n))
        self.in_window += n


def ses_id():
    # SES ids: "0100" + 12 hex of the epoch in ms, a UUID, "-000000".
    return "0100%012x-%s-000000" % (int(time.time() * 1000), uuid.uuid4())


class LoggingReader(asyncio.StreamReader):
    """aiosmtpd reads every command line (and AUTH continuation lines) with
    readuntil(); hooking it here logs the raw line before aiosmtpd can answer
    it, including lines it rejects (530 before STARTTLS, unknown commands)."""
    owner = None

    async def readuntil(self, separator=b"\n"):
        line = await super().readuntil(separator)
        if self.owner is not None:
            self.owner.client_line(line, pipelined=bool(self._buffer))
        return line


class SESServer(SMTP):
    line_length_limit = 1 << 20     # accept (and report) long lines instead of 500
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler, **kw):
        global CONN_SEQ
        CONN_SEQ += 1
        self.cid = CONN_SEQ
        self.ctl = CONTROL.get()
        rnd = uuid.uuid4().hex
        super().__init__(handler, hostname=SES_HOST, loop=LOOP,
                         ident="ESMTP SimpleEmailService-d-%s %s" % (rnd[:9].upper(), rnd[9:29]),
                         **kw)
        self._stream_reader.__class__ = LoggingReader
        self._stream_reader.owner = self
        self.in_data = self.in_auth = self.hanging = self.greeted = self.gone = False
        self.ntrans = 0             # transactions that got a final DATA reply
        self.after_push = None      # close action to run once the current reply is out
        self.last_rx = 0.0
        self.raw_tcp = None         # the accepted TCP transport

    # ---- logging -----------------------------------------------------
    def client_line(self, line, pipelined):
        text = line.rstrip(b"\r\n").decode("ascii", "backslashreplace")
        tag = " [PIPELINED]" if pipelined else ""
        # AUTH lines (the command and the LOGIN answers) are logged verbatim,
        # credentials included (a test server), and marked " [AUTH]".
        if text[:5].upper() == "AUTH ":
            self.in_auth = True
        if self.in_auth:
            tag += " [AUTH]"
        LOG(self.cid, ">> " + text + tag)

    async def push(self, status):
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        final = text[3:4] != "-"
        if not self.greeted:
            self.greeted = True
            if self.ctl["fail_connect"]:
                text = self.ctl["fail_connect"]
                self.after_push = self.close_gracefully
        if final and self.ctl["reply_delay_ms"]:
            await asyncio.sleep(self.ctl["reply_delay_ms"] / 1000)
        if self.transport is None or self.gone:
            return
        if not text.startswith("334"):
            self.in_auth = False
        self.in_data = text.startswith("354")
        # No per-line logging hook while the message streams in: it costs.
        self._reader.__class__ = asyncio.StreamReader if self.in_data else LoggingReader
        LOG(self.cid, "<< " + text)
        if final:
            LOG.flush()
        await super().push(text)
        if final and self.after_push:
            action, self.after_push = self.after_push, None
            action()
            await self.hold_until_closed()

    def note(self, text):
        LOG(self.cid, "-- " + text)

    # ---- connection life ----------------------------------------------
    def connection_made(self, transport):
        if self.raw_tcp is None:                # the TCP accept
            self.raw_tcp = transport
            OPEN.add(self)
            STATS.bump("connections")
            STATS.bump("open_connections")
            self.note("connect from %s:%d" % transport.get_extra_info("peername")[:2])
            if A.implicit_tls:
                # Wrap the socket ourselves, as aiosmtpd does for STARTTLS,
                # rather than create_server(ssl=...): asyncio then tells the
                # protocol nothing about a failed handshake.
                waiter = self.loop.create_future()
                waiter.add_done_callback(self.implicit_handshake_done)
                tls = sslproto.SSLProtocol(self.loop, self, A.ctx, waiter, server_side=True)
                transport.set_protocol(tls)
                tls.connection_made(transport)
                return
        obj = transport.get_extra_info("ssl_object")
        if obj is not None:
            self.note("TLS %s %s%s" % (obj.version(), obj.cipher()[0],
                                      " (implicit)" if A.implicit_tls else ""))
            STATS.bump("tls_handshakes")
        super().connection_made(transport)

    def implicit_handshake_done(self, fut):
        # Success calls connection_made() (which sets up the session) first.
        if self.session is None and not self.gone:
            err = fut.exception() if not fut.cancelled() else None
            self.note("TLS handshake failed: %s" % (
                (str(err) or type(err).__name__) if err else "connection closed"))
            self.connection_lost(None)

    def connection_lost(self, error):
        if not self.gone:
            self.gone = True
            OPEN.discard(self)
            STATS.bump("open_connections", -1)
            self.note("closed after %d transaction(s)%s" %
                      (self.ntrans, ": %s" % error if error else ""))
        if self.session is not None:            # aiosmtpd had started
            super().connection_lost(error)

    def data_received(self, data):
        self.last_rx = self.loop.time()
        super().data_received(data)

    def close_gracefully(self):
        self.note("closing the connection")
        self.transport.close()

    # These two act on the TCP transport under any TLS layer: no close_notify,
    # as when a load-balancer node goes away.
    def close_silently(self):
        self.note("closing the TCP connection (no reply, no TLS close_notify)")
        self.raw_tcp.close()

    def drop(self, why):
        self.note("dropping the connection " + why)
        self.raw_tcp.abort()

    async def hold_until_closed(self):
        # The session's coroutine is cancelled by connection_lost(); waiting
        # here keeps aiosmtpd from sending any further reply meanwhile.
        await asyncio.sleep(HANG_CAP)
        self.drop("(held too long)")
        await asyncio.sleep(HANG_CAP)

    # aiosmtpd's own timer only restarts on a valid command, so a long DATA
    # upload would be cut; SES counts silence instead, and says why it closes.
    def _reset_timeout(self, duration=None):
        self.last_rx = self.loop.time()
        if self._timeout_handle is None:
            self._timeout_handle = self.loop.call_later(A.idle_timeout or 86400,
                                                        self._timeout_cb)

    def _timeout_cb(self):
        if self.transport is None or self.gone or self.hanging or not A.idle_timeout:
            return
        left = self.last_rx + A.idle_timeout - self.loop.time()
        if left > 0:
            self._timeout_handle = self.loop.call_later(left, self._timeout_cb)
            return
        self.note("silent for %g s" % A.idle_timeout)
        LOG(self.cid, "<< " + TIMEOUT_REPLY)
        LOG.flush()
        self._writer.write(TIMEOUT_REPLY.encode() + b"\r\n")
        self.transport.close()

    # ---- SES-specific answers -----------------------------------------
    async def check_auth_needed(self, caller_method):
        if self._auth_required and not self.session.authenticated:
            await self.push("530 Authentication required")
            return True
        return False

    async def smtp_STARTTLS(self, arg):
        try:
            await super().smtp_STARTTLS(arg)
        except Exception as e:
            cause = e.__cause__ or e
            self.note("TLS handshake failed: %s" % (str(cause) or type(cause).__name__))
            raise

    async def smtp_DATA(self, arg):
        # Faults that act before the message is complete need DATA itself.
        kinds = {fault_of(r) for r in self.envelope.rcpt_tos}
        if self.session.authenticated and not arg and kinds & {"dropmid", "hang"}:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            STATS.bump("messages_rejected")
            if "dropmid" in kinds:
                await self._reader.readuntil(b"\r\n")
                self.drop("in the middle of DATA")
            else:
                self.note("[HANG] not reading the message")
                self.hanging = True
                self.transport.pause_reading()
            await self.hold_until_closed()
            return
        await super().smtp_DATA(arg)


def check_shape(server, data):
    """Mark what a strict SMTP server or SES might mangle or refuse."""
    crlf = data.count(b"\r\n")
    lf, cr = data.count(b"\n") - crlf, data.count(b"\r") - crlf
    lines = None
    for n, what in ((lf, "BARE-LF"), (cr, "BARE-CR")):
        if n:
            lines = lines or data.split(b"\r\n")
            first = next(i for i, l in enumerate(lines, 1)
                         if (b"\n" if what == "BARE-LF" else b"\r") in l)
            server.note("[%s] %d bare %s, first in line %d" % (what, n, what[5:], first))
    # Cheap first test (split at any LF, allow a CR): a regex costs ~50 us here.
    if len(data) > 998 and max(map(len, data.split(b"\n"))) > 999:
        lines = lines or data.split(b"\r\n")
        long_ = [(i, len(l)) for i, l in enumerate(lines, 1) if len(l) > 998]
        for i, n in long_[:3]:
            server.note("[LONG-LINE %d] line %d is %d octets" % (n, i, n))
        if len(long_) > 3:
            server.note("[LONG-LINE] ... %d long lines in all" % len(long_))


def subject_of(data):
    head = data.split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"^subject:[ \t]*(.*?)\r?$", head, re.M | re.I)
    return m.group(1) if m else None


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        caps = ["8BITMIME"]
        if server.tls_context and not server._tls_protocol:
            caps.append("STARTTLS")
        caps += ["AUTH PLAIN LOGIN"] + A.advertise
        lines = [SES_HOST] + caps + ["Ok"]
        return ["250-" + l for l in lines[:-1]] + ["250 " + lines[-1]]

    async def handle_NOOP(self, server, session, envelope, arg):
        return "250 Ok"

    async def handle_RSET(self, server, session, envelope):
        return "250 Ok"

    async def handle_MAIL(self, server, session, envelope, address, options):
        c = server.ctl = CONTROL.get()
        if c["close_after"] and server.ntrans >= c["close_after"] and \
                c["close_mode"] in ("421", "silent"):
            if c["close_mode"] == "421":
                server.after_push = server.close_gracefully
                await server.push(CLOSE_421)        # closes; never returns
            server.close_silently()
            await server.hold_until_closed()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 Ok"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if fault_of(address) == "rcpt550":
            return "550 5.1.1 <%s> address unknown" % address
        if fault_of(address) == "rcpt553":
            return "553 <%s> Invalid email address." % address
        envelope.rcpt_tos.append(address)
        return "250 Ok"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or b""
        n = len(envelope.rcpt_tos)
        server.note("message: %d octets, %d recipient(s)" % (len(data), n))
        check_shape(server, data)
        server.ntrans += 1
        if server.ctl["close_after"] and server.ntrans >= server.ctl["close_after"] \
                and server.ctl["close_mode"] == "after":
            server.after_push = server.close_silently
        reply = self.fault(server, envelope, data)
        if reply == "DROP":
            STATS.bump("messages_rejected")
            server.drop("after the final dot, without a reply")
            await server.hold_until_closed()
        if reply == "HANG":
            STATS.bump("messages_rejected")
            server.note("[HANG] message read, never replying")
            server.hanging = True
            await server.hold_until_closed()
        if reply is not None:
            if reply.startswith("421"):
                server.after_push = server.close_gracefully
            STATS.bump("messages_rejected")
            return reply
        mid = ses_id()
        if A.maildir and not A.no_store:
            base = os.path.join(A.maildir, mid)
            atomic_write(base + ".json", json.dumps(dict(
                id=mid, mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos,
                mail_options=envelope.mail_options, conn=server.cid,
                conn_msg=server.ntrans, size=len(data), time=time.time(),
                tls=bool(server._tls_protocol or A.implicit_tls),
                auth_user=getattr(session.auth_data, "login", b"").decode("ascii", "replace"))).encode())
            atomic_write(base + ".eml", data)       # last: its presence means complete
        LIMITS.accepted(n)
        STATS["recipients_accepted"] += n
        STATS.bump("messages_accepted")
        return "250 Ok " + mid

    def fault(self, server, envelope, data):
        """The reply this message gets instead of 250, "DROP", "HANG" or None."""
        c, n = server.ctl, len(envelope.rcpt_tos)
        if n > 50:
            return "554 Transaction failed: Recipient count exceeds 50."
        if A.max_size and len(data) > A.max_size:
            return "552 5.3.4 Message is too long."
        if c["fail_all_data"]:
            return c["fail_all_data"]
        for r in envelope.rcpt_tos:
            k = fault_of(r)
            if k in DATA_FAULTS:
                return DATA_FAULTS[k]
            if k == "data554notverified":
                return NOT_VERIFIED + r
            if k == "data554sender":
                return NOT_VERIFIED + envelope.mail_from
            if k == "close421":
                return CLOSE_421
            if k == "dropdata":
                return "DROP"
            if k == "hangend":
                return "HANG"
            if k == "flaky":
                subj = subject_of(data)
                key = (r.lower(), subj if subj is not None else hashlib.sha1(data).digest())
                if key not in LIMITS.flaky_seen:
                    LIMITS.flaky_seen.add(key)
                    return "451 Temporary service failure"
        if c["quota"] is not None and STATS["recipients_accepted"] + n > c["quota"]:
            return QUOTA_REPLY
        if LIMITS.rate_exceeded(n, c["rate"]):
            return RATE_REPLY
        return None

    async def handle_exception(self, error):
        if type(error).__name__ == "TLSSetupException":
            return "454 TLS not available"      # not sent: aiosmtpd closes instead
        traceback.print_exc()
        return "451 Temporary service failure (stand-in error: %s)" % type(error).__name__


def authenticator(server, session, envelope, mechanism, auth_data):
    c = server.ctl = CONTROL.get()
    user = pw = b""
    if isinstance(auth_data, LoginPassword):
        user, pw = auth_data.login, auth_data.password
    good = user == A.user.encode() and pw == A.password.encode()
    ok = good and not c["auth_fail"] and not c["auth_reply"]
    server.note("[AUTH] %s user=%r password %s -> %s" % (
        mechanism, user.decode("ascii", "replace"), "right" if good else "wrong",
        "ok" if ok else "refused"))
    STATS.bump("auths_ok" if ok else "auths_failed")
    if ok:
        return AuthResult(success=True, auth_data=auth_data,
                          message="235 Authentication successful.")
    return AuthResult(success=False, handled=False,
                      message=c["auth_reply"] or "535 Authentication Credentials Invalid")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    a = p.add_argument
    a("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free one)")
    a("--port-file", help="write the actual port here once listening")
    a("--certdir", help="directory made by mkcert.sh")
    a("--cert", help="server certificate (default CERTDIR/server.pem)")
    a("--key", help="server key (default CERTDIR/server.key)")
    a("--untrusted", action="store_true", help="serve CERTDIR/untrusted.pem (self-signed)")
    a("--no-starttls", action="store_true", help="offer no STARTTLS; AUTH allowed in clear")
    a("--implicit-tls", action="store_true", help="TLS from the first byte (like port 465)")
    a("--maildir", help="store accepted messages here (<id>.eml + <id>.json)")
    a("--no-store", action="store_true", help="do not store messages (benchmarks)")
    a("--log", help="protocol log file")
    a("--stats", help="JSON counters, rewritten after each change")
    a("--control", help="JSON object overriding switches, re-read at connect/AUTH/MAIL")
    a("--user", default="AKIATESTUSER")
    a("--password", default="testsecret")
    a("--auth-fail", action="store_true", help="refuse every AUTH with 535")
    a("--auth-reply", help='refuse every AUTH with this reply, e.g. "535 Signature ..."')
    a("--rate", type=float, default=0, help="max recipients per sliding second, then 454")
    a("--quota", type=int, default=None, help="max recipients accepted in total, then 454")
    a("--close-after", type=int, default=0, help="close a connection after N transactions")
    a("--close-mode", choices=["421", "silent", "after"], default="silent",
      help="421: reply 421 to the next MAIL and close; silent: close TCP at the next "
           "MAIL without a reply; after: close TCP right after the Nth reply")
    a("--idle-timeout", type=float, default=10, help="seconds of silence before "
      "'451 4.4.2 Timeout waiting for data from client.' (0: never)")
    a("--reply-delay-ms", type=float, default=0, help="delay before every reply")
    a("--fail-all-data", help='reply after every final dot, e.g. "451 Temporary service failure"')
    a("--fail-connect", help='greeting instead of 220, then close, e.g. "421 Too many ..."')
    a("--max-size", type=int, default=40 << 20, help="larger messages get 552 (0: no limit)")
    a("--advertise", action="append", default=[], help="extra EHLO keyword, e.g. PIPELINING")
    args = p.parse_args(argv)
    if not (args.no_starttls and not args.implicit_tls) and not args.certdir and \
            not (args.cert and args.key):
        p.error("TLS needs --certdir or --cert and --key")
    if args.certdir:
        name = "untrusted" if args.untrusted else "server"
        args.cert = args.cert or os.path.join(args.certdir, name + ".pem")
        args.key = args.key or os.path.join(args.certdir, name + ".key")
    return args


def main():
    global A, LOOP, LOG, STATS, CONTROL, LIMITS
    A = parse_args()
    LOOP = asyncio.new_event_loop()
    asyncio.set_event_loop(LOOP)
    LOG, STATS, CONTROL, LIMITS = Log(A.log), Stats(), Control(), Limits()
    A.ctx = None
    if A.cert and not A.no_starttls or A.implicit_tls:
        A.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        A.ctx.load_cert_chain(A.cert, A.key)
    kw = dict(authenticator=authenticator, auth_required=True, data_size_limit=None,
              enable_SMTPUTF8=False)
    if A.implicit_tls or A.no_starttls:
        # No STARTTLS in either mode; aiosmtpd must then allow AUTH itself.
        kw.update(auth_require_tls=False)
    else:
        kw.update(tls_context=A.ctx, require_starttls=True, auth_require_tls=True)
    handler = Handler()
    server = LOOP.run_until_complete(LOOP.create_server(
        lambda: SESServer(handler, **kw), host="127.0.0.1", port=A.port))
    port = server.sockets[0].getsockname()[1]
    STATS.save()
    LOG(0, "-- listening on 127.0.0.1:%d (%s)" % (port, "implicit TLS" if A.implicit_tls else
                                                  "no STARTTLS" if A.no_starttls else "STARTTLS"))
    LOG.flush()
    if A.port_file:
        atomic_write(A.port_file, b"%d\n" % port)
    for sig in (signal.SIGTERM, signal.SIGINT):
        LOOP.add_signal_handler(sig, LOOP.stop)
    LOOP.run_forever()
    server.close()
    for s in list(OPEN):
        s.raw_tcp.abort()
    tasks = asyncio.all_tasks(LOOP)
    for t in tasks:
        t.cancel()
    LOOP.run_until_complete(asyncio.gather(*tasks, asyncio.sleep(0.05),
                                           return_exceptions=True))
    LOG(0, "-- stopped")
    LOG.flush()
    STATS.save()


if __name__ == "__main__":
    main()
