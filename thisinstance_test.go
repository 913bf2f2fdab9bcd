package enidetach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// imdsSecret stands for what a hostile or broken metadata service may
// put in an answer: it must reach no error.
const imdsSecret = "HOSTILE-IMDS-SECRET-0123456789"

// imdsFake is a metadata service whose answers a test chooses: the token
// PUT answers tokenStatus (200: a token), the document's GET docStatus with
// doc. It counts requests by method.
type imdsFake struct {
	*httptest.Server
	puts, gets atomic.Int32
}

func newIMDSFake(t *testing.T, tokenStatus, docStatus int, doc string) *imdsFake {
	t.Helper()
	f := &imdsFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			f.puts.Add(1)
			if tokenStatus != http.StatusOK {
				w.WriteHeader(tokenStatus)
				_, _ = io.WriteString(w, imdsSecret)
				return
			}
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = io.WriteString(w, "token")
			return
		}
		f.gets.Add(1)
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != "token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(docStatus)
		_, _ = io.WriteString(w, doc)
	}))
	t.Cleanup(f.Close)
	return f
}

// thisInstanceAt runs what ThisInstance runs against endpoint, with a
// default deadline of timeout.
func thisInstanceAt(ctx context.Context, endpoint string, timeout time.Duration) (*InstanceIdentity, *InstanceMetadataError) {
	id, err := thisInstance(ctx, mapEnv{"AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint}, timeout)
	if err == nil {
		return id, nil
	}
	var me *InstanceMetadataError
	if !errors.As(err, &me) {
		panic(fmt.Sprintf("error %T %v is not an *InstanceMetadataError", err, err))
	}
	return nil, me
}

// checkNoEcho fails when err, printed in any verb, shows the hostile secret.
func checkNoEcho(t *testing.T, err error) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, err); strings.Contains(s, imdsSecret) {
			t.Errorf("%s of the error quotes the service: %s", verb, s)
		}
	}
}

func TestThisInstanceReadsEC2testsIMDS(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithRegion("eu-central-1"))
	defer srv.Close()
	md, err := srv.StartIMDS(ec2test.InstanceC)
	if err != nil {
		t.Fatal(err)
	}
	id, me := thisInstanceAt(context.Background(), md.URL, time.Second)
	if me != nil {
		t.Fatal(me)
	}
	want := InstanceIdentity{InstanceID: ec2test.InstanceC, AvailabilityZone: "eu-central-1b", Region: "eu-central-1"}
	if *id != want {
		t.Errorf("identity = %+v, want %+v", *id, want)
	}
}

func TestThisInstanceHonoursTheEnvironment(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	md, err := srv.StartIMDS(ec2test.InstanceB)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", md.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	id, err := ThisInstance(context.Background())
	if err != nil || id.InstanceID != ec2test.InstanceB || id.Region != "us-east-1" || id.AvailabilityZone != "us-east-1a" {
		t.Fatalf("ThisInstance = %+v, %v", id, err)
	}
	if region, err := RegionFromInstanceMetadata(context.Background()); err != nil || region != "us-east-1" {
		t.Errorf("RegionFromInstanceMetadata = %q, %v", region, err)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "TRUE")
	var me *InstanceMetadataError
	if _, err := ThisInstance(context.Background()); !errors.As(err, &me) || !strings.Contains(me.Reason, "disabled by AWS_EC2_METADATA_DISABLED") {
		t.Errorf("disabled: %v", err)
	}
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := ThisInstance(nil); err == nil {
		t.Error("nil context accepted")
	}
}

