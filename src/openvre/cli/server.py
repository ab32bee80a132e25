"""``vre up`` serves everything from one process; ``vre status`` asks a running server how it is."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from rich.panel import Panel

from openvre.app import create_app
from openvre.bootstrap import Prepared, prepare
from openvre.cli._common import HomeOption, console, err_console, settings_or_exit, user_errors
from openvre.clients.endpoints import reachable_host, server_url
from openvre.datalake.transfer_agent import TransferAgent
from openvre.settings import ServiceKind, Settings
from openvre.workers import run_workers
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.scheduler import Scheduler

if TYPE_CHECKING:
    from openvre.jupyter.lab_process import LabProcess

HostOption = Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).", show_default=False)]
PortOption = Annotated[
    int | None, typer.Option(help="Port to bind, 0 for any free one (default 8000).", show_default=False)
]
LabOption = Annotated[bool, typer.Option("--lab/--no-lab", help="Start JupyterLab beside the portal (on 127.0.0.1).")]
LabDirOption = Annotated[
    Path | None,
    typer.Option("--lab-dir", help="JupyterLab's root directory (default: $OPENVRE_HOME/lab).", show_default=False),
]
LabPortOption = Annotated[
    int | None, typer.Option("--lab-port", help="JupyterLab's port (default: any free one).", show_default=False)
]


class _Server(uvicorn.Server):
    """uvicorn's server, announcing openvre's URLs once it really accepts connections."""

    def __init__(self, config: uvicorn.Config, banner: Panel, lab: LabProcess | None) -> None:
        super().__init__(config)
        self.banner = banner
        self.lab = lab
        self.started_at = time.perf_counter()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, so the process would die by the
        # signal before saying it stopped. For `vre up` those signals are the normal way to stop: exit 0.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            console.print(self.banner)
            console.print(f"ready in {time.perf_counter() - self.started_at:.2f} s; Ctrl-C stops the server")
            if self.lab is not None:
                # After "ready": JupyterLab takes seconds to start and the portal must not wait for it.
                self.lab.start()

    async def on_tick(self, counter: int) -> bool:
        # Once a second: a lab that dies (its port taken, a broken extension) is said once, not discovered later.
        if self.lab is not None and counter % 10 == 0 and not self.should_exit:
            code = self.lab.exit_code()
            if code is not None:
                err_console.print(
                    f"[red]JupyterLab exited with code {code}[/]; the portal keeps running. "
                    f"Its log says why: {self.lab.log_path}"
                )
                self.lab = None
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.lab is not None:
            self.lab.terminate()  # the lab shuts its kernels down while uvicorn finishes open requests
        await super().shutdown(sockets)


def up(
    home: HomeOption = None,
    host: HostOption = None,
    port: PortOption = None,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Add demo accounts, data and an analysis in the lab folder.")
    ] = True,
    lab: LabOption = True,
    lab_dir: LabDirOption = None,
    lab_port: LabPortOption = None,
) -> None:
    """Start the portal and every service in one process, and JupyterLab beside it."""
    started_at = time.perf_counter()
    settings = settings_or_exit(home=home, host=host, port=port, lab_dir=lab_dir, lab_port=lab_port)
    with user_errors():
        prepared = prepare(settings, demo=demo)
    listener = _bind(settings)
    bound_port = listener.getsockname()[1]
    base_url = server_url(settings, bound_port)
    lab_process = _plan_lab(settings, bound_port) if lab else None
    app = create_app(settings, prepared.database, lab=lab_process.info if lab_process else None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    server = _Server(config, _banner(settings, prepared, base_url, lab_process), lab_process)
    server.started_at = started_at
    try:
        server.run(sockets=[listener])
    finally:
        if lab_process is not None:
            lab_process.stop()
    prepared.database.dispose()
    console.print("openvre stopped")


def _plan_lab(settings: Settings, bound_port: int) -> LabProcess:
    # Imported here: only `vre up` with a lab needs the Jupyter side, other commands start faster without it.
    from openvre.jupyter.lab_process import LabProcess

    return LabProcess.plan(settings, openvre_host=reachable_host(settings.host).strip("[]"), openvre_port=bound_port)


def worker(home: HomeOption = None) -> None:
    """Run the background workers alone (with OPENVRE_EMBEDDED_WORKERS=false on the servers)."""
    settings = settings_or_exit(home=home)
    with user_errors():
        prepared = prepare(settings)
    embedded = ServiceKind.EMBEDDED
    agent = TransferAgent(prepared.database) if settings.datalake.kind is embedded else None
    scheduler = (
        Scheduler(prepared.database, WorkflowsConfig.from_settings(settings))
        if settings.workflows.kind is embedded
        else None
    )

    async def serve() -> None:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        names = ", ".join(
            name for name, worker in (("transfer agent", agent), ("workflow scheduler", scheduler)) if worker
        )
        console.print(
            f"openvre worker ({names or 'nothing to run'}) on "
            f"{prepared.database.url.render_as_string(hide_password=True)}; Ctrl-C stops it"
        )
        async with run_workers(agent, scheduler):
            await stopped.wait()

    asyncio.run(serve())
    prepared.database.dispose()
    console.print("openvre worker stopped")


def _bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((settings.host, settings.port))
    except OSError as error:
        listener.close()
        err_console.print(
            f"[red]error:[/] cannot listen on {settings.host}:{settings.port} ({error.strerror}); "
            "choose another with --port or OPENVRE_PORT"
        )
        raise typer.Exit(1) from None
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def _banner(settings: Settings, prepared: Prepared, base_url: str, lab: LabProcess | None) -> Panel:
    lab_line = (
        f"[bold]JupyterLab[/]  {lab.info.url}lab  (open it logged in from {base_url}/lab; log: {lab.log_path})"
        if lab
        else "[bold]JupyterLab[/]  not started (--no-lab)"
    )
    lines = [
        f"[bold]Portal[/]      {base_url}/",
        lab_line,
        *([f"[bold]Lab folder[/]  {settings.lab_root}"] if lab else []),
        f"[bold]Health[/]      {base_url}/health",
        f"[bold]Home[/]        {settings.home}",
        f"[bold]Database[/]    {prepared.database.url.render_as_string(hide_password=True)}",
    ]
    if prepared.generated_admin_password:
        lines.append(
            f"[bold yellow]admin password[/] {prepared.generated_admin_password}  "
            "(shown once; change it with `vre user passwd admin`)"
        )
    if prepared.generated_demo_password:
        lines.append(f"[bold yellow]demo password[/]  {prepared.generated_demo_password}  (user [bold]demo[/])")
    return Panel("\n".join(lines), title="openvre is up", expand=False)
