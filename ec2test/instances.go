package ec2test

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// instanceStateCodes are EC2's codes of the instance states.
var instanceStateCodes = map[string]int{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

// SetInstanceState sets an instance's state (pending, running, stopping,
// stopped, shutting-down or terminated), as DescribeInstances shows it. It
// fails for an unknown instance or state. Reset undoes it.
func (s *Server) SetInstanceState(instanceID, state string) error {
	if _, ok := instanceStateCodes[state]; !ok {
		return fmt.Errorf("ec2test: unknown instance state %q", state)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[instanceID]
	if !ok {
		return fmt.Errorf("ec2test: unknown instance %q", instanceID)
	}
	in.State = state
	return nil
}

// malformedInstanceID is EC2's answer to an instance ID that is not i- and
// 8 or 17 hex digits.
func malformedInstanceID(id string) *ec2Error {
	return &ec2Error{400, "InvalidInstanceID.Malformed", fmt.Sprintf("Invalid id: %q (expecting \"i-...\")", id)}
}

// instancesNotFound is EC2's answer naming unknown instance IDs: one, or a
// list (as TerminateInstances and DescribeInstances answer several).
func instancesNotFound(ids []string) *ec2Error {
	if len(ids) == 1 {
		return &ec2Error{400, "InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", ids[0])}
	}
	return &ec2Error{400, "InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(ids, ", "))}
}

// instanceView is an instance as DescribeInstances shows it: the
// interfaces attached (attaching, detaching) as the describes see them.
type instanceView struct {
	Instance
	nics []InterfaceState // by network card and device index
}

// nicFilter is a filter on the interfaces of an instance.
func nicFilter(f func(InterfaceState) string) func(instanceView) []string {
	return func(v instanceView) []string {
		out := make([]string, 0, len(v.nics))
		for _, st := range v.nics {
			out = append(out, f(st))
		}
		return out
	}
}

// instanceFilters maps the DescribeInstances filters the server knows to an
// instance's values for them.
var instanceFilters = map[string]func(instanceView) []string{
	"instance-id":                            func(v instanceView) []string { return []string{v.InstanceID} },
	"availability-zone":                      func(v instanceView) []string { return []string{v.AvailabilityZone} },
	"instance-state-name":                    func(v instanceView) []string { return []string{v.State} },
	"instance-state-code":                    func(v instanceView) []string { return []string{strconv.Itoa(instanceStateCodes[v.State])} },
	"subnet-id":                              func(v instanceView) []string { return []string{v.SubnetID} },
	"vpc-id":                                 func(v instanceView) []string { return []string{v.VpcID} },
	"owner-id":                               func(v instanceView) []string { return []string{v.OwnerID} },
	"network-interface.network-interface-id": nicFilter(func(st InterfaceState) string { return st.NetworkInterfaceID }),
	"network-interface.attachment.attachment-id": nicFilter(func(st InterfaceState) string { return st.Attachment.AttachmentID }),
	"network-interface.attachment.device-index": nicFilter(func(st InterfaceState) string {
		return strconv.Itoa(st.Attachment.DeviceIndex)
	}),
	"network-interface.attachment.network-card-index": nicFilter(func(st InterfaceState) string {
		return strconv.Itoa(st.Attachment.NetworkCardIndex)
	}),
	"network-interface.attachment.status": nicFilter(func(st InterfaceState) string { return st.Attachment.Status }),
}

// instanceList is DescribeInstances' list parameters.
var instanceList = listAction{
	idParam:     regexp.MustCompile(`^InstanceId\.\d+$`),
	filterKnown: func(name string) bool { _, ok := instanceFilters[name]; return ok },
	idsVsMax:    "The parameter instancesSet cannot be used with the parameter maxResults",
	wellFormed:  func(id string) bool { return wellFormedID(id, "i-") },
	malformed:   malformedInstanceID,
}

// describeInstances handles DescribeInstances: InstanceId.N, Filter.N,
// MaxResults and NextToken, one reservation an instance.
func (s *Server) describeInstances(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	q, e := instanceList.parse(params, key)
	if e != nil {
		return "", e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	var unknown []string
	for _, id := range q.ids {
		if _, ok := s.instances[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return "", instancesNotFound(unknown)
	}
	nics := map[string][]InterfaceState{} // instance ID -> interfaces as shown
	for _, n := range s.interfaces {
		if st := s.shown(n, now); st.Attachment != nil {
			nics[st.Attachment.InstanceID] = append(nics[st.Attachment.InstanceID], st)
		}
	}
	var matched []instanceView
	for _, in := range s.instances {
		if !q.wants(in.InstanceID) {
			continue
		}
		v := instanceView{Instance: *in, nics: nics[in.InstanceID]}
		sort.Slice(v.nics, func(i, j int) bool { return v.nics[i].Attachment.slot().less(v.nics[j].Attachment.slot()) })
		if matchesAll(v, q.filters, instanceFilters) {
			matched = append(matched, v)
		}
	}
	matched, next := page(q, matched, func(v instanceView) string { return v.InstanceID })
	return writeList("reservationSet", matched, writeReservation, next), nil
}

// writeReservation writes one item of reservationSet holding one instance,
// in EC2's shape (reservationSet>item>instancesSet>item).
func writeReservation(b *strings.Builder, v instanceView) {
	primaryIP := ""
	for _, st := range v.nics {
		if st.Attachment.slot().primary() {
			primaryIP = st.PrivateIPAddress
		}
	}
	fmt.Fprintf(b, "        <item>\n"+
		"            <reservationId>%s</reservationId>\n"+
		"            <ownerId>%s</ownerId>\n"+
		"            <groupSet/>\n"+
		"            <instancesSet>\n"+
		"                <item>\n"+
		"                    <instanceId>%s</instanceId>\n"+
		"                    <imageId>%s</imageId>\n"+
		"                    <instanceState>\n"+
		"                        <code>%d</code>\n"+
		"                        <name>%s</name>\n"+
		"                    </instanceState>\n"+
		"                    <instanceType>t3.micro</instanceType>\n"+
		"                    <placement>\n"+
		"                        <availabilityZone>%s</availabilityZone>\n"+
		"                        <groupName/>\n"+
		"                        <tenancy>default</tenancy>\n"+
		"                    </placement>\n"+
		"                    <subnetId>%s</subnetId>\n"+
		"                    <vpcId>%s</vpcId>\n",
		madeUpID("r-", v.InstanceID), xmlEscape(v.OwnerID), xmlEscape(v.InstanceID), madeUpID("ami-", v.AvailabilityZone),
		instanceStateCodes[v.State], xmlEscape(v.State), xmlEscape(v.AvailabilityZone), xmlEscape(v.SubnetID), xmlEscape(v.VpcID))
	if primaryIP != "" {
		fmt.Fprintf(b, "                    <privateIpAddress>%s</privateIpAddress>\n", xmlEscape(primaryIP))
	}
	b.WriteString("                    <networkInterfaceSet>\n")
	for _, st := range v.nics {
		writeInstanceNIC(b, st)
	}
	b.WriteString("                    </networkInterfaceSet>\n" +
		"                </item>\n" +
		"            </instancesSet>\n" +
		"        </item>\n")
}

// writeInstanceNIC writes one item of an instance's networkInterfaceSet: an
// attached interface and its attachment.
func writeInstanceNIC(b *strings.Builder, st InterfaceState) {
	a := st.Attachment
	fmt.Fprintf(b, "                        <item>\n"+
		"                            <networkInterfaceId>%s</networkInterfaceId>\n"+
		"                            <subnetId>%s</subnetId>\n"+
		"                            <vpcId>%s</vpcId>\n"+
		"                            <description>%s</description>\n"+
		"                            <ownerId>%s</ownerId>\n"+
		"                            <status>%s</status>\n"+
		"                            <macAddress>%s</macAddress>\n"+
		"                            <privateIpAddress>%s</privateIpAddress>\n"+
		"                            <sourceDestCheck>true</sourceDestCheck>\n"+
		"                            <groupSet/>\n"+
		"                            <attachment>\n"+
		"                                <attachmentId>%s</attachmentId>\n"+
		"                                <deviceIndex>%d</deviceIndex>\n"+
		"                                <status>%s</status>\n"+
		"                                <attachTime>%s</attachTime>\n"+
		"                                <deleteOnTermination>%t</deleteOnTermination>\n"+
		"                                <networkCardIndex>%d</networkCardIndex>\n"+
		"                            </attachment>\n"+
		"                            <interfaceType>%s</interfaceType>\n"+
		"                        </item>\n",
		xmlEscape(st.NetworkInterfaceID), xmlEscape(st.SubnetID), xmlEscape(st.VpcID), xmlEscape(st.Description),
		xmlEscape(st.OwnerID), st.Status, xmlEscape(st.MACAddress), xmlEscape(st.PrivateIPAddress),
		xmlEscape(a.AttachmentID), a.DeviceIndex, a.Status, a.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z"),
		a.DeleteOnTermination, a.NetworkCardIndex, xmlEscape(st.InterfaceType))
}
