"""`python -m ctbridge` runs the command line (useful where the console script is not on PATH)."""

from ctbridge.cli import app

app(prog_name="ctbridge")
