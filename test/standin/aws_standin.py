#!/usr/bin/python3
"""AWS API stand-in for sesrelay's tests: SES v2, STS, IMDSv2, container credentials.

One process, three loopback listeners sharing one credential store:
  https  SES v2 (GET /v2/email/account, GET /v2/email/identities/{id},
         POST /v2/email/outbound-emails = SendEmail with raw content) and
         STS (POST / Action=AssumeRoleWithWebIdentity), with mkcert.sh's certificate.
         Every SES request's SigV4 signature is recomputed with python3-botocore.
  imds   EC2 instance metadata, IMDSv2 only: PUT /latest/api/token first,
         then GETs with X-aws-ec2-metadata-token (401 without a valid one).
  container  the ECS/EKS container credentials endpoint (Authorization token).
Temporary credentials are short-lived and rotate (see --lifetime/--rotate-before).
Ports go to --port-file as JSON {"https":N,"imds":N,"container":N}.
Run with Debian's /usr/bin/python3; see README.md for switches and the control file.
"""
import argparse
import base64
import http.server
import json
import os
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

LOCK = threading.Lock()
ARGS = None
STATIC = {}        # akid -> secret
TEMP = {}          # akid -> {"secret","token","expires","source","revoked"}
CURRENT = {}       # source ("imds","container","sts") -> akid currently handed out
IMDS_TOKENS = {}   # token -> expiry
ACCOUNT_ID = "123456789012"

ACCOUNTS = {
    "sandbox": {"ProductionAccessEnabled": False, "SendingEnabled": True,
                "EnforcementStatus": "HEALTHY",
                "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 12.0}},
    "production": {"ProductionAccessEnabled": True, "SendingEnabled": True,
                   "EnforcementStatus": "HEALTHY",
                   "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0,
                                 "SentLast24Hours": 1200.0}},
    "near-quota": {"ProductionAccessEnabled": True, "SendingEnabled": True,
                   "EnforcementStatus": "HEALTHY",
                   "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0,
                                 "SentLast24Hours": 47500.0}},
    "paused": {"ProductionAccessEnabled": True, "SendingEnabled": False,
               "EnforcementStatus": "SHUTDOWN",
               "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0,
                             "SentLast24Hours": 0.0}},
}


def log(kind, text):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(f"{time.time():.6f} {kind} {text}\n")


def control():
    """The control file's object, or {} (a half-written file counts as absent)."""
    if ARGS.control and os.path.exists(ARGS.control):
        try:
            with open(ARGS.control) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}
    return {}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def issue(source):
    """The temporary credentials `source` hands out now; rotate near expiry."""
    with LOCK:
        now = time.time()
        akid = CURRENT.get(source)
        if akid and TEMP[akid]["expires"] - now > ARGS.rotate_before and not TEMP[akid]["revoked"]:
            return akid, TEMP[akid]
        n = sum(1 for c in TEMP.values() if c["source"] == source) + 1
        akid = f"ASIA{source.upper()[:4]}{n:04d}{secrets.token_hex(4).upper()}"
        TEMP[akid] = {"secret": secrets.token_urlsafe(30), "token": f"{source}-tok-{secrets.token_hex(24)}+/=",
                      "expires": now + ARGS.lifetime, "source": source, "revoked": False}
        CURRENT[source] = akid
    log(source, f"issued {akid} expires {iso(TEMP[akid]['expires'])}")
    return akid, TEMP[akid]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    kind = "?"

    def log_message(self, fmt, *a):  # quiet: our own log has what tests need
        pass

    def reply(self, status, body, ctype="application/json", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(8))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""


# ---- SES v2 and STS (HTTPS) ---------------------------------------------------

def ses_error(h, status, code, message):
    log("ses", f"-> {status} {code}")
    h.reply(status, json.dumps({"message": message}), headers=[("X-Amzn-ErrorType", f"{code}:http://internal.amazon.com/coral/com.amazon.coral.service/")])


REVOKED_ON_USE = [None]


