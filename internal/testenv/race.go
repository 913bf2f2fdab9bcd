//go:build race

package testenv

// raceEnabled: the tests run under the race detector, which multiplies the
// CPU time of every test.
const raceEnabled = true
