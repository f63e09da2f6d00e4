"""leadsync command line."""
import typer

app = typer.Typer(help="leadsync: HubSpot <-> Salesforce lead sync.")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo("0.1.0")

