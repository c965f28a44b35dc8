"""trading-dr's Pulumi program: one subpackage per capability (network, security, data, traffic,
failover, observability), the composition at the top (program.py builds a stack, regional_stack.py
the tree every region runs, providers.py the explicit providers) and the config model
(settings.py)."""
