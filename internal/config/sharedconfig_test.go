package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseINI(t *testing.T) {
	t.Parallel()
	got := parseINI([]byte("top=ignored\n[default]\nregion = eu-west-1 # comment\nkey=a=b\n  continuation = skipped\n\n[profile x]\ns3 =\n  nested = kept\n\tother=too\nregion=us-east-2\r\n  after = skipped\n[services s]\nec2 =\n  endpoint_url = http://127.0.0.1:1\n[broken\nlost=1\n[ y ]\nk = v\n"))
	want := map[string]map[string]string{
		"default":    {"region": "eu-west-1", "key": "a=b"},
		"profile x":  {"s3": "", "s3.nested": "kept", "s3.other": "too", "region": "us-east-2"},
		"services s": {"ec2": "", "ec2.endpoint_url": "http://127.0.0.1:1"},
		"y":          {"k": "v"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseINI (-want +got):\n%s", diff)
	}
}
