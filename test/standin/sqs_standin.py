#!/usr/bin/python3
"""Amazon SQS stand-in on loopback, fed with SES events, for sesrelay's tests.

Speaks the SQS JSON 1.0 protocol (POST /, X-Amz-Target: AmazonSQS.<Action>,
application/x-amz-json-1.0): ReceiveMessage with long polling
(WaitTimeSeconds) and a visibility timeout (a message not deleted in time
comes back, with a new receipt handle and ApproximateReceiveCount + 1),
DeleteMessageBatch, DeleteMessage, ChangeMessageVisibility, SendMessage,
GetQueueAttributes.  Every request must carry a SigV4 signature (service
"sqs") that botocore, recomputing it from the request, agrees with; others
get 403 SignatureDoesNotMatch / IncompleteSignature.

The feeder plays SES event publishing + SNS: it watches the SES stand-in's
--maildir and, for each accepted message that names a configuration set
(X-SES-CONFIGURATION-SET header, as SES requires; or --default-config-set),
publishes events after --delay seconds: Delivery, or by the recipient's local
part (before any +tag):
  bounce      Bounce Permanent/General 5.1.1      nouser  Permanent/NoEmail
  suppressed  Bounce Permanent/OnAccountSuppressionList
  softbounce  Bounce Transient/MailboxFull         complaint  Delivery + Complaint
  delay       DeliveryDelay MailboxFull 4.2.2      blocked    DeliveryDelay IPFailure 4.7.0
Tags come from X-SES-MESSAGE-TAGS (name=value, ...) plus SES's own
ses:configuration-set.  Events go to every queue whose filter matches
(--queue NAME[:TAG=VALUE], an SNS subscription filter policy on the message
body's mail.tags), inside the SNS envelope unless --raw.

For doctor it also answers SES v2 GetConfigurationSetEventDestinations
(GET /v2/email/configuration-sets/NAME/event-destinations, SigV4 service
"ses") for the sets named with --config-set.

Test hooks (unsigned): POST /_inject/<queue> queues the body as it is;
GET /_stats answers the counters (also written to --stats).
"""
import argparse, email.parser, email.policy, glob, hashlib, json, os, re, ssl, sys
import threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT = "123456789012"
A = None
LOCK = threading.Condition()
QUEUES = {}             # name -> Queue
STATS = dict(requests=0, receives=0, received=0, redelivered=0, deleted=0,
             delete_failed=0, published=0, signature_failures=0, empty_receives=0)


def log(text):
    if A.log:
        with open(A.log, "a") as f:
            f.write("%.3f %s\n" % (time.time(), text))


def save_stats():
    if A.stats:
        tmp = A.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(STATS, queues={n: q.counts() for n, q in QUEUES.items()}), f)
        os.replace(tmp, A.stats)


class Queue:
    def __init__(self, name, filt):
        self.name, self.filter, self.msgs = name, filt, []

    def counts(self):
        now = time.time()
        vis = sum(1 for m in self.msgs if m["visible_at"] <= now)
        return dict(visible=vis, in_flight=len(self.msgs) - vis)

    def add(self, body):
        self.msgs.append(dict(id=str(uuid.uuid4()), body=body, visible_at=time.time(),
                              receipt=None, count=0, sent=int(time.time() * 1000), first=0))

    def matches(self, tags):
        if not self.filter:
            return True
        k, v = self.filter
        return v in tags.get(k, [])


# ---- SES events ------------------------------------------------------------

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def kind_of(addr):
    return (addr.rpartition("@")[0] or addr).split("+")[0].lower()


