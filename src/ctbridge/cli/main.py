"""Runs the command line as `python -m ctbridge.cli.main`."""

from ctbridge.cli import app

if __name__ == "__main__":
    app()
