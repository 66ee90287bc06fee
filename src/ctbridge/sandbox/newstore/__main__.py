"""`python -m ctbridge.sandbox.newstore [--port P] [--latency-ms MS]`: the NewStore emulator alone."""

from __future__ import annotations

import argparse

import uvicorn

from ctbridge.sandbox.newstore.emulator import NewStoreEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every call")
    args = parser.parse_args()
    emulator = NewStoreEmulator(latency_ms=args.latency_ms)
    print(
        f"NewStore emulator on http://{args.host}:{args.port} (latency {args.latency_ms:g} ms); "
        f"client id {emulator.client_id!r}, tenant {emulator.tenant!r}"
    )
    uvicorn.run(emulator.app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
