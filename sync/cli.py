"""The ``leadsync`` command line: sync, check, demo and the sandbox."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="leadsync: keeps leads consistent between HubSpot and Salesforce.")
sandbox_app = typer.Typer(help="The local Salesforce and HubSpot emulators.")
app.add_typer(sandbox_app, name="sandbox")
console = Console()


@sandbox_app.command("serve")
def sandbox_serve(
    leads: int = typer.Option(1000, help="People to generate (0: empty systems)."),
    seed: int = typer.Option(7, help="Seed of the data generator and the fault injector."),
    data: Path | None = typer.Option(None, help="Directory to persist both systems in."),
    salesforce_port: int = typer.Option(0, help="Salesforce port (0: ephemeral)."),
    hubspot_port: int = typer.Option(0, help="HubSpot port (0: ephemeral)."),
) -> None:
    """Run both emulators in the foreground and print the environment that points at them."""
    from sandbox import Sandbox

    sb = Sandbox(
        seed=seed,
        leads=leads,
        data_dir=data,
        salesforce_port=salesforce_port,
        hubspot_port=hubspot_port,
    )
    with sb:
        for key, value in sb.env().items():
            typer.echo(f"export {key}={value}")
        counts = {
            "Lead": len(sb.salesforce.all("Lead")),
            "Contact": len(sb.salesforce.all("Contact")),
            "Opportunity": len(sb.salesforce.all("Opportunity")),
            "hubspot contacts": len(sb.hubspot.all()),
        }
        console.print(f"[green]sandbox up[/green] {json.dumps(counts)}  (Ctrl-C to stop)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


def main() -> None:
    """Entry point."""
    app()