func TestThisInstanceAsksNothingWhenDisabledOrMisconfigured(t *testing.T) {
	t.Parallel()
	f := newIMDSFake(t, 200, 200, "{}")
	for _, env := range []mapEnv{
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT": f.URL, "AWS_EC2_METADATA_DISABLED": "true"},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT": strings.TrimPrefix(f.URL, "http://")},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT": "ftp://user:" + imdsSecret + "@127.0.0.1/"},
	} {
		_, err := thisInstance(context.Background(), env, time.Second)
		var me *InstanceMetadataError
		if !errors.As(err, &me) || !strings.Contains(me.Reason, "nothing was asked") {
			t.Errorf("%v: %v", env, err)
		}
		checkNoEcho(t, err)
	}
	if n := f.puts.Load() + f.gets.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestThisInstanceFailsFastWhenNothingListens(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, me := thisInstanceAt(context.Background(), "http://"+addr, 4*time.Second)
	var opErr *net.OpError
	if me == nil || !errors.As(me, &opErr) || !strings.Contains(me.Reason, "no service answered") || me.StatusCode != 0 {
		t.Fatalf("error = %v", me)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestThisInstanceGivesUpAtItsDefaultDeadline(t *testing.T) {
	t.Parallel()
	// A service that accepts and never answers, as a filtered address
	// does at worst.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, me := thisInstanceAt(context.Background(), "http://"+l.Addr().String(), 300*time.Millisecond)
	if me == nil || !errors.Is(me, context.DeadlineExceeded) || !strings.Contains(me.Reason, "no answer within 300ms") {
		t.Fatalf("error = %v", me)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestThisInstanceEndsWithItsContext(t *testing.T) {
	t.Parallel()
	f := newIMDSFake(t, 200, 200, `{"instanceId":"i-0123456789abcdef0","availabilityZone":"us-east-1a","region":"us-east-1"}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, me := thisInstanceAt(ctx, f.URL, time.Second)
	if me == nil || !errors.Is(me, context.Canceled) || !strings.Contains(me.Reason, "context ended") {
		t.Fatalf("error = %v", me)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, me := thisInstanceAt(ctx, f.URL, time.Second); me == nil || !errors.Is(me, context.DeadlineExceeded) || !strings.Contains(me.Reason, "context ended") {
		t.Fatalf("error = %v", me)
	}
}

func TestThisInstanceNamesTheServicesRefusal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name               string
		tokenStatus, docSt int
		want               string
		wantGets           bool
	}{
		{"token refused", 403, 200, "refused a session token", false},
		{"no IMDSv2", 404, 200, "refused a session token", false},
		{"token request failing", 500, 200, "refused a session token (HTTP 500)", false},
		{"token rejected", 200, 401, "rejected its own session token", true},
		{"metadata off", 200, 403, "denied access", true},
		{"no document", 200, 404, "no instance identity document", true},
		{"failing", 200, 500, "failed (HTTP 500)", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			status := c.docSt
			if status == 200 {
				status = c.tokenStatus
			}
			f := newIMDSFake(t, c.tokenStatus, c.docSt, imdsSecret)
			_, me := thisInstanceAt(context.Background(), f.URL, 5*time.Second)
			if me == nil || me.StatusCode != status || !strings.Contains(me.Reason, c.want) || me.Endpoint != f.URL {
				t.Fatalf("error = %#v", me)
			}
			if gets := f.gets.Load() > 0; gets != c.wantGets {
				t.Errorf("%d GETs (IMDSv1 must not be tried without a token)", f.gets.Load())
			}
			checkNoEcho(t, me)
		})
	}
}

func TestThisInstanceRefusesWhatIsNotAnIdentity(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ doc, want string }{
		{"not json " + imdsSecret, "not the JSON"},
		{`{"instanceId": 12}`, "not the JSON"},
		{`{"instanceId":"i-` + imdsSecret + `","availabilityZone":"us-east-1a","region":"us-east-1"}`, "instanceId is not an instance ID"},
		{`{"instanceId":"i-0123456789abcdef0","availabilityZone":"us-east-1a","region":"` + imdsSecret + `"}`, "region is not a Region name"},
		{`{"instanceId":"i-0123456789abcdef0","availabilityZone":"eu-west-1a","region":"us-east-1"}`, "not a zone of its region"},
		{`{"instanceId":"i-0123456789abcdef0","availabilityZone":"us-east-1","region":"us-east-1"}`, "not a zone of its region"},
		{`{"instanceId":"i-0123456789abcdef0","region":"us-east-1"}`, "not a zone of its region"},
		{`{"instanceId":"i-0123456789abcdef0","availabilityZone":"us-east-1a","region":"us-east-1","x":"` + strings.Repeat("A", 70<<10) + `"}`, "exceeded 64 KiB"},
	} {
		f := newIMDSFake(t, 200, 200, c.doc)
		_, me := thisInstanceAt(context.Background(), f.URL, 5*time.Second)
		if me == nil || !strings.Contains(me.Reason, c.want) || me.StatusCode != 0 {
			t.Errorf("%.40s: error = %v, want %q", c.doc, me, c.want)
			continue
		}
		checkNoEcho(t, me)
	}
}

func TestThisInstanceAcceptsEveryKindOfZone(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"us-east-1a", "us-west-2-lax-1a", "us-east-1-wl1-bos-wlz-1"} {
		region := "us-east-1"
		if strings.HasPrefix(zone, "us-west-2") {
			region = "us-west-2"
		}
		f := newIMDSFake(t, 200, 200, `{"instanceId":"i-0123abcd","availabilityZone":"`+zone+`","region":"`+region+`"}`)
		if id, me := thisInstanceAt(context.Background(), f.URL, 5*time.Second); me != nil || id.AvailabilityZone != zone {
			t.Errorf("%s: %+v, %v", zone, id, me)
		}
	}
}

func TestThisInstanceQuotesNoMalformedAnswer(t *testing.T) {
	t.Parallel()
	// Not HTTP at all: net/http's message would quote it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, imdsSecret+" "+imdsSecret+"\r\n\r\n")
			c.Close()
		}
	}()
	_, me := thisInstanceAt(context.Background(), "http://"+l.Addr().String(), 5*time.Second)
	if me == nil {
		t.Fatal("no error")
	}
	checkNoEcho(t, me)
}
