"""The tier chooser behind `deploy.py plan --tiers`: what each DR tier costs a month and how
fast it recovers, both computed from the plan itself (the mock engine's captured resources)
and from the one timing model the drill also uses.

- prices: the versioned price table (ops/pricing/prices-<date>.json), loaded and checked;
- usage: the workload assumptions (ops/pricing/usage.json, overridable with --usage FILE);
- costs: pure line items per resource, region and stack, from a plan and the two above;
- budget: the recovery budget per tier (detection ... reconnect), the RPO bound and targets;
- report: the three tiers side by side, as a table and as a JSON document.
"""
