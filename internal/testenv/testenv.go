// Package testenv keeps tests hermetic and finds the independent peers they
// compare against.
//
// Hermetic: this machine (and CI's) sets AWS_CA_BUNDLE and may hold other
// AWS_* variables or a ~/.aws; tests clear them with Isolate (in TestMain)
// or Clear (per test) and set what they need.
//
// Peers: Debian's awscli and python3-botocore. pyenv may put other aws and
// python3 first on PATH, so only the Debian paths are used. A test that
// needs a missing peer is skipped with a message saying what to install, or
// fails when ENIDETACH_REQUIRE_PEERS is set (as .ci/run sets it after
// installing them), so CI cannot pass by skipping.
package testenv

import (
	"flag"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Debian's paths for the peers.
const (
	AWSCLI  = "/usr/bin/aws"
	Python3 = "/usr/bin/python3"
)

// awsVars returns the names of the AWS_* variables set in the process.
func awsVars() []string {
	var names []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			names = append(names, k)
		}
	}
	return names
}

// Isolate unsets every AWS_* variable and points HOME at an empty
// directory, for a TestMain (example functions cannot call t.Setenv). It
// returns a function that removes the directory.
func Isolate() (cleanup func()) {
	for _, k := range awsVars() {
		os.Unsetenv(k)
	}
	home, err := os.MkdirTemp("", "enidetach-test-home")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	return func() { os.RemoveAll(home) }
}

// Main is a TestMain that makes every test of a package hermetic, its
// example functions included: it runs m under Isolate and exits with its
// code.
func Main(m *testing.M) {
	cleanup := Isolate()
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// WaitingParallel, for the TestMain of a package whose parallel tests
// spend their time waiting (on real time, on a server or a process) rather
// than computing, runs up to four times GOMAXPROCS of them at once instead
// of GOMAXPROCS (go test's default, right for tests that compute): on two
// cores, two tests each waiting seconds for a poll would otherwise hold
// back all the others. Under the race detector, which makes every test
// compute several times more, twice GOMAXPROCS: tests with deadlines of
// tens of milliseconds must still meet them. An explicit -parallel
// (go test -parallel N) wins.
// It parses the command line, as a TestMain that reads flags must.
func WaitingParallel() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		n := 4 * runtime.GOMAXPROCS(0)
		if raceEnabled {
			n = 2 * runtime.GOMAXPROCS(0)
		}
		if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
			panic(err)
		}
	}
}

// Clear empties every AWS_* variable and points HOME at an empty directory
// for the duration of t.
func Clear(t testing.TB) {
	t.Helper()
	for _, k := range awsVars() {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", t.TempDir())
}

// RequireAWSCLI returns the AWS CLI's path or skips (or fails) the test.
func RequireAWSCLI(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(AWSCLI); err != nil {
		missing(t, "the AWS CLI is not installed at "+AWSCLI+" (apt-get install awscli)")
	}
	return AWSCLI
}

// RequireBotocore returns the path of a python3 that imports botocore, or
// skips (or fails) the test.
func RequireBotocore(t testing.TB) string {
	t.Helper()
	if err := botocoreImports(); err != nil {
		missing(t, "botocore is not importable by "+Python3+" (apt-get install python3-botocore)")
	}
	return Python3
}

// botocoreImports tries once per test binary whether Python3 imports
// botocore (python3 takes about half a CPU-second to say so).
var botocoreImports = sync.OnceValue(func() error { return exec.Command(Python3, "-c", "import botocore").Run() })

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("ENIDETACH_REQUIRE_PEERS") != "" {
		t.Fatal("ENIDETACH_REQUIRE_PEERS is set but " + why)
	}
	t.Skip("skipping: " + why)
}

// RequireCommand returns the path of the program name, looked up on PATH
// and then in Debian's sbin directories (root's PATH has them, a user's may
// not), or skips (or fails) the test saying which Debian package brings it.
func RequireCommand(t testing.TB, name, debianPackage string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		if p := dir + "/" + name; isExecutable(p) {
			return p
		}
	}
	missing(t, name+" is not installed (apt-get install "+debianPackage+")")
	return ""
}

// RequireFile returns path, or skips (or fails) the test saying which
// Debian package brings it.
func RequireFile(t testing.TB, path, debianPackage string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, path+" is not installed (apt-get install "+debianPackage+")")
	}
	return path
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
