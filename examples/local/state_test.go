package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"unicode"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestServeAndStateAgree: GET /_ec2test/state and the -serve line use one
// naming convention, camelCase as AWS's JSON, and the same name and value
// for the same fact.
func TestServeAndStateAgree(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	decode := func(v any) map[string]any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	serve := decode(describeServer(srv, []string{srv.URL}, nil))
	resp, err := http.Get(srv.URL + ec2test.ControlPrefix + "state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}

	// Every key of the state, at any depth, is camelCase.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if r := []rune(k); len(r) == 0 || !unicode.IsLower(r[0]) {
					t.Errorf("state key %s.%s is not camelCase", path, k)
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		}
	}
	walk("", state)

	// byID indexes a list of objects by their key id.
	byID := func(list any, id string) map[string]map[string]any {
		out := map[string]map[string]any{}
		items, _ := list.([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			s, _ := m[id].(string)
			out[s] = m
		}
		return out
	}
	same := func(what string, serveVal, stateVal any) {
		t.Helper()
		if !reflect.DeepEqual(serveVal, stateVal) {
			t.Errorf("%s: -serve prints %v, the state %v", what, serveVal, stateVal)
		}
	}
	stateInstances := byID(state["instances"], "instanceId")
	for id, si := range byID(serve["instances"], "instanceId") {
		st, ok := stateInstances[id]
		if !ok {
			t.Errorf("instance %s of -serve is not in the state", id)
			continue
		}
		for _, k := range []string{"instanceId", "availabilityZone", "subnetId"} {
			same(id+" "+k, si[k], st[k])
		}
	}
	stateInterfaces := byID(state["interfaces"], "networkInterfaceId")
	for id, si := range byID(serve["interfaces"], "networkInterfaceId") {
		st, ok := stateInterfaces[id]
		if !ok {
			t.Errorf("interface %s of -serve is not in the state", id)
			continue
		}
		for _, k := range []string{"networkInterfaceId", "status", "availabilityZone", "subnetId"} {
			same(id+" "+k, si[k], st[k])
		}
		// -serve flattens the attachment; the state nests it under the
		// same names.
		att, _ := st["attachment"].(map[string]any)
		if si["attachmentId"] == nil {
			same(id+" attachment", nil, st["attachment"])
			continue
		}
		for _, k := range []string{"attachmentId", "instanceId", "deviceIndex"} {
			same(id+" "+k, si[k], att[k])
		}
		same(id+" attachmentStatus", si["attachmentStatus"], att["status"])
	}
}
