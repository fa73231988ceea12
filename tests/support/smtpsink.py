"""A local SMTP sink for tests: accepts every message on a loopback port and keeps it (no relay, no TLS, no auth).

Enough of RFC 5321 for Python's smtplib (what Airflow's SMTP hook uses): greeting, EHLO/HELO, MAIL, RCPT, DATA with
dot-unstuffing, RSET, NOOP, QUIT.
"""

from __future__ import annotations

import email
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message


@dataclass
class Received:
    """One message as the sink got it."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        """The parsed message."""
        return email.message_from_bytes(self.data)

    def text(self) -> str:
        """Every text part of the message, decoded."""
        parts = [p for p in self.message.walk() if p.get_content_maintype() == "text"]
        return "\n".join(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8") for p in parts)


@dataclass
class SmtpSink:
    """A running sink; `messages` fills as mail arrives."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    _server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> SmtpSink:
        """Listen on a free loopback port (self.port), serving in a daemon thread."""
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 tsm-sink ESMTP")
                sender, recipients = "", []
                while raw := self.rfile.readline():
                    line = raw.decode(errors="replace").rstrip("\r\n")
                    verb = line[:4].upper()
                    if verb == "EHLO":
                        self.reply("250-tsm-sink")
                        self.reply("250 8BITMIME")
                    elif verb == "HELO":
                        self.reply("250 tsm-sink")
                    elif verb == "MAIL":
                        sender, recipients = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip().strip("<>").split(">")[0])
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with <CRLF>.<CRLF>")
                        body = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            body.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        sink.messages.append(Received(sender, recipients, b"".join(body)))
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="smtp-sink", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def connection(self, from_email: str = "airflow@tsm.test") -> dict[str, object]:
        """An Airflow SMTP connection to this sink (plain SMTP, no TLS, no login)."""
        return {
            "conn_type": "smtp",
            "host": self.host,
            "port": self.port,
            "extra": {
                "from_email": from_email,
                "disable_tls": True,
                "disable_ssl": True,
                "retry_limit": 0,
                "timeout": 10,
            },
        }
