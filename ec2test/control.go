package ec2test

import (
	"encoding/json"
	"io"
	"net/http"
)

// ControlPrefix starts the paths of requests to the server itself rather
// than to EC2 (whose requests go to /): POST /_ec2test/reset calls Reset,
// GET /_ec2test/state answers the instances and interfaces as JSON. They
// need no signature, are not recorded and meet no injected fault.
const ControlPrefix = "/_ec2test/"

// serveControl answers a request under ControlPrefix.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == ControlPrefix+"reset" && r.Method == http.MethodPost:
		s.Reset()
		_, _ = io.WriteString(w, `{"reset":true}`+"\n")
	case r.URL.Path == ControlPrefix+"state" && r.Method == http.MethodGet:
		// camelCase, as -serve prints and AWS's JSON names the same fields.
		_ = json.NewEncoder(w).Encode(struct {
			Instances  []InstanceState  `json:"instances"`
			Interfaces []InterfaceState `json:"interfaces"`
		}{s.Instances(), s.Interfaces()})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"unknown ec2test control request; known: POST `+ControlPrefix+`reset, GET `+ControlPrefix+`state"}`+"\n")
	}
}
