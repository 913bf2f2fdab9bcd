// Package agents tests the agent integrations beside it, which are not Go:
// the Pacemaker resource agent (examples/pacemaker/aws-eni), the keepalived
// notify script (examples/keepalived) and the systemd unit
// (examples/systemd), and the recipes of docs/agents.md. The tests run the
// scripts as Pacemaker, keepalived and systemd would, first against a stub
// command that records how it is called, then against the real command
// (cmd/enidetach) and the fake EC2 endpoint with its instance metadata
// service (examples/local -serve), checking the fake's state after each step.
package agents
