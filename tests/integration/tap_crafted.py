#!/usr/bin/python3
"""Crafted segments for synth's TCP/IP on a tap, from scapy on the tap's
Linux side (run inside the test's namespace, as root). The script plays a
host of its own (an address and MAC the kernel does not own, so the kernel
never answers for it) and talks raw Ethernet through an AF_PACKET socket on
the tap. Prints one line per failed check and exits 1 when there was one.

  tap_crafted.py segments IFACE APP_IP APP_MAC PORT CLOSED_PORT
      against an echo server: bad checksums ignored, SYN (and ACK) to a
      closed port answered by RST, data outside the window not taken,
      in-window RST with a wrong sequence number answered by a challenge
      ACK, exact RST resets.
  tap_crafted.py flood IFACE APP_IP APP_MAC PORT SECONDS
      SYNs from spoofed addresses beyond the gateway (which drops the
      answers), as fast as one process can send them, for SECONDS; prints
      how many were sent.
"""
import os
import random
import select
import socket
import sys
import time

from scapy.all import ARP, IP, TCP, Ether, Raw, conf  # noqa: E402

conf.verb = 0

ME_IP = "10.0.0.77"
ME_MAC = "02:00:00:00:00:77"
failures = []


def fail(msg):
    print("FAIL: " + msg)
    failures.append(msg)


