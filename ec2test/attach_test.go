package ec2test_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// attachForm is an AttachNetworkInterface form.
func attachForm(eni, instance, device string, extra ...string) string {
	v := url.Values{"Action": {"AttachNetworkInterface"}, "Version": {"2016-11-15"},
		"NetworkInterfaceId": {eni}, "InstanceId": {instance}, "DeviceIndex": {device}}
	for _, p := range extra {
		k, val, _ := strings.Cut(p, "=")
		v.Set(k, val)
	}
	for k, val := range v {
		if val[0] == "" {
			delete(v, k)
		}
	}
	return v.Encode()
}

func TestAttachErrors(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithKeys(ec2test.Key{AccessKeyID: "AKIADENIED", SecretAccessKey: "d", Denied: true}))
	defer srv.Close()
	spare, b, c := ec2test.SpareInterface, ec2test.InstanceB, ec2test.InstanceC
	tests := []struct {
		name, form string
		status     int
		code, msg  string
	}{
		{"missing interface", attachForm("", b, "1"), 400, "MissingParameter", "The request must contain the parameter NetworkInterfaceId"},
		{"missing instance", attachForm(spare, "", "1"), 400, "MissingParameter", ""},
		{"missing device index", attachForm(spare, b, ""), 400, "MissingParameter", ""},
		{"device index not a number", attachForm(spare, b, "one"), 400, "InvalidParameterValue", ""},
		{"negative network card", attachForm(spare, b, "1", "NetworkCardIndex=-1"), 400, "InvalidParameterValue", ""},
		{"unknown parameter", attachForm(spare, b, "1", "Force=true"), 400, "UnknownParameter", ""},
		{"dry run", attachForm(spare, b, "1", "DryRun=true"), 412, "DryRunOperation", ""},
		{"dry run of a bad ID is still permitted", attachForm("eni-x", b, "1", "DryRun=true"), 412, "DryRunOperation", ""},
		{"malformed interface", attachForm("eni-x", b, "1"), 400, "InvalidNetworkInterfaceId.Malformed", `Invalid id: "eni-x" (expecting "eni-...")`},
		{"malformed instance", attachForm(spare, "i-x", "1"), 400, "InvalidInstanceID.Malformed", `Invalid id: "i-x" (expecting "i-...")`},
		{"unknown interface", attachForm("eni-0fffffffffffffff0", b, "1"), 400, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0fffffffffffffff0' does not exist"},
		{"unknown instance", attachForm(spare, "i-0fffffffffffffff0", "1"), 400, "InvalidInstanceID.NotFound", "The instance ID 'i-0fffffffffffffff0' does not exist"},
		{"other zone", attachForm(spare, c, "1"), 400, "InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone"},
		{"interface in use", attachForm(ec2test.FailoverInterface, b, "1"), 400, "InvalidNetworkInterface.InUse", "Interface: [eni-0123456789abcdef0] in use."},
		{"device index taken", attachForm(spare, b, "0"), 400, "InvalidParameterValue", "Instance 'i-0123456789abcdef1' already has an interface attached at device index '0'."},
	}
	for _, tc := range tests {
		got := send(t, srv, defaultKey, tc.form, time.Time{}, "")
		var doc struct {
			Message string `xml:"Errors>Error>Message"`
		}
		_ = xml.Unmarshal([]byte(got.body), &doc)
		if got.status != tc.status || got.code != tc.code || (tc.msg != "" && doc.Message != tc.msg) {
			t.Errorf("%s: %d %s %q, want %d %s %q", tc.name, got.status, got.code, doc.Message, tc.status, tc.code, tc.msg)
		}
	}
	denied := ec2test.Key{AccessKeyID: "AKIADENIED", SecretAccessKey: "d"}
	if got := send(t, srv, denied, attachForm(spare, b, "1", "DryRun=true"), time.Time{}, ""); got.code != "UnauthorizedOperation" {
		t.Errorf("denied key's dry run: %s", got.code)
	}
	if st, _ := srv.Interface(spare); st.Attachment != nil || st.Attaches != 0 {
		t.Errorf("refused attaches changed the spare interface: %+v", st)
	}
}

