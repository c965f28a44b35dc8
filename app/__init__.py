"""The default application the instances run: its server (server.py) and its AWS client
(aws.py), standard library only plus failover's application modules (failover/lease.py,
failover/heartbeat.py, failover/write_path.py). components/traffic/bootstrap.py ships these
files byte for byte in the launch template's user data (docs/WRITE_LEASE.md). This file is not
shipped: on the instance app/ is a namespace package."""
