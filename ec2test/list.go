package ec2test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Limits of the Describe actions' MaxResults.
const (
	minMaxResults = 5
	maxMaxResults = 1000
	// maxFilterValues is the most filter values, all filters together,
	// EC2 takes in one call.
	maxFilterValues = 200
)

// filterParam is Filter.N.Name or Filter.N.Value.M, common to the Describe
// actions.
var filterParam = regexp.MustCompile(`^Filter\.(\d+)\.(Name|Value\.\d+)$`)

// listAction is what differs between the Describe actions' list
// parameters: ID.N, Filter.N, MaxResults and NextToken.
type listAction struct {
	idParam     *regexp.Regexp         // the ID.N parameter
	filterKnown func(name string) bool // whether a filter name is known
	idsVsMax    string                 // the message refusing IDs with MaxResults
	wellFormed  func(id string) bool
	malformed   func(id string) *ec2Error
}

// listQuery is what a Describe request asked for.
type listQuery struct {
	ids     []string            // sorted
	filters map[string][]string // filter name -> accepted values
	limit   int                 // MaxResults, 0 when absent
	after   string              // the ID the previous page ended with
}

// parse checks and decodes a Describe request's parameters as EC2 does:
// unknown parameters first, then the permission and DryRun, then the
// values.
func (a listAction) parse(params url.Values, key Key) (listQuery, *ec2Error) {
	var q listQuery
	if e := checkParams(params, func(k string) bool {
		return k == "DryRun" || k == "MaxResults" || k == "NextToken" || a.idParam.MatchString(k) || filterParam.MatchString(k)
	}); e != nil {
		return q, e
	}
	if e := authorize(key, params); e != nil {
		return q, e
	}
	for k, v := range params {
		if a.idParam.MatchString(k) {
			q.ids = append(q.ids, v[0])
		}
	}
	sort.Strings(q.ids)
	var e *ec2Error
	if q.filters, e = a.parseFilters(params); e != nil {
		return q, e
	}
	if q.limit, e = a.parseMaxResults(params, len(q.ids) > 0); e != nil {
		return q, e
	}
	if q.after, e = parseNextToken(params); e != nil {
		return q, e
	}
	for _, id := range q.ids {
		if !a.wellFormed(id) {
			return q, a.malformed(id)
		}
	}
	return q, nil
}

// parseFilters gathers Filter.N.Name and Filter.N.Value.M into filter name
// -> accepted values, refusing values without a name, too many values and
// unknown names.
func (a listAction) parseFilters(params url.Values) (map[string][]string, *ec2Error) {
	names := map[string]string{} // filter index -> name
	for k, v := range params {
		if m := filterParam.FindStringSubmatch(k); m != nil && m[2] == "Name" {
			names[m[1]] = v[0]
		}
	}
	filters := map[string][]string{}
	for k, v := range params {
		if m := filterParam.FindStringSubmatch(k); m != nil && m[2] != "Name" {
			name, ok := names[m[1]]
			if !ok {
				return nil, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Filter.%s has values but no name", m[1])}
			}
			filters[name] = append(filters[name], v[0])
		}
	}
	if n := filterValues(filters); n > maxFilterValues {
		return nil, &ec2Error{400, "FilterLimitExceeded", fmt.Sprintf("The maximum number of filter values specified on a single call is %d", maxFilterValues)}
	}
	for name := range filters {
		if !a.filterKnown(name) {
			return nil, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", name)}
		}
	}
	return filters, nil
}

// parseMaxResults returns MaxResults (0 when absent), which EC2 refuses
// beside IDs and outside its limits.
func (a listAction) parseMaxResults(params url.Values, withIDs bool) (int, *ec2Error) {
	v, ok := params["MaxResults"]
	if !ok {
		return 0, nil
	}
	if withIDs {
		return 0, &ec2Error{400, "InvalidParameterCombination", a.idsVsMax}
	}
	n, err := strconv.Atoi(v[0])
	switch {
	case err != nil:
		return 0, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting an integer.", v[0])}
	case n < minMaxResults:
		return 0, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, minMaxResults)}
	case n > maxMaxResults:
		return 0, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %d ) for parameter maxResults is invalid. Expecting a value smaller than or equal to %d.", n, maxMaxResults)}
	}
	return n, nil
}

// parseNextToken returns the ID the previous page ended with ("" on the
// first page).
func parseNextToken(params url.Values) (string, *ec2Error) {
	tok, ok := params["NextToken"]
	if !ok {
		return "", nil
	}
	id, valid := decodePageToken(tok[0])
	if !valid {
		return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Value ( %s ) for parameter NextToken is invalid. The token is invalid.", tok[0])}
	}
	return id, nil
}

// wants reports whether a resource's ID is on the page asked for: among the
// IDs named, if any, and after the previous page's last.
func (q listQuery) wants(id string) bool {
	return (len(q.ids) == 0 || contains(q.ids, id)) && id > q.after
}

// page sorts items by ID and cuts them to the page size, returning the
// token of the next page ("" on the last).
func page[T any](q listQuery, items []T, id func(T) string) ([]T, string) {
	sort.Slice(items, func(i, j int) bool { return id(items[i]) < id(items[j]) })
	if q.limit == 0 || len(items) <= q.limit {
		return items, ""
	}
	items = items[:q.limit]
	return items, pageToken(id(items[q.limit-1]))
}

// writeList writes a Describe answer: the set of items, then the next
// page's token if there is one.
func writeList[T any](set string, items []T, write func(*strings.Builder, T), next string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    <%s>\n", set)
	for _, it := range items {
		write(&b, it)
	}
	fmt.Fprintf(&b, "    </%s>\n", set)
	if next != "" {
		fmt.Fprintf(&b, "    <nextToken>%s</nextToken>\n", next)
	}
	return b.String()
}

// matchesAll reports whether v matches every filter (one of each filter's
// values), known maps filter names to v's values for them.
func matchesAll[T any](v T, filters map[string][]string, known map[string]func(T) []string) bool {
	for name, accepted := range filters {
		hit := false
		for _, have := range known[name](v) {
			for _, pattern := range accepted {
				hit = hit || filterMatch(pattern, have)
			}
		}
		if !hit {
			return false
		}
	}
	return true
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

// decodePageToken returns the ID a page token names.
func decodePageToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), "ec2test/v1/")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// filterValues counts the values of every filter.
func filterValues(filters map[string][]string) int {
	n := 0
	for _, v := range filters {
		n += len(v)
	}
	return n
}
