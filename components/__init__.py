"""trading-dr's Pulumi components: one ComponentResource per capability, plus the config model."""
