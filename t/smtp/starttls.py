#!/usr/bin/env python3
"""starttls.py: a small SMTP server that offers STARTTLS, for it_sender's
check that the sender upgrades whenever the server offers it.

    starttls.py --dir D --cert C --key K --port-file F

Listens on 127.0.0.1 (a free port, written to F once listening), one
thread per connection.  Before TLS, EHLO advertises STARTTLS and MAIL is
refused (530 5.7.0, as a server that requires TLS answers), so a message
that arrives came over TLS.  After STARTTLS: EHLO, MAIL, RCPT, DATA (dot
un-stuffing), RSET, NOOP, QUIT.  Each message is D/<seq>.eml: an
X-Stub-TLS line (the protocol version), X-Stub-Mail-From, X-Stub-Rcpt-To,
then the DATA bytes.  Python's standard library only (socket, ssl). The
real SMTP stand-in is t/smtp/ (C); this one exists only for TLS."""
import argparse
import os
import socket
import ssl
import threading

lock = threading.Lock()
seq = [0]


class Session:
    """One connection: plain until STARTTLS, then TLS."""

    def __init__(self, conn, ctx, folder):
        self.conn, self.ctx, self.folder = conn, ctx, folder
        self.f = conn.makefile("rb")
        self.tls = None
        self.mail, self.rcpts = None, []

    def say(self, text):
        self.conn.sendall(text.encode() + b"\r\n")

    def run(self):
        self.say("220 localhost ESMTP starttls-stub")
        while True:
            raw = self.f.readline()
            if not raw:
                return
            cmd = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not self.command(cmd, cmd.split(" ", 1)[0].upper()):
                return

    def command(self, cmd, verb):
        """One command; False once the session is over."""
        if verb in ("EHLO", "HELO"):
            self.say("250-localhost\r\n250-8BITMIME\r\n250 STARTTLS" if self.tls is None
                     else "250-localhost\r\n250 8BITMIME")
        elif verb == "STARTTLS" and self.tls is None:
            self.say("220 2.0.0 Ready to start TLS")
            self.conn = self.ctx.wrap_socket(self.conn, server_side=True)
            self.tls = self.conn.version()
            self.f = self.conn.makefile("rb")
            self.mail, self.rcpts = None, []
        elif verb == "MAIL" and self.tls is None:
            self.say("530 5.7.0 Must issue a STARTTLS command first")
        elif verb == "MAIL":
            self.mail, self.rcpts = cmd[10:].split(" ")[0], []
            self.say("250 2.1.0 Ok")
        elif verb == "RCPT" and self.mail is not None:
            self.rcpts.append(cmd[8:].split(" ")[0])
            self.say("250 2.1.5 Ok")
        elif verb == "DATA" and self.rcpts:
            self.say("354 End data with <CR><LF>.<CR><LF>")
            self.say("250 2.0.0 Ok: queued as %06d" % self.data())
        elif verb == "RSET":
            self.mail, self.rcpts = None, []
            self.say("250 2.0.0 Ok")
        elif verb == "NOOP":
            self.say("250 2.0.0 Ok")
        elif verb == "QUIT":
            self.say("221 2.0.0 Bye")
            return False
        else:
            self.say("503 5.5.1 Bad sequence of commands")
        return True

    def data(self):
        """The message up to CRLF.CRLF, dots un-stuffed, into its file."""
        body = b""
        while True:
            raw = self.f.readline()
            if not raw or raw == b".\r\n":
                break
            body += raw[1:] if raw.startswith(b".") else raw
        with lock:
            seq[0] += 1
            n = seq[0]
        head = "X-Stub-TLS: %s\r\nX-Stub-Mail-From: %s\r\n" % (self.tls, self.mail)
        head += "".join("X-Stub-Rcpt-To: %s\r\n" % r for r in self.rcpts)
        path = os.path.join(self.folder, "%06d.eml" % n)
        with open(path + ".tmp", "wb") as out:
            out.write(head.encode() + body)
        os.rename(path + ".tmp", path)
        self.mail, self.rcpts = None, []
        return n


def main():
    ap = argparse.ArgumentParser()
    for a in ("--dir", "--cert", "--key", "--port-file"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    with open(args.port_file + ".tmp", "w") as pf:
        pf.write("%d\n" % srv.getsockname()[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        conn, _ = srv.accept()

        def run(c=conn):
            try:
                Session(c, ctx, args.dir).run()
            except (OSError, ssl.SSLError):
                pass
            finally:
                c.close()

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
