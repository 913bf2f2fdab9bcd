package ec2test_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach/ec2test"
)

// startIMDS starts a server and an IMDS for instance A.
func startIMDS(t *testing.T, opts ...ec2test.Option) (*ec2test.Server, *ec2test.IMDS) {
	t.Helper()
	srv := ec2test.NewServer(opts...)
	t.Cleanup(srv.Close)
	m, err := srv.StartIMDS(ec2test.InstanceA)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return srv, m
}

// sdkIMDS is the SDK's IMDSv2 client, without falling back to IMDSv1.
func sdkIMDS(m *ec2test.IMDS) *imds.Client {
	return imds.New(imds.Options{Endpoint: m.URL, EnableFallback: aws.FalseTernary})
}

func TestIMDSAnswersTheSDKClientForItsInstance(t *testing.T) {
	_, m := startIMDS(t, ec2test.WithRegion("eu-west-1"))
	if m.InstanceID != ec2test.InstanceA || !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Fatalf("IMDS = %+v", m)
	}
	ctx := context.Background()
	c := sdkIMDS(m)
	for path, want := range map[string]string{
		"instance-id":                 ec2test.InstanceA,
		"placement/availability-zone": "eu-west-1a",
		"placement/region":            "eu-west-1",
	} {
		out, err := c.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(out.Content)
		if string(b) != want {
			t.Errorf("%s = %q, want %q", path, b, want)
		}
	}
	doc, err := c.GetInstanceIdentityDocument(ctx, &imds.GetInstanceIdentityDocumentInput{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.InstanceID != ec2test.InstanceA || doc.Region != "eu-west-1" || doc.AvailabilityZone != "eu-west-1a" ||
		doc.AccountID != ec2test.DefaultOwnerID || doc.PrivateIP == "" || doc.Version != "2017-09-30" {
		t.Errorf("identity document = %+v", doc.InstanceIdentityDocument)
	}
	region, err := c.GetRegion(ctx, &imds.GetRegionInput{})
	if err != nil || region.Region != "eu-west-1" {
		t.Errorf("GetRegion = %v, %v", region, err)
	}
}

func TestIMDSShowsTheZoneTheServerHoldsWhenAsked(t *testing.T) {
	srv, m := startIMDS(t)
	srv.AddInstance(ec2test.Instance{InstanceID: ec2test.InstanceA, AvailabilityZone: "us-east-1c"})
	out, err := sdkIMDS(m).GetMetadata(context.Background(), &imds.GetMetadataInput{Path: "placement/availability-zone"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(out.Content); string(b) != "us-east-1c" {
		t.Errorf("zone = %q", b)
	}
}

// imdsDo sends one request to the IMDS and returns its status and body.
func imdsDo(t *testing.T, method, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestIMDSRequiresATokenAsIMDSv2Does(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, m := startIMDS(t, ec2test.WithClock(clock))
	id := m.URL + "/latest/meta-data/instance-id"
	const ttl = "X-aws-ec2-metadata-token-ttl-seconds"
	for _, c := range []struct {
		name   string
		method string
		header map[string]string
		want   int
	}{
		{"no TTL", http.MethodPut, nil, 400},
		{"TTL zero", http.MethodPut, map[string]string{ttl: "0"}, 400},
		{"TTL above six hours", http.MethodPut, map[string]string{ttl: "21601"}, 400},
		{"TTL not a number", http.MethodPut, map[string]string{ttl: "soon"}, 400},
		{"through a proxy", http.MethodPut, map[string]string{ttl: "60", "X-Forwarded-For": "10.0.0.1"}, 403},
		{"GET of the token", http.MethodGet, map[string]string{ttl: "60"}, 401},
	} {
		if got, _, _ := imdsDo(t, c.method, m.URL+"/latest/api/token", c.header); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	status, h, tok := imdsDo(t, http.MethodPut, m.URL+"/latest/api/token", map[string]string{ttl: "60"})
	if status != 200 || tok == "" || h.Get(ttl) != "60" {
		t.Fatalf("token: %d %q %v", status, tok, h)
	}
	if got, h, body := imdsDo(t, http.MethodGet, id, nil); got != 401 || !strings.Contains(body, "401 - Unauthorized") || h.Get("Content-Type") != "text/html" {
		t.Errorf("without token: %d %q", got, body)
	}
	if got, _, _ := imdsDo(t, http.MethodGet, id, map[string]string{"X-aws-ec2-metadata-token": "made-up"}); got != 401 {
		t.Errorf("made-up token: %d", got)
	}
	withTok := map[string]string{"X-aws-ec2-metadata-token": tok}
	if got, _, body := imdsDo(t, http.MethodGet, id, withTok); got != 200 || body != ec2test.InstanceA {
		t.Errorf("with token: %d %q", got, body)
	}
	if got, _, _ := imdsDo(t, http.MethodGet, m.URL+"/latest/meta-data/no-such-thing", withTok); got != 404 {
		t.Errorf("unknown path: %d", got)
	}
	if got, _, _ := imdsDo(t, http.MethodPost, id, withTok); got != 405 {
		t.Errorf("POST: %d", got)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if got, _, _ := imdsDo(t, http.MethodGet, id, withTok); got != 401 {
		t.Errorf("expired token: %d", got)
	}
}

func TestIMDSIdentityDocumentIsEC2sJSON(t *testing.T) {
	_, m := startIMDS(t)
	c := sdkIMDS(m)
	out, err := c.GetDynamicData(context.Background(), &imds.GetDynamicDataInput{Path: "instance-identity/document"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Content)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	for _, k := range []string{"accountId", "architecture", "availabilityZone", "imageId", "instanceId", "instanceType", "pendingTime", "privateIp", "region", "version"} {
		if s, _ := doc[k].(string); s == "" {
			t.Errorf("%s missing in %s", k, b)
		}
	}
	if !strings.HasPrefix(string(b), "{\n  \"accountId\" : ") {
		t.Errorf("document not laid out as EC2's:\n%s", b)
	}
}

func TestStartIMDSRefusesAnUnknownInstance(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	if m, err := srv.StartIMDS("i-0000000000000dead"); err == nil || !strings.Contains(err.Error(), "unknown instance") {
		t.Fatalf("StartIMDS = %v, %v", m, err)
	}
}

func TestClosingTheServerClosesItsIMDS(t *testing.T) {
	srv := ec2test.NewServer()
	m, err := srv.StartIMDS(ec2test.InstanceB)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	m.Close() // closing twice is harmless
	if _, err := http.Get(m.URL + "/latest/meta-data/instance-id"); err == nil {
		t.Error("IMDS still answers after the server closed")
	}
}

func TestIMDSPrintsNoToken(t *testing.T) {
	_, m := startIMDS(t)
	_, _, tok := imdsDo(t, http.MethodPut, m.URL+"/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "60"})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, m); strings.Contains(s, tok) {
			t.Errorf("%s shows the token: %s", verb, s)
		}
	}
}