def events_for(meta, headers, now):
    """[(due, record)] for one accepted message."""
    cs = headers.get("X-SES-CONFIGURATION-SET") or A.default_config_set
    if not cs:
        return []
    tags = {"ses:configuration-set": [cs.strip()], "ses:from-domain":
            [meta["mail_from"].rpartition("@")[2]]}
    for part in (headers.get("X-SES-MESSAGE-TAGS") or "").split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            tags[k.strip()] = [v.strip()]
    t0 = meta["time"]
    mail = dict(timestamp=iso(t0), messageId=meta["id"], source=meta["mail_from"],
                sourceArn="arn:aws:ses:us-east-1:%s:identity/host.test" % ACCOUNT,
                sendingAccountId=ACCOUNT, destination=meta["rcpt_tos"],
                headersTruncated=False,
                commonHeaders=dict(messageId=headers.get("Message-ID", ""),
                                   subject=headers.get("Subject", "")), tags=tags)
    out, due = [], now + A.delay
    for r in meta["rcpt_tos"]:
        k = kind_of(r)
        t = t0 + 1.5
        if k in ("bounce", "nouser", "suppressed", "softbounce"):
            perm = k != "softbounce"
            sub = dict(bounce="General", nouser="NoEmail", suppressed="OnAccountSuppressionList",
                       softbounce="MailboxFull")[k]
            br = dict(emailAddress=r)
            if k in ("bounce", "nouser"):
                br.update(action="failed", status="5.1.1", diagnosticCode="smtp; 550 5.1.1 user unknown")
            if k == "softbounce":
                br.update(action="failed", status="4.2.2", diagnosticCode="smtp; 452 4.2.2 mailbox full")
            out.append((due, dict(eventType="Bounce", mail=mail, bounce=dict(
                bounceType="Permanent" if perm else "Transient", bounceSubType=sub,
                bouncedRecipients=[br], timestamp=iso(t), feedbackId=str(uuid.uuid4()),
                reportingMTA="dsn; a1-2.smtp-out.us-east-1.amazonses.com"))))
            continue
        if k in ("delay", "blocked"):
            dt, st, dc = (("MailboxFull", "4.2.2", "smtp; 452 4.2.2 mailbox full") if k == "delay"
                          else ("IPFailure", "4.7.0", "smtp; 421 4.7.0 IP blocked by policy"))
            out.append((due, dict(eventType="DeliveryDelay", mail=mail, deliveryDelay=dict(
                timestamp=iso(t), delayType=dt, expirationTime=iso(t0 + 14 * 3600),
                reportingMTA="198.51.100.7",
                delayedRecipients=[dict(emailAddress=r, status=st, diagnosticCode=dc)]))))
            continue
        out.append((due, dict(eventType="Delivery", mail=mail, delivery=dict(
            timestamp=iso(t), processingTimeMillis=1500, recipients=[r],
            smtpResponse="250 2.0.0 OK queued as %s" % uuid.uuid4().hex[:10],
            reportingMTA="a1-2.smtp-out.us-east-1.amazonses.com", remoteMtaIp="192.0.2.25"))))
        if k == "complaint":
            out.append((due + A.delay, dict(eventType="Complaint", mail=mail, complaint=dict(
                complainedRecipients=[dict(emailAddress=r)], timestamp=iso(t + 60),
                feedbackId=str(uuid.uuid4()), complaintSubType=None,
                userAgent="Stand-in Feedback/1.0", complaintFeedbackType="abuse",
                arrivalDate=iso(t)))))
    return out


def sns_wrap(record):
    return json.dumps(dict(
        Type="Notification", MessageId=str(uuid.uuid4()),
        TopicArn="arn:aws:sns:us-east-1:%s:ses-events" % ACCOUNT,
        Message=json.dumps(record), Timestamp=iso(time.time()), SignatureVersion="1",
        Signature="c3RhbmQtaW4=",
        SigningCertURL="https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem",
        UnsubscribeURL="https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"))


def publish(record):
    tags = record["mail"]["tags"]
    body = json.dumps(record) if A.raw else sns_wrap(record)
    with LOCK:
        for q in QUEUES.values():
            if q.matches(tags):
                for _ in range(2 if A.duplicate else 1):
                    q.add(body)
                    STATS["published"] += 1
        save_stats()
        LOCK.notify_all()
    log("published %s %s for %s" % (record["eventType"], record["mail"]["messageId"],
                                    record["mail"]["destination"]))


