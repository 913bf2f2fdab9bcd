package query

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
)

// Call sends a Query action with params and decodes the response element
// <action>Response into out with encoding/xml (element names match
// exactly, in any namespace); a nil out discards the body. The engine's
// API version is sent unless params sets one (a single, non-empty value;
// params must not set Action). params is not modified.
func (e *Engine) Call(ctx context.Context, action string, params url.Values, out any) error {
	if !validAction(action) {
		return &ValidationError{Field: "action", Reason: fmt.Sprintf("%q is not an action name", action)}
	}
	if _, ok := params["Action"]; ok {
		return &ValidationError{Field: "params", Reason: "must not set Action; pass it as the action argument"}
	}
	if v, ok := params["Version"]; ok && (len(v) > 1 || len(v) == 1 && v[0] == "") {
		// Sent as given, two Versions would reach the service, which
		// picks one the caller cannot know.
		return &ValidationError{Field: "params", Reason: fmt.Sprintf("Version must be one non-empty value, got %q", v)}
	}
	if out != nil {
		// Checked before sending: a request that succeeded must not be
		// reported as a bad response because out could not take it.
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return &ValidationError{Field: "out", Reason: fmt.Sprintf("must be a non-nil pointer, got %T", out)}
		}
	}
	p := make(url.Values, len(params)+2)
	for k, v := range params {
		p[k] = v // Encode only reads the slices
	}
	p["Action"] = []string{action}
	if len(p["Version"]) == 0 {
		p["Version"] = []string{e.s.Version}
	}
	return e.Send(ctx, action, []byte(p.Encode()), out)
}

// validAction reports whether action looks like a Query action name.
func validAction(action string) bool {
	if action == "" || len(action) > 128 {
		return false
	}
	for i := 0; i < len(action); i++ {
		c := action[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
