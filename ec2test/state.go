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

// wellFormedAttachmentID reports whether id is eni-attach- followed by 8 or
// 17 lower-case hex digits.
func wellFormedAttachmentID(id string) bool {
	hex, ok := strings.CutPrefix(id, "eni-attach-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Attachment seeds an attachment of a network interface to an instance.
type Attachment struct {
	AttachmentID       string // eni-attach- and 8 or 17 hex digits
	NetworkInterfaceID string // eni-...
	InstanceID         string // i-...
	DeviceIndex        int    // 0 is the primary interface, which cannot be detached
	NetworkCardIndex   int
}

// InterfaceState is what the server knows of one network interface.
type InterfaceState struct {
	NetworkInterfaceID string
	// Status is "in-use" while attached or detaching, then "available".
	Status string
	// Attachment is the current attachment, nil once detached.
	Attachment *AttachmentState
	// Detaches counts accepted detaches; ForcedDetaches those with Force.
	Detaches, ForcedDetaches int
}

// AttachmentState is an attachment and its status.
type AttachmentState struct {
	Attachment
	// Status is "attached" or "detaching".
	Status string
}

// netInterface is the server's record of an interface.
type netInterface struct {
	id       string
	att      *AttachmentState
	detachAt time.Time
	detaches int
	forced   int
}

// advance moves a detaching interface to available once its time is up.
func (n *netInterface) advance(now time.Time) {
	if n.att != nil && n.att.Status == "detaching" && !now.Before(n.detachAt) {
		n.att = nil
	}
}

func (n *netInterface) state() InterfaceState {
	st := InterfaceState{NetworkInterfaceID: n.id, Status: "available", Detaches: n.detaches, ForcedDetaches: n.forced}
	if n.att != nil {
		a := *n.att
		st.Attachment, st.Status = &a, "in-use"
	}
	return st
}

// AddAttachment adds (or replaces) an attached interface.
func (s *Server) AddAttachment(a Attachment) {
	if a.NetworkInterfaceID == "" {
		a.NetworkInterfaceID = "eni-" + strings.TrimPrefix(a.AttachmentID, "eni-attach-")
	}
	if a.InstanceID == "" {
		a.InstanceID = "i-" + strings.TrimPrefix(a.AttachmentID, "eni-attach-")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interfaces[a.NetworkInterfaceID] = &netInterface{id: a.NetworkInterfaceID, att: &AttachmentState{Attachment: a, Status: "attached"}}
}

// Interface returns the state of a network interface by its ID.
func (s *Server) Interface(networkInterfaceID string) (InterfaceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.interfaces[networkInterfaceID]
	if !ok {
		return InterfaceState{}, false
	}
	n.advance(s.clock())
	return n.state(), true
}

// InterfaceByAttachment returns the state of the interface that has (or
// had) the attachment.
func (s *Server) InterfaceByAttachment(attachmentID string) (InterfaceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.interfaces {
		if n.att != nil && n.att.AttachmentID == attachmentID {
			n.advance(s.clock())
			return n.state(), true
		}
	}
	return InterfaceState{}, false
}

// checkParams refuses parameters the action does not take.
func checkParams(params url.Values, allowed func(string) bool) *ec2Error {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "Action" && k != "Version" && !allowed(k) {
			return &ec2Error{400, "UnknownParameter", fmt.Sprintf("The parameter %s is not recognized", k)}
		}
	}
	return nil
}

// boolParam parses an optional boolean parameter.
func boolParam(params url.Values, name string) (bool, *ec2Error) {
	v, ok := params[name]
	if !ok {
		return false, nil
	}
	switch strings.ToLower(v[0]) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value (%s) for parameter %s is invalid. Expected: 'true' or 'false'.", v[0], name)}
}

// authorize answers a dry run (412 DryRunOperation, or 403 for a denied
// key) before any lookup, and refuses a denied key's real call; nil lets
// the call go on.
func authorize(key Key, isDryRun bool) *ec2Error {
	switch {
	case key.Denied:
		return &ec2Error{403, "UnauthorizedOperation", "You are not authorized to perform this operation."}
	case isDryRun:
		return &ec2Error{412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."}
	}
	return nil
}

// detach handles DetachNetworkInterface.
func (s *Server) detach(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	if e := checkParams(params, func(k string) bool { return k == "AttachmentId" || k == "DryRun" || k == "Force" }); e != nil {
		return "", e
	}
	id := params.Get("AttachmentId")
	if id == "" {
		return "", &ec2Error{400, "MissingParameter", "The request must contain the parameter AttachmentId"}
	}
	isDryRun, e := boolParam(params, "DryRun")
	if e != nil {
		return "", e
	}
	force, e := boolParam(params, "Force")
	if e != nil {
		return "", e
	}
	if e := authorize(key, isDryRun); e != nil {
		return "", e
	}
	if !wellFormedAttachmentID(id) {
		return "", &ec2Error{400, "InvalidNetworkInterfaceAttachmentId.Malformed", fmt.Sprintf("Invalid id: %q", id)}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var n *netInterface
	for _, cand := range s.interfaces {
		cand.advance(now)
		if cand.att != nil && cand.att.AttachmentID == id {
			n = cand
		}
	}
	switch {
	case n == nil:
		return "", &ec2Error{400, "InvalidAttachmentID.NotFound", fmt.Sprintf("The attachment ID '%s' does not exist", id)}
	case n.att.DeviceIndex == 0 && n.att.NetworkCardIndex == 0:
		return "", &ec2Error{400, "OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached."}
	case n.att.Status == "detaching":
		return "", &ec2Error{400, "IncorrectState", fmt.Sprintf("The attachment '%s' is already detaching.", id)}
	}
	n.detaches++
	if force {
		n.forced++
	}
	if s.detaching > 0 {
		n.att.Status, n.detachAt = "detaching", now.Add(s.detaching)
	} else {
		n.att = nil
	}
	return "    <return>true</return>\n", nil
}

// describeFilterValue returns an interface's values for a
// DescribeNetworkInterfaces filter, or false for a filter the server does not
// know.
func describeFilterValue(name string, n *netInterface) ([]string, bool) {
	st := n.state()
	switch name {
	case "network-interface-id":
		return []string{n.id}, true
	case "status":
		return []string{st.Status}, true
	case "attachment.attachment-id", "attachment.instance-id", "attachment.status", "attachment.device-index":
		if n.att == nil {
			return nil, true
		}
		switch name {
		case "attachment.attachment-id":
			return []string{n.att.AttachmentID}, true
		case "attachment.instance-id":
			return []string{n.att.InstanceID}, true
		case "attachment.status":
			return []string{n.att.Status}, true
		default:
			return []string{strconv.Itoa(n.att.DeviceIndex)}, true
		}
	}
	return nil, false
}

// describe handles DescribeNetworkInterfaces with NetworkInterfaceId.N and
// Filter.N.Name / Filter.N.Value.M.
func (s *Server) describe(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	idPattern := regexp.MustCompile(`^NetworkInterfaceId\.\d+$`)
	filterPattern := regexp.MustCompile(`^Filter\.(\d+)\.(Name|Value\.\d+)$`)
	if e := checkParams(params, func(k string) bool {
		return k == "DryRun" || k == "MaxResults" || k == "NextToken" || idPattern.MatchString(k) || filterPattern.MatchString(k)
	}); e != nil {
		return "", e
	}
	isDryRun, e := boolParam(params, "DryRun")
	if e != nil {
		return "", e
	}
	if e := authorize(key, isDryRun); e != nil {
		return "", e
	}
	var ids []string
	filters := map[string]map[string]bool{} // filter name -> accepted values
	names := map[string]string{}            // filter index -> name
	for k, v := range params {
		if idPattern.MatchString(k) {
			ids = append(ids, v[0])
		}
		if m := filterPattern.FindStringSubmatch(k); m != nil && m[2] == "Name" {
			names[m[1]] = v[0]
		}
	}
	for k, v := range params {
		if m := filterPattern.FindStringSubmatch(k); m != nil && m[2] != "Name" {
			name, ok := names[m[1]]
			if !ok {
				return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Filter.%s has values but no name", m[1])}
			}
			if filters[name] == nil {
				filters[name] = map[string]bool{}
			}
			filters[name][v[0]] = true
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.interfaces[id]; !ok {
			return "", &ec2Error{400, "InvalidNetworkInterfaceID.NotFound", fmt.Sprintf("The networkInterface ID '%s' does not exist", id)}
		}
	}
	var matched []*netInterface
	for _, n := range s.interfaces {
		n.advance(now)
		if len(ids) > 0 && !contains(ids, n.id) {
			continue
		}
		ok := true
		for name, accepted := range filters {
			vals, known := describeFilterValue(name, n)
			if !known {
				return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", name)}
			}
			hit := false
			for _, v := range vals {
				hit = hit || accepted[v]
			}
			ok = ok && hit
		}
		if ok {
			matched = append(matched, n)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].id < matched[j].id })
	var b strings.Builder
	b.WriteString("    <networkInterfaceSet>\n")
	for _, n := range matched {
		st := n.state()
		fmt.Fprintf(&b, "        <item>\n            <networkInterfaceId>%s</networkInterfaceId>\n            <status>%s</status>\n", n.id, st.Status)
		if a := st.Attachment; a != nil {
			fmt.Fprintf(&b, "            <attachment>\n                <attachmentId>%s</attachmentId>\n                <instanceId>%s</instanceId>\n"+
				"                <deviceIndex>%d</deviceIndex>\n                <networkCardIndex>%d</networkCardIndex>\n                <status>%s</status>\n            </attachment>\n",
				a.AttachmentID, a.InstanceID, a.DeviceIndex, a.NetworkCardIndex, a.Status)
		}
		b.WriteString("        </item>\n")
	}
	b.WriteString("    </networkInterfaceSet>\n")
	return b.String(), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Interfaces returns the state of every interface, sorted by ID.
func (s *Server) Interfaces() []InterfaceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	out := make([]InterfaceState, 0, len(s.interfaces))
	for _, n := range s.interfaces {
		n.advance(now)
		out = append(out, n.state())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NetworkInterfaceID < out[j].NetworkInterfaceID })
	return out
}