class Link:
    """Raw frames on IFACE; frames not from the app are skipped; ARP
    requests for our address are answered on the way."""

    def __init__(self, iface, app_ip, app_mac):
        self.iface, self.app_ip, self.app_mac = iface, app_ip, app_mac.lower()
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.s.bind((iface, 0))

    def send(self, pkt):
        self.s.send(bytes(pkt))

    def send_raw(self, b):
        self.s.send(b)

    def recv(self, pred, timeout):
        """The first frame from the app for which pred is true, or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            b = self.s.recv(65535)
            p = Ether(b)
            if p.src.lower() != self.app_mac:
                continue
            if ARP in p and p[ARP].op == 1 and p[ARP].pdst == ME_IP:
                self.send(Ether(dst=p.src, src=ME_MAC) /
                          ARP(op=2, hwsrc=ME_MAC, psrc=ME_IP, hwdst=p[ARP].hwsrc, pdst=p[ARP].psrc))
                continue
            if pred(p):
                return p

    def quiet(self, pred, timeout):
        """True when no frame matching pred comes within timeout."""
        return self.recv(pred, timeout) is None


def tcp_to_me(p, sport, dport):
    return IP in p and TCP in p and p[IP].dst == ME_IP and p[TCP].sport == sport and p[TCP].dport == dport


class Conn:
    """One TCP connection played by hand (no options beyond the MSS, so no
    timestamps and no window scaling: the numbers are what they look like)."""

    def __init__(self, link, port, sport):
        self.l, self.port, self.sport = link, port, sport
        self.seq = random.randrange(1 << 32)
        self.ack = 0
        self.echoed = b""

    def seg(self, flags, data=b"", seq=None, ack=None, window=65535):
        t = TCP(sport=self.sport, dport=self.port, flags=flags,
                seq=self.seq if seq is None else seq, ack=self.ack if ack is None else ack, window=window)
        return Ether(dst=self.l.app_mac, src=ME_MAC) / IP(src=ME_IP, dst=self.l.app_ip) / t / Raw(data)

    def mine(self, p):
        return tcp_to_me(p, self.port, self.sport)

    def open(self):
        syn = Ether(dst=self.l.app_mac, src=ME_MAC) / IP(src=ME_IP, dst=self.l.app_ip) / \
            TCP(sport=self.sport, dport=self.port, flags="S", seq=self.seq, options=[("MSS", 1460)])
        self.l.send(syn)
        p = self.l.recv(lambda p: self.mine(p) and p[TCP].flags.S, 3)
        if p is None:
            return False
        if not p[TCP].flags.A or p[TCP].ack != (self.seq + 1) & 0xffffffff:
            fail("SYN-ACK acknowledges %d, not %d" % (p[TCP].ack, self.seq + 1))
        self.seq = (self.seq + 1) & 0xffffffff
        self.ack = (p[TCP].seq + 1) & 0xffffffff
        self.l.send(self.seg("A"))
        return True

    def take(self, p):
        """Account data the app sent us (in order only) and ACK it."""
        if p is None:
            return
        n = len(p[TCP].payload)
        if n and p[TCP].seq == self.ack:
            self.echoed += bytes(p[TCP].payload)
            self.ack = (self.ack + n) & 0xffffffff
            self.l.send(self.seg("A"))

    def send_data(self, data):
        self.l.send(self.seg("PA", data))
        self.seq = (self.seq + len(data)) & 0xffffffff

    def collect(self, want, timeout=3):
        """Read echoed data until `want` more bytes came (or timeout)."""
        start = len(self.echoed)
        end = time.monotonic() + timeout
        while len(self.echoed) - start < want and time.monotonic() < end:
            self.take(self.l.recv(lambda p: self.mine(p) and len(p[TCP].payload) > 0, end - time.monotonic()))
        return self.echoed[start:]


def bad_tcp_cksum(pkt):
    """pkt with its TCP checksum wrong (every other field right)."""
    good = Ether(bytes(pkt))[TCP].chksum
    p = pkt.copy()
    p[TCP].chksum = good ^ 0x5a5a
    return p


def bad_ip_cksum(pkt):
    good = Ether(bytes(pkt))[IP].chksum
    p = pkt.copy()
    p[IP].chksum = good ^ 0x0101
    return p


def segments(iface, app_ip, app_mac, port, closed):
    link = Link(iface, app_ip, app_mac)
    # Teach the app our MAC: an ARP request for its address.
    link.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=ME_MAC) /
              ARP(op=1, hwsrc=ME_MAC, psrc=ME_IP, pdst=app_ip))
    if link.recv(lambda p: ARP in p and p[ARP].op == 2 and p[ARP].pdst == ME_IP, 3) is None:
        fail("no ARP reply from the app")
        return

    # ---- SYN to a closed port: RST|ACK acknowledging the SYN ----
    isn = 123456789
    syn = Ether(dst=app_mac, src=ME_MAC) / IP(src=ME_IP, dst=app_ip) / \
        TCP(sport=40001, dport=closed, flags="S", seq=isn)
    link.send(bad_tcp_cksum(syn))
    if not link.quiet(lambda p: tcp_to_me(p, closed, 40001), 0.5):
        fail("a SYN with a bad checksum to a closed port was answered")
    link.send(syn)
    p = link.recv(lambda p: tcp_to_me(p, closed, 40001), 3)
    if p is None:
        fail("no RST for a SYN to closed port %d" % closed)
    elif not (p[TCP].flags.R and p[TCP].flags.A and p[TCP].ack == isn + 1 and p[TCP].seq == 0):
        fail("SYN to a closed port answered by %s seq %d ack %d, not RST|ACK seq 0 ack %d" %
             (p[TCP].flags, p[TCP].seq, p[TCP].ack, isn + 1))
    # An ACK to a closed port: RST whose sequence number is that ACK.
    link.send(Ether(dst=app_mac, src=ME_MAC) / IP(src=ME_IP, dst=app_ip) /
              TCP(sport=40002, dport=closed, flags="A", seq=5, ack=987654321))
    p = link.recv(lambda p: tcp_to_me(p, closed, 40002), 3)
    if p is None or not p[TCP].flags.R or p[TCP].seq != 987654321 or p[TCP].flags.A:
        fail("an ACK to a closed port was not answered by RST seq 987654321: %s" % (p and p.summary()))

    # ---- a connection to the echo server ----
    c = Conn(link, port, 40010)
    if not c.open():
        fail("no SYN-ACK from the echo server on port %d" % port)
        return
    c.send_data(b"hello ")
    if c.collect(6) != b"hello ":
        fail("echo of 'hello ' came back as %r" % c.echoed)

    # ---- bad checksums are ignored ----
    link.send(bad_tcp_cksum(c.seg("PA", b"BADTCP")))
    link.send(bad_ip_cksum(c.seg("PA", b"BADIP!")))
    if not link.quiet(lambda p: c.mine(p), 0.6):
        fail("segments with a bad TCP or IP checksum were answered")
    c.send_data(b"good")
    got = c.collect(4)
    if got != b"good":
        fail("after two corrupt segments the echo is %r, not b'good'" % got)

    # ---- data outside the window ----
    # Far beyond the right edge: an ACK for what we really sent, no data taken.
    link.send(c.seg("PA", b"FUTURE", seq=(c.seq + 1000000) & 0xffffffff))
    p = link.recv(lambda p: c.mine(p), 2)
    if p is None:
        fail("no ACK for data beyond the window")
    elif p[TCP].ack != c.seq or len(p[TCP].payload):
        fail("data beyond the window answered with ack %d len %d, not ack %d" %
             (p[TCP].ack, len(p[TCP].payload), c.seq))
    time.sleep(0.6)  # the stack answers out-of-window segments at most twice a second
    # Entirely old data (a retransmission of bytes already taken).
    link.send(c.seg("PA", b"OLDOLD", seq=(c.seq - 100) & 0xffffffff))
    p = link.recv(lambda p: c.mine(p), 2)
    if p is None:
        fail("no ACK for old data")
    elif p[TCP].ack != c.seq:
        fail("old data answered with ack %d, not %d" % (p[TCP].ack, c.seq))
    c.send_data(b"inside")
    got = c.collect(6)
    if got != b"inside":
        fail("after out-of-window data the echo is %r, not b'inside'" % got)

    # ---- RST with a wrong sequence number: challenge ACK, flow lives ----
    link.send(c.seg("R", seq=(c.seq + 100) & 0xffffffff, ack=0))
    p = link.recv(lambda p: c.mine(p), 2)
    if p is None:
        fail("no challenge ACK for an in-window RST with a wrong sequence number")
    elif not p[TCP].flags.A or p[TCP].flags.R or p[TCP].ack != c.seq or p[TCP].seq != c.ack:
        fail("in-window RST answered by %s seq %d ack %d, not a challenge ACK seq %d ack %d" %
             (p[TCP].flags, p[TCP].seq, p[TCP].ack, c.ack, c.seq))
    # Outside the window: silently dropped.
    link.send(c.seg("R", seq=(c.seq + 3000000) & 0xffffffff, ack=0))
    if not link.quiet(lambda p: c.mine(p), 0.5):
        fail("an out-of-window RST was answered")
    # A SYN on the established flow: challenge ACK too (RFC 5961 4).
    link.send(c.seg("S", seq=(c.seq + 7) & 0xffffffff, ack=0))
    p = link.recv(lambda p: c.mine(p), 2)
    if p is None or not p[TCP].flags.A or p[TCP].flags.R or p[TCP].flags.S or p[TCP].ack != c.seq:
        fail("a SYN on an established flow was not answered by a challenge ACK: %s" % (p and p.summary()))
    c.send_data(b"alive")
    got = c.collect(5)
    if got != b"alive":
        fail("after wrong RSTs and a SYN the echo is %r, not b'alive'" % got)

    # ---- RST at the exact sequence number: the flow is gone ----
    link.send(c.seg("R", ack=0))
    if not link.quiet(lambda p: c.mine(p), 0.3):
        fail("an exact RST was answered")
    c.send_data(b"ghost")
    p = link.recv(lambda p: c.mine(p), 2)
    if p is None or not p[TCP].flags.R:
        fail("data after an exact RST was not answered by RST: %s" % (p and p.summary()))


def flood(iface, app_ip, app_mac, port, seconds):
    link = Link(iface, app_ip, app_mac)
    rnd = random.Random(os.getpid())
    # Prebuilt frames: sources in 198.18.0.0/15 (benchmarking space),
    # reached through the gateway, which does not forward.
    frames = []
    for i in range(4096):
        src = "198.18.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
        frames.append(bytes(Ether(dst=app_mac, src=ME_MAC) / IP(src=src, dst=app_ip) /
                            TCP(sport=rnd.randrange(1024, 65535), dport=port, flags="S",
                                seq=rnd.randrange(1 << 32), options=[("MSS", 1460)])))
    end = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < end:
        for f in frames[:256]:
            try:
                link.send_raw(f)
                sent += 1
            except OSError:
                time.sleep(0.001)
        frames = frames[256:] + frames[:256]
    print("flood: %d SYNs in %.1f s" % (sent, seconds))


def main(argv):
    if len(argv) == 7 and argv[1] == "segments":
        segments(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    elif len(argv) == 7 and argv[1] == "flood":
        flood(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
