package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The Go snippets of docs/other-actions.md, each in a function that a test
// runs against ec2test, its error branches included.

// docsCall is the guide's "Other EC2 actions" snippet.
func docsCall(ctx context.Context, client *enidetach.Client, eni string) error {
	var out struct {
		Interfaces []struct {
			ID     string `xml:"networkInterfaceId"`
			Status string `xml:"status"`
		} `xml:"networkInterfaceSet>item"`
	}
	err := client.Call(ctx, "DescribeNetworkInterfaces", url.Values{"NetworkInterfaceId.1": {eni}}, &out)
	if err != nil {
		return err // an unknown interface: an *APIError, InvalidNetworkInterfaceID.NotFound
	}
	for _, ni := range out.Interfaces {
		log.Printf("%s is %s", ni.ID, ni.Status)
	}
	return nil
}

// TestDocsCall runs the Call snippet on a known and an unknown interface.
func TestDocsCall(t *testing.T) {
	logged := captureLog(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	client := docsClient(t, srv)
	if err := docsCall(context.Background(), client, ec2test.FailoverInterface); err != nil || logged.String() != ec2test.FailoverInterface+" is in-use\n" {
		t.Errorf("known interface: %v, logged %q", err, logged)
	}
	var ae *enidetach.APIError
	if err := docsCall(context.Background(), client, "eni-0fffffffffffffff0"); !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterfaceID.NotFound" {
		t.Errorf("unknown interface: %v", err)
	}
}

// candidates returns the running or stopped instances of zone, each with
// the device indexes (network card 0) its interfaces hold.
func candidates(ctx context.Context, client *enidetach.Client, zone string) (map[string][]int, error) {
	params := url.Values{
		"Filter.1.Name":    {"availability-zone"},
		"Filter.1.Value.1": {zone},
		"Filter.2.Name":    {"instance-state-name"},
		"Filter.2.Value.1": {"running"},
		"Filter.2.Value.2": {"stopped"},
		"MaxResults":       {"100"},
	}
	found := map[string][]int{}
	for {
		var page struct {
			Reservations []struct {
				Instances []struct {
					ID         string `xml:"instanceId"`
					Interfaces []struct {
						DeviceIndex int `xml:"attachment>deviceIndex"`
						Card        int `xml:"attachment>networkCardIndex"`
					} `xml:"networkInterfaceSet>item"`
				} `xml:"instancesSet>item"`
			} `xml:"reservationSet>item"`
			NextToken string `xml:"nextToken"`
		}
		if err := client.Call(ctx, "DescribeInstances", params, &page); err != nil {
			return nil, err // an *APIError such as InvalidParameterValue for a bad filter
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				found[in.ID] = []int{}
				for _, ni := range in.Interfaces {
					if ni.Card == 0 {
						found[in.ID] = append(found[in.ID], ni.DeviceIndex)
					}
				}
			}
		}
		if page.NextToken == "" {
			return found, nil
		}
		params.Set("NextToken", page.NextToken)
	}
}

// TestDocsCandidates runs the DescribeInstances snippet: the instances of
// one zone that are running or stopped, with their device indexes, across
// pages; an empty zone; a bad filter and a refused call as errors.
func TestDocsCandidates(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	zone := srv.Region() + "a"
	want := map[string][]int{}
	for _, in := range srv.Instances() {
		if in.AvailabilityZone == zone && (in.State == "running" || in.State == "stopped") {
			want[in.InstanceID] = nil
		}
	}
	for _, ni := range srv.Interfaces() {
		if a := ni.Attachment; a != nil && a.NetworkCardIndex == 0 {
			if _, ok := want[a.InstanceID]; ok {
				want[a.InstanceID] = append(want[a.InstanceID], a.DeviceIndex)
			}
		}
	}
	// More than a page of 100, some of them neither running nor stopped.
	for i := 0; i < 120; i++ {
		id := fmt.Sprintf("i-0c%015x", i)
		srv.AddInstance(ec2test.Instance{InstanceID: id, AvailabilityZone: zone})
		want[id] = []int{}
		if i%10 == 0 {
			if err := srv.SetInstanceState(id, "terminated"); err != nil {
				t.Fatal(err)
			}
			delete(want, id)
		}
	}
	client := docsClient(t, srv)
	ctx := context.Background()
	got, err := candidates(ctx, client, zone)
	if err != nil {
		t.Fatal(err)
	}
	for id, idx := range got {
		w, ok := want[id]
		slices.Sort(w)
		slices.Sort(idx)
		if !ok || !slices.Equal(w, idx) {
			t.Errorf("%s: device indexes %v, want %v (listed: %t)", id, idx, w, ok)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d instances, want %d", len(got), len(want))
	}
	var pages int
	for _, r := range srv.Requests() {
		if r.Action == "DescribeInstances" {
			pages++
		}
	}
	if pages < 2 {
		t.Errorf("%d DescribeInstances calls: the pages were not followed", pages)
	}
	if got, err := candidates(ctx, client, "eu-west-9z"); err != nil || len(got) != 0 {
		t.Errorf("empty zone: (%v, %v), want nothing and no error", got, err)
	}
	var ae *enidetach.APIError
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	if got, err := candidates(ctx, client, zone); got != nil || !errors.Is(err, enidetach.ErrUnauthorizedOperation) {
		t.Errorf("refused: (%v, %v), want UnauthorizedOperation", got, err)
	}
	srv.Inject(ec2test.APIError(400, "InvalidParameterValue"), 1)
	if _, err := candidates(ctx, client, zone); !errors.As(err, &ae) || !strings.Contains(ae.Code, "InvalidParameterValue") {
		t.Errorf("bad filter: %v, want InvalidParameterValue", err)
	}
}
