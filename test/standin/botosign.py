#!/usr/bin/python3
"""Sign requests with botocore's SigV4Auth, for cross-checking relay/sigv4.c.

Reads one JSON object per line on stdin:
  {"method","url","headers":[[name,value]...],"body_b64","akid","secret",
   "token" (or null),"region","service","date":"YYYYMMDDTHHMMSSZ"}
and writes one JSON object per line:
  {"canonical_request","string_to_sign","signature"}
The headers are exactly the ones the C side signs (botocore signs every
header of the request except its skip list, plus host from the URL).
Run with Debian's /usr/bin/python3 (python3-botocore).
"""
import base64
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(job):
    creds = Credentials(job["akid"], job["secret"], job.get("token"))
    req = AWSRequest(method=job["method"], url=job["url"],
                     data=base64.b64decode(job.get("body_b64") or ""))
    for name, value in job["headers"]:
        req.headers.add_header(name, value)
    req.context["timestamp"] = job["date"]
    auth = SigV4Auth(creds, job["service"], job["region"])
    auth._modify_request_before_signing(req)   # X-Amz-Date, X-Amz-Security-Token
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    return {"canonical_request": creq, "string_to_sign": sts,
            "signature": auth.signature(sts, req)}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(sign(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
