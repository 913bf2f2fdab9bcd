package ec2test

import (
	"fmt"
	"io"
	"strings"
)

// What fmt prints of the types that hold secret keys: never a secret, in
// any verb. A server prints at most what examples/local -serve prints
// without its secrets (endpoint, region, access key IDs and what each may
// do): the built-in keys are meant to be shared, a user's own seeded keys
// are not.

// Format prints the server's URL, region and access key IDs, never a
// secret key or session token, in every verb.
func (s *Server) Format(f fmt.State, verb rune) {
	if s == nil {
		formatSafe(f, verb, "(*ec2test.Server)(nil)", "<nil>")
		return
	}
	var ids []string
	for _, k := range s.Keys() {
		id := k.AccessKeyID
		if k.Denied {
			id += "(denied)"
		}
		ids = append(ids, id)
	}
	str := fmt.Sprintf("{URL:%s Region:%s Keys:[%s]}", s.URL, s.region, strings.Join(ids, " "))
	formatSafe(f, verb, "&ec2test.Server"+str, "&"+str)
}

// Format prints the key with its secret key and session token redacted,
// in every verb.
func (k Key) Format(f fmt.State, verb rune) {
	str := fmt.Sprintf("{AccessKeyID:%s SecretAccessKey:%s SessionToken:%s Denied:%t}",
		k.AccessKeyID, redacted(k.SecretAccessKey), redacted(k.SessionToken), k.Denied)
	formatSafe(f, verb, "ec2test.Key"+str, str)
}

// redacted stands for a secret: empty when it is empty, else REDACTED.
func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return "REDACTED"
}

// formatSafe writes goString for %#v, else str formatted with the verb and
// flags given, as a string would be, so that no verb reaches the fields of
// the value described.
func formatSafe(f fmt.State, verb rune, goString, str string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, goString)
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), str)
}

// Format prints the service's URL and instance, never a token, in every
// verb.
func (m *IMDS) Format(f fmt.State, verb rune) {
	if m == nil {
		formatSafe(f, verb, "(*ec2test.IMDS)(nil)", "<nil>")
		return
	}
	str := fmt.Sprintf("{URL:%s InstanceID:%s}", m.URL, m.InstanceID)
	formatSafe(f, verb, "&ec2test.IMDS"+str, "&"+str)
}
