package main

import (
	"flag"
	"fmt"
	"io"
)

// synopsis is the command line, as the package documentation gives it:
// a detach, and a move (a detach, then an attach elsewhere).
const synopsis = `usage: enidetach (-attachment-id ID | -network-interface-id ID | -instance-id ID -device-index N [-network-card-index N])
              [-dry-run] [-force] [-region R] [-endpoint URL] [-profile P] [-timeout D]
              [-wait [-max-wait D] [-idempotent]] [-json] [-debug] [-version]
       enidetach SOURCE -to-instance-id ID [-to-device-index N] [-to-network-card-index N]
              [-dry-run] [-force] [-max-wait D] [-region R] [-endpoint URL] [-profile P] [-timeout D] [-json] [-debug]
       SOURCE: -network-interface-id ID, -instance-id ID -device-index N [-network-card-index N], -attachment-id ID,
              or -network-interface-id ID with one of the other two (for scripts: a re-run finds the interface
              wherever the last run left it, and never takes it from a third instance)
`

// exitStatuses is what -h says a script may branch on; the package
// documentation and docs/command.md's table say the same.
const exitStatuses = `Exit status:
  0  done: detached (available, with -wait), a permitted dry run, or
     already detached with -idempotent; a move seen attached at the target,
     or found there already
  1  refused by EC2 (or no such attachment, or return=false), failed on
     the network before the detach was sent (a lookup, or a detach that
     could not connect), or stopped by a signal before the detach was sent;
     a move refused before it changed anything (-json: error kind
     "refused" with its reason; with a step when it came after the move's
     detach), or whose detach or attach was refused
  2  usage or configuration (before the detach was accepted): bad flags,
     no credentials, no region
  3  the detach was accepted (or sent, its answer lost or not yet seen) but
     the interface was not seen available: -max-wait ended, a poll failed,
     the answer was lost on every attempt, or a signal stopped the command;
     a move that sent its detach or attach but was not seen finished (its
     answer lost included): run the same command again to finish it (a
     move named without -network-interface-id: add it, as the error says)

SIGINT, SIGTERM and SIGHUP stop the command as -max-wait does: requests in
flight end, and the result so far is printed (-json: one object whose error
has kind "interrupted" and names the signal), with exit status 3 or 1 as
above. A second signal, a second or more after the first, ends the command
at once, printing nothing more.

A move (-to-instance-id) detaches the interface, waits until it is
available, attaches it to the target and waits until it is attached. It
refuses before detaching what can be known to fail (a target in another zone,
not running or stopped, unknown, or its slot taken). Run again after any
interruption, it continues from where the interface is. -to-device-index
defaults to the index the interface had, -to-network-card-index to 0. -dry-run checks both the detach
and the attach without changing anything.
`

// printHelp writes what -h prints: the synopsis, the exit statuses and the
// flags.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\nDetaches an EC2 network interface; with -wait, waits until it is available;\nwith -to-instance-id, moves it to another instance.\n\n%s\nFlags:\n", synopsis, exitStatuses)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
