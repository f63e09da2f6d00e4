"""``python -m sync``: the leadsync command line."""

from sync.cli import main

main()
