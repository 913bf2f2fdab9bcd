package ec2test_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// filterPairs returns filter values for two filters, n in all.
func filterPairs(first, second string, n int) []string {
	pairs := []string{"Filter.1.Name=" + first, "Filter.2.Name=" + second}
	for i := 1; i <= n; i++ {
		f := 1
		if i > n/2 {
			f = 2
		}
		pairs = append(pairs, fmt.Sprintf("Filter.%d.Value.%d=v%d", f, i, i))
	}
	return pairs
}

// TestDescribesRefuseMoreThan200FilterValues: EC2 answers
// FilterLimitExceeded to more than 200 filter values in one call, all
// filters together; both describes accepted 201.
func TestDescribesRefuseMoreThan200FilterValues(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	for action, filters := range map[string][2]string{
		"DescribeNetworkInterfaces": {"network-interface-id", "attachment.attachment-id"},
		"DescribeInstances":         {"instance-id", "network-interface.attachment.attachment-id"},
	} {
		if got := sendAction(t, srv, action, new(struct{}), filterPairs(filters[0], filters[1], 200)...); got.status != 200 {
			t.Errorf("%s with 200 filter values: %d %s", action, got.status, got.code)
		}
		got := sendAction(t, srv, action, new(struct{}), filterPairs(filters[0], filters[1], 201)...)
		if got.status != 400 || got.code != "FilterLimitExceeded" || !strings.Contains(got.body, "The maximum number of filter values specified on a single call is 200") {
			t.Errorf("%s with 201 filter values: %d %s %s", action, got.status, got.code, got.body)
		}
	}
}
