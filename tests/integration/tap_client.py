#!/usr/bin/python3
"""TCP client for the tap integration tests, run on the Linux side against
an echo server (synth's echo on a tap). Standard library only. Prints what
it measured on one line, one line per failed check, and exits 1 when there
was one.

  tap_client.py bulk HOST PORT SIZE COUNT PARALLEL SECONDS
      COUNT transfers of SIZE random bytes each way: every connection sends
      its bytes and reads the echo at the same time, then shuts down its
      side; SHA-256 of what came back must equal that of what was sent.
      PARALLEL connections at a time; all must be done within SECONDS.
  tap_client.py conns HOST PORT COUNT SECONDS
      COUNT connections open at once (all established before any sends),
      each sends a message of its own, then all read their echo back.
"""
import hashlib
import os
import selectors
import socket
import sys
import threading
import time


def bulk(host, port, size, count, parallel, limit):
    # One random block per run; each transfer sends it rotated by its own
    # offset, so that a stream mixed up with another's cannot pass.
    block = os.urandom(size)
    errors = []
    deadline = time.monotonic() + limit

    def one(i):
        rot = (i * 7919) % size if size else 0
        data = block[rot:] + block[:rot]
        want = hashlib.sha256(data).hexdigest()
        got = hashlib.sha256()
        n = 0
        try:
            s = socket.create_connection((host, port), timeout=max(1.0, deadline - time.monotonic()))
        except OSError as e:
            errors.append("transfer %d: connect: %s" % (i, e))
            return

        def reader():
            nonlocal n
            try:
                while True:
                    b = s.recv(1 << 18)
                    if not b:
                        break
                    got.update(b)
                    n += len(b)
            except OSError as e:
                errors.append("transfer %d: recv after %d bytes: %s" % (i, n, e))

        t = threading.Thread(target=reader)
        t.start()
        try:
            mv = memoryview(data)
            for off in range(0, size, 1 << 16):
                s.sendall(mv[off:off + (1 << 16)])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("transfer %d: send: %s" % (i, e))
        t.join()
        s.close()
        if n != size:
            errors.append("transfer %d: %d of %d bytes came back" % (i, n, size))
        elif got.hexdigest() != want:
            errors.append("transfer %d: SHA-256 of the echo differs" % i)

    t0 = time.monotonic()
    todo = list(range(count))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop(0)
            one(i)

    ws = [threading.Thread(target=worker) for _ in range(parallel)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    dt = time.monotonic() - t0
    print("bulk: %d x %d bytes each way, %d at a time, in %.2f s (%.0f Mb/s each way)" %
          (count, size, parallel, dt, count * size * 8 / dt / 1e6))
    if dt > limit:
        errors.append("took %.1f s, the bound is %d s" % (dt, limit))
    for e in errors[:20]:
        print(e)
    return not errors


def conns(host, port, count, limit):
    deadline = time.monotonic() + limit
    sel = selectors.DefaultSelector()
    socks = []
    errors = []
    t0 = time.monotonic()
    # Open every connection before any data moves.
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, i)
    pending = count
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s, i = key.fileobj, key.data
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            sel.unregister(s)
            pending -= 1
            if err:
                errors.append("connection %d: connect: %s" % (i, os.strerror(err)))
    established = time.monotonic() - t0
    if pending:
        errors.append("%d connections not established within %d s" % (pending, limit))
    msgs = [("connection %d of %d says hello " % (i, count)).encode() * (1 + i % 40) for i in range(count)]
    got = [b"" for _ in range(count)]
    for i, s in enumerate(socks):
        s.setblocking(True)
        try:
            s.sendall(msgs[i])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("connection %d: send: %s" % (i, e))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    open_ = count
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s, i = key.fileobj, key.data
            try:
                b = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                errors.append("connection %d: recv: %s" % (i, e))
                b = b""
            if b:
                got[i] += b
            else:
                sel.unregister(s)
                open_ -= 1
    if open_:
        errors.append("%d connections not finished within %d s" % (open_, limit))
    bad = [i for i in range(count) if got[i] != msgs[i]]
    if bad:
        errors.append("%d connections got back something else (first: %d, %d of %d bytes)" %
                      (len(bad), bad[0], len(got[bad[0]]), len(msgs[bad[0]])))
    for s in socks:
        s.close()
    print("conns: %d connections at once, established in %.2f s, all done in %.2f s" %
          (count, established, time.monotonic() - t0))
    for e in errors[:20]:
        print(e)
    return not errors


def main(argv):
    if len(argv) >= 2 and argv[1] == "bulk" and len(argv) == 8:
        ok = bulk(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]), int(argv[7]))
    elif len(argv) >= 2 and argv[1] == "conns" and len(argv) == 6:
        ok = conns(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
