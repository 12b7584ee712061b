"""nginx in front of several portal processes, with sticky sessions, for tests and benches.

Open-source nginx has no sticky-cookie module, so stickiness is built from what it has: the first
response sets a `linli_route` cookie to that request's id, and the upstream is chosen by a
consistent hash of the cookie (of the request id while there is none yet, which is the same
value). Every later request of that browser (the websocket, file uploads, /files/…) reaches the
process holding its Streamlit session. Each response names the process it came from
(X-Linli-Upstream) so a test can check. The deployment example in README uses the same config.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 25m;

    map $cookie_linli_route $linli_route {{
        ""      $request_id;
        default $cookie_linli_route;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    upstream linli {{
        hash $linli_route consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://linli;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 86400s;
            add_header Set-Cookie "linli_route=$linli_route; Path=/; HttpOnly; SameSite=Lax";
            add_header X-Linli-Upstream $upstream_addr;
        }}
    }}
}}
"""


def config(port: int, upstream_ports: list[int], prefix: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
    return CONFIG.format(port=port, servers=servers, prefix=prefix)


@dataclass
class Proxy:
    process: subprocess.Popen
    port: int
    prefix: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_proxy(prefix: Path, port: int, upstream_ports: list[int]) -> Proxy:
    """nginx in the foreground on 127.0.0.1:port, its files under prefix; returns once it
    answers."""
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config(port, upstream_ports, prefix), encoding="utf-8")
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    proxy = Proxy(process, port, prefix)
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(
                f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            urllib.request.urlopen(f"{proxy.url}/_stcore/health", timeout=1)
            return proxy
        except OSError:
            time.sleep(0.1)
    proxy.stop()
    raise RuntimeError("nginx did not answer")
