package ec2test_test

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

// describeDoc is a DescribeNetworkInterfaces answer.
type describeDoc struct {
	Items []struct {
		ID               string `xml:"networkInterfaceId"`
		SubnetID         string `xml:"subnetId"`
		VpcID            string `xml:"vpcId"`
		Zone             string `xml:"availabilityZone"`
		Description      string `xml:"description"`
		OwnerID          string `xml:"ownerId"`
		RequesterManaged bool   `xml:"requesterManaged"`
		Status           string `xml:"status"`
		MAC              string `xml:"macAddress"`
		PrivateIP        string `xml:"privateIpAddress"`
		PrivateDNS       string `xml:"privateDnsName"`
		SourceDestCheck  bool   `xml:"sourceDestCheck"`
		InterfaceType    string `xml:"interfaceType"`
		Attachment       *struct {
			ID                  string `xml:"attachmentId"`
			InstanceID          string `xml:"instanceId"`
			InstanceOwnerID     string `xml:"instanceOwnerId"`
			DeviceIndex         int    `xml:"deviceIndex"`
			NetworkCardIndex    int    `xml:"networkCardIndex"`
			Status              string `xml:"status"`
			AttachTime          string `xml:"attachTime"`
			DeleteOnTermination bool   `xml:"deleteOnTermination"`
		} `xml:"attachment"`
	} `xml:"networkInterfaceSet>item"`
	NextToken string `xml:"nextToken"`
}

// describe sends DescribeNetworkInterfaces with the given parameters
// ("Name=value" pairs) and decodes the answer.
func describe(t *testing.T, srv *ec2test.Server, pairs ...string) (answer, describeDoc) {
	t.Helper()
	var doc describeDoc
	return sendAction(t, srv, "DescribeNetworkInterfaces", &doc, pairs...), doc
}

// sendAction sends action with the given parameters ("Name=value" pairs)
// and decodes a successful answer into out.
func sendAction(t *testing.T, srv *ec2test.Server, action string, out any, pairs ...string) answer {
	t.Helper()
	v := url.Values{"Action": {action}, "Version": {"2016-11-15"}}
	for _, p := range pairs {
		k, val, _ := strings.Cut(p, "=")
		v.Add(k, val)
	}
	got := send(t, srv, defaultKey, v.Encode(), time.Time{}, "")
	if got.status == 200 {
		if err := xml.Unmarshal([]byte(got.body), out); err != nil {
			t.Fatalf("%v\n%s", err, got.body)
		}
	}
	return got
}

func (d describeDoc) ids() string {
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.ID)
	}
	return strings.Join(ids, ",")
}

func TestDescribeFields(t *testing.T) {
	t.Parallel()
	at := time.Now().UTC().Truncate(time.Second)
	srv := ec2test.NewServer(ec2test.WithClock(func() time.Time { return at }))
	defer srv.Close()
	got, doc := describe(t, srv, "NetworkInterfaceId.1="+ec2test.FailoverInterface)
	if got.status != 200 || len(doc.Items) != 1 {
		t.Fatalf("%d\n%s", got.status, got.body)
	}
	it := doc.Items[0]
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if it.ID != ec2test.FailoverInterface || it.Zone != "us-east-1a" || !strings.HasPrefix(it.SubnetID, "subnet-") || !strings.HasPrefix(it.VpcID, "vpc-") ||
		it.SubnetID != st.SubnetID || it.VpcID != st.VpcID || it.Description != "failover interface" || it.OwnerID != ec2test.DefaultOwnerID ||
		it.RequesterManaged || it.Status != "in-use" || len(it.MAC) != 17 || it.MAC != st.MACAddress || it.PrivateIP != st.PrivateIPAddress ||
		it.PrivateDNS != "ip-"+strings.ReplaceAll(it.PrivateIP, ".", "-")+".ec2.internal" || !it.SourceDestCheck || it.InterfaceType != "interface" {
		t.Errorf("item = %+v\nstate = %+v", it, st)
	}
	a := it.Attachment
	if a == nil || a.ID != ec2test.FailoverAttachment || a.InstanceID != ec2test.InstanceA || a.InstanceOwnerID != ec2test.DefaultOwnerID ||
		a.DeviceIndex != 1 || a.NetworkCardIndex != 0 || a.Status != "attached" || a.AttachTime != at.Format("2006-01-02T15:04:05.000Z") || a.DeleteOnTermination {
		t.Errorf("attachment = %+v", a)
	}
	_, doc = describe(t, srv, "NetworkInterfaceId.1="+ec2test.SpareInterface)
	if len(doc.Items) != 1 || doc.Items[0].Attachment != nil || doc.Items[0].Status != "available" || doc.Items[0].SubnetID != st.SubnetID {
		t.Errorf("spare interface = %+v", doc.Items)
	}
	_, doc = describe(t, srv, "NetworkInterfaceId.1=eni-00000000000000002")
	if len(doc.Items) != 1 || doc.Items[0].Zone != "us-east-1b" || doc.Items[0].SubnetID == st.SubnetID || doc.Items[0].VpcID != st.VpcID {
		t.Errorf("interface in zone b = %+v", doc.Items)
	}
}

