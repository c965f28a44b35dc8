"""Evidence of drills and executions: verification, the offline signer and trust store, the
drill's bundle, the HTML report and the history (`deploy.py evidence ...`). The format and
the runtime's writer are in failover/evidence.py; docs/EVIDENCE.md describes both."""
