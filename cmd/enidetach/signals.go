package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptedError is the cause of a context that a signal cancelled.
type interruptedError struct {
	signal os.Signal
}

func (e *interruptedError) Error() string { return "interrupted by " + signalName(e.signal) }

// signalName gives the signal as scripts and kill(1) name it.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// echoWindow is how soon after the first signal a second one is taken
// for the same event: GNU timeout sends its SIGTERM to the command and
// again to its process group, and the two arrive apart when the machine is
// busy; a person pressing Ctrl-C again to leave at once takes longer.
const echoWindow = time.Second

// interruptible returns a context that SIGINT, SIGTERM or SIGHUP (the
// terminal or ssh session closing) cancels, with an *interruptedError
// naming the signal as its cause (context.Cause), so that the command ends
// as when -max-wait runs out: in-flight requests end and the result so far
// is still printed. A second signal, echoWindow or more after the first,
// exits at once with the shell's status for it (128 + the signal's
// number), for a user who does not want to wait even that long.
//
// SIGINT is caught even when the command was started with it ignored, as
// a non-interactive shell starts background jobs: signal.Notify installs a
// handler for an ignored SIGINT, which is then no longer ignored (os/signal
// package documentation, "Changing the behavior of signals in Go
// programs"). Otherwise `enidetach ... &` in a script could not be stopped
// by the kill -INT that systemd or timeout may send.
func interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go watchSignals(ch, done, cancel, os.Exit, time.Now)
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// watchSignals cancels with the first signal from ch and exits with the
// first one at least echoWindow later, until done.
func watchSignals(ch <-chan os.Signal, done <-chan struct{}, cancel context.CancelCauseFunc, exit func(int), now func() time.Time) {
	var first time.Time
	select {
	case sig := <-ch:
		first = now()
		cancel(&interruptedError{signal: sig})
	case <-done:
		return
	}
	for {
		select {
		case sig := <-ch:
			if now().Sub(first) >= echoWindow {
				exit(128 + signalNumber(sig))
				return
			}
		case <-done:
			return
		}
	}
}

// signalNumber is the signal's number, for the exit status a shell gives
// a process the signal killed.
func signalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 0
}

// interruptedBy returns the signal that cancelled ctx, or nil.
func interruptedBy(ctx context.Context) *interruptedError {
	var ie *interruptedError
	if errors.As(context.Cause(ctx), &ie) {
		return ie
	}
	return nil
}

// interrupted describes the end of a command that a signal stopped. The
// detach is "accepted" when EC2 answered return=true (or the attachment
// was already gone), "sent" when its request may have reached EC2 but no
// answer was seen: then it may have been accepted, so the command exits 3,
// as for an accepted detach, and a script looks before it acts again.
func interrupted(ie *interruptedError, accepted, sent bool) (*errorJSON, int) {
	name := signalName(ie.signal)
	e := &errorJSON{Kind: "interrupted", Signal: name}
	switch {
	case accepted:
		e.Message = fmt.Sprintf("interrupted by %s after the detach was accepted: the interface was not seen available", name)
		return e, exitPending
	case sent:
		e.Message = fmt.Sprintf("interrupted by %s before the detach's answer arrived: it may have been accepted", name)
		return e, exitPending
	}
	e.Message = fmt.Sprintf("interrupted by %s before the detach was sent", name)
	return e, exitRefused
}