func TestAttachTakesTime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := ec2test.NewServer(ec2test.WithClock(clock), ec2test.WithAttachingDuration(5*time.Second))
	defer srv.Close()
	got := send(t, srv, defaultKey, attachForm(ec2test.SpareInterface, ec2test.InstanceB, "1", "NetworkCardIndex=0"), now, "")
	var doc struct {
		AttachmentID     string `xml:"attachmentId"`
		NetworkCardIndex string `xml:"networkCardIndex"`
	}
	if err := xml.Unmarshal([]byte(got.body), &doc); err != nil || got.status != 200 || !strings.HasPrefix(doc.AttachmentID, "eni-attach-") ||
		len(doc.AttachmentID) != len("eni-attach-")+17 || doc.NetworkCardIndex != "0" {
		t.Fatalf("attach: %d %v\n%s", got.status, err, got.body)
	}
	st, _ := srv.Interface(ec2test.SpareInterface)
	if st.Status != "in-use" || st.Attachment == nil || st.Attachment.Status != "attaching" || st.Attachment.AttachmentID != doc.AttachmentID ||
		st.Attachment.InstanceID != ec2test.InstanceB || st.Attachment.DeviceIndex != 1 || st.Attaches != 1 || !st.Attachment.AttachTime.Equal(now) {
		t.Fatalf("right after attach: %+v %+v", st, st.Attachment)
	}
	detach := "Action=DetachNetworkInterface&AttachmentId=" + doc.AttachmentID + "&Version=2016-11-15"
	if got := send(t, srv, defaultKey, detach, now, ""); got.code != "IncorrectState" {
		t.Errorf("detach while attaching: %s, want IncorrectState", got.code)
	}
	if got := send(t, srv, defaultKey, attachForm(ec2test.FailoverInterface, ec2test.InstanceB, "1"), now, ""); got.code != "InvalidNetworkInterface.InUse" {
		t.Errorf("a second interface while the slot is attaching: %s", got.code)
	}
	mu.Lock()
	now = now.Add(5 * time.Second)
	mu.Unlock()
	if st, _ := srv.InterfaceByAttachment(doc.AttachmentID); st.Attachment == nil || st.Attachment.Status != "attached" {
		t.Errorf("after the attaching time: %+v", st)
	}
	if got := send(t, srv, defaultKey, detach, now, ""); got.status != 200 {
		t.Errorf("detach once attached: %d %s", got.status, got.code)
	}
	if got := send(t, srv, defaultKey, attachForm(ec2test.SpareInterface, ec2test.InstanceB, "1"), now, ""); got.status != 200 {
		t.Errorf("re-attach to the freed slot: %d %s", got.status, got.code)
	}
}

func TestSeedFromGo(t *testing.T) {
	t.Parallel()
	seed := ec2test.Seed{
		Instances: []ec2test.Instance{
			{InstanceID: "i-00000000000000a01", AvailabilityZone: "eu-west-1c", SubnetID: "subnet-0000000000000c001"},
			{InstanceID: "i-00000000000000a02", AvailabilityZone: "eu-west-1c"},
		},
		NetworkInterfaces: []ec2test.NetworkInterface{
			{NetworkInterfaceID: "eni-00000000000000b01", Description: "service address", PrivateIPAddress: "10.1.2.3"},
			{NetworkInterfaceID: "eni-00000000000000b02", AvailabilityZone: "eu-west-1c", InterfaceType: "efa"},
		},
		Attachments: []ec2test.Attachment{
			{AttachmentID: "eni-attach-00000000000000c01", NetworkInterfaceID: "eni-00000000000000b01", InstanceID: "i-00000000000000a01", DeviceIndex: 2, NetworkCardIndex: 1, DeleteOnTermination: true},
		},
	}
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-1"), ec2test.WithSeed(seed))
	defer srv.Close()
	st, ok := srv.Interface("eni-00000000000000b01")
	if !ok || st.AvailabilityZone != "eu-west-1c" || st.SubnetID != "subnet-0000000000000c001" || st.PrivateIPAddress != "10.1.2.3" ||
		st.Attachment == nil || st.Attachment.DeviceIndex != 2 || st.Attachment.NetworkCardIndex != 1 || !st.Attachment.DeleteOnTermination {
		t.Errorf("attached interface takes its instance's place: %+v %+v", st, st.Attachment)
	}
	_, doc := describe(t, srv, "NetworkInterfaceId.1=eni-00000000000000b01")
	if len(doc.Items) != 1 || doc.Items[0].PrivateDNS != "ip-10-1-2-3.eu-west-1.compute.internal" || doc.Items[0].Attachment.NetworkCardIndex != 1 {
		t.Errorf("describe = %+v", doc.Items)
	}
	if got := send(t, srv, defaultKey, attachForm("eni-00000000000000b02", "i-00000000000000a02", "1"), time.Time{}, ""); got.status != 200 {
		t.Errorf("attach seeded interface: %d %s", got.status, got.code)
	}
	insts := srv.Instances()
	if len(insts) != 2 || len(insts[0].Attachments) != 1 || len(insts[1].Attachments) != 1 || insts[1].Attachments[0].NetworkInterfaceID != "eni-00000000000000b02" {
		t.Errorf("instances = %+v", insts)
	}

	// Added from Go after start, undone by Reset.
	srv.AddInstance(ec2test.Instance{InstanceID: "i-00000000000000a03", AvailabilityZone: "eu-west-1c"})
	srv.AddNetworkInterface(ec2test.NetworkInterface{NetworkInterfaceID: "eni-00000000000000b03", AvailabilityZone: "eu-west-1c"})
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-00000000000000c03", NetworkInterfaceID: "eni-00000000000000b03", InstanceID: "i-00000000000000a03", DeviceIndex: 1})
	if st, _ := srv.Interface("eni-00000000000000b03"); st.Attachment == nil || st.Attachment.InstanceID != "i-00000000000000a03" {
		t.Errorf("added attachment: %+v", st)
	}
	srv.Reset()
	if _, ok := srv.Interface("eni-00000000000000b03"); ok || len(srv.Instances()) != 2 {
		t.Errorf("Reset kept what was added after start")
	}
	if st, _ := srv.Interface("eni-00000000000000b02"); st.Status != "available" {
		t.Errorf("Reset kept an attach: %+v", st)
	}
}

