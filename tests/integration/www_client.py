#!/usr/bin/python3
"""Raw HTTP/1.1 client for the www integration tests: what curl will not
do on purpose (malformed requests, pipelining, hundreds of connections at
once, idle connections). Standard library only. Prints one line per
failed check and exits 1 when there was one.

  www_client.py raw PORT            send stdin as is, print the response bytes
  www_client.py pipeline PORT SITE N
  www_client.py concurrent PORT SITE N
  www_client.py idle PORT SECONDS
  www_client.py trickle PORT SECONDS
  www_client.py headonly PORT PATH
"""
import os
import socket
import sys
import time

TIMEOUT = 20


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s):
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


class Reader:
    """Reads responses one by one from a connection."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError("connection closed")
        self.buf += b

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        fields = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
        n = 0 if head_only or status in (204, 304) else int(fields.get("content-length", "0"))
        while len(self.buf) < n:
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, fields, body


fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def site_files(site):
    out = []
    for root, _, files in os.walk(site):
        for f in sorted(files):
            p = os.path.join(root, f)
            out.append(os.path.relpath(p, site))
    return sorted(out)


def request(path, close=False):
    return ("GET /%s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (path, "Connection: close\r\n" if close else "")).encode()


def cmd_raw(port):
    s = connect(port)
    s.sendall(sys.stdin.buffer.read())
    sys.stdout.buffer.write(read_all(s))


def cmd_pipeline(port, site, n):
    """n requests in one write on one connection; answers in order."""
    files = site_files(site)
    paths = [files[i % len(files)] for i in range(n)]
    data = b"".join(request(p, close=(i == n - 1)) for i, p in enumerate(paths))
    s = connect(port)
    s.sendall(data)
    r = Reader(s)
    for i, p in enumerate(paths):
        try:
            status, fields, body = r.response()
        except EOFError:
            fail("pipelined request %d of %d (%s): connection closed early" % (i + 1, n, p))
            return
        want = open(os.path.join(site, p), "rb").read()
        if status != 200 or body != want:
            fail("pipelined request %d (%s): status %d, %d bytes, want 200 and %d bytes" %
                 (i + 1, p, status, len(body), len(want)))
            return
    if r.buf or read_all(s):
        fail("bytes after the last pipelined response")


def cmd_concurrent(port, site, n):
    """n connections open at once, each sends a request only when all are
    connected, and each gets its file back."""
    files = site_files(site)
    socks = []
    for i in range(n):
        try:
            socks.append(connect(port))
        except OSError as e:
            fail("connection %d of %d: %s" % (i + 1, n, e))
            break
    for i, s in enumerate(socks):
        s.sendall(request(files[i % len(files)], close=True))
    ok = 0
    for i, s in enumerate(socks):
        p = files[i % len(files)]
        try:
            status, fields, body = Reader(s).response()
        except (EOFError, OSError) as e:
            fail("connection %d: %s" % (i + 1, e))
            continue
        if status == 200 and body == open(os.path.join(site, p), "rb").read():
            ok += 1
        else:
            fail("connection %d (%s): status %d, %d bytes" % (i + 1, p, status, len(body)))
        s.close()
    if ok != n:
        fail("%d of %d concurrent connections were served" % (ok, n))


def cmd_idle(port, seconds):
    """A connection that sends nothing is closed after the idle timeout,
    and one kept alive after a request too."""
    for first in (b"", request("index.html")):
        s = connect(port)
        s.sendall(first)
        if first:
            Reader(s).response()
        t = time.monotonic()
        s.settimeout(seconds + 10)
        try:
            rest = s.recv(1)
        except socket.timeout:
            fail("idle connection still open after %.1f s" % (time.monotonic() - t))
            continue
        except ConnectionResetError:
            rest = b""
        took = time.monotonic() - t
        if rest:
            fail("idle connection received %r" % rest)
        if took < seconds * 0.5 or took > seconds + 5:
            fail("idle connection closed after %.1f s, want about %s s" % (took, seconds))


def cmd_trickle(port, seconds):
    """A request sent a byte at a time, slower than it should take: the
    connection ends within the idle timeout of its first byte."""
    s = connect(port)
    req = request("index.html")
    t = time.monotonic()
    closed = None
    for i in range(len(req)):
        try:
            s.sendall(req[i:i + 1])
        except OSError:
            closed = time.monotonic() - t
            break
        s.settimeout(seconds / 8)
        try:
            if s.recv(1) == b"":
                closed = time.monotonic() - t
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = time.monotonic() - t
            break
    if closed is None:
        fail("a request trickling in for %.1f s was not cut off" % (time.monotonic() - t))
    elif closed > seconds + 3:
        fail("trickling request cut off after %.1f s, want about %s s" % (closed, seconds))


def cmd_headonly(port, path):
    """HEAD then GET on one connection: the GET's answer must follow the
    HEAD's header directly, so HEAD sent no body."""
    s = connect(port)
    s.sendall(("HEAD /%s HTTP/1.1\r\nHost: t\r\n\r\nGET /%s HTTP/1.1\r\nHost: t\r\n"
               "Connection: close\r\n\r\n" % (path, path)).encode())
    r = Reader(s)
    st1, f1, _ = r.response(head_only=True)
    st2, f2, body = r.response()
    if st1 != 200 or st2 != 200:
        fail("HEAD/GET statuses %d %d" % (st1, st2))
    if f1.get("content-length") != f2.get("content-length") or f1.get("etag") != f2.get("etag"):
        fail("HEAD and GET headers differ: %r %r" % (f1, f2))
    if len(body) != int(f2.get("content-length", -1)):
        fail("GET after HEAD: %d bytes" % len(body))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "raw":
        cmd_raw(port)
    elif cmd == "pipeline":
        cmd_pipeline(port, sys.argv[3], int(sys.argv[4]))
    elif cmd == "concurrent":
        cmd_concurrent(port, sys.argv[3], int(sys.argv[4]))
    elif cmd == "idle":
        cmd_idle(port, float(sys.argv[3]))
    elif cmd == "trickle":
        cmd_trickle(port, float(sys.argv[3]))
    elif cmd == "headonly":
        cmd_headonly(port, sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
