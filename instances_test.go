package enidetach

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestDescribeInstance reads an instance as the move's target checks do:
// its state, zone and interfaces, the slot rule over them, and the two
// ways an instance can be missing.
func TestDescribeInstance(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, nil)
	ctx := context.Background()

	st, err := c.describeInstance(ctx, ec2test.InstanceA)
	if err != nil || st == nil {
		t.Fatalf("describeInstance(%s) = %v, %v", ec2test.InstanceA, st, err)
	}
	if st.InstanceID != ec2test.InstanceA || st.State != "running" || st.AvailabilityZone == "" || st.RequestID == "" {
		t.Errorf("instance = %+v, want %s running with a zone and a request ID", st, ec2test.InstanceA)
	}
	if got := st.slotHolder(slot{ec2test.InstanceA, 1, 0}); got == nil || got.NetworkInterfaceID != ec2test.FailoverInterface {
		t.Errorf("slotHolder(device 1) = %+v, want %s", got, ec2test.FailoverInterface)
	}
	if got := st.slotHolder(slot{ec2test.InstanceA, 0, 0}); got == nil || got.NetworkInterfaceID != "eni-00000000000000000" {
		t.Errorf("slotHolder(device 0) = %+v, want the primary", got)
	}
	for _, free := range []slot{{ec2test.InstanceA, 2, 0}, {ec2test.InstanceA, 1, 1}, {ec2test.InstanceB, 1, 0}} {
		if got := st.slotHolder(free); got != nil {
			t.Errorf("slotHolder(%v) = %+v, want nil: nothing is attached there on this instance", free, got)
		}
	}

	_, err = c.describeInstance(ctx, "i-0fffffffffffffff0")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "InvalidInstanceID.NotFound" {
		t.Errorf("unknown instance: err = %v, want InvalidInstanceID.NotFound", err)
	}
}

// TestDescribeInstanceNotInAnswer: an answer that does not hold the instance
// asked for (an empty set, or another instance) is "not found", never
// another instance's state.
func TestDescribeInstanceNotInAnswer(t *testing.T) {
	t.Parallel()
	answers := map[string]string{
		"empty set": `<DescribeInstancesResponse><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>`,
		"another instance": `<DescribeInstancesResponse><requestId>r</requestId><reservationSet><item><instancesSet><item>` +
			`<instanceId>i-0123456789abcdef1</instanceId><instanceState><name>running</name></instanceState>` +
			`</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`,
	}
	for name, body := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(body))
			}))
			t.Cleanup(srv.Close)
			c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: srv.URL, MaxAttempts: 1,
				Credentials: staticCreds("AKID", "secret")}, testEnv(t))
			if err != nil {
				t.Fatal(err)
			}
			st, err := c.describeInstance(context.Background(), ec2test.InstanceA)
			if st != nil || err != nil {
				t.Errorf("describeInstance = %+v, %v; want nil, nil", st, err)
			}
		})
	}
}