func TestDescribeFilters(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	a, _ := srv.Interface(ec2test.FailoverInterface)
	c, _ := srv.Interface("eni-00000000000000002")
	const all = "eni-00000000000000000,eni-00000000000000001,eni-00000000000000002,eni-0123456789abcdef0,eni-0aaaaaaaaaaaaaaa0"
	tests := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"no filter", nil, all},
		{"network-interface-id", []string{"Filter.1.Name=network-interface-id", "Filter.1.Value.1=" + ec2test.SpareInterface}, ec2test.SpareInterface},
		{"attachment.attachment-id", []string{"Filter.1.Name=attachment.attachment-id", "Filter.1.Value.1=" + ec2test.FailoverAttachment}, ec2test.FailoverInterface},
		{"attachment.instance-id", []string{"Filter.1.Name=attachment.instance-id", "Filter.1.Value.1=" + ec2test.InstanceA}, "eni-00000000000000000," + ec2test.FailoverInterface},
		{"attachment.device-index", []string{"Filter.1.Name=attachment.device-index", "Filter.1.Value.1=1"}, ec2test.FailoverInterface},
		{"attachment.network-card-index", []string{"Filter.1.Name=attachment.network-card-index", "Filter.1.Value.1=0"}, "eni-00000000000000000,eni-00000000000000001,eni-00000000000000002,eni-0123456789abcdef0"},
		{"attachment.status", []string{"Filter.1.Name=attachment.status", "Filter.1.Value.1=attached"}, "eni-00000000000000000,eni-00000000000000001,eni-00000000000000002,eni-0123456789abcdef0"},
		{"status", []string{"Filter.1.Name=status", "Filter.1.Value.1=available"}, ec2test.SpareInterface},
		{"subnet-id", []string{"Filter.1.Name=subnet-id", "Filter.1.Value.1=" + c.SubnetID}, "eni-00000000000000002"},
		{"vpc-id", []string{"Filter.1.Name=vpc-id", "Filter.1.Value.1=" + a.VpcID}, all},
		{"availability-zone", []string{"Filter.1.Name=availability-zone", "Filter.1.Value.1=us-east-1b"}, "eni-00000000000000002"},
		{"two values are or-ed", []string{"Filter.1.Name=attachment.device-index", "Filter.1.Value.1=1", "Filter.1.Value.2=7"}, ec2test.FailoverInterface},
		{"two filters are and-ed", []string{"Filter.1.Name=availability-zone", "Filter.1.Value.1=us-east-1a", "Filter.2.Name=attachment.device-index", "Filter.2.Value.1=0"}, "eni-00000000000000000,eni-00000000000000001"},
		{"wildcard *", []string{"Filter.1.Name=description", "Filter.1.Value.1=primary*"}, "eni-00000000000000000,eni-00000000000000001,eni-00000000000000002"},
		{"wildcard ?", []string{"Filter.1.Name=availability-zone", "Filter.1.Value.1=us-east-1?"}, all},
		{"escaped *", []string{"Filter.1.Name=description", "Filter.1.Value.1=primary\\*"}, ""},
		{"filter and ID", []string{"Filter.1.Name=attachment.attachment-id", "Filter.1.Value.1=" + ec2test.FailoverAttachment, "NetworkInterfaceId.1=eni-00000000000000000"}, ""},
		{"private-ip-address", []string{"Filter.1.Name=private-ip-address", "Filter.1.Value.1=" + a.PrivateIPAddress}, ec2test.FailoverInterface},
		{"mac-address", []string{"Filter.1.Name=mac-address", "Filter.1.Value.1=" + a.MACAddress}, ec2test.FailoverInterface},
	}
	for _, tc := range tests {
		got, doc := describe(t, srv, tc.pairs...)
		if got.status != 200 || doc.ids() != tc.want {
			t.Errorf("%s: %d %s, want %s\n%s", tc.name, got.status, doc.ids(), tc.want, got.body)
		}
	}
}

