package ec2test_test

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

// instancesDoc is a DescribeInstances answer.
type instancesDoc struct {
	Reservations []struct {
		ID        string `xml:"reservationId"`
		OwnerID   string `xml:"ownerId"`
		Instances []struct {
			ID        string `xml:"instanceId"`
			StateCode int    `xml:"instanceState>code"`
			StateName string `xml:"instanceState>name"`
			Zone      string `xml:"placement>availabilityZone"`
			SubnetID  string `xml:"subnetId"`
			VpcID     string `xml:"vpcId"`
			PrivateIP string `xml:"privateIpAddress"`
			NICs      []struct {
				ID         string `xml:"networkInterfaceId"`
				Status     string `xml:"status"`
				Attachment struct {
					ID               string `xml:"attachmentId"`
					DeviceIndex      int    `xml:"deviceIndex"`
					NetworkCardIndex int    `xml:"networkCardIndex"`
					Status           string `xml:"status"`
				} `xml:"attachment"`
			} `xml:"networkInterfaceSet>item"`
		} `xml:"instancesSet>item"`
	} `xml:"reservationSet>item"`
	NextToken string `xml:"nextToken"`
}

// describeInstances sends DescribeInstances with the given parameters
// ("Name=value" pairs) and decodes the answer.
func describeInstances(t *testing.T, srv *ec2test.Server, pairs ...string) (answer, instancesDoc) {
	t.Helper()
	var doc instancesDoc
	return sendAction(t, srv, "DescribeInstances", &doc, pairs...), doc
}

