#!/usr/bin/python3
"""A loopback DNS server for the doctor tests: serves the records of a zone
file (dnslib's ZoneResolver) over UDP and TCP on 127.0.0.1.
Usage: dns_server.py --zone FILE --port-file FILE"""
import argparse, os, signal, time

from dnslib.server import DNSServer
from dnslib.zoneresolver import ZoneResolver

p = argparse.ArgumentParser()
p.add_argument("--zone", required=True)
p.add_argument("--port-file", required=True)
a = p.parse_args()
resolver = ZoneResolver(open(a.zone).read())
udp = DNSServer(resolver, port=0, address="127.0.0.1")
port = udp.server.server_address[1]
tcp = DNSServer(resolver, port=port, address="127.0.0.1", tcp=True)
udp.start_thread()
tcp.start_thread()
with open(a.port_file + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(a.port_file + ".tmp", a.port_file)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    time.sleep(3600)
