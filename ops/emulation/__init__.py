"""What the local drill runs against instead of AWS (dr_world.py): moto for DynamoDB and SNS,
and explicit emulations of what moto lacks or cannot time -- the Aurora global database
(aurora.py), the ARC cluster's data plane (routing_controls.py), Route 53 answers and resolvers
(route53.py), Auto Scaling and target health (compute.py), the lag metrics (metrics.py) --
on one simulated clock, with a client write stream (client_stream.py), a network and fault
model (network.py) and the invariants (invariants.py). Operator commands never import this
package except the drill."""
