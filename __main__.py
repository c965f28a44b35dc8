"""Entry point of both stacks (primary and dr): `pulumi up -s primary|dr` runs this."""

from components.program import main

main()