def verify(h, body, ctl):
    """Recompute the signature with botocore.  None if good, else (status, code, msg)."""
    auth = h.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, term = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    amzdate = h.headers.get("X-Amz-Date", "")
    if akid in STATIC:
        secret, token = STATIC[akid], None
    elif akid in TEMP:
        c = TEMP[akid]
        secret, token = c["secret"], c["token"]
        rv = ctl.get("revoke_on_use")
        if rv is not None and rv != REVOKED_ON_USE[0]:
            REVOKED_ON_USE[0] = rv     # this key dies now, as a revoked session would
            c["revoked"] = True
        if c["revoked"] or c["expires"] < time.time():
            return 403, "ExpiredTokenException", "The security token included in the request is expired"
        if h.headers.get("X-Amz-Security-Token") != token:
            return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
    else:
        return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
    if service != "ses" or region != ARGS.region or term != "aws4_request" or date != amzdate[:8]:
        return 403, "SignatureDoesNotMatch", f"Credential should be scoped correctly: {parts['Credential']}"
    try:
        skew = abs(time.mktime(time.strptime(amzdate, "%Y%m%dT%H%M%SZ")) - time.mktime(time.gmtime()))
    except ValueError:
        return 400, "IncompleteSignatureException", "bad X-Amz-Date"
    if skew > 900:
        return 403, "InvalidSignatureException", "Signature expired"
    req = AWSRequest(method=h.command, url=f"https://{h.headers['Host']}{h.path}", data=body)
    for name in signed:
        if name in ("x-amz-date", "x-amz-security-token"):
            continue
        req.headers[name] = h.headers.get(name, "")
    req.context["timestamp"] = amzdate
    sa = SigV4Auth(Credentials(akid, secret, token), service, region)
    sa._modify_request_before_signing(req)
    creq = sa.canonical_request(req)
    want = sa.signature(sa.string_to_sign(req, creq), req)
    if sa.signed_headers(sa.headers_to_sign(req)) != parts["SignedHeaders"] or want != parts["Signature"]:
        log("ses", f"signature mismatch key={akid}\n{creq}")
        return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
    h.akid = akid
    return None


def ses_get(h):
    body = h.body()
    ctl = control()
    bad = verify(h, body, ctl)
    path = urllib.parse.urlsplit(h.path).path
    if bad:
        log("ses", f"GET {path} refused: {bad[1]}")
        return ses_error(h, *bad)
    action = "ses:GetAccount" if path == "/v2/email/account" else "ses:GetEmailIdentity"
    log("ses", f"GET {path} key={h.akid} sig=ok")
    if action in ctl.get("deny", []):
        return ses_error(h, 403, "AccessDeniedException",
                         f"User: arn:aws:iam::{ACCOUNT_ID}:user/relay is not authorized to perform: {action}")
    if ctl.get("throttle"):
        return ses_error(h, 429, "TooManyRequestsException", "Rate exceeded")
    if path == "/v2/email/account":
        acct = ctl.get("account_json") or ACCOUNTS[ctl.get("account", ARGS.account)]
        return h.reply(200, json.dumps(acct))
    if path.startswith("/v2/email/identities/"):
        ident = urllib.parse.unquote(path[len("/v2/email/identities/"):])
        idents = ctl.get("identities", {})
        if ident.lower() not in idents:
            return ses_error(h, 404, "NotFoundException", f"Email identity {ident} does not exist.")
        return h.reply(200, json.dumps(idents[ident.lower()]))
    return ses_error(h, 404, "UnknownOperationException", "")


# ---- SES v2 SendEmail (raw) --------------------------------------------------
# Faults chosen by a recipient's local part (before any "+tag", lower case),
# the SES error each one answers (shared/ses-api.md 3.3).
REGION_UP = "US-EAST-1"
SEND_FAULTS = {
    "throttle": (429, "TooManyRequestsException", "Maximum sending rate exceeded."),
    "quota": (400, "ThrottlingException", "Daily message quota exceeded."),
    "limit": (400, "LimitExceededException", "Too many instances of this resource type."),
    "badrequest": (400, "BadRequestException", "Invalid input."),
    "suspended": (400, "AccountSuspendedException", "Your account has been suspended."),
    "paused": (400, "SendingPausedException", "Sending is paused for this account."),
    "mailfrom": (400, "MailFromDomainNotVerifiedException", "The MAIL FROM domain is not verified."),
    "notfound": (404, "NotFoundException", "Configuration set <relay> does not exist."),
    "denied": (403, "AccessDeniedException",
               f"User: arn:aws:iam::{ACCOUNT_ID}:role/sesrelay is not authorized to perform: "
               f"ses:SendRawEmail on resource: arn:aws:ses:us-east-1:{ACCOUNT_ID}:identity/example.com"),
    "err500": (500, "InternalFailure", "An internal error occurred."),
    "err503": (503, "ServiceUnavailable", "Service unavailable."),
}
SEND_STATS = {"connections": 0, "open_connections": 0, "max_open_connections": 0,
              "requests": 0, "messages_accepted": 0, "messages_rejected": 0,
              "recipients_accepted": 0}