func TestDescribeErrors(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	tests := []struct {
		name  string
		pairs []string
		code  string
		msg   string
	}{
		{"malformed ID", []string{"NetworkInterfaceId.1=eni-0fff"}, "InvalidNetworkInterfaceId.Malformed", `Invalid id: "eni-0fff" (expecting "eni-...")`},
		{"not an eni", []string{"NetworkInterfaceId.1=i-0123456789abcdef0"}, "InvalidNetworkInterfaceId.Malformed", ""},
		{"upper-case hex", []string{"NetworkInterfaceId.1=eni-0123456789ABCDEF0"}, "InvalidNetworkInterfaceId.Malformed", ""},
		{"malformed wins over unknown", []string{"NetworkInterfaceId.1=eni-0fffffffffffffff0", "NetworkInterfaceId.2=eni-x"}, "InvalidNetworkInterfaceId.Malformed", ""},
		{"unknown 17-digit ID", []string{"NetworkInterfaceId.1=eni-0fffffffffffffff0"}, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0fffffffffffffff0' does not exist"},
		{"unknown 8-digit ID", []string{"NetworkInterfaceId.1=eni-0123abcd"}, "InvalidNetworkInterfaceID.NotFound", ""},
		{"unknown filter", []string{"Filter.1.Name=bogus", "Filter.1.Value.1=x"}, "InvalidParameterValue", "The filter 'bogus' is invalid"},
		{"unknown parameter", []string{"Bogus=1"}, "UnknownParameter", ""},
		{"MaxResults below 5", []string{"MaxResults=4"}, "InvalidParameterValue", "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5."},
		{"MaxResults above 1000", []string{"MaxResults=1001"}, "InvalidParameterValue", ""},
		{"MaxResults not a number", []string{"MaxResults=ten"}, "InvalidParameterValue", ""},
		{"MaxResults with IDs", []string{"MaxResults=5", "NetworkInterfaceId.1=" + ec2test.FailoverInterface}, "InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults"},
		{"bad NextToken", []string{"NextToken=garbage"}, "InvalidParameterValue", "Value ( garbage ) for parameter NextToken is invalid. The token is invalid."},
		{"dry run", []string{"DryRun=true"}, "DryRunOperation", ""},
	}
	for _, tc := range tests {
		got, _ := describe(t, srv, tc.pairs...)
		var doc struct {
			Message string `xml:"Errors>Error>Message"`
		}
		_ = xml.Unmarshal([]byte(got.body), &doc)
		if got.code != tc.code || (tc.msg != "" && doc.Message != tc.msg) {
			t.Errorf("%s: %d %s %q, want %s %q", tc.name, got.status, got.code, doc.Message, tc.code, tc.msg)
		}
	}
	for _, maxResults := range []string{"5", "1000"} {
		if got, _ := describe(t, srv, "MaxResults="+maxResults); got.status != 200 {
			t.Errorf("MaxResults=%s: %d %s", maxResults, got.status, got.code)
		}
	}
}

// manyID is the ID of the i-th interface of manyInterfaces, distinct from
// the built-in seed's.
func manyID(i int) string { return fmt.Sprintf("eni-0f%015x", i+1) }

// manyInterfaces seeds n available interfaces in zone a.
func manyInterfaces(n int) ec2test.Seed {
	var seed ec2test.Seed
	for i := 0; i < n; i++ {
		seed.NetworkInterfaces = append(seed.NetworkInterfaces, ec2test.NetworkInterface{NetworkInterfaceID: manyID(i)})
	}
	return seed
}

func TestDescribePages(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithSeed(manyInterfaces(12)))
	defer srv.Close()
	var pages []string
	var seen []string
	token := ""
	for i := 0; i < 10; i++ {
		pairs := []string{"MaxResults=5", "Filter.1.Name=status", "Filter.1.Value.1=available"}
		if token != "" {
			pairs = append(pairs, "NextToken="+token)
		}
		got, doc := describe(t, srv, pairs...)
		if got.status != 200 {
			t.Fatalf("page %d: %d %s", i, got.status, got.body)
		}
		pages = append(pages, fmt.Sprint(len(doc.Items)))
		for _, it := range doc.Items {
			seen = append(seen, it.ID)
		}
		if token = doc.NextToken; token == "" {
			break
		}
	}
	if diff := cmp.Diff("5,5,2", strings.Join(pages, ",")); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	var want []string
	for i := 0; i < 12; i++ {
		want = append(want, manyID(i))
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("interfaces over all pages (-want +got):\n%s", diff)
	}
	if _, doc := describe(t, srv, "MaxResults=12"); doc.NextToken != "" || len(doc.Items) != 12 {
		t.Errorf("one full page: %d items, token %q", len(doc.Items), doc.NextToken)
	}
}
