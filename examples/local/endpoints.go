package main

import (
	"net"
	"net/url"
)

// reachableEndpoints returns the endpoints other hosts can use for a server
// listening at listenURL. A server listening on a specific address is
// reached there. One listening on every address (-serve 0.0.0.0:8599 or
// [::]:8599, which Go reports as http://[::]:8599, an address no other
// host can dial) is reached at each of the host's addresses that are
// neither loopback nor link-local (IPv4 first): addrs are the host's, from
// net.InterfaceAddrs. The result is empty when the host has none.
func reachableEndpoints(listenURL string, addrs []net.Addr) []string {
	u, err := url.Parse(listenURL)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsUnspecified() {
		return []string{listenURL}
	}
	var v4, v6 []string
	for _, a := range addrs {
		var ip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			ip = a.IP
		case *net.IPAddr:
			ip = a.IP
		}
		if ip == nil || ip.IsLoopback() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsMulticast() {
			continue
		}
		e := (&url.URL{Scheme: u.Scheme, Host: net.JoinHostPort(ip.String(), u.Port())}).String()
		if ip.To4() != nil {
			v4 = append(v4, e)
		} else {
			v6 = append(v6, e)
		}
	}
	return append(v4, v6...)
}

// serveEndpoints returns the endpoints -serve prints for a server at
// listenURL, the first being the one printed as "endpoint", and a note for
// stderr when no address other hosts can use was found: then the first is
// the loopback one, and the note says how to form the others.
func serveEndpoints(listenURL string, addrs []net.Addr) (endpoints []string, note string) {
	if endpoints = reachableEndpoints(listenURL, addrs); len(endpoints) > 0 {
		return endpoints, ""
	}
	u, err := url.Parse(listenURL)
	if err != nil {
		return []string{listenURL}, ""
	}
	loopback := (&url.URL{Scheme: u.Scheme, Host: net.JoinHostPort("127.0.0.1", u.Port())}).String()
	return []string{loopback}, "no address of this host other than loopback was found: other hosts use " +
		u.Scheme + "://<this host's address>:" + u.Port()
}

// sameHost returns listenURL with the host of endpoint and its own port:
// where other hosts reach a second listener of the server's host.
func sameHost(listenURL, endpoint string) string {
	l, err1 := url.Parse(listenURL)
	e, err2 := url.Parse(endpoint)
	if err1 != nil || err2 != nil {
		return listenURL
	}
	l.Host = net.JoinHostPort(e.Hostname(), l.Port())
	return l.String()
}
