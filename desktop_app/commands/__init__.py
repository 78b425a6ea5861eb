"""Command-line tools; each module offers add_parser(subparsers, name) and run(args) -> exit code."""
