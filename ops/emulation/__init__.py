"""What the local drill runs against instead of AWS: a two-region moto world on a simulated
clock (world.py), built from the offline plan (plan_world.py), with explicit emulations of
the RDS global-database APIs moto lacks (rds.py). Operator commands never import this
package except the drill and `failover --local`."""