func TestAddAttachmentFreesTheSlot(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0bbbbbbbbbbbbbbb1", NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 1})
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Status != "available" {
		t.Errorf("the interface that held the slot: %+v", st)
	}
	// Without interface or instance IDs they are made up from the
	// attachment ID, as before.
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0ccccccccccccccc1", DeviceIndex: 1})
	if st, ok := srv.Interface("eni-0ccccccccccccccc1"); !ok || st.Attachment.InstanceID != "i-0ccccccccccccccc1" {
		t.Errorf("made-up interface: %+v", st)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithKeys(ec2test.Key{AccessKeyID: "AKIAEXTRA", SecretAccessKey: "x"}))
	defer srv.Close()
	if got := send(t, srv, defaultKey, detachForm, time.Time{}, ""); got.status != 200 {
		t.Fatalf("detach: %+v", got)
	}
	srv.AddKey(ec2test.Key{AccessKeyID: "AKIALATER", SecretAccessKey: "y"})
	srv.ExpireKey("AKIAEXTRA")
	srv.Inject(ec2test.Throttle(), 5)

	resp, err := http.Post(srv.URL+ec2test.ControlPrefix+"reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"reset":true`) {
		t.Fatalf("reset: %d %s", resp.StatusCode, b)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.AttachmentID != ec2test.FailoverAttachment || st.Detaches != 0 {
		t.Errorf("after reset: %+v", st)
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("requests kept: %+v", srv.Requests())
	}
	var ids []string
	for _, k := range srv.Keys() {
		ids = append(ids, k.AccessKeyID)
	}
	if strings.Join(ids, ",") != "AKIAEC2TESTEXAMPLE01,AKIAEXTRA" {
		t.Errorf("keys after reset: %v", ids)
	}
	// The fault was dropped and the expired key is valid again.
	extra := ec2test.Key{AccessKeyID: "AKIAEXTRA", SecretAccessKey: "x"}
	if got := send(t, srv, extra, detachForm, time.Time{}, ""); got.status != 200 {
		t.Errorf("detach after reset: %d %s", got.status, got.code)
	}

	resp, err = http.Get(srv.URL + ec2test.ControlPrefix + "state")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"instanceId":"i-0123456789abcdef1"`) {
		t.Errorf("state: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get(srv.URL + ec2test.ControlPrefix + "reset")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET reset: %d, want 404", resp.StatusCode)
	}
}

func TestNewServerAtAnyAddress(t *testing.T) {
	t.Parallel()
	if _, err := ec2test.NewServerAt("192.0.2.1:0"); err == nil || !strings.Contains(err.Error(), "WithAnyAddress") {
		t.Errorf("non-loopback without WithAnyAddress: %v", err)
	}
	// 127.0.0.1 stands in for a non-loopback address: the option must not
	// stop loopback from working, and no test may listen beyond it.
	srv, err := ec2test.NewServerAt("127.0.0.1:0", ec2test.WithAnyAddress())
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}