def feeder():
    seen, pending = set(), []
    while True:
        now = time.time()
        if A.maildir:
            for eml in glob.glob(os.path.join(A.maildir, "*.eml")):
                if eml in seen:
                    continue
                seen.add(eml)
                try:
                    meta = json.load(open(eml[:-4] + ".json"))
                    with open(eml, "rb") as f:
                        hdr = email.parser.BytesHeaderParser(policy=email.policy.compat32).parse(f)
                    pending += events_for(meta, hdr, now)
                except (OSError, ValueError) as e:
                    log("cannot read %s: %s" % (eml, e))
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            publish(item[1])
        time.sleep(0.05)


# ---- SigV4 ------------------------------------------------------------------

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def verify(handler, body, want_service="sqs"):
    """None when botocore computes the same signature, else the error code."""
    m = AUTH_RE.match(handler.headers.get("Authorization", ""))
    if not m:
        return "IncompleteSignature"
    akid, date, region, service, signed, sig = m.groups()
    amzdate = handler.headers.get("X-Amz-Date", "")
    if akid != A.access_key or service != want_service or region != A.region or not amzdate.startswith(date):
        return "SignatureDoesNotMatch"
    token = handler.headers.get("X-Amz-Security-Token")
    if (A.session_token or None) != token:
        return "InvalidClientTokenId"
    req = AWSRequest(method=handler.command, url="http://%s%s" % (handler.headers["Host"], handler.path),
                     data=body)
    for name in signed.split(";"):
        if name not in ("host", "x-amz-date", "x-amz-security-token"):
            req.headers.add_header(name, handler.headers.get(name, ""))
    req.context["timestamp"] = amzdate
    auth = SigV4Auth(Credentials(A.access_key, A.secret_key, token), want_service, region)
    auth._modify_request_before_signing(req)
    if ";".join(auth.signed_headers(auth.headers_to_sign(req)).split(";")) != signed:
        return "SignatureDoesNotMatch"
    want = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
    return None if want == sig else "SignatureDoesNotMatch"


# ---- actions ------------------------------------------------------------------

