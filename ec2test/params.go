package ec2test

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// wellFormedID reports whether id is prefix followed by 8 or 17 lower-case
// hex digits, the two forms of EC2 resource IDs.
func wellFormedID(id, prefix string) bool {
	hex, ok := strings.CutPrefix(id, prefix)
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

// wellFormedAttachmentID reports whether id is eni-attach- followed by 8 or
// 17 lower-case hex digits.
func wellFormedAttachmentID(id string) bool { return wellFormedID(id, "eni-attach-") }

// malformedInterfaceID is EC2's answer to a network interface ID that is
// not eni- and 8 or 17 hex digits. The code's "Id" is EC2's own spelling,
// unlike the NotFound code's "ID".
func malformedInterfaceID(id string) *ec2Error {
	return &ec2Error{400, "InvalidNetworkInterfaceId.Malformed", fmt.Sprintf("Invalid id: %q (expecting \"eni-...\")", id)}
}

// interfaceNotFound is EC2's answer to an unknown network interface ID.
func interfaceNotFound(id string) *ec2Error {
	return &ec2Error{400, "InvalidNetworkInterfaceID.NotFound", fmt.Sprintf("The networkInterface ID '%s' does not exist", id)}
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

// requireParam returns a required parameter, or MissingParameter.
func requireParam(params url.Values, name string) (string, *ec2Error) {
	v := params.Get(name)
	if v == "" {
		return "", &ec2Error{400, "MissingParameter", "The request must contain the parameter " + name}
	}
	return v, nil
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

// intParam parses an optional non-negative integer parameter (0 when absent).
func intParam(params url.Values, name string) (int, *ec2Error) {
	v, ok := params[name]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value (%s) for parameter %s is invalid. Expected a non-negative integer.", v[0], name)}
	}
	return n, nil
}

// authorize answers for a key and the request's DryRun parameter as EC2
// does before acting: a key without permission is refused, a permitted dry
// run answers DryRunOperation, and a DryRun that is not a boolean is
// refused first.
func authorize(key Key, params url.Values) *ec2Error {
	isDryRun, e := boolParam(params, "DryRun")
	if e != nil {
		return e
	}
	switch {
	case key.Denied:
		return &ec2Error{403, "UnauthorizedOperation", "You are not authorized to perform this operation."}
	case isDryRun:
		return &ec2Error{412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."}
	}
	return nil
}
