package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// rewritingEC2 is srv behind a proxy that rewrites srv's answers to
// action (signatures still verify: the request is passed on as signed).
func rewritingEC2(t *testing.T, srv *ec2test.Server, action string, rewrite func(string) string) string {
	t.Helper()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		req, err := http.NewRequest(r.Method, srv.URL+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		req.Header, req.Host = r.Header.Clone(), r.Host
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if q, err := url.ParseQuery(string(body)); err == nil && q.Get("Action") == action {
			answer = []byte(rewrite(string(answer)))
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// TestLookupByInterfaceNamesWhatWasAsked: looked up by
// -network-interface-id, an answer that lacks that interface is reported
// as "no network interface is attached to instance  at device index 0,
// network card 0": an instance and a slot nobody asked about (issue 17,
// "Errors name what was asked"; fixed by the wait branch, kept as a
// regression test of the command's output).
func TestLookupByInterfaceNamesWhatWasAsked(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	other := func(s string) string {
		return strings.ReplaceAll(s, "<networkInterfaceId>"+ec2test.FailoverInterface+"<", "<networkInterfaceId>eni-0ffffffffffffffff<")
	}
	status, stdout, _ := runCmd("-json", "-endpoint", rewritingEC2(t, srv, "DescribeNetworkInterfaces", other), "-region", srv.Region(),
		"-network-interface-id", ec2test.FailoverInterface)
	var res result
	decodeOne(t, stdout, &res)
	if status != exitRefused || res.Error == nil || !strings.Contains(res.Error.Message, ec2test.FailoverInterface) ||
		strings.Contains(res.Error.Message, "instance  at") {
		t.Errorf("exit %d, %s; want 1 and a message naming %s", status, stdout, ec2test.FailoverInterface)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 0 {
		t.Errorf("a detach was sent")
	}
}

// TestLookupInterfaceShownTwiceIsRefused: an answer that shows the
// interface asked for twice, attached at two instances, is a
// contradiction: neither the detach nor the move acts on it (exit 1,
// nothing sent).
func TestLookupInterfaceShownTwiceIsRefused(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	twice := func(s string) string {
		i := strings.Index(s, "<networkInterfaceSet>")
		j := strings.LastIndex(s, "</networkInterfaceSet>")
		if i < 0 || j < 0 {
			return s
		}
		item := s[i+len("<networkInterfaceSet>") : j]
		elsewhere := strings.NewReplacer("<instanceId>"+ec2test.InstanceA+"<", "<instanceId>"+ec2test.InstanceC+"<",
			"<attachmentId>"+ec2test.FailoverAttachment+"<", "<attachmentId>eni-attach-0ffffffffffffffff<").Replace(item)
		return s[:j] + elsewhere + s[j:]
	}
	for _, args := range [][]string{
		{"-network-interface-id", ec2test.FailoverInterface},
		{"-network-interface-id", ec2test.FailoverInterface, "-wait"},
		{"-network-interface-id", ec2test.FailoverInterface, "-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB},
		{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB, "-to-device-index", "1"},
	} {
		srv.Reset()
		status, stdout, _ := runCmd(append([]string{"-json", "-endpoint", rewritingEC2(t, srv, "DescribeNetworkInterfaces", twice), "-region", srv.Region()}, args...)...)
		if st, _ := srv.Interface(ec2test.FailoverInterface); status != exitRefused || st.Detaches != 0 {
			t.Errorf("%v: exit %d, %d detaches: %s; want 1 and none", args, status, st.Detaches, stdout)
		}
	}
}