FLAKY_SEEN = set()
RATE_WINDOW = []        # (time, recipients) accepted in the last second
HANG_CAP = 600


def fault_of(addr):
    return (addr.rpartition("@")[0] or addr).split("+")[0].lower()


def bump(key, n=1):
    with LOCK:
        SEND_STATS[key] += n
        if key == "open_connections":
            SEND_STATS["max_open_connections"] = max(SEND_STATS["max_open_connections"],
                                                     SEND_STATS[key])
        if ARGS.stats:
            tmp = ARGS.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump(SEND_STATS, f)
            os.rename(tmp, ARGS.stats)


def ses_id():
    return "0100%012x-%s-000000" % (int(time.time() * 1000), uuid.uuid4())


def subject_of(data):
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"subject:"):
            return line[8:].strip()
    return None


def send_fault(h, req, rcpts, raw, ctl):
    """The (status, code, message) this SendEmail gets instead of 200, or a
    string "HANG"/"DROP", or None."""
    if len(rcpts) > 50:
        return 400, "MessageRejected", "Recipient count exceeds 50."
    if len(raw) > 40 * 1024 * 1024:
        return 400, "MessageRejected", "Message length is more than 41943040 bytes long."
    if ctl.get("fail_all"):
        return tuple(ctl["fail_all"])
    for r in rcpts:
        k = fault_of(r)
        if k in SEND_FAULTS:
            return SEND_FAULTS[k]
        if k == "notverified":
            return 400, "MessageRejected", ("Email address is not verified. The following identities "
                                            f"failed the check in region {REGION_UP}: {r}")
        if k == "sendernotverified":
            return 400, "MessageRejected", ("Email address is not verified. The following identities "
                                            f"failed the check in region {REGION_UP}: "
                                            f"{req.get('FromEmailAddress', '')}")
        if k == "hangend":
            return "HANG"
        if k == "dropdata":
            return "DROP"
        if k == "flaky":
            key = (r.lower(), subject_of(raw))
            with LOCK:
                if key not in FLAKY_SEEN:
                    FLAKY_SEEN.add(key)
                    return 500, "InternalFailure", "An internal error occurred."
    n = len(rcpts)
    with LOCK:
        if ctl.get("quota") is not None and SEND_STATS["recipients_accepted"] + n > ctl["quota"]:
            return 400, "ThrottlingException", "Daily message quota exceeded."
        rate, now = ctl.get("rate", ARGS.rate), time.monotonic()
        while RATE_WINDOW and RATE_WINDOW[0][0] <= now - 1.0:
            RATE_WINDOW.pop(0)
        if rate and sum(x[1] for x in RATE_WINDOW) + n > rate:
            return 429, "TooManyRequestsException", "Maximum sending rate exceeded."
        RATE_WINDOW.append((now, n))
    return None


