package ec2test

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var describeIDParam = regexp.MustCompile(`^NetworkInterfaceId\.\d+$`)

// interfaceFilters maps the DescribeNetworkInterfaces filters the server
// knows to an interface's values for them.
var interfaceFilters = map[string]func(st InterfaceState) []string{
	"network-interface-id": func(st InterfaceState) []string { return []string{st.NetworkInterfaceID} },
	"subnet-id":            func(st InterfaceState) []string { return []string{st.SubnetID} },
	"vpc-id":               func(st InterfaceState) []string { return []string{st.VpcID} },
	"availability-zone":    func(st InterfaceState) []string { return []string{st.AvailabilityZone} },
	"status":               func(st InterfaceState) []string { return []string{st.Status} },
	"description":          func(st InterfaceState) []string { return []string{st.Description} },
	"private-ip-address":   func(st InterfaceState) []string { return []string{st.PrivateIPAddress} },
	"addresses.private-ip-address": func(st InterfaceState) []string {
		return []string{st.PrivateIPAddress}
	},
	"mac-address":              func(st InterfaceState) []string { return []string{st.MACAddress} },
	"owner-id":                 func(st InterfaceState) []string { return []string{st.OwnerID} },
	"interface-type":           func(st InterfaceState) []string { return []string{st.InterfaceType} },
	"requester-managed":        func(st InterfaceState) []string { return []string{strconv.FormatBool(st.RequesterManaged)} },
	"source-dest-check":        func(st InterfaceState) []string { return []string{"true"} },
	"private-dns-name":         func(st InterfaceState) []string { return []string{privateDNSName(st)} },
	"attachment.attachment-id": attachmentFilter(func(a *AttachmentState) string { return a.AttachmentID }),
	"attachment.instance-id":   attachmentFilter(func(a *AttachmentState) string { return a.InstanceID }),
	"attachment.instance-owner-id": func(st InterfaceState) []string {
		if st.Attachment == nil {
			return nil
		}
		return []string{st.OwnerID}
	},
	"attachment.device-index":       attachmentFilter(func(a *AttachmentState) string { return strconv.Itoa(a.DeviceIndex) }),
	"attachment.network-card-index": attachmentFilter(func(a *AttachmentState) string { return strconv.Itoa(a.NetworkCardIndex) }),
	"attachment.status":             attachmentFilter(func(a *AttachmentState) string { return a.Status }),
	"attachment.delete-on-termination": attachmentFilter(func(a *AttachmentState) string {
		return strconv.FormatBool(a.DeleteOnTermination)
	}),
}

// attachmentFilter is a filter on the attachment, which an available
// interface does not match.
func attachmentFilter(f func(*AttachmentState) string) func(InterfaceState) []string {
	return func(st InterfaceState) []string {
		if st.Attachment == nil {
			return nil
		}
		return []string{f(st.Attachment)}
	}
}

// privateDNSName is the interface's private DNS name, as EC2 names it.
func privateDNSName(st InterfaceState) string {
	host := "ip-" + strings.ReplaceAll(st.PrivateIPAddress, ".", "-")
	if r := strings.TrimRight(st.AvailabilityZone, "abcdefghijklmnopqrstuvwxyz"); r != "us-east-1" {
		return host + "." + r + ".compute.internal"
	}
	return host + ".ec2.internal"
}

// interfaceList is DescribeNetworkInterfaces' list parameters.
var interfaceList = listAction{
	idParam:     describeIDParam,
	filterKnown: func(name string) bool { _, ok := interfaceFilters[name]; return ok },
	idsVsMax:    "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults",
	wellFormed:  func(id string) bool { return wellFormedID(id, "eni-") },
	malformed:   malformedInterfaceID,
}

// describe handles DescribeNetworkInterfaces: NetworkInterfaceId.N,
// Filter.N.Name / Filter.N.Value.M, MaxResults and NextToken.
func (s *Server) describe(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	q, e := interfaceList.parse(params, key)
	if e != nil {
		return "", e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	for _, id := range q.ids {
		if _, ok := s.interfaces[id]; !ok {
			return "", interfaceNotFound(id)
		}
	}
	var matched []InterfaceState
	for _, n := range s.interfaces {
		if !q.wants(n.NetworkInterfaceID) {
			continue
		}
		if st := s.shown(n, now); matchesAll(st, q.filters, interfaceFilters) {
			matched = append(matched, st)
		}
	}
	matched, next := page(q, matched, func(st InterfaceState) string { return st.NetworkInterfaceID })
	return writeList("networkInterfaceSet", matched, writeInterface, next), nil
}

// writeInterface writes one item of networkInterfaceSet as EC2 does.
func writeInterface(b *strings.Builder, st InterfaceState) {
	dns := privateDNSName(st)
	fmt.Fprintf(b, "        <item>\n"+
		"            <networkInterfaceId>%s</networkInterfaceId>\n"+
		"            <subnetId>%s</subnetId>\n"+
		"            <vpcId>%s</vpcId>\n"+
		"            <availabilityZone>%s</availabilityZone>\n"+
		"            <description>%s</description>\n"+
		"            <ownerId>%s</ownerId>\n"+
		"            <requesterManaged>%t</requesterManaged>\n"+
		"            <status>%s</status>\n"+
		"            <macAddress>%s</macAddress>\n"+
		"            <privateIpAddress>%s</privateIpAddress>\n"+
		"            <privateDnsName>%s</privateDnsName>\n"+
		"            <sourceDestCheck>true</sourceDestCheck>\n"+
		"            <groupSet/>\n",
		xmlEscape(st.NetworkInterfaceID), xmlEscape(st.SubnetID), xmlEscape(st.VpcID), xmlEscape(st.AvailabilityZone),
		xmlEscape(st.Description), xmlEscape(st.OwnerID), st.RequesterManaged, st.Status, xmlEscape(st.MACAddress),
		xmlEscape(st.PrivateIPAddress), xmlEscape(dns))
	if a := st.Attachment; a != nil {
		fmt.Fprintf(b, "            <attachment>\n"+
			"                <attachmentId>%s</attachmentId>\n"+
			"                <instanceId>%s</instanceId>\n"+
			"                <instanceOwnerId>%s</instanceOwnerId>\n"+
			"                <deviceIndex>%d</deviceIndex>\n"+
			"                <networkCardIndex>%d</networkCardIndex>\n"+
			"                <status>%s</status>\n"+
			"                <attachTime>%s</attachTime>\n"+
			"                <deleteOnTermination>%t</deleteOnTermination>\n"+
			"            </attachment>\n",
			xmlEscape(a.AttachmentID), xmlEscape(a.InstanceID), xmlEscape(st.OwnerID), a.DeviceIndex, a.NetworkCardIndex,
			a.Status, a.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z"), a.DeleteOnTermination)
	}
	fmt.Fprintf(b, "            <tagSet/>\n"+
		"            <privateIpAddressesSet>\n"+
		"                <item>\n"+
		"                    <privateIpAddress>%s</privateIpAddress>\n"+
		"                    <privateDnsName>%s</privateDnsName>\n"+
		"                    <primary>true</primary>\n"+
		"                </item>\n"+
		"            </privateIpAddressesSet>\n"+
		"            <ipv6AddressesSet/>\n"+
		"            <interfaceType>%s</interfaceType>\n"+
		"        </item>\n",
		xmlEscape(st.PrivateIPAddress), xmlEscape(dns), xmlEscape(st.InterfaceType))
}