// ids lists the instances answered and, for each, its interfaces as
// ID@card/device:status.
func (d instancesDoc) ids() string {
	var out []string
	for _, r := range d.Reservations {
		for _, in := range r.Instances {
			s := in.ID
			for _, n := range in.NICs {
				s += fmt.Sprintf(" %s@%d/%d:%s", n.ID, n.Attachment.NetworkCardIndex, n.Attachment.DeviceIndex, n.Attachment.Status)
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

func TestDescribeInstancesFields(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	if err := srv.SetInstanceState(ec2test.InstanceC, "stopped"); err != nil {
		t.Fatal(err)
	}
	got, doc := describeInstances(t, srv, "InstanceId.1="+ec2test.InstanceA)
	if got.status != 200 || len(doc.Reservations) != 1 || len(doc.Reservations[0].Instances) != 1 {
		t.Fatalf("%d\n%s", got.status, got.body)
	}
	in := doc.Reservations[0].Instances[0]
	st, _ := srv.Interface("eni-00000000000000000")
	if !strings.HasPrefix(doc.Reservations[0].ID, "r-") || doc.Reservations[0].OwnerID != ec2test.DefaultOwnerID ||
		in.ID != ec2test.InstanceA || in.StateCode != 16 || in.StateName != "running" || in.Zone != "us-east-1a" ||
		in.SubnetID != st.SubnetID || in.VpcID != st.VpcID || in.PrivateIP != st.PrivateIPAddress {
		t.Errorf("instance fields:\n%s", got.body)
	}
	want := ec2test.InstanceA + " eni-00000000000000000@0/0:attached " + ec2test.FailoverInterface + "@0/1:attached"
	if doc.ids() != want || in.NICs[1].Attachment.ID != ec2test.FailoverAttachment || in.NICs[1].Status != "in-use" {
		t.Errorf("interfaces: %s, want %s", doc.ids(), want)
	}
	if _, doc := describeInstances(t, srv, "InstanceId.1="+ec2test.InstanceC); doc.Reservations[0].Instances[0].StateCode != 80 ||
		doc.Reservations[0].Instances[0].StateName != "stopped" {
		t.Errorf("stopped instance: %+v", doc.Reservations[0].Instances[0])
	}
	if err := srv.SetInstanceState(ec2test.InstanceC, "sleeping"); err == nil {
		t.Error("SetInstanceState accepted an unknown state")
	}
	if err := srv.SetInstanceState("i-0fffffffffffffff0", "running"); err == nil {
		t.Error("SetInstanceState accepted an unknown instance")
	}
	srv.Reset()
	if in := srv.Instances()[2]; in.State != "running" {
		t.Errorf("after Reset, instance C is %s", in.State)
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	if err := srv.SetInstanceState(ec2test.InstanceB, "stopped"); err != nil {
		t.Fatal(err)
	}
	a, b, c := ec2test.InstanceA, ec2test.InstanceB, ec2test.InstanceC
	tests := []struct {
		name  string
		pairs []string
		want  string // instance IDs
	}{
		{"all", nil, a + "," + b + "," + c},
		{"two IDs", []string{"InstanceId.1=" + c, "InstanceId.2=" + a}, a + "," + c},
		{"instance-id", []string{"Filter.1.Name=instance-id", "Filter.1.Value.1=" + b}, b},
		{"availability-zone", []string{"Filter.1.Name=availability-zone", "Filter.1.Value.1=us-east-1b"}, c},
		{"instance-state-name", []string{"Filter.1.Name=instance-state-name", "Filter.1.Value.1=stopped"}, b},
		{"instance-state-code", []string{"Filter.1.Name=instance-state-code", "Filter.1.Value.1=16"}, a + "," + c},
		{"network-interface.network-interface-id", []string{"Filter.1.Name=network-interface.network-interface-id", "Filter.1.Value.1=" + ec2test.FailoverInterface}, a},
		{"network-interface.attachment.attachment-id", []string{"Filter.1.Name=network-interface.attachment.attachment-id", "Filter.1.Value.1=eni-attach-00000000000000001"}, b},
		{"network-interface.attachment.device-index", []string{"Filter.1.Name=network-interface.attachment.device-index", "Filter.1.Value.1=1"}, a},
		{"network-interface.attachment.network-card-index", []string{"Filter.1.Name=network-interface.attachment.network-card-index", "Filter.1.Value.1=1"}, ""},
		{"network-interface.attachment.status", []string{"Filter.1.Name=network-interface.attachment.status", "Filter.1.Value.1=attach*"}, a + "," + b + "," + c},
		{"ID and filter", []string{"InstanceId.1=" + a, "Filter.1.Name=availability-zone", "Filter.1.Value.1=us-east-1b"}, ""},
	}
	for _, tc := range tests {
		got, doc := describeInstances(t, srv, tc.pairs...)
		var ids []string
		for _, r := range doc.Reservations {
			for _, in := range r.Instances {
				ids = append(ids, in.ID)
			}
		}
		if got.status != 200 || strings.Join(ids, ",") != tc.want {
			t.Errorf("%s: %d %s, want %s\n%s", tc.name, got.status, strings.Join(ids, ","), tc.want, got.body)
		}
	}
}

func TestDescribeInstancesErrors(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithKeys(ec2test.Key{AccessKeyID: "AKIADENIED", SecretAccessKey: "d", Denied: true}))
	defer srv.Close()
	tests := []struct {
		name  string
		pairs []string
		code  string
		msg   string
	}{
		{"malformed ID", []string{"InstanceId.1=i-0fff"}, "InvalidInstanceID.Malformed", `Invalid id: "i-0fff" (expecting "i-...")`},
		{"an interface ID", []string{"InstanceId.1=" + ec2test.FailoverInterface}, "InvalidInstanceID.Malformed", ""},
		{"unknown ID", []string{"InstanceId.1=i-0fffffffffffffff0"}, "InvalidInstanceID.NotFound", "The instance ID 'i-0fffffffffffffff0' does not exist"},
		{"unknown IDs", []string{"InstanceId.1=i-0fffffffffffffff0", "InstanceId.2=" + ec2test.InstanceA, "InstanceId.3=i-0eeeeeee"},
			"InvalidInstanceID.NotFound", "The instance IDs 'i-0eeeeeee, i-0fffffffffffffff0' do not exist"},
		{"unknown filter", []string{"Filter.1.Name=attachment.status", "Filter.1.Value.1=x"}, "InvalidParameterValue", "The filter 'attachment.status' is invalid"},
		{"unknown parameter", []string{"NetworkInterfaceId.1=" + ec2test.FailoverInterface}, "UnknownParameter", ""},
		{"MaxResults with IDs", []string{"MaxResults=5", "InstanceId.1=" + ec2test.InstanceA}, "InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults"},
		{"MaxResults below 5", []string{"MaxResults=4"}, "InvalidParameterValue", ""},
		{"bad NextToken", []string{"NextToken=garbage"}, "InvalidParameterValue", ""},
		{"dry run", []string{"DryRun=true", "InstanceId.1=i-0fff"}, "DryRunOperation", ""},
	}
	for _, tc := range tests {
		got, _ := describeInstances(t, srv, tc.pairs...)
		var doc struct {
			Message string `xml:"Errors>Error>Message"`
		}
		_ = xml.Unmarshal([]byte(got.body), &doc)
		if got.status != 400 && tc.code != "DryRunOperation" || got.code != tc.code || (tc.msg != "" && doc.Message != tc.msg) {
			t.Errorf("%s: %d %s %q, want %s %q", tc.name, got.status, got.code, doc.Message, tc.code, tc.msg)
		}
	}
	denied := ec2test.Key{AccessKeyID: "AKIADENIED", SecretAccessKey: "d"}
	if got := send(t, srv, denied, "Action=DescribeInstances&Version=2016-11-15", time.Time{}, ""); got.status != 403 || got.code != "UnauthorizedOperation" {
		t.Errorf("denied key: %d %s", got.status, got.code)
	}
}

func TestDescribeInstancesPages(t *testing.T) {
	t.Parallel()
	var seed ec2test.Seed
	for i := 0; i < 7; i++ {
		seed.Instances = append(seed.Instances, ec2test.Instance{InstanceID: fmt.Sprintf("i-0f%015x", i)})
	}
	srv := ec2test.NewServer(ec2test.WithSeed(seed))
	defer srv.Close()
	var sizes []int
	token := ""
	for i := 0; i < 5; i++ {
		pairs := []string{"MaxResults=5"}
		if token != "" {
			pairs = append(pairs, "NextToken="+token)
		}
		got, doc := describeInstances(t, srv, pairs...)
		if got.status != 200 {
			t.Fatalf("page %d: %s", i, got.body)
		}
		sizes = append(sizes, len(doc.Reservations))
		if token = doc.NextToken; token == "" {
			break
		}
	}
	if diff := cmp.Diff([]int{5, 2}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
}

// TestDescribeLag proves WithDescribeLag: both describes show an accepted
// detach and attach only after the lag, while the actions act on the
// truth at once.
func TestDescribeLag(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	advance, now := clock.Advance, clock.Now
	srv := ec2test.NewServer(ec2test.WithClock(now), ec2test.WithDescribeLag(4*time.Second), ec2test.WithAttachingDuration(2*time.Second))
	defer srv.Close()
	seen := func() string {
		t.Helper()
		_, nics := describe(t, srv, "NetworkInterfaceId.1="+ec2test.FailoverInterface)
		_, ins := describeInstances(t, srv, "InstanceId.1="+ec2test.InstanceA, "InstanceId.2="+ec2test.InstanceB)
		st := "available"
		if a := nics.Items[0].Attachment; a != nil {
			st = a.InstanceID + ":" + a.Status
		}
		return st + " | " + ins.ids()
	}
	a, b, fi := ec2test.InstanceA, ec2test.InstanceB, ec2test.FailoverInterface
	attachedAtA := a + ":attached | " + a + " eni-00000000000000000@0/0:attached " + fi + "@0/1:attached," + b + " eni-00000000000000001@0/0:attached"

	if got := send(t, srv, defaultKey, detachForm, now(), ""); got.status != 200 {
		t.Fatalf("detach: %s", got.body)
	}
	if st, _ := srv.Interface(fi); st.Status != "available" {
		t.Fatalf("the truth after the detach: %+v", st)
	}
	if diff := cmp.Diff(attachedAtA, seen()); diff != "" {
		t.Errorf("right after the detach, describes show (-want +got):\n%s", diff)
	}
	// The attach acts on the truth: the interface is available.
	got := send(t, srv, defaultKey, attachForm(fi, b, "1"), now(), "")
	if got.status != 200 {
		t.Fatalf("attach during the lag: %s", got.body)
	}
	if diff := cmp.Diff(attachedAtA, seen()); diff != "" {
		t.Errorf("right after the attach (-want +got):\n%s", diff)
	}
	advance(3 * time.Second) // 3 s after both: attached for 1 s in truth
	if diff := cmp.Diff(attachedAtA, seen()); diff != "" {
		t.Errorf("3 s after (-want +got):\n%s", diff)
	}
	advance(time.Second) // 4 s: the detach and attach are seen, as they were then
	attaching := b + ":attaching | " + a + " eni-00000000000000000@0/0:attached," + b + " eni-00000000000000001@0/0:attached " + fi + "@0/1:attaching"
	if diff := cmp.Diff(attaching, seen()); diff != "" {
		t.Errorf("4 s after (-want +got):\n%s", diff)
	}
	advance(2 * time.Second) // 6 s: the end of the attaching (at 2 s) is seen
	attachedAtB := b + ":attached | " + a + " eni-00000000000000000@0/0:attached," + b + " eni-00000000000000001@0/0:attached " + fi + "@0/1:attached"
	if diff := cmp.Diff(attachedAtB, seen()); diff != "" {
		t.Errorf("6 s after (-want +got):\n%s", diff)
	}
	// Changes from Go are seen at once; so is Reset's state.
	srv.AddAttachment(ec2test.Attachment{AttachmentID: ec2test.FailoverAttachment, NetworkInterfaceID: fi, InstanceID: a, DeviceIndex: 1})
	if diff := cmp.Diff(attachedAtA, seen()); diff != "" {
		t.Errorf("after AddAttachment (-want +got):\n%s", diff)
	}
	if got := send(t, srv, defaultKey, detachForm, now(), ""); got.status != 200 {
		t.Fatalf("detach: %s", got.body)
	}
	srv.Reset()
	if diff := cmp.Diff(attachedAtA, seen()); diff != "" {
		t.Errorf("after Reset (-want +got):\n%s", diff)
	}
}
