"""One module per `factory` subcommand: argument definitions and a `run`."""
