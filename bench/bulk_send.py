#!/usr/bin/python3
"""Bulk TCP sender for bench/tap_bulk.sh: connects, writes zeros for a
while, shuts its side down and waits for the receiver's end of stream (the
sink example first answers with the byte count it received, which is
checked). The time runs from the connect to that end of stream, so the
rate printed is what reached the receiving app.

    bulk_send.py HOST PORT SECONDS   ->  prints "BYTES SECONDS GBITS"
"""
import socket
import sys
import time


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    chunk = memoryview(bytes(1 << 20))
    s = socket.create_connection((host, port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    start = time.monotonic()
    stop = start + seconds
    sent = 0
    while time.monotonic() < stop:
        s.sendall(chunk)
        sent += len(chunk)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        reply += b
    elapsed = time.monotonic() - start
    s.close()
    if reply and int(reply.split()[0]) != sent:
        sys.exit("bulk_send: sent %d bytes, the receiver counted %s" % (sent, reply.decode().strip()))
    print("%d %.3f %.2f" % (sent, elapsed, sent * 8 / elapsed / 1e9))


if __name__ == "__main__":
    main()
