package enidetach

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestDescribePageTooLargeIsAskedSmaller: one describe asks for 100
// interfaces (a shared poll's batch), whose items are large (EC2's carry
// many addresses and tags; here long descriptions), so the page passes
// the 1 MiB bound on bodies. The page is asked again, smaller, instead of
// failing every wait of the batch with a *ResponseError.
func TestDescribePageTooLargeIsAskedSmaller(t *testing.T) {
	t.Parallel()
	seed := ec2test.Seed{Instances: []ec2test.Instance{{InstanceID: ec2test.InstanceA}}}
	params := url.Values{"Filter.1.Name": {"network-interface-id"}}
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("eni-%017x", i+1)
		seed.NetworkInterfaces = append(seed.NetworkInterfaces, ec2test.NetworkInterface{
			NetworkInterfaceID: id, Description: strings.Repeat("d", 15<<10)})
		params["Filter.1.Value."+strconv.Itoa(i+1)] = []string{id}
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithSeed(seed)})
	var calls int
	items, _, err := c.describeMatching(context.Background(), params, &calls, nil)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if len(items) != 100 {
		t.Errorf("%d items, want 100", len(items))
	}
	var sizes []string
	for _, r := range srv.Requests() {
		sizes = append(sizes, r.Params.Get("MaxResults"))
	}
	// 1000 (too large), 50 (still 750 KiB: read), then the second page.
	if calls != len(sizes) || calls > 4 {
		t.Errorf("%d calls, MaxResults %v", calls, sizes)
	}
}
