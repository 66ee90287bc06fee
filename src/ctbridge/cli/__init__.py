"""The `ctbridge` command line: serve, worker, deploy, undeploy, load, job, dlq, demo, sandbox, doctor, catchup."""

from __future__ import annotations

import typer

from ctbridge.cli import dlq, jobs
from ctbridge.cli.catchup import catchup
from ctbridge.cli.demo import demo, sandbox
from ctbridge.cli.deploy import deploy_command, undeploy_command
from ctbridge.cli.doctor import doctor
from ctbridge.cli.serve import serve, worker

app = typer.Typer(
    name="ctbridge",
    help="commercetools integration connectors (Ordergroove, Fluent Commerce, NewStore) on one durable engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.command()(worker)
app.command("deploy")(deploy_command)
app.command("undeploy")(undeploy_command)
app.command()(doctor)
app.command()(catchup)
app.command()(demo)
app.command()(sandbox)
app.add_typer(dlq.app, name="dlq")
app.add_typer(jobs.app, name="job")
app.add_typer(jobs.load_app, name="load")
