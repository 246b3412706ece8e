"""Hostile requests a stranger can send without an account: huge bodies, odd signatures.

Each is refused with its own status and JSON code, quickly, and never as a 500.
"""

from __future__ import annotations

import io
import os
import socket
import time
import uuid
from urllib.parse import urlsplit

import httpx
from PIL import Image

from tests.support.api_client import new_account, upload_image

MIB = 1024 * 1024


def noise_png(side: int = 300) -> bytes:
    """A real PNG that does not compress: bigger than any JSON body may be."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def raw_request(base_url: str, head: str, chunks, timeout: float = 20) -> bytes:
    """Send a request over a bare socket (httpx would insist on sending the whole
    body before reading the answer); returns whatever the server answered."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:  # the server answered and closed while we were still sending
            pass
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    return answer


def test_a_30_mib_json_login_is_refused_unread(client):
    body = b'{"username": "' + b"a" * (30 * MIB) + b'", "password": "whatever1"}'
    started = time.monotonic()
    reply = client.post("/api/auth/login", content=body,
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 413, reply.text
    assert reply.json() == {"detail": "The request body is larger than 65536 bytes.",
                            "code": "payload_too_large"}
    assert time.monotonic() - started < 10


def test_a_chunked_body_is_cut_off_at_the_limit(app_server):
    sent = {"bytes": 0}

    def chunks():
        piece = b"x" * 16384
        for _ in range(30 * MIB // len(piece)):
            sent["bytes"] += len(piece)
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        yield b"0\r\n\r\n"

    head = (f"POST /api/auth/login HTTP/1.1\r\nHost: localhost:{app_server.port}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    answer = raw_request(app_server.base_url, head, chunks())
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b'"code":"payload_too_large"' in answer.replace(b" ", b"")


def test_bodies_under_the_limit_and_file_puts_over_it_still_work(client):
    account = new_account(client, "bodylimit")
    data = noise_png()
    assert len(data) > 4 * 64 * 1024  # the JSON limit does not apply to the file PUT
    image = upload_image(client, account, data)
    assert image["size_bytes"] == len(data)
    # A form login of ordinary size is untouched.
    login = client.post("/api/auth/login",
                        data={"username": account.username, "password": "correct horse battery"})
    assert login.status_code == 200


def test_a_non_ascii_signature_on_a_file_put_is_403_not_500(client, app_server):
    key = f"1/{uuid.uuid4().hex}.png"
    for signature in ("é", "%C3%A9", "\u2028", "%ED%A0%80"):
        reply = httpx.put(f"{app_server.base_url}/api/files/{key}?expires=9999999999&signature={signature}",
                          content=b"x" * 10, headers={"Content-Type": "image/png"}, timeout=10)
        local = "IMGHOST_S3_ENDPOINT_URL" not in app_server.env
        assert reply.status_code == (403 if local else 404), reply.text
        assert reply.json()["code"] == ("bad_signature" if local else "file_not_found")
