"""`python -m aksegress.emulator serve [...]`: the same as `aksegress emulator serve`."""

import sys

from aksegress.emulator.cli import serve_main

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["serve"]:
        args = args[1:]
    sys.exit(serve_main(args))
