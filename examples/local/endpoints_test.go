package main

import (
	"net"
	"slices"
	"testing"
)

func ipNet(s string) *net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

// TestServeEndpoints: -any-address -serve 0.0.0.0:8598 printed
// http://[::]:8598, which no other host can dial; it now prints one
// endpoint per address of the host that others can reach, or says how to
// form one when there is none.
func TestServeEndpoints(t *testing.T) {
	host := []net.Addr{ipNet("127.0.0.1/8"), ipNet("::1/128"), ipNet("fe80::1/64"), ipNet("10.1.2.3/16"),
		&net.IPAddr{IP: net.ParseIP("2001:db8::5")}, ipNet("169.254.9.9/16"), ipNet("192.0.2.7/24")}
	tests := []struct {
		name, listen string
		addrs        []net.Addr
		want         []string
		note         bool
	}{
		{"dual-stack wildcard", "http://[::]:8598", host, []string{"http://10.1.2.3:8598", "http://192.0.2.7:8598", "http://[2001:db8::5]:8598"}, false},
		{"IPv4 wildcard", "http://0.0.0.0:8598", host, []string{"http://10.1.2.3:8598", "http://192.0.2.7:8598", "http://[2001:db8::5]:8598"}, false},
		{"specific address", "http://10.1.2.3:8598", host, []string{"http://10.1.2.3:8598"}, false},
		{"loopback", "http://127.0.0.1:8599", host, []string{"http://127.0.0.1:8599"}, false},
		{"only loopback on the host", "http://[::]:8598", host[:3], []string{"http://127.0.0.1:8598"}, true},
		{"no addresses known", "http://[::]:8598", nil, []string{"http://127.0.0.1:8598"}, true},
	}
	for _, tc := range tests {
		got, note := serveEndpoints(tc.listen, tc.addrs)
		if !slices.Equal(got, tc.want) || (note != "") != tc.note {
			t.Errorf("%s: %v, note %q; want %v, note %t", tc.name, got, note, tc.want, tc.note)
		}
		if tc.note && note != "no address of this host other than loopback was found: other hosts use http://<this host's address>:8598" {
			t.Errorf("%s: note %q", tc.name, note)
		}
	}
}

func TestSameHostKeepsTheListenersPort(t *testing.T) {
	for _, c := range [][3]string{
		{"http://[::]:41000", "http://192.0.2.7:8599", "http://192.0.2.7:41000"},
		{"http://127.0.0.1:41000", "http://127.0.0.1:8599", "http://127.0.0.1:41000"},
		{"http://0.0.0.0:41000", "http://[2001:db8::7]:8599", "http://[2001:db8::7]:41000"},
	} {
		if got := sameHost(c[0], c[1]); got != c[2] {
			t.Errorf("sameHost(%s, %s) = %s, want %s", c[0], c[1], got, c[2])
		}
	}
}