def ses_send(h):
    body = h.body()
    ctl = control()
    bump("requests")
    bad = verify(h, body, ctl)
    if bad:
        log("ses", f"POST SendEmail refused: {bad[1]}")
        bump("messages_rejected")
        return ses_error(h, *bad)
    if "ses:SendRawEmail" in ctl.get("deny", []):
        bump("messages_rejected")
        return ses_error(h, *SEND_FAULTS["denied"])
    try:
        req = json.loads(body)
        raw = base64.b64decode(req["Content"]["Raw"]["Data"], validate=True)
    except (ValueError, KeyError, TypeError) as e:
        bump("messages_rejected")
        return ses_error(h, 400, "BadRequestException", f"not a raw SendEmail request: {e}")
    dest = req.get("Destination", {})
    rcpts = dest.get("ToAddresses", []) + dest.get("CcAddresses", []) + dest.get("BccAddresses", [])
    log("ses", f"POST SendEmail key={h.akid} sig=ok from={req.get('FromEmailAddress', '')} "
               f"rcpts={len(rcpts)} raw={len(raw)} conn={h.conn_id}")
    if ctl.get("reply_delay_ms"):
        time.sleep(ctl["reply_delay_ms"] / 1000)
    f = send_fault(h, req, rcpts, raw, ctl)
    if f == "HANG":
        log("ses", "[HANG] request read, never replying")
        bump("messages_rejected")
        time.sleep(HANG_CAP)
        h.close_connection = True
        return
    if f == "DROP":
        log("ses", "dropping the connection after the request, without a reply")
        bump("messages_rejected")
        h.close_connection = True
        h.connection.shutdown(2)
        return
    if f:
        bump("messages_rejected")
        return ses_error(h, *f)
    mid = ses_id()
    if ARGS.maildir:
        base = os.path.join(ARGS.maildir, mid)
        meta = dict(id=mid, mail_from=req.get("FromEmailAddress", ""), rcpt_tos=rcpts,
                    destination=dest, conn=h.conn_id, conn_msg=h.conn_requests, size=len(raw),
                    time=time.time(), api=True, key=h.akid)
        with open(base + ".json.tmp", "w") as fp:
            json.dump(meta, fp)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as fp:
            fp.write(raw)
        os.rename(base + ".eml.tmp", base + ".eml")      # last: its presence means complete
    with LOCK:
        SEND_STATS["recipients_accepted"] += len(rcpts)
    bump("messages_accepted")
    log("ses", f"-> 200 {mid}")
    h.reply(200, json.dumps({"MessageId": mid}))


