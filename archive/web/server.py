"""`mfa-archive serve`: Datasette on one archive, with the project's metadata and plugin.

Loopback by default. Any other address serves the archive to other machines, so it needs
`public=True`, which hides every table but the readers' (raw pages, crawl state, export paths),
turns off arbitrary SQL and downloads, and answers 404 for the pages that show file paths.
The archive is opened read-only by Datasette; no page writes to it.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from archive.errors import UserError
from archive.web.metadata import PLUGIN_NAME

# Datasette settings for reading: short facet lists, cells cut at a readable length.
# Suggested facets are off: a line of every column name above the rows, and queries on each page.
SETTINGS = {"facet_size": 10, "truncate_cells_html": 300, "default_page_size": 50, "suggest_facets": False}
PUBLIC_SETTINGS = {"default_allow_sql": False, "allow_download": False, "trace_debug": False}


@dataclass(frozen=True)
class Listener:
    socket: socket.socket
    url: str


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        raise UserError(f"cannot resolve --host {host!r}") from None
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_host(host: str, *, public: bool) -> None:
    """Refuse a non-loopback address unless the server is public (UserError, one line)."""
    if not public and not is_loopback(host):
        raise UserError(
            f"--host {host} would serve the archive to other machines; add --public to do that "
            "(raw pages, internal tables and SQL are then hidden)"
        )


def listen(host: str, port: int) -> Listener:
    """A listening socket on host:port (port 0: any free port), and the URL it answers at.

    Bound here rather than by uvicorn so a port in use is one line, and `--port 0` can say
    which port it got before the server starts.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise UserError(f"cannot resolve --host {host!r}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host} port {port}: {exc.strerror} (choose another --port)") from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
    return Listener(sock, f"http://{shown}:{bound_port}/")


def make_datasette(db_path: str | Path, *, public: bool):
    """The Datasette instance `serve` runs: the archive, the plugin and its configuration."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from archive.web import plugin

    if not pm.is_registered(plugin):  # installed without its entry point, or entry points not loaded
        pm.register(plugin, name=PLUGIN_NAME)
    path = str(Path(db_path).resolve())
    name = Path(path).stem
    metadata = {"plugins": {PLUGIN_NAME: {"database": name, "public": public}}}
    settings = {**SETTINGS, **(PUBLIC_SETTINGS if public else {})}
    datasette = Datasette([path], metadata=metadata, settings=settings, cors=False)
    # Fail closed: without an archive the plugin adds nothing, public restrictions included.
    if plugin.archive_info(datasette) is None:
        raise UserError(f"{db_path} is not an mfa-archive this version can serve (no articles, stories or lemma index)")
    return datasette


def quiet_client_errors() -> None:
    """Keep Datasette from printing a traceback with its locals for every 404 and 403.

    Its exception handler prints each one through rich's console; a server that anyone can
    send a bad URL would fill the terminal. Server errors (500) still print their traceback,
    which Datasette writes through the traceback module too.
    """
    import rich

    rich.reconfigure(quiet=True)


def serve(db_path: str | Path, *, host: str, port: int, public: bool, open_browser: bool) -> None:
    """Run the server until interrupted; prints the address it answers at."""
    import asyncio

    import uvicorn

    from archive.schema import open_archive

    check_host(host, public=public)
    quiet_client_errors()
    open_archive(db_path, create=False, read_only=True).close()  # one-line errors; upgrades an older schema
    datasette = make_datasette(db_path, public=public)
    listener = listen(host, port)
    asyncio.run(datasette.invoke_startup())
    scope = "public: readers' tables only, no SQL" if public else "this machine only"
    print(f"Serving {db_path} at {listener.url} ({scope}); Ctrl-C stops.", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(listener.url)  # the socket already listens: the request waits for the server
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[listener.socket])
    except KeyboardInterrupt:  # uvicorn stops cleanly on Ctrl-C, then passes the signal on
        print("stopped", file=sys.stderr)
    finally:
        listener.socket.close()