class Fault(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.status = code, status


def queue_of(req):
    url = req.get("QueueUrl") or ""
    name = url.rstrip("/").rpartition("/")[2]
    if name not in QUEUES or "/%s/" % ACCOUNT not in url:
        raise Fault("QueueDoesNotExist", "The specified queue does not exist.")
    return QUEUES[name]


def do_receive(req):
    q = queue_of(req)
    n = int(req.get("MaxNumberOfMessages", 1))
    wait = float(req.get("WaitTimeSeconds", 0))
    vis = float(req.get("VisibilityTimeout", A.visibility))
    if not 1 <= n <= 10 or not 0 <= wait <= 20:
        raise Fault("InvalidParameterValue", "MaxNumberOfMessages 1..10, WaitTimeSeconds 0..20")
    end = time.time() + wait
    with LOCK:
        STATS["receives"] += 1
        while True:
            now = time.time()
            ready = [m for m in q.msgs if m["visible_at"] <= now][:n]
            if ready or now >= end:
                break
            nxt = min([m["visible_at"] for m in q.msgs if m["visible_at"] > now] + [end])
            LOCK.wait(max(0.01, nxt - now))
        out = []
        for m in ready:
            m["visible_at"] = now + vis
            m["receipt"] = "AQEB" + uuid.uuid4().hex + uuid.uuid4().hex
            m["count"] += 1
            m["first"] = m["first"] or int(now * 1000)
            STATS["received"] += 1
            STATS["redelivered"] += m["count"] > 1
            out.append(dict(MessageId=m["id"], ReceiptHandle=m["receipt"],
                            MD5OfBody=hashlib.md5(m["body"].encode()).hexdigest(), Body=m["body"],
                            Attributes=dict(SentTimestamp=str(m["sent"]),
                                            ApproximateReceiveCount=str(m["count"]),
                                            ApproximateFirstReceiveTimestamp=str(m["first"]))))
        STATS["empty_receives"] += not out
        save_stats()
    return dict(Messages=out) if out else {}


def delete_one(q, handle):
    for m in q.msgs:
        if m["receipt"] == handle:
            q.msgs.remove(m)
            STATS["deleted"] += 1
            return True
    STATS["delete_failed"] += 1
    return False


def do_delete_batch(req):
    q, entries = queue_of(req), req.get("Entries") or []
    if not entries:
        raise Fault("EmptyBatchRequest", "There should be at least one entry in the request.")
    if len(entries) > 10:
        raise Fault("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10.")
    ids = [e.get("Id", "") for e in entries]
    if len(set(ids)) != len(ids):
        raise Fault("BatchEntryIdsNotDistinct", "Id %s repeated." % ids[0])
    if any(not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", i) for i in ids):
        raise Fault("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores.")
    ok, failed = [], []
    with LOCK:
        for e in entries:
            if delete_one(q, e.get("ReceiptHandle")):
                ok.append(dict(Id=e["Id"]))
            else:
                failed.append(dict(Id=e["Id"], SenderFault=True, Code="ReceiptHandleIsInvalid",
                                   Message="The input receipt handle is invalid."))
        save_stats()
    return dict(Successful=ok, Failed=failed)


def do_delete(req):
    q = queue_of(req)
    with LOCK:
        if not delete_one(q, req.get("ReceiptHandle")):
            raise Fault("ReceiptHandleIsInvalid", "The input receipt handle is invalid.")
        save_stats()
    return {}


def do_change_visibility(req):
    q = queue_of(req)
    with LOCK:
        for m in q.msgs:
            if m["receipt"] == req.get("ReceiptHandle"):
                m["visible_at"] = time.time() + float(req.get("VisibilityTimeout", 0))
                LOCK.notify_all()
                return {}
    raise Fault("MessageNotInflight", "Message not inflight.")


def do_send(req):
    q = queue_of(req)
    with LOCK:
        q.add(req["MessageBody"])
        LOCK.notify_all()
        return dict(MessageId=q.msgs[-1]["id"], MD5OfMessageBody=hashlib.md5(req["MessageBody"].encode()).hexdigest())


def do_attributes(req):
    q = queue_of(req)
    with LOCK:
        c = q.counts()
    return dict(Attributes=dict(ApproximateNumberOfMessages=str(c["visible"]),
                                ApproximateNumberOfMessagesNotVisible=str(c["in_flight"]),
                                VisibilityTimeout=str(int(A.visibility)),
                                QueueArn="arn:aws:sqs:%s:%s:%s" % (A.region, ACCOUNT, q.name)))


ACTIONS = {"ReceiveMessage": do_receive, "DeleteMessageBatch": do_delete_batch,
           "DeleteMessage": do_delete, "ChangeMessageVisibility": do_change_visibility,
           "SendMessage": do_send, "GetQueueAttributes": do_attributes}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        log("http " + fmt % args)

    def reply(self, status, obj, extra=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def fault(self, code, message, status=400):
        self.reply(status, {"__type": "com.amazonaws.sqs#" + code, "message": message},
                   [("x-amzn-query-error", "AWS.SimpleQueueService.%s;Sender" % code)])

    def do_GET(self):
        m = re.fullmatch(r"/v2/email/configuration-sets/([A-Za-z0-9_-]+)/event-destinations", self.path)
        if m:
            return self.config_set(m.group(1))
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, dict(STATS, queues={n: q.counts() for n, q in QUEUES.items()}))
        self.fault("UnsupportedOperation", "GET is not supported", 400)

    def config_set(self, name):
        """SES v2 GetConfigurationSetEventDestinations (REST-JSON, service ses)."""
        bad = verify(self, b"", "ses")
        if bad:
            STATS["signature_failures"] += 1
            return self.reply(403, {"message": "signature"}, [("x-amzn-ErrorType", bad)])
        sets = dict(s.split(":", 1) if ":" in s else (s, "SEND,REJECT,BOUNCE,COMPLAINT,DELIVERY,DELIVERY_DELAY")
                    for s in A.config_set)
        if name not in sets:
            return self.reply(404, {"message": "Configuration set <%s> does not exist." % name},
                              [("x-amzn-ErrorType", "NotFoundException")])
        types = [t for t in sets[name].split(",") if t and t != "none"]
        dests = [dict(Name="to-sns", Enabled=True, MatchingEventTypes=types, SnsDestination=dict(
            TopicArn="arn:aws:sns:%s:%s:ses-events" % (A.region, ACCOUNT)))] if types else []
        self.reply(200, dict(EventDestinations=dests))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/_inject/"):
            name = self.path[len("/_inject/"):]
            with LOCK:
                QUEUES[name].add(body.decode("utf-8", "replace"))
                save_stats()
                LOCK.notify_all()
            return self.reply(200, {})
        STATS["requests"] += 1
        bad = verify(self, body)
        if bad:
            STATS["signature_failures"] += 1
            log("signature refused: %s (%s)" % (bad, self.headers.get("Authorization")))
            return self.fault(bad, "The request signature we calculated does not match "
                              "the signature you provided.", 403)
        target = self.headers.get("X-Amz-Target", "")
        ctype = self.headers.get("Content-Type", "")
        if not target.startswith("AmazonSQS.") or ctype != "application/x-amz-json-1.0":
            return self.fault("InvalidAction", "expected X-Amz-Target AmazonSQS.* and "
                              "Content-Type application/x-amz-json-1.0")
        action = target[len("AmazonSQS."):]
        try:
            req = json.loads(body or b"{}")
            if action not in ACTIONS:
                raise Fault("InvalidAction", "The action %s is not valid for this endpoint." % action)
            out = ACTIONS[action](req)
        except Fault as f:
            log("%s -> %s" % (action, f.code))
            return self.fault(f.code, str(f), f.status)
        except (ValueError, KeyError, TypeError) as e:
            return self.fault("InvalidParameterValue", str(e))
        log("%s -> 200 %s" % (action, json.dumps(out)[:200]))
        self.reply(200, out)


def main():
    global A
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a = p.add_argument
    a("--port", type=int, default=0)
    a("--port-file")
    a("--queue", action="append", default=[], help="NAME or NAME:TAG=VALUE (filter policy)")
    a("--maildir", help="the SES stand-in's maildir to take accepted messages from")
    a("--delay", type=float, default=0.5, help="seconds from SES's 250 to its events")
    a("--visibility", type=float, default=30, help="default visibility timeout (s)")
    a("--raw", action="store_true", help="raw message delivery: no SNS envelope")
    a("--duplicate", action="store_true", help="publish every event twice (at-least-once)")
    a("--default-config-set", default="", help="events also for mail without the header")
    a("--region", default="us-east-1")
    a("--access-key", default="AKIDSQSTEST")
    a("--secret-key", default="sqs-test-secret")
    a("--session-token", default="")
    a("--config-set", action="append", default=[],
      help="NAME[:TYPES] known to GET /v2/email/configuration-sets/NAME/event-destinations "
           "(TYPES: comma list of event types with an SNS destination, 'none' for no destination)")
    a("--certdir", help="serve HTTPS with server.pem/server.key from this directory")
    a("--log")
    a("--stats")
    A = p.parse_args()
    for spec in A.queue or ["ses-events"]:
        name, _, filt = spec.partition(":")
        QUEUES[name] = Queue(name, tuple(filt.split("=", 1)) if filt else None)
    srv = ThreadingHTTPServer(("127.0.0.1", A.port), Handler)
    srv.daemon_threads = True
    if A.certdir:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(A.certdir, "server.pem"), os.path.join(A.certdir, "server.key"))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=feeder, daemon=True).start()
    save_stats()
    if A.port_file:
        with open(A.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(A.port_file + ".tmp", A.port_file)
    log("listening on 127.0.0.1:%d, queues %s" % (srv.server_address[1], list(QUEUES)))
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