def sts_post(h):
    form = urllib.parse.parse_qs(h.body().decode(), keep_blank_values=True)
    f = {k: v[0] for k, v in form.items()}
    if "Authorization" in h.headers:
        log("sts", "signed request (AssumeRoleWithWebIdentity is unsigned)")
    if f.get("Action") != "AssumeRoleWithWebIdentity" or f.get("Version") != "2011-06-15":
        return sts_error(h, 400, "InvalidAction", "unknown action")
    if f.get("RoleArn") != ARGS.role_arn or f.get("WebIdentityToken") != ARGS.web_token:
        log("sts", f"refused role={f.get('RoleArn')}")
        return sts_error(h, 400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
    akid, c = issue("sts")
    log("sts", f"AssumeRoleWithWebIdentity role={f['RoleArn']} session={f.get('RoleSessionName')} -> {akid}")
    xml = f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:mail:sesrelay</SubjectFromWebIdentityToken>
    <AssumedRoleUser><Arn>{f['RoleArn']}/{f.get('RoleSessionName')}</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{akid}</AccessKeyId>
      <SecretAccessKey>{c['secret']}</SecretAccessKey>
      <SessionToken>{c['token'].replace('&', '&amp;')}</SessionToken>
      <Expiration>{iso(c['expires'])}</Expiration>
    </Credentials>
    <Provider>oidc.eks.example</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>{secrets.token_hex(8)}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"""
    h.reply(200, xml, ctype="text/xml")


def sts_error(h, status, code, msg):
    h.reply(status, f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                    f"<Message>{msg}</Message></Error><RequestId>x</RequestId></ErrorResponse>",
            ctype="text/xml")


CONN_SEQ = [0]


class HttpsHandler(Handler):
    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle holds
        # the body until the client's delayed ACK (40 ms per request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            CONN_SEQ[0] += 1
            self.conn_id = CONN_SEQ[0]
        self.conn_requests = 0
        bump("connections")
        bump("open_connections")
        log("conn", f"C{self.conn_id} connect")

    def finish(self):
        try:
            super().finish()
        finally:
            bump("open_connections", -1)
            log("conn", f"C{self.conn_id} closed after {self.conn_requests} request(s)")

    def do_GET(self):
        self.conn_requests += 1
        ses_get(self)

    def do_POST(self):
        self.conn_requests += 1
        if self.path == "/":
            return sts_post(self)
        if self.path == "/v2/email/outbound-emails":
            return ses_send(self)
        self.body()
        ses_error(self, 404, "UnknownOperationException", "")


# ---- IMDSv2 ---------------------------------------------------------------------

class ImdsHandler(Handler):
    def do_PUT(self):
        self.body()
        if self.path != "/latest/api/token" or ARGS.imds_v1_only:
            log("imds", f"PUT {self.path} -> 405 (IMDSv1 only)" if ARGS.imds_v1_only else "PUT -> 404")
            return self.reply(405 if ARGS.imds_v1_only else 404, "", "text/plain")
        if "X-Forwarded-For" in self.headers:
            return self.reply(403, "", "text/plain")
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            log("imds", "PUT token without a valid TTL -> 400")
            return self.reply(400, "", "text/plain")
        tok = base64.urlsafe_b64encode(os.urandom(30)).decode()
        with LOCK:
            IMDS_TOKENS[tok] = time.time() + min(ttl, ARGS.imds_token_ttl or ttl)
        log("imds", f"PUT token ttl={ttl}")
        self.reply(200, tok, "text/plain")

    def do_GET(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if ARGS.imds_v1_only and not tok:
            log("imds", f"GET {self.path} without a token (IMDSv1)")
        elif not tok or IMDS_TOKENS.get(tok, 0) < time.time():
            log("imds", f"GET {self.path} without a valid token -> 401")
            return self.reply(401, "", "text/plain")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, ARGS.role, "text/plain")
        if self.path == base + ARGS.role:
            akid, c = issue("imds")
            log("imds", f"GET credentials -> {akid}")
            return self.reply(200, json.dumps({
                "Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC",
                "AccessKeyId": akid, "SecretAccessKey": c["secret"], "Token": c["token"],
                "Expiration": iso(c["expires"])}))
        if self.path == "/latest/meta-data/placement/region":
            return self.reply(200, ARGS.region, "text/plain")
        self.reply(404, "", "text/plain")


# ---- container credentials -----------------------------------------------------

class ContainerHandler(Handler):
    def do_GET(self):
        if ARGS.container_token and self.headers.get("Authorization") != ARGS.container_token:
            log("container", f"GET {self.path} bad authorization -> 401")
            return self.reply(401, json.dumps({"message": "unauthorized"}))
        akid, c = issue("container")
        log("container", f"GET {self.path} -> {akid}")
        self.reply(200, json.dumps({"AccessKeyId": akid, "SecretAccessKey": c["secret"],
                                    "Token": c["token"], "Expiration": iso(c["expires"]),
                                    "AccountId": ACCOUNT_ID}))


def serve(handler, tls):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(ARGS.certdir, "server.pem"), os.path.join(ARGS.certdir, "server.key"))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def revoke_watch():
    """Control key "revoke": N marks every temporary key issued so far as
    expired, once per distinct N (a test bumps N to revoke again)."""
    done = None
    while True:
        n = control().get("revoke")
        if n is not None and n != done:
            with LOCK:
                for c in TEMP.values():
                    c["revoked"] = True
            log("ctl", f"revoked all temporary keys ({n})")
            done = n
        time.sleep(0.1)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--certdir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--control")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="production", choices=sorted(ACCOUNTS))
    ap.add_argument("--key", action="append", default=[], help="AKID:SECRET (long-term)")
    ap.add_argument("--lifetime", type=float, default=3600, help="temporary credentials live this long (s)")
    ap.add_argument("--rotate-before", type=float, default=300,
                    help="hand out new credentials when the current ones have less left (s)")
    ap.add_argument("--role", default="sesrelay-role")
    ap.add_argument("--role-arn", default="arn:aws:iam::123456789012:role/sesrelay")
    ap.add_argument("--web-token", default="eyJ.test-web-identity-token.sig")
    ap.add_argument("--container-token", default="")
    ap.add_argument("--maildir", help="store sent messages here (<id>.eml + <id>.json)")
    ap.add_argument("--stats", help="SendEmail counters (JSON), rewritten after each change")
    ap.add_argument("--rate", type=float, default=0, help="max recipients per sliding second, then 429")
    ap.add_argument("--imds-token-ttl", type=int, default=0, help="cap on IMDS token lifetimes (s)")
    ap.add_argument("--imds-v1-only", action="store_true",
                    help="no tokens: PUT /latest/api/token answers 405, GETs work without one")
    ARGS = ap.parse_args()
    for k in ARGS.key:
        akid, secret = k.split(":", 1)
        STATIC[akid] = secret
    bump("requests", 0)
    ports = {"https": serve(HttpsHandler, True), "imds": serve(ImdsHandler, False),
             "container": serve(ContainerHandler, False)}
    threading.Thread(target=revoke_watch, daemon=True).start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, ARGS.port_file)
    log("main", f"listening {ports}")
    import signal
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    sys.exit(0)


if __name__ == "__main__":
    import signal
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
