package main

import (
	"flag"
	"fmt"
	"io"
)

// synopsis is the command line, as the package documentation gives it.
const synopsis = `usage: detach (-attachment-id ID | -network-interface-id ID | -instance-id ID -device-index N [-network-card-index N])
              [-dry-run] [-force] [-region R] [-endpoint URL] [-profile P] [-timeout D]
              [-wait [-max-wait D] [-idempotent]] [-json] [-debug] [-version]
`

// exitStatuses is what -h says a script may branch on; the package
// documentation and the README's table say the same.
const exitStatuses = `Exit status:
  0  done: detached (available, with -wait), a permitted dry run, or
     already detached with -idempotent
  1  refused by EC2 (or no such attachment, or return=false), failed on the
     network after retries, or stopped by a signal before the detach was sent
  2  usage or configuration: bad flags, no credentials, no region
  3  the detach was accepted (or sent, its answer not seen) but the interface
     was not seen available: -max-wait ended, a poll failed, or a signal
     stopped the command

SIGINT and SIGTERM stop the command as -max-wait does: requests in flight
end, and the result so far is printed (-json: one object whose error has kind
"interrupted" and names the signal), with exit status 3 or 1 as above. A
second signal ends the command at once, printing nothing more.
`

// printHelp writes what -h prints: the synopsis, the exit statuses and the
// flags.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\nDetaches an EC2 network interface; with -wait, waits until it is available.\n\n%s\nFlags:\n", synopsis, exitStatuses)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
