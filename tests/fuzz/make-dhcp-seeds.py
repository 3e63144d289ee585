#!/usr/bin/python3
"""Write the seed corpus of fuzz_dhcp (tests/fuzz/corpus/dhcp): record
sequences in the harness's format (see tests/fuzz/fuzz_dhcp.c) that take
the client through an offer and an ACK (plain, with T1/T2, with options in
the file field, infinite), a NAK, and an ARP answer to its address probe.
The harness fills in the transaction ID and MAC (control bit 0)."""
import os
import struct
import sys

FIX, RAW = 1, 2
SERVER = bytes([10, 0, 0, 1])
OFFERED = bytes([10, 0, 0, 50])


def opt(code, value):
    return bytes([code, len(value)]) + value


def msg(mtype, yiaddr=OFFERED, opts=b"", file=b""):
    fixed = bytearray(236)
    fixed[0:3] = b"\x02\x01\x06"
    fixed[16:20] = yiaddr
    fixed[20:24] = SERVER
    fixed[108:108 + len(file)] = file
    return bytes(fixed) + b"\x63\x82\x53\x63" + opt(53, bytes([mtype])) + opts + b"\xff"


def lease_opts(lease=3600):
    return (opt(54, SERVER) + opt(1, bytes([255, 255, 255, 0])) + opt(3, SERVER) + opt(6, SERVER * 2) +
            opt(51, struct.pack("!I", lease)))


def rec(ctl, payload, ticks=0):
    return bytes([ctl | ticks << 2]) + struct.pack("!H", len(payload)) + payload


def arp_reply():
    mac = bytes([2, 0, 0, 0, 0, 9])
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + OFFERED + bytes(6) + bytes(4)
    return b"\xff" * 6 + mac + b"\x08\x06" + arp + bytes(18)


def main(out):
    os.makedirs(out, exist_ok=True)
    offer = rec(FIX, msg(2, opts=lease_opts()))
    seeds = {
        "bind": offer + rec(FIX, msg(5, opts=lease_opts())),
        "t1t2": offer + rec(FIX, msg(5, opts=lease_opts(600) + opt(58, struct.pack("!I", 100)) +
                                     opt(59, struct.pack("!I", 200)))),
        "overload": offer + rec(FIX, msg(5, opts=opt(52, b"\x01"), file=lease_opts()[:20] + b"\xff")),
        "infinite": offer + rec(FIX, msg(5, opts=lease_opts(0xffffffff))),
        "nak": offer + rec(FIX, msg(6, yiaddr=bytes(4), opts=opt(54, SERVER))) + offer,
        "conflict": offer + rec(FIX, msg(5, opts=lease_opts())) + rec(RAW, arp_reply(), ticks=1),
        "short": offer + rec(FIX, msg(5, opts=lease_opts(2)), ticks=3) + rec(FIX, msg(5, opts=lease_opts(2)), 20),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "dhcp"))
