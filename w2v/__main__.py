from .cli import cli

cli(prog_name="w2v")
