package query

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestErrorFastPath keeps the allocation-free path in use for the error
// documents EC2, STS (and ec2test) actually send, allocating only the
// error's three strings; FuzzDecodeError checks that it agrees with
// encoding/xml. Not parallel: AllocsPerRun counts the whole process.
func TestErrorFastPath(t *testing.T) {
	for _, body := range [][]byte{
		readTestdata(t, "error_ec2.xml"),
		readTestdata(t, "error_request_id_lower.xml"),
		readTestdata(t, "error_awsquery.xml"),
		[]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidAttachmentID.NotFound</Code><Message>The attachment ID &apos;eni-attach-1&apos; does not exist</Message></Error></Errors><RequestID>x</RequestID></Response>"),
	} {
		if code, _, _, ok := fastErrorDocument(body); !ok || code == "" {
			t.Errorf("fast path declined %q", body)
		}
	}
	body := readTestdata(t, "error_ec2.xml")
	if allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, ok := fastErrorDocument(body); !ok {
			t.Fatal("fast path declined")
		}
	}); allocs > 3 {
		t.Errorf("fastErrorDocument allocates %.0f times, want 3 (its strings)", allocs)
	}
}

// TestText replaces the five predefined entities, trims space, and gives
// up on any other entity (encoding/xml decides those).
func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"plain", "plain", true},
		{"  \n spaced\t ", "spaced", true},
		{"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", `a <b> & "c" 'd'`, true},
		{"&amp;lt;", "&lt;", true},
		{"", "", true},
		{"&#65;", "", false},
		{"&nbsp;", "", false},
		{"trailing &", "", false},
		{"&amp", "", false},
	}
	for _, tc := range tests {
		got, ok := Text([]byte(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("Text(%q) = %q, %t; want %q, %t", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

// TestScanLeaves reads the named children of the root, and declines what
// it does not handle: another root, nested content, a named child given
// twice, comments, CDATA, odd names, mixed content, too many leaves.
func TestScanLeaves(t *testing.T) {
	t.Parallel()
	names := []string{"requestId", "return"}
	tests := []struct {
		name, body string
		ok         bool
		want       []string // the raw text of each name; "<nil>" when absent
	}{
		{"common", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<XResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><return>true</return></XResponse>`, true, []string{"r-1", "true"}},
		{"prefixed", `<ec2:XResponse xmlns:ec2="urn:x"><ec2:return> true </ec2:return></ec2:XResponse>`, true, []string{"<nil>", " true "}},
		{"others ignored", `<XResponse><other>x</other><return>false</return></XResponse>`, true, []string{"<nil>", "false"}},
		{"self-closed", `<XResponse/>`, true, []string{"<nil>", "<nil>"}},
		{"entities kept raw", `<XResponse><requestId>a&amp;b</requestId></XResponse>`, true, []string{"a&amp;b", "<nil>"}},
		{"stops at the root's end", `<XResponse><return>true</return></XResponse><junk>`, true, []string{"<nil>", "true"}},
		{"another root", `<YResponse><return>true</return></YResponse>`, false, nil},
		{"nested", `<XResponse><set><item>1</item></set><return>true</return></XResponse>`, false, nil},
		{"repeated", `<XResponse><return>true</return><return>false</return></XResponse>`, false, nil},
		{"comment", `<XResponse><!-- c --><return>true</return></XResponse>`, false, nil},
		{"CDATA", `<XResponse><return><![CDATA[true]]></return></XResponse>`, false, nil},
		{"mixed", `<XResponse>text<return>true</return></XResponse>`, false, nil},
		{"name starting with a digit", `<XResponse><1a>x</1a></XResponse>`, false, nil},
		{"two colons", `<XResponse><a:b:c>x</a:b:c></XResponse>`, false, nil},
		{"control character", "<XResponse><return>tr\x01ue</return></XResponse>", false, nil},
		{"carriage return", "<XResponse><return>true\r</return></XResponse>", false, nil},
		{"invalid UTF-8", "<XResponse><return>\xff</return></XResponse>", false, nil},
		{"truncated", `<XResponse><return>true</return>`, false, nil},
		{"mismatched end", `<XResponse><return>true</retur></XResponse>`, false, nil},
		{"too many leaves", "<XResponse>" + strings.Repeat("<a>1</a>", maxScanLeaves+1) + "</XResponse>", false, nil},
		{"empty", ``, false, nil},
	}
	for _, tc := range tests {
		vals := make([][]byte, len(names))
		ok := ScanLeaves([]byte(tc.body), "XResponse", names, vals)
		if ok != tc.ok {
			t.Errorf("%s: ok = %t, want %t", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		for i, want := range tc.want {
			got := "<nil>"
			if vals[i] != nil {
				got = string(vals[i])
			}
			if got != want {
				t.Errorf("%s: %s = %q, want %q", tc.name, names[i], got, want)
			}
		}
		// Where the fast path answers, encoding/xml agrees.
		var doc struct {
			RequestID *string `xml:"requestId"`
			Return    *string `xml:"return"`
		}
		if err := xml.Unmarshal([]byte(tc.body), &doc); err != nil {
			t.Errorf("%s: the fast path read what encoding/xml refuses: %v", tc.name, err)
		}
	}
}

// TestLocalName strips a prefix and declines the names encoding/xml reads
// differently.
func TestLocalName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"return", "return", true},
		{"ec2:return", "return", true},
		{"_x", "_x", true},
		{"", "", false},
		{"1a", "", false},
		{":a", "", false},
		{"a:", "", false},
		{"a:b:c", "", false},
		{"a:1b", "", false},
		{"-a", "", false},
	}
	for _, tc := range tests {
		got, ok := localName([]byte(tc.name))
		if string(got) != tc.want || ok != tc.ok {
			t.Errorf("localName(%q) = %q, %t; want %q, %t", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestFastErrorDocument reads both error shapes and declines the ones
// encoding/xml would read differently.
func TestFastErrorDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body    string
		code, msg, id string
		ok            bool
	}{
		{"EC2", `<Response><Errors><Error><Code>C</Code><Message>m &amp; n</Message></Error></Errors><RequestID>r</RequestID></Response>`, "C", "m & n", "r", true},
		{"awsQuery", `<ErrorResponse><Error><Type>Sender</Type><Code>C</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`, "C", "m", "r", true},
		{"RequestID before RequestId", `<Response><Errors><Error><Code>C</Code></Error></Errors><RequestId>low</RequestId><RequestID>up</RequestID></Response>`, "C", "", "up", true},
		{"no request ID", `<Response><Errors><Error><Code>C</Code></Error></Errors></Response>`, "C", "", "", true},
		{"no code", `<Response><Errors><Error><Message>m</Message></Error></Errors></Response>`, "", "", "", false},
		{"two errors", `<Response><Errors><Error><Code>A</Code></Error><Error><Code>B</Code></Error></Errors></Response>`, "", "", "", false},
		{"both shapes", `<Response><Errors><Error><Code>A</Code></Error></Errors><Error><Code>B</Code></Error></Response>`, "", "", "", false},
		{"other root", `<Error><Code>C</Code></Error>`, "", "", "", false},
		{"unknown entity", `<Response><Errors><Error><Code>C&#65;</Code></Error></Errors></Response>`, "", "", "", false},
	}
	for _, tc := range tests {
		code, msg, id, ok := fastErrorDocument([]byte(tc.body))
		if ok != tc.ok || ok && (code != tc.code || msg != tc.msg || id != tc.id) {
			t.Errorf("%s: (%q, %q, %q, %t), want (%q, %q, %q, %t)", tc.name, code, msg, id, ok, tc.code, tc.msg, tc.id, tc.ok)
		}
	}
}
