package ec2test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Limits of DescribeNetworkInterfaces' MaxResults.
const (
	minMaxResults = 5
	maxMaxResults = 1000
)

var (
	describeIDParam     = regexp.MustCompile(`^NetworkInterfaceId\.\d+$`)
	describeFilterParam = regexp.MustCompile(`^Filter\.(\d+)\.(Name|Value\.\d+)$`)
)

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

// filterMatch reports whether s matches an EC2 filter value, in which *
// stands for any run of characters, ? for one, and a backslash escapes
// either.
func filterMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch c := p[i]; {
			case c == '*':
				for k := j; k <= len(t); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case c == '?':
				if j == len(t) {
					return false
				}
			default:
				if c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '?' || p[i+1] == '\\') {
					i++
					c = p[i]
				}
				if j == len(t) || t[j] != c {
					return false
				}
			}
			i, j = i+1, j+1
		}
		return j == len(t)
	}
	return match(0, 0)
}

// pageToken encodes the ID a page ended with; decodePageToken reverses it.
func pageToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ec2test/v1/" + lastID))
}

func decodePageToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), "ec2test/v1/")
}

// privateDNSName is the interface's private DNS name, as EC2 names it.
func privateDNSName(st InterfaceState) string {
	host := "ip-" + strings.ReplaceAll(st.PrivateIPAddress, ".", "-")
	if r := strings.TrimRight(st.AvailabilityZone, "abcdefghijklmnopqrstuvwxyz"); r != "us-east-1" {
		return host + "." + r + ".compute.internal"
	}
	return host + ".ec2.internal"
}

// describe handles DescribeNetworkInterfaces: NetworkInterfaceId.N,
// Filter.N.Name / Filter.N.Value.M, MaxResults and NextToken.
func (s *Server) describe(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	if e := checkParams(params, func(k string) bool {
		return k == "DryRun" || k == "MaxResults" || k == "NextToken" || describeIDParam.MatchString(k) || describeFilterParam.MatchString(k)
	}); e != nil {
		return "", e
	}
	if e := authorize(key, params); e != nil {
		return "", e
	}
	var ids []string
	filters := map[string][]string{} // filter name -> accepted values
	names := map[string]string{}     // filter index -> name
	for k, v := range params {
		if describeIDParam.MatchString(k) {
			ids = append(ids, v[0])
		}
		if m := describeFilterParam.FindStringSubmatch(k); m != nil && m[2] == "Name" {
			names[m[1]] = v[0]
		}
	}
	sort.Strings(ids)
	for k, v := range params {
		if m := describeFilterParam.FindStringSubmatch(k); m != nil && m[2] != "Name" {
			name, ok := names[m[1]]
			if !ok {
				return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Filter.%s has values but no name", m[1])}
			}
			filters[name] = append(filters[name], v[0])
		}
	}
	for name := range filters {
		if _, ok := interfaceFilters[name]; !ok {
			return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", name)}
		}
	}
	limit := 0
	if v, ok := params["MaxResults"]; ok {
		if len(ids) > 0 {
			return "", &ec2Error{400, "InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults"}
		}
		n, err := strconv.Atoi(v[0])
		switch {
		case err != nil:
			return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting an integer.", v[0])}
		case n < minMaxResults:
			return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, minMaxResults)}
		case n > maxMaxResults:
			return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %d ) for parameter maxResults is invalid. Expecting a value smaller than or equal to %d.", n, maxMaxResults)}
		}
		limit = n
	}
	after := ""
	if tok, ok := params["NextToken"]; ok {
		id, valid := decodePageToken(tok[0])
		if !valid {
			return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %s ) for parameter NextToken is invalid. The token is invalid.", tok[0])}
		}
		after = id
	}
	for _, id := range ids {
		if !wellFormedID(id, "eni-") {
			return "", malformedInterfaceID(id)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	for _, id := range ids {
		if _, ok := s.interfaces[id]; !ok {
			return "", interfaceNotFound(id)
		}
	}
	var matched []InterfaceState
	for _, n := range s.interfaces {
		if len(ids) > 0 && !contains(ids, n.NetworkInterfaceID) || n.NetworkInterfaceID <= after {
			continue
		}
		st := n.state()
		if matchesAll(st, filters) {
			matched = append(matched, st)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].NetworkInterfaceID < matched[j].NetworkInterfaceID })
	next := ""
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
		next = pageToken(matched[limit-1].NetworkInterfaceID)
	}
	var b strings.Builder
	b.WriteString("    <networkInterfaceSet>\n")
	for _, st := range matched {
		writeInterface(&b, st)
	}
	b.WriteString("    </networkInterfaceSet>\n")
	if next != "" {
		fmt.Fprintf(&b, "    <nextToken>%s</nextToken>\n", next)
	}
	return b.String(), nil
}

// matchesAll reports whether an interface matches every filter (one of
// each filter's values).
func matchesAll(st InterfaceState, filters map[string][]string) bool {
	for name, accepted := range filters {
		hit := false
		for _, v := range interfaceFilters[name](st) {
			for _, pattern := range accepted {
				hit = hit || filterMatch(pattern, v)
			}
		}
		if !hit {
			return false
		}
	}
	return true
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
