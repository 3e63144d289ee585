#!/usr/bin/python3
"""Write the seed corpus of fuzz_netin (tests/fuzz/corpus/netin): a few
record sequences in the harness's format (see tests/fuzz/fuzz_netin.c)
that reach ARP, ICMP echo (whole and fragmented), UDP to open and closed
ports, a passive open with options, and data, reordering, FIN and resets on
the flow the harness establishes. Checksums are left for the harness to
fix (control bit 0)."""
import os
import struct
import sys

US = bytes([10, 0, 0, 2])
PEER = bytes([10, 0, 0, 1])
MAC_US = bytes([2, 0, 0, 0, 0, 2])
MAC_PEER = bytes([2, 0, 0, 0, 0, 1])
FIX, REL, APP = 1, 2, 4


def eth(payload, ethertype=0x0800, dst=MAC_US):
    return dst + MAC_PEER + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, ident=1, frag=0x4000):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, PEER, US)
    return hdr + payload


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp_echo(ident, seq, data):
    return struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data


def record(frame, ctl=FIX, wait=0):
    return bytes([ctl | (wait << 3)]) + struct.pack("!H", len(frame)) + frame


def arp_request(target, sender=bytes([10, 0, 0, 7])):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + MAC_PEER + sender + bytes(6) + target
    return eth(body + bytes(18), 0x0806, dst=b"\xff" * 6)


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08
OPTS = bytes([2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0])

seeds = {
    "arp": record(arp_request(US), 0) + record(arp_request(bytes([10, 0, 0, 9])), 0),
    "ping": record(eth(ipv4(1, icmp_echo(7, 1, bytes(range(56)))))),
    "ping_frag": (
        record(eth(ipv4(1, icmp_echo(7, 2, bytes(1600))[:1480], ident=9, frag=0x2000)))
        + record(eth(ipv4(1, icmp_echo(7, 2, bytes(1600))[1480:], ident=9, frag=185)))
    ),
    "udp": record(eth(ipv4(17, udp(5000, 53, b"query"))), FIX | APP)
    + record(eth(ipv4(17, udp(5000, 9999, b"closed")))),
    "syn": record(eth(ipv4(6, tcp(40001, 80, 5000, 0, SYN, opts=OPTS))))
    + record(eth(ipv4(6, tcp(40002, 81, 5000, 0, SYN)))),
    "data": record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK | PSH, b"GET / HTTP/1.0\r\n\r\n"))), FIX | REL | APP)
    + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK | FIN))), FIX | REL | APP, wait=2),
    "ooo": record(eth(ipv4(6, tcp(40000, 80, 1000, 0, ACK, bytes(500)))), FIX | REL)
    + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK, bytes(1000)))), FIX | REL | APP),
    "rst": record(eth(ipv4(6, tcp(40000, 80, 5, 0, RST))), FIX | REL)
    + record(eth(ipv4(6, tcp(40000, 80, 0, 0, SYN))), FIX | REL)
    + record(eth(ipv4(6, tcp(40000, 80, 0, 0, RST))), FIX | REL),
    "timeout": record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK, b"x"))), FIX | REL | APP, wait=31),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "netin")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
